"""The Live Training form without Streamlit: widget values -> TrainConfig, the page's limits, and
checkpoints a visitor uploads."""

from __future__ import annotations

import io
import pickle

import pytest
import torch

from graphlab.train import TrainConfig, Trainer, form
from tests.toy_mnist import toy_data

GOOD = {
    "model": "mlp",
    "optimizer": "adam",
    "lr": "",
    "schedule": "cosine",
    "batch_size": 64,
    "epochs": 1,
    "train_size": 1_000,
    "device": "cpu",
}


def test_values_outside_the_widgets_are_refused_on_the_server():
    good = dict(GOOD)
    assert form.config_from_values(good).test_size == 200
    for bad, message in [
        ({"train_size": 123}, "training images must be one of"),
        ({"epochs": 50}, "at most 10 epochs"),
        ({"batch_size": 4096}, "batch size at most 1024"),
        ({"model": "resnet"}, "model must be one of mlp, cnn"),
        ({"epochs": "3"}, "epochs must be an integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            form.config_from_values({**good, **bad})


def test_good_values_make_the_config_the_widgets_show():
    config = form.config_from_values(
        {**GOOD, "model": "cnn", "optimizer": "sgd", "lr": " 0.02 ", "epochs": 3}
    )
    assert config == TrainConfig(
        model="cnn",
        optimizer="sgd",
        lr=0.02,
        schedule="cosine",
        batch_size=64,
        epochs=3,
        device="cpu",
        train_size=1_000,
        test_size=200,
    )
    assert form.config_from_values(GOOD).lr == TrainConfig().lr  # blank: the optimizer's default
    assert form.config_from_values({**GOOD, "lr": None}).lr == TrainConfig().lr


def test_the_defaults_are_a_valid_form_and_train_configs_own():
    config = form.config_from_values(form.DEFAULTS)
    default = TrainConfig()
    for name in ("model", "optimizer", "lr", "schedule", "batch_size", "epochs", "device"):
        assert getattr(config, name) == getattr(default, name)
    assert form.DEFAULTS["train_size"] in form.TRAIN_SIZES
    assert form.DEFAULTS["batch_size"] in form.BATCH_SIZES


@pytest.mark.parametrize(
    ("train_size", "test_size"), [(1_000, 200), (5_000, 1_000), (10_000, 2_000), (50_000, 10_000)]
)
def test_every_training_size_gets_a_fifth_as_test_images(train_size, test_size):
    config = form.config_from_values({**GOOD, "train_size": train_size})
    assert (config.train_size, config.test_size) == (train_size, test_size)
    assert form.evaluation_size(train_size) == test_size
    assert form.evaluation_size(100) == 200 and form.evaluation_size(10**6) == 10_000


def test_each_limit_holds_at_its_edge():
    assert form.config_from_values({**GOOD, "epochs": form.MAX_EPOCHS}).epochs == 10
    batch = max(form.BATCH_SIZES)
    assert form.config_from_values({**GOOD, "batch_size": batch}).batch_size == 1024
    with pytest.raises(ValueError, match=r"at most 10 epochs here \(got 11\)"):
        form.config_from_values({**GOOD, "epochs": form.MAX_EPOCHS + 1})
    with pytest.raises(ValueError, match=r"batch size at most 1024 here \(got 1025\)"):
        form.config_from_values({**GOOD, "batch_size": batch + 1})
    with pytest.raises(ValueError, match=r"training images must be one of .* \(got 2000\)"):
        form.config_from_values({**GOOD, "train_size": 2_000})


def test_every_exceeded_limit_is_named_at_once():
    with pytest.raises(ValueError) as caught:
        form.check_limits(TrainConfig(epochs=20, batch_size=2048))
    assert str(caught.value) == (
        "at most 10 epochs here (got 20); batch size at most 1024 here (got 2048)"
    )
    form.check_limits(TrainConfig(epochs=10, batch_size=1024))  # within: no error


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lr": "fast"}, "learning rate must be a number like 0.001 or 1e-3 (got 'fast')"),
        ({"lr": "1e"}, "learning rate must be a number like 0.001 or 1e-3 (got '1e')"),
        ({"lr": "-0.5"}, "lr must be a positive finite number (got -0.5)"),
        ({"lr": "inf"}, "lr must be a positive finite number (got inf)"),
        ({"lr": "nan"}, "lr must be a positive finite number (got nan)"),
        ({"train_size": None}, "training images must be one of"),
        ({"train_size": "1000"}, "training images must be one of"),
        ({"optimizer": "adamw"}, "optimizer must be one of sgd, momentum, adam, rmsprop"),
        ({"schedule": "step"}, "schedule must be one of cosine, constant"),
        ({"device": "tpu"}, "device must be one of auto, cpu, cuda, mps"),
        ({"batch_size": 0}, "batch_size must be an integer from 1 to 65536 (got 0)"),
        ({"epochs": True}, "epochs must be an integer"),
    ],
)
def test_bad_values_say_what_is_wrong(values, message):
    with pytest.raises(ValueError) as caught:
        form.config_from_values({**GOOD, **values})
    assert message in str(caught.value)


def test_missing_values_are_refused_not_guessed():
    values = dict(GOOD)
    del values["model"]
    with pytest.raises(ValueError, match="model must be one of mlp, cnn"):
        form.config_from_values(values)


TOY = toy_data(n=256, m=64)


def _checkpoint(**overrides) -> bytes:
    config = TrainConfig(**{"device": "cpu", "epochs": 1, "batch_size": 64, **overrides})
    trainer = Trainer(config, data=TOY)
    trainer.run(max_steps=2)
    return trainer.to_bytes()


def test_an_upload_within_the_limits_loads_on_the_chosen_device():
    job = form.trainer_from_upload(_checkpoint(), device="cpu", data=TOY)
    assert job.progress.step == 2 and job.config.device == "cpu"
    assert job.status == "stopped"


def test_an_upload_past_the_limits_or_not_a_checkpoint_is_refused():
    with pytest.raises(ValueError, match="batch size at most 1024 here"):
        form.trainer_from_upload(_checkpoint(batch_size=2048), device="cpu", data=TOY)
    with pytest.raises(pickle.UnpicklingError):
        form.trainer_from_upload(b"not a checkpoint", device="cpu", data=TOY)
    buffer = io.BytesIO()
    torch.save({"format": "something else"}, buffer)
    with pytest.raises(ValueError, match=r"^the file is not a graphlab training checkpoint"):
        form.trainer_from_upload(buffer.getvalue(), device="cpu", data=TOY)


RAN = []


def _record_the_call(*args):  # what a malicious checkpoint would run, if it could run anything
    RAN.append(args)


class _Payload:
    def __reduce__(self):
        return _record_the_call, ("pwned",)


def test_an_upload_that_carries_code_is_refused_without_running_it():
    pickle.loads(pickle.dumps(_Payload()))  # a plain unpickler runs it
    assert RAN == [("pwned",)]
    RAN.clear()
    state = torch.load(io.BytesIO(_checkpoint()), weights_only=True)
    for place in ("history", "config"):
        raw = io.BytesIO()
        torch.save({**state, place: _Payload()}, raw)
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            form.trainer_from_upload(raw.getvalue(), device="cpu", data=TOY)
        assert RAN == []
