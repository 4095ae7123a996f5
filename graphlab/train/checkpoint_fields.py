"""What an unpickled checkpoint's fields may hold: the types, ranges and lengths a trainer's own
``state_dict()`` has, each refusal naming the field.

A visitor's file passed the archive checks (``checkpoint_guard``), so it is small; these checks
keep its values from costing more later: a history longer than the run (every poll copies it,
every chart sends it), predictions that size a confusion matrix, a tensor that is a strided
view of one number (``expand``) and would be gigabytes once copied to a device.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import torch

from graphlab.core.messages import msg
from graphlab.data import SPLITS

from .config import MAX_EPOCHS, TrainConfig
from .errors import refusal
from .metrics import History
from .progress import Progress

__all__ = ["MAX_DEPTH", "MAX_MESSAGE", "check_fields"]

MAX_DEPTH = 6  # the app's deepest: optimizer -> param_groups -> 0 -> params -> 0
MAX_MESSAGE = 1_000  # characters of a status sentence (the app's: under 200)
CLASSES = 10
_PLAIN = (str, int, float, bool, type(None))


def check_fields(state: dict[str, Any]) -> TrainConfig:
    """Raise ``ValueError`` naming the first field of ``state`` (a checked checkpoint dict)
    that a trainer could not have saved; return its config."""
    _check_values(state)
    config = TrainConfig.from_dict(state["config"])
    progress = state["progress"]
    # The trainer checks the batch against its own data when it loads; here, the counts.
    Progress.check_dict(progress, sys.maxsize)
    _at_most("progress.epoch", progress["epoch"], MAX_EPOCHS)
    _at_most("progress.correct", progress["correct"], progress["seen"])
    _check_history(state["history"], progress)
    _check_predictions(state.get("test_predictions"), config)
    return config


def _at_most(field: str, value: int, limit: int) -> None:
    if value > limit:
        raise refusal(msg("the checkpoint's {field} is {value}, more than {limit}",
                          field=field, value=value, limit=limit))  # fmt: skip


def _too_long(field: str, count: int, limit: int) -> None:
    if count > limit:
        raise refusal(msg("the checkpoint's {field} has {count} entries, more than {limit}",
                          field=field, count=count, limit=limit))  # fmt: skip


def _check_values(state: dict[str, Any]) -> None:
    """Only plain values, lists, dicts and dense tensors, at most ``MAX_DEPTH`` deep."""
    stack: list[tuple[str, object, int]] = [(key, value, 1) for key, value in state.items()]
    while stack:
        field, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise refusal(msg("the checkpoint's {field} is nested more than {limit} levels deep",
                              field=field[:80], limit=MAX_DEPTH))  # fmt: skip
        # A plain value needs no check: only containers and tensors go on the stack (a history
        # holds a hundred thousand numbers).
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        if isinstance(value, dict | list | tuple):
            stack.extend((f"{field}.{k}", v, depth + 1) for k, v in items if type(v) not in _PLAIN)
        elif isinstance(value, torch.Tensor):
            _check_tensor(field, value)
        elif not isinstance(value, _PLAIN):
            raise refusal(msg("the checkpoint's {field} holds a {kind}, which no trainer saves",
                              field=field[:80], kind=type(value).__name__))  # fmt: skip


def _check_tensor(field: str, tensor: torch.Tensor) -> None:
    # torch.load checks each storage against the file; a view may still claim more elements
    # than its storage holds (a stride of 0 repeats one number a billion times).
    dense = tensor.layout == torch.strided and tensor.is_contiguous()
    if not dense or tensor.numel() * tensor.element_size() > tensor.untyped_storage().nbytes():
        raise refusal(msg("the checkpoint's {field} is a tensor larger than its data",
                          field=field[:80]))  # fmt: skip


def _check_history(values: object, progress: dict[str, Any]) -> None:
    """``History.from_dict``'s types, then lengths no longer than the run, finite numbers."""
    history = History.from_dict(values)  # type: ignore[arg-type]
    for name in ("steps", "losses", "smoothed"):  # one entry per step taken
        _too_long(f"history.{name}", len(getattr(history, name)), progress["step"])
    _too_long("history.epochs", len(history.epochs), progress["epoch"])
    if len(history.message) > MAX_MESSAGE:
        raise refusal(msg("the checkpoint's {field} has {count} characters, more than {limit}",
                          field="history.message", count=len(history.message), limit=MAX_MESSAGE))  # fmt: skip
    if not len(history.steps) == len(history.losses) == len(history.smoothed):
        raise refusal(msg("the history is damaged"))
    numbers = (*history.steps, *history.losses, *history.smoothed)
    numbers += tuple(v for e in history.epochs for v in e.values())
    # A diverged step is never recorded. (An int is finite, and may be too long for a float.)
    if not all(math.isfinite(v) for v in numbers if isinstance(v, float)):
        raise refusal(msg("the checkpoint's {field} holds a number that is not finite",
                          field="history"))  # fmt: skip


def _check_predictions(predictions: object, config: TrainConfig) -> None:
    if predictions is None:
        return
    if not (
        isinstance(predictions, torch.Tensor)
        and predictions.dtype == torch.int64
        and predictions.dim() == 1
    ):
        raise refusal(msg("the state's test predictions are not digits"))
    # Before any arithmetic on them: one prediction per test image the run evaluated.
    _too_long("test_predictions", predictions.numel(), config.test_size or SPLITS["test"])
    if not bool(((predictions >= 0) & (predictions < CLASSES)).all()):
        raise refusal(msg("the state's test predictions are not digits"))
