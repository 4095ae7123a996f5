"""The pieces around the trainer: config validation, device choice, job slots, models, metrics."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from graphlab import train
from graphlab.core import device as device_module
from graphlab.core.device import pick_device
from graphlab.models import build_model
from graphlab.train import BusyError, JobSlots, TrainConfig

# -- TrainConfig --------------------------------------------------------------------------------


def test_defaults_are_valid_and_lr_follows_the_optimizer():
    assert TrainConfig().lr == train.DEFAULT_LR["adam"]
    for optimizer, lr in train.DEFAULT_LR.items():
        assert TrainConfig(optimizer=optimizer).lr == lr
    assert TrainConfig(optimizer="sgd", lr=0.5).lr == 0.5


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("model", "resnet", "model must be one of mlp, cnn (got 'resnet')"),
        ("optimizer", "adamw", "optimizer must be one of sgd, momentum, adam, rmsprop"),
        ("lr", 0.0, "lr must be a positive finite number"),
        ("lr", math.nan, "lr must be a positive finite number"),
        ("lr", "0.1", "lr must be a positive finite number"),
        ("batch_size", 0, "batch_size must be an integer from 1 to 65536 (got 0)"),
        ("batch_size", 32.0, "batch_size must be an integer"),
        ("epochs", True, "epochs must be an integer"),
        ("epochs", 101, "epochs must be an integer from 1 to 100"),
        ("device", "tpu", "device must be one of auto, cpu, cuda, mps"),
        ("seed", -1, "seed must be an integer"),
        ("schedule", "step", "schedule must be one of cosine, constant"),
        ("train_size", 0, "train_size must be an integer"),
    ],
)
def test_invalid_config_names_the_field(field, value, complaint):
    with pytest.raises(ValueError, match="invalid TrainConfig") as caught:
        TrainConfig(**{field: value})
    assert complaint in str(caught.value)


def test_an_unknown_optimizer_is_not_also_blamed_on_lr():
    with pytest.raises(ValueError) as caught:
        TrainConfig(optimizer="adamw", epochs=0)
    assert "lr" not in str(caught.value) and "epochs must be" in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as caught:
        TrainConfig(model="x", lr=-1, epochs=0)
    assert str(caught.value).count(" must be ") == 3


def test_config_is_frozen_and_round_trips():
    config = TrainConfig(model="cnn", optimizer="rmsprop", epochs=2, seed=7)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(AttributeError):
        config.lr = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown fields colour"):
        TrainConfig.from_dict({**config.to_dict(), "colour": "red"})


def test_cosine_schedule_decays_and_constant_does_not():
    cosine, constant = TrainConfig(lr=1.0), TrainConfig(lr=1.0, schedule="constant")
    rates = [train.lr_at(cosine, step, 10) for step in range(10)]
    assert rates[0] == 1.0 and all(a > b for a, b in zip(rates, rates[1:], strict=False))
    assert train.lr_at(cosine, 10, 10) == 0.0
    assert {train.lr_at(constant, step, 10) for step in range(10)} == {1.0}


# -- the device choice --------------------------------------------------------------------------


@pytest.fixture
def fake_devices(monkeypatch):
    def fake(cuda: bool, mps: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(fake_devices, cuda, mps, expected):
    fake_devices(cuda, mps)
    assert pick_device("auto") == torch.device(expected)
    assert pick_device("cpu") == torch.device("cpu")


def test_missing_accelerator_is_an_error_not_a_silent_cpu(fake_devices):
    fake_devices(False, False)
    with pytest.raises(ValueError, match="'cuda' was requested but CUDA is not available"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="'mps' was requested but MPS is not available"):
        pick_device("mps")
    with pytest.raises(ValueError, match="device must be one of"):
        pick_device("gpu")


def test_a_build_without_mps_counts_as_no_mps(fake_devices, monkeypatch):
    fake_devices(False, True)
    monkeypatch.setattr(torch.backends, "mps", None)
    assert not device_module._mps_available()


def test_explicit_accelerator_when_available(fake_devices):
    fake_devices(True, True)
    assert pick_device("cuda") == torch.device("cuda")
    assert pick_device("mps") == torch.device("mps")


# -- job slots ----------------------------------------------------------------------------------


def test_slots_refuse_past_the_cap_and_free_on_release():
    slots = JobSlots(max_jobs=2)
    slots.acquire()
    slots.acquire()
    with pytest.raises(BusyError, match="all 2 training slots are busy; try again"):
        slots.acquire()
    slots.release()
    slots.acquire()
    assert slots.in_use == 2


def test_slots_are_safe_under_contention():
    slots, taken, busy = JobSlots(max_jobs=3), [], []
    barrier = threading.Barrier(10)

    def grab():
        barrier.wait()
        try:
            slots.acquire()
            taken.append(1)
        except BusyError:
            busy.append(1)

    threads = [threading.Thread(target=grab) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(taken), len(busy), slots.in_use) == (3, 7, 3)


def test_hold_releases_even_on_error_and_bad_release_raises():
    slots = JobSlots(1)
    with pytest.raises(KeyError), slots.hold():
        raise KeyError
    assert slots.in_use == 0
    with pytest.raises(RuntimeError, match="without a matching acquire"):
        slots.release()
    with pytest.raises(ValueError):
        JobSlots(0)


def test_thread_cap_only_lowers():
    before = torch.get_num_threads()  # conftest already capped it to 1: start from more
    try:
        torch.set_num_threads(4)
        assert train.cap_torch_threads(2) == 2 == torch.get_num_threads()
        assert train.cap_torch_threads(64) == 2 == torch.get_num_threads()  # never raises it
    finally:
        torch.set_num_threads(before)


# -- models and metrics -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_models_map_images_to_ten_logits_and_depend_only_on_the_seed(name):
    a = build_model(name, torch.Generator().manual_seed(3))
    torch.manual_seed(123)  # the global RNG must not matter
    b = build_model(name, torch.Generator().manual_seed(3))
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert a(torch.rand(4, 1, 28, 28)).shape == (4, 10)


def test_confusion_matrix_counts_true_rows_predicted_columns():
    labels, predictions = torch.tensor([0, 0, 1, 2, 2, 2]), torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = train.confusion_matrix(labels, predictions, num_classes=3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert matrix.sum() == 6
    with pytest.raises(ValueError):
        train.confusion_matrix(labels, predictions[:3])


def test_predictions_sample_shows_mistakes_and_is_reproducible():
    images = torch.arange(20.0).reshape(20, 1, 1, 1).expand(20, 1, 28, 28)
    labels = torch.arange(20) % 10
    predictions = labels.clone()
    predictions[[3, 7, 11]] = 0
    sample = train.predictions_sample(images, labels, predictions, n=8, seed=1)
    assert sample.images.shape == (8, 28, 28)
    assert int((~sample.correct).sum()) == 3  # half the grid wanted, only 3 mistakes exist
    assert torch.equal(sample.images[:, 0, 0], sample.indices.float())
    again = train.predictions_sample(images, labels, predictions, n=8, seed=1)
    assert torch.equal(sample.indices, again.indices)
    only_right = train.predictions_sample(images, labels, predictions, n=4, mistakes=0)
    assert bool(only_right.correct.all())


@pytest.mark.parametrize(
    ("cuda", "mps", "offered"),
    [
        (False, False, ["auto", "cpu"]),
        (True, False, ["auto", "cpu", "cuda"]),
        (True, True, ["auto", "cpu", "cuda", "mps"]),
    ],
)
def test_the_page_offers_only_devices_present(fake_devices, cuda, mps, offered):
    fake_devices(cuda, mps)
    assert device_module.available_devices() == offered
