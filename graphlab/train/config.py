"""What a training run is: the validated ``TrainConfig`` and the optimizer it names.

>>> TrainConfig(optimizer="sgd").lr  # each optimizer has a sensible default learning rate
0.1
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch

from graphlab.core.device import DEVICES
from graphlab.core.messages import Message, msg
from graphlab.models import MODELS
from graphlab.models.spec import is_int

from .errors import joined, refusal

__all__ = [
    "DEFAULT_LR", "MAX_EPOCHS", "OPTIMIZERS", "PRECISIONS", "SCHEDULES", "TrainConfig",
    "autocast_dtype", "build_optimizer", "check_precision", "lr_at",
]  # fmt: skip

OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")
SCHEDULES = ("cosine", "constant")
# The dtype of the training forward pass (autocast); fp16 also scales the loss (GradScaler), and
# only CUDA runs it. Evaluation stays in float32.
PRECISIONS = ("fp32", "bf16", "fp16")
_AUTOCAST = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
# Rates that train both models well in a few epochs; what a learner should start from.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 1e-3, "rmsprop": 1e-3}
_MAX_BATCH = 65_536
MAX_EPOCHS = _MAX_EPOCHS = 100  # also bounds the epoch a checkpoint's position may name


def _choice(name: str, value: object, options: tuple[str, ...]) -> Message | None:
    if value in options:
        return None
    return msg("{name} must be one of {options} (got {got})",
               name=name, options=", ".join(options), got=repr(value))  # fmt: skip


def _int_in(name: str, value: object, low: int, high: int) -> Message | None:
    if is_int(value) and low <= value <= high:
        return None
    return msg("{name} must be an integer from {low} to {high} (got {got})",
               name=name, low=low, high=high, got=repr(value))  # fmt: skip


def _lr_problem(lr: object, optimizer: str) -> Message | None:
    if lr is None and optimizer not in DEFAULT_LR:
        return None  # no default to pick; the optimizer problem says it all
    if isinstance(lr, int | float) and not isinstance(lr, bool) and math.isfinite(lr) and lr > 0:
        return None
    return msg("lr must be a positive finite number (got {got})", got=repr(lr))


def _fp16_problem(precision: object, device: str) -> Message | None:
    if precision != "fp16" or device in ("auto", "cuda"):
        return None
    return msg("precision fp16 needs a CUDA device (device is {device}); use bf16 or fp32",
               device=device)  # fmt: skip


def check_precision(precision: str, device: torch.device) -> None:
    """Raise ``ValueError`` unless ``device`` can train at ``precision`` (the device ``auto``
    picked, which ``TrainConfig`` cannot know).

    >>> check_precision("fp16", torch.device("cpu"))
    Traceback (most recent call last):
    ...
    ValueError: precision fp16 needs a CUDA device (device is cpu); use bf16 or fp32
    """
    problem = _fp16_problem(precision, device.type)
    if problem is not None:
        raise refusal(problem)


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The dtype ``torch.autocast`` runs the forward pass in, or ``None`` for float32.

    >>> autocast_dtype("bf16")
    torch.bfloat16
    """
    return _AUTOCAST[precision]


def _invalid(problems: Message) -> ValueError:
    return refusal(msg("invalid TrainConfig: {problems}", problems=problems))


@dataclass(frozen=True)
class TrainConfig:
    """One training run; invalid values raise ``ValueError`` naming every problem at once.

    ``lr=None`` picks ``DEFAULT_LR[optimizer]``. ``schedule="cosine"`` lowers the rate from
    ``lr`` towards 0 over the whole run (``lr_at``), which is what lets the defaults reach 97%
    (MLP, 3 epochs) and 98.5% (CNN, 2 epochs); ``constant`` keeps ``lr``. ``train_size`` and
    ``test_size`` keep only the first N images of a split (quick demos and tests).
    ``precision`` is the dtype of the training forward pass: ``fp32``, ``bf16`` (autocast; on
    the CPU too) or ``fp16`` (autocast with a ``GradScaler``; CUDA only).

    >>> TrainConfig(model="cnn", optimizer="momentum", epochs=2).lr
    0.05
    >>> TrainConfig(optimizer="adamw")
    Traceback (most recent call last):
    ...
    ValueError: invalid TrainConfig: optimizer must be one of sgd, momentum, adam, rmsprop (got 'adamw')
    """

    model: str = "mlp"
    optimizer: str = "adam"
    lr: float | None = None
    batch_size: int = 64
    epochs: int = 1
    schedule: str = "cosine"
    device: str = "auto"
    seed: int = 0
    train_size: int | None = None
    test_size: int | None = None
    precision: str = "fp32"

    def __post_init__(self) -> None:
        if self.lr is None and self.optimizer in DEFAULT_LR:
            object.__setattr__(self, "lr", DEFAULT_LR[self.optimizer])
        problems = [p for p in self._problems() if p is not None]
        if problems:
            raise _invalid(joined(problems))

    def _problems(self) -> Iterable[Message | None]:
        yield _choice("model", self.model, MODELS)
        yield _choice("optimizer", self.optimizer, OPTIMIZERS)
        yield _lr_problem(self.lr, self.optimizer)
        yield _int_in("batch_size", self.batch_size, 1, _MAX_BATCH)
        yield _int_in("epochs", self.epochs, 1, _MAX_EPOCHS)
        yield _choice("schedule", self.schedule, SCHEDULES)
        yield _choice("device", self.device, DEVICES)
        yield _int_in("seed", self.seed, 0, 2**63 - 1)
        for name in ("train_size", "test_size"):
            if getattr(self, name) is not None:
                yield _int_in(name, getattr(self, name), 1, 10**9)
        yield _choice("precision", self.precision, PRECISIONS)
        yield _fp16_problem(self.precision, self.device)

    def to_dict(self) -> dict[str, Any]:
        """Plain values only, so a checkpoint loads with ``weights_only=True``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Inverse of ``to_dict``; unknown keys are an error rather than silently dropped.

        >>> TrainConfig.from_dict(TrainConfig(epochs=3).to_dict()).epochs
        3
        """
        if not isinstance(values, dict):  # a checkpoint is a visitor's file
            raise _invalid(msg("not a dict of settings"))
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise _invalid(msg("unknown fields {names}", names=names))
        return cls(**values)


def build_optimizer(
    config: TrainConfig, params: Iterable[torch.nn.Parameter]
) -> torch.optim.Optimizer:
    """The optimizer ``config`` names, at ``config.lr``.

    >>> build_optimizer(TrainConfig(optimizer="momentum"), [torch.nn.Parameter(torch.zeros(1))])
    ... # doctest: +ELLIPSIS
    SGD (...
    """
    lr = float(config.lr)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if config.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.RMSprop(params, lr=lr)


def lr_at(config: TrainConfig, step: int, total_steps: int) -> float:
    """The learning rate for 0-based ``step`` of ``total_steps``: a function of the step alone,
    so a resumed run gets exactly the rates of an uninterrupted one.

    >>> lr_at(TrainConfig(lr=0.1), 0, 100), lr_at(TrainConfig(lr=0.1), 50, 100)
    (0.1, 0.05)
    """
    if config.schedule == "constant":
        return float(config.lr)
    return float(config.lr) * 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0)))
