"""Step through a training batch: the recording of a run's next step holds autograd's own numbers
for that batch and those weights, and recording it changes nothing of the run."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from graphlab.train import TrainConfig, Trainer
from graphlab.train.batch_step import IMAGES
from tests.toy_mnist import toy_data
from tests.train.test_train_state import assert_same

TOY = toy_data()


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"device": "cpu", "batch_size": 64, "epochs": 2, **overrides})


def independent_grads(trainer: Trainer, idx: torch.Tensor) -> tuple[float, dict]:
    """The loss and parameter gradients of the trainer's weights on images ``idx``, computed
    with ``torch.autograd.grad`` on copies of the weights (the trainer's ``.grad`` untouched)."""
    params = {k: v.detach().clone().requires_grad_() for k, v in trainer.model.named_parameters()}
    x, y = trainer._train_x[idx], trainer._train_y[idx]
    loss = F.cross_entropy(functional_call(trainer.model, params, (x,)), y)
    grads = torch.autograd.grad(loss, list(params.values()))
    return loss.item(), dict(zip(params, grads, strict=True))


def assert_shows(plain: dict, grad: torch.Tensor) -> None:
    """The recording's plain value of a gradient shows `grad`: its numbers, or its summary."""
    assert plain["shape"] == list(grad.shape)
    if "value" in plain:
        torch.testing.assert_close(torch.tensor(plain["value"]), grad, rtol=1e-5, atol=1e-7)
    else:
        summary = plain["summary"]
        stats = {"min": grad.min(), "max": grad.max(), "mean": grad.mean()}
        for key, expected in stats.items():
            assert summary[key] == pytest.approx(expected.item(), rel=1e-4, abs=1e-8), key


def leaf_grads(data: dict) -> dict[str, dict]:
    return {leaf["name"]: leaf["grad"] for leaf in data["leaves"]}


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_gradients_are_autograds_for_the_next_batch_and_the_weights_now(model):
    trainer = Trainer(config(model=model, optimizer="adam"), data=TOY)
    trainer.run(max_steps=3)
    data = trainer.batch_recording()
    p = trainer.progress
    idx = p.perm[3 * 64 : 4 * 64][:IMAGES]  # the batch the 4th step trains, as _step takes it
    loss, grads = independent_grads(trainer, idx)
    info = data["training"]
    assert info["where"] == "epoch" and (info["step"], info["epoch"], info["batch"]) == (3, 0, 3)
    assert info["images"] == IMAGES and info["batch_size"] == 64
    assert info["labels"] == trainer._train_y[idx].tolist()
    assert info["loss"] == pytest.approx(loss, rel=1e-6)
    assert data["forward"][-1]["op"] == "F.cross_entropy" and data["backward"]
    shown = leaf_grads(data)
    assert set(shown) == set(grads)  # every parameter, and nothing else, gets a .grad
    for name, grad in grads.items():
        assert_shows(shown[name], grad)
    assert all(leaf["equal"] for leaf in data["leaves"])  # the steps add up to each .grad


def test_the_whole_batch_is_the_one_the_next_step_trains():
    trainer = Trainer(config(), data=TOY)
    trainer.run(max_steps=2)
    data = trainer.batch_recording(images=None)
    assert data["training"]["images"] == 64
    trainer.run(max_steps=1)
    assert trainer.history.losses[-1] == pytest.approx(data["training"]["loss"], rel=1e-6)
    shown = leaf_grads(data)
    for name, param in trainer.model.named_parameters():  # .grad of that step, before the update
        assert_shows(shown[name], param.grad)


def test_recording_changes_nothing_of_the_run():
    trainer = Trainer(config(optimizer="momentum"), data=TOY)
    trainer.run(max_steps=5)
    before = copy.deepcopy(trainer.state_dict())
    grads = [param.grad.clone() for param in trainer.model.parameters()]
    generator, global_rng = trainer.generator.get_state(), torch.random.get_rng_state()
    perm = trainer.progress.perm.clone()
    trainer.batch_recording()
    trainer.batch_recording(images=None)
    after = trainer.state_dict()
    for key in ("model", "optimizer", "progress", "history", "config"):
        assert_same(after[key], before[key])
    for param, grad in zip(trainer.model.parameters(), grads, strict=True):
        assert torch.equal(param.grad, grad)
    assert torch.equal(trainer.generator.get_state(), generator)
    assert torch.equal(torch.random.get_rng_state(), global_rng)
    assert torch.equal(trainer.progress.perm, perm)


def test_resuming_after_a_recording_trains_as_if_there_was_none():
    plain, studied = Trainer(config(seed=3), data=TOY), Trainer(config(seed=3), data=TOY)
    plain.run(max_steps=6)
    studied.run(max_steps=6)
    studied.batch_recording()
    expected, history = plain.run(), studied.run()
    assert history.status == expected.status == "done"
    assert history.losses == expected.losses
    for a, b in zip(plain.model.parameters(), studied.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_between_epochs_the_batch_is_the_first_of_the_order_the_next_epoch_draws():
    states: list[dict] = []
    first = Trainer(config(), data=TOY, callbacks=[lambda e: e["event"] == "epoch" and
                                                    states.append(first.state_dict())])  # fmt: skip
    first.run(max_steps=8)  # one epoch of 8 batches; its epoch event finds the next undrawn
    trainer = Trainer(config(), data=TOY)
    trainer.load_state_dict(states[0])
    assert trainer.progress.perm is None and trainer.progress.epoch == 1
    generator = trainer.generator.get_state()
    data = trainer.batch_recording(images=None)
    assert torch.equal(trainer.generator.get_state(), generator)  # drawn from a copy
    info = data["training"]
    assert (info["where"], info["epoch"], info["batch"], info["step"]) == ("next_epoch", 1, 0, 8)
    trainer.run(max_steps=1)
    assert trainer.history.losses[-1] == pytest.approx(info["loss"], rel=1e-6)


def test_after_the_last_epoch_the_batch_is_one_a_further_epoch_would_take():
    trainer = Trainer(config(epochs=1), data=TOY)
    assert trainer.run().status == "done"
    data = trainer.batch_recording(images=3)
    info = data["training"]
    assert (info["where"], info["epoch"], info["images"]) == ("after_end", 1, 3)
    assert len(info["labels"]) == 3 and data["leaves"]
    with pytest.raises(ValueError, match="at least 1"):
        trainer.batch_recording(images=0)
