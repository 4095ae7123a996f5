"""The Live Training page's form: its options and limits, and widget values -> ``TrainConfig``.

Streamlit already refuses values outside a widget's options; this is the second check, on the
server, and the one that turns text (the learning rate) into a number. The page allows less than
``TrainConfig`` (the command line's limits) because a visitor's run shares the server; the same
limits apply to the settings of a checkpoint a visitor uploads.

>>> config = config_from_values({**DEFAULTS, "lr": " 1e-2 ", "device": "cpu"})
>>> config.lr, config.train_size, config.test_size
(0.01, 5000, 1000)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from graphlab.core.messages import msg

from . import checkpoint
from .checkpoint_fields import check_fields
from .config import TrainConfig
from .errors import joined, refusal
from .loop import Data
from .trainer import Trainer

__all__ = [
    "BATCH_SIZES",
    "DEFAULTS",
    "MAX_EPOCHS",
    "TRAIN_SIZES",
    "check_limits",
    "config_from_values",
    "evaluation_size",
    "trainer_from_state",
    "trainer_from_upload",
]

TRAIN_SIZES = (1_000, 5_000, 10_000, 50_000)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
MAX_EPOCHS = 10
# What the form shows first: TrainConfig's defaults, on a training set that trains in seconds.
DEFAULTS = {
    "model": TrainConfig.model,
    "optimizer": TrainConfig.optimizer,
    "lr": "",
    "schedule": TrainConfig.schedule,
    "batch_size": TrainConfig.batch_size,
    "epochs": TrainConfig.epochs,
    "train_size": 5_000,
    "device": TrainConfig.device,
}


def evaluation_size(train_size: int) -> int:
    """Test images evaluated after each epoch: a fifth of the training images, at most 10,000.

    >>> evaluation_size(1_000), evaluation_size(50_000)
    (200, 10000)
    """
    return min(10_000, max(200, train_size // 5))


def config_from_values(values: Mapping[str, Any]) -> TrainConfig:
    """The ``TrainConfig`` of the form's values (keys of ``DEFAULTS``; the learning rate as
    text, blank for the optimizer's default). ``ValueError`` names what is wrong.

    >>> config_from_values({**DEFAULTS, "lr": "fast"})
    Traceback (most recent call last):
    ...
    ValueError: learning rate must be a number like 0.001 or 1e-3 (got 'fast')
    """
    lr_text = str(values.get("lr") or "").strip()
    try:
        lr = float(lr_text) if lr_text else None
    except ValueError:
        text = msg(
            "learning rate must be a number like 0.001 or 1e-3 (got {got})", got=repr(lr_text)
        )
        raise refusal(text) from None
    size = values.get("train_size")
    if size not in TRAIN_SIZES:
        sizes = str(TRAIN_SIZES)
        text = msg(
            "training images must be one of {sizes} (got {got})", sizes=sizes, got=repr(size)
        )
        raise refusal(text)
    config = TrainConfig(  # which checks every other value
        model=values.get("model"),
        optimizer=values.get("optimizer"),
        lr=lr,
        batch_size=values.get("batch_size"),
        epochs=values.get("epochs"),
        schedule=values.get("schedule"),
        device=values.get("device"),
        train_size=size,
        test_size=evaluation_size(size),
    )
    check_limits(config)
    return config


def check_limits(config: TrainConfig) -> None:
    """Raise ``ValueError`` naming each of the page's caps that ``config`` exceeds.

    >>> check_limits(TrainConfig(epochs=50, batch_size=4096))
    Traceback (most recent call last):
    ...
    ValueError: at most 10 epochs here (got 50); batch size at most 1024 here (got 4096)
    """
    problems = []
    if config.epochs > MAX_EPOCHS:
        problems.append(
            msg("at most {limit} epochs here (got {got})", limit=MAX_EPOCHS, got=config.epochs)
        )
    if config.batch_size > max(BATCH_SIZES):
        problems.append(msg("batch size at most {limit} here (got {got})",
                            limit=max(BATCH_SIZES), got=config.batch_size))  # fmt: skip
    if problems:
        raise refusal(joined(problems))


def trainer_from_upload(raw: bytes, device: str, data: Data | None = None) -> Trainer:
    """The trainer in an uploaded checkpoint, on ``device``, within the page's limits
    (``data`` as in ``Trainer.load``).

    Raises on anything a visitor's file can be (not a checkpoint, code instead of data, a
    damaged or over-limit one); the message never holds a server path.
    """
    job = Trainer.from_bytes(raw, device=device, data=data)
    check_limits(job.config)
    return job


def trainer_from_state(
    state: dict[str, Any], device: str, data: Data | None = None, name: str | None = None
) -> Trainer:
    """The trainer of a checkpoint's ``state`` that a worker parsed (``graphlab.worker``'s
    ``"checkpoint"`` request), on ``device``, within the page's limits; ``name`` is the file's.

    The server checks the state again (cheap: it is plain data of a bounded size) before a
    trainer takes it, so a damaged reply is refused like a damaged file.
    """
    checkpoint.check(state, name)
    config = check_fields(state)
    check_limits(config)
    job = Trainer(dataclasses.replace(config, device=device), data=data)
    job.load_state_dict(state, origin=name)
    return job
