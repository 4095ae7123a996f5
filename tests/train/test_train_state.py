"""Trainer state: state_dict() / load_state_dict() and checkpoints in a path, a file or bytes."""

from __future__ import annotations

import io
import threading
import time

import pytest
import torch

from graphlab.train import FORMAT, JobSlots, TrainConfig, Trainer
from tests.toy_mnist import toy_data

TOY = toy_data()


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"device": "cpu", "batch_size": 64, "epochs": 2, **overrides})


def assert_same(a, b) -> None:
    """Equal nested dicts / lists of tensors and plain values, tensors bit for bit."""
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict))
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize(("optimizer", "steps"), [("adam", 5), ("momentum", 11), ("rmsprop", 8)])
def test_state_round_trips_through_bytes_into_a_fresh_trainer(optimizer, steps):
    cfg = config(optimizer=optimizer, seed=4)
    expected = Trainer(cfg, data=TOY).run()
    trained = Trainer(cfg, data=TOY)
    trained.run(max_steps=steps)
    raw = trained.to_bytes()
    for fresh in (Trainer.from_bytes(raw, data=TOY), Trainer(cfg, data=TOY)):
        if fresh.progress.step == 0:  # the second: a trainer built by hand, then loaded
            fresh.load_state_dict(torch.load(io.BytesIO(raw), weights_only=True))
        for a, b in zip(fresh.model.parameters(), trained.model.parameters(), strict=True):
            assert torch.equal(a, b)
        assert_same(fresh.optimizer.state_dict(), trained.optimizer.state_dict())
        assert fresh.progress.step == steps and fresh.history.losses == trained.history.losses
        assert fresh.config == trained.config
        history = fresh.run()  # continues from the same step, exactly
        assert history.steps[steps] == steps + 1
        assert history.losses == expected.losses and history.smoothed == expected.smoothed


def test_state_dict_is_a_snapshot_that_training_does_not_change():
    trainer = Trainer(config(), data=TOY)
    trainer.run(max_steps=3)
    state = trainer.state_dict()
    assert state["format"] == FORMAT
    before = {name: tensor.clone() for name, tensor in state["model"].items()}
    moments = state["optimizer"]["state"][0]["exp_avg"].clone()
    trainer.run(max_steps=3)
    assert state["progress"]["step"] == 3 and len(state["history"]["losses"]) == 3
    assert_same(state["model"], before)
    assert torch.equal(state["optimizer"]["state"][0]["exp_avg"], moments)
    assert not torch.equal(trainer.model.state_dict()["2.weight"], before["2.weight"])


def test_save_to_a_path_a_file_and_bytes_writes_the_same_checkpoint(tmp_path):
    trainer = Trainer(config(), data=TOY)
    trainer.run(max_steps=4)
    trainer.save(tmp_path / "deep" / "run.pt")  # makes the folder
    with open(tmp_path / "file.pt", "wb") as file:
        trainer.save(file)
    buffer = io.BytesIO()
    trainer.save(buffer)
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["run.pt"]  # no temp left
    states = [
        torch.load(tmp_path / "deep" / "run.pt", weights_only=True),
        torch.load(tmp_path / "file.pt", weights_only=True),
        torch.load(io.BytesIO(buffer.getvalue()), weights_only=True),
        torch.load(io.BytesIO(trainer.to_bytes()), weights_only=True),
    ]
    for state in states[1:]:
        assert_same(state, states[0])
    with open(tmp_path / "file.pt", "rb") as file:
        assert Trainer.load(file, data=TOY).progress.step == 4


def test_a_state_saved_while_running_loads_stopped_and_consistent(tmp_path):
    trainer = Trainer(config(epochs=100), data=TOY)
    trainer.start(slots=JobSlots(1))
    try:
        while trainer.snapshot().step < 3:
            time.sleep(0.001)
        trainer.save(tmp_path / "live.pt")
        raw = trainer.to_bytes()
    finally:
        trainer.stop()
    for loaded, origin in [
        (Trainer.load(tmp_path / "live.pt", data=TOY), "loaded from live.pt at step "),
        (Trainer.from_bytes(raw, data=TOY), "loaded at step "),
    ]:
        step = loaded.progress.step
        assert loaded.status == "stopped" and loaded.history.message == f"{origin}{step}"
        assert loaded.history.steps == list(range(1, step + 1))
        assert len(loaded.history.losses) == len(loaded.history.smoothed) == step


