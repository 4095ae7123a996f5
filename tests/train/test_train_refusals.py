"""Checkpoints a visitor crafts: each is refused with a ValueError before the trainer changes.

Only what ``state_dict()`` makes loads; a crafted position, weight or prediction would otherwise
train past the page's limits, leave a half-loaded model, or size a confusion matrix in gigabytes.
"""

from __future__ import annotations

import math

import pytest
import torch

from graphlab.train import History, Trainer, checkpoint
from graphlab.train.metrics import EPOCH_FIELDS
from tests.train.test_train_state import TOY, assert_same, config


def _crafted(state: dict) -> list[tuple[str, dict, str]]:
    """Variants of ``state`` a visitor could upload, each with the refusal it must meet."""
    progress, weights = state["progress"], state["model"]
    optimizer = state["optimizer"]
    return [
        ("a weight of another shape", {**state, "model": {**weights, "6.weight": torch.zeros(3)}},
         "weights do not fit"),
        ("an extra weight", {**state, "model": {**weights, "extra": torch.zeros(1)}},
         "weights do not fit"),
        ("no weights", {**state, "model": [1, 2]}, "weights do not fit"),
        ("a negative epoch", {**state, "progress": {**progress, "epoch": -10**9}}, "not counts"),
        ("a fractional step", {**state, "progress": {**progress, "step": 2.5}}, "not counts"),
        ("an infinite time", {**state, "progress": {**progress, "ema": math.inf}}, "not counts"),
        ("no position", {**state, "progress": "x"}, "position is damaged"),
        ("half a position", {**state, "progress": {"step": 1}}, "position is damaged"),
        ("a short generator state",
         {**state, "progress": {**progress, "rng_state": torch.zeros(3, dtype=torch.uint8)}},
         "generator state is damaged"),
        ("an invalid generator state",
         {**state, "progress": {**progress, "rng_state": progress["rng_state"] * 0 + 255}},
         "generator state is damaged"),
        ("predictions past the digits",
         {**state, "test_predictions": torch.full((len(TOY[3]),), 10**10)}, "not digits"),
        ("negative predictions",
         {**state, "test_predictions": -torch.ones(len(TOY[3]), dtype=torch.int64)}, "not digits"),
        ("predictions as floats",
         {**state, "test_predictions": torch.zeros(len(TOY[3]))}, "not digits"),
        ("a second parameter group",
         {**state, "optimizer": {**optimizer, "param_groups": optimizer["param_groups"] * 2}},
         "different number of parameter groups"),
    ]  # fmt: skip


def test_a_crafted_state_is_refused_before_anything_changes():
    source = Trainer(config(seed=1), data=TOY)
    source.run(max_steps=8)  # past the first epoch: it has test predictions
    state = source.state_dict()
    assert state["test_predictions"] is not None
    target = Trainer(config(), data=TOY)
    target.run(max_steps=3)
    before = target.state_dict()
    generator = target.generator.get_state()
    for what, crafted, message in _crafted(state):
        with pytest.raises(ValueError, match=message):
            target.load_state_dict(crafted)
        assert_same(target.state_dict(), before)  # weights, optimizer, position, history
        assert torch.equal(target.generator.get_state(), generator), what
        with pytest.raises(ValueError, match=message):  # and as a visitor's upload
            Trainer.from_bytes(checkpoint.to_bytes(crafted), data=TOY)
    target.load_state_dict(state)  # the genuine state still loads, and goes on exactly
    assert target.progress.step == 8 and torch.equal(
        target.test_predictions, source.test_predictions
    )
    assert target.run().losses == source.run().losses


def test_predictions_of_another_test_set_are_dropped_not_refused():
    source = Trainer(config(), data=TOY)
    source.run(max_steps=8)
    fewer = (*TOY[:2], TOY[2][:64], TOY[3][:64])  # the same setup, on fewer test images
    target = Trainer(config(), data=fewer)
    target.load_state_dict(source.state_dict())
    assert target.progress.step == 8 and target.test_predictions is None


def test_a_history_takes_the_epoch_records_a_run_writes():
    trainer = Trainer(config(epochs=1), data=TOY)
    trainer.run()
    (record,) = trainer.history.epochs
    assert tuple(record) == EPOCH_FIELDS
    assert History.from_dict(trainer.history.to_dict()) == trainer.history