def test_save_writes_outside_the_training_locks():
    steps = []
    trainer = Trainer(config(epochs=100), callbacks=[steps.append], data=TOY)

    class SlowFile(io.BytesIO):
        waited = False

        def write(self, data):
            if not self.waited:  # training must go on while the checkpoint is written
                self.waited, seen = True, len(steps)
                deadline = time.monotonic() + 10
                while len(steps) < seen + 6 and time.monotonic() < deadline:
                    time.sleep(0.005)
                assert len(steps) >= seen + 6, "training waited for the write"
            return super().write(data)

    trainer.start(slots=JobSlots(1))
    try:
        while trainer.snapshot().step < 2:
            time.sleep(0.001)
        slow = SlowFile()
        trainer.save(slow)
    finally:
        trainer.stop()
    assert slow.waited and Trainer.from_bytes(slow.getvalue(), data=TOY).progress.step >= 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "cnn"}, "another model 'cnn' (this trainer: 'mlp')"),
        ({"optimizer": "sgd"}, "another optimizer 'sgd' (this trainer: 'adam')"),
        ({"batch_size": 32}, "another batch_size 32 (this trainer: 64)"),
        ({"train_size": 256}, "another train_size 256 (this trainer: None)"),
    ],
)
def test_a_state_of_another_setup_is_refused_before_anything_changes(change, message):
    source = Trainer(config(**change), data=TOY)
    source.run(max_steps=2)
    target = Trainer(config(), data=TOY)
    before = [p.clone() for p in target.model.parameters()]
    with pytest.raises(ValueError, match="the state was saved with") as caught:
        target.load_state_dict(source.state_dict())
    assert message in str(caught.value)
    assert all(torch.equal(a, b) for a, b in zip(before, target.model.parameters(), strict=True))
    assert target.progress.step == 0 and target.history.status == "idle"


def test_epochs_rate_and_schedule_come_from_the_state_and_the_device_stays():
    source = Trainer(config(epochs=3, lr=0.01, schedule="constant"), data=TOY)
    source.run(max_steps=2)
    target = Trainer(config(), data=TOY)
    target.load_state_dict(source.state_dict())
    assert target.config == source.config and target.config.device == "cpu"


def test_damaged_or_crafted_states_are_refused():
    trainer = Trainer(config(), data=TOY)
    trainer.run(max_steps=2)
    state = trainer.state_dict()
    for broken, message in [
        ({**state, "format": "graphlab.train/0"}, "not a graphlab training checkpoint"),
        ({k: v for k, v in state.items() if k != "progress"}, "it lacks progress"),
        ({**state, "history": {**state["history"], "status": "<b>"}}, "status must be one of"),
        ({**state, "history": {**state["history"], "losses": ["x"]}}, "not numbers"),
        ({**state, "config": {**state["config"], "epochs": 0}}, "invalid TrainConfig"),
        ({**state, "config": {**state["config"], "colour": 1}}, "unknown fields colour"),
        ({**state, "config": ["model"]}, "not a dict of settings"),
        ({**state, "history": {**state["history"], "steps": None}}, "history is damaged"),
        ({**state, "history": {"status": "done"}}, "history is damaged"),
        ({**state, "history": {**state["history"], "epochs": [{"x": 1.0}]}}, "each epoch of a"),
    ]:
        with pytest.raises(ValueError, match=message):
            Trainer(config(), data=TOY).load_state_dict(broken)
        buffer = io.BytesIO()
        torch.save(broken, buffer)
        with pytest.raises(ValueError, match=message):
            Trainer.from_bytes(buffer.getvalue(), data=TOY)
    small = (TOY[0][:64], TOY[1][:64], TOY[2], TOY[3])  # one batch per epoch; the state is at 2
    with pytest.raises(ValueError, match="larger training set than this trainer has"):
        Trainer(config(), data=small).load_state_dict(state)


def test_no_state_loads_into_a_running_trainer():
    trainer = Trainer(config(epochs=100), data=TOY)
    state = trainer.state_dict()
    trainer.start(slots=JobSlots(1))
    try:
        with pytest.raises(RuntimeError, match="stop\\(\\) it before loading"):
            trainer.load_state_dict(state)
    finally:
        trainer.stop()
    trainer.load_state_dict(state)
    assert trainer.progress.step == 0 and trainer.history.losses == []


def test_a_loaded_state_replaces_a_drawn_epoch_order():
    cfg = config(seed=9)
    fresh_state = Trainer(cfg, data=TOY).state_dict()  # no epoch drawn yet
    used = Trainer(cfg, data=TOY)
    used.run(max_steps=3)
    used.load_state_dict(fresh_state)
    assert used.progress.perm is None and used.progress.step == 0
    assert used.run().losses == Trainer(cfg, data=TOY).run().losses


def test_concurrent_saves_while_training_never_tear(tmp_path):
    trainer = Trainer(config(epochs=100), data=TOY)
    trainer.start(slots=JobSlots(1))
    errors = []

    def save_repeatedly(n):
        try:
            for i in range(5):
                trainer.save(tmp_path / f"{n}-{i}.pt")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=save_repeatedly, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        trainer.stop()
    assert errors == []
    for path in tmp_path.iterdir():
        loaded = Trainer.load(path, data=TOY)
        assert len(loaded.history.losses) == loaded.progress.step
