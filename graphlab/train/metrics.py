"""What a training run produces: its ``History``, the ``Snapshot`` a page polls, and the pure
helpers that turn test predictions into a confusion matrix, and a long curve into one short
enough to redraw (``thin``). ``PredictionSample`` and ``predictions_sample`` live in
``graphlab.train.predictions`` and are re-exported here.

>>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), num_classes=2).tolist()
[[1, 0], [1, 1]]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from graphlab.core.messages import Message, msg

from . import status_line
from .errors import refusal
from .predictions import PredictionSample, predictions_sample

__all__ = [
    "EPOCH_FIELDS",
    "History",
    "PredictionSample",
    "Snapshot",
    "confusion_matrix",
    "predictions_sample",
    "thin",
]

STATUSES = ("idle", "running", "paused", "stopped", "done", "diverged", "failed")
# An epoch's record in a history (``Progress.epoch_record`` writes it).
EPOCH_FIELDS = ("epoch", "step", "train_acc", "test_acc", "seconds", "samples_per_s")


@dataclass
class History:
    """Per-step losses and per-epoch accuracies of a run, plus how it ended.

    ``status`` is one of ``idle``, ``running``, ``paused``, ``stopped`` (``stop()`` or
    ``max_steps``; resumable), ``done``, ``diverged`` (``message`` names the step), ``failed``.
    ``text`` is ``message`` as a ``Message`` (``None`` when it is empty or PyTorch's own words,
    as after a failure), for the app to say in the visitor's language.

    >>> History().status
    'idle'
    """

    status: str = "idle"
    message: str = ""
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    text: Message | None = field(default=None, compare=False)  # ``message``, to translate

    @property
    def test_acc(self) -> float | None:
        """Test accuracy after the last finished epoch, or ``None`` before the first."""
        return self.epochs[-1]["test_acc"] if self.epochs else None

    @property
    def train_acc(self) -> float | None:
        """Running training accuracy over the last finished epoch."""
        return self.epochs[-1]["train_acc"] if self.epochs else None

    def copy(self) -> History:
        """An independent copy (the lists are not shared); fast, for polling."""
        return History(
            self.status,
            self.message,
            list(self.steps),
            list(self.losses),
            list(self.smoothed),
            [dict(e) for e in self.epochs],
            self.text,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain lists, numbers and strings (loads with ``torch.load(weights_only=True)``)."""
        # Field by field, not dataclasses.asdict: that deep-copies every float, slowly.
        copy = self.copy()
        text = copy.text.to_dict() if copy.text is not None else None
        return {**{f: getattr(copy, f) for f in _FIELDS}, "text": text}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> History:
        """Inverse of ``to_dict``; raises ValueError on anything ``to_dict`` cannot have made
        (a checkpoint is a visitor's file: a wrong type here would fail later, in a chart). A
        history saved before ``text`` was kept has none (the app then shows ``message``).

        >>> History.from_dict({**History().to_dict(), "status": "<b>"})
        Traceback (most recent call last):
        ...
        ValueError: history status must be one of idle, running, paused, stopped, done, diverged, failed
        """
        try:
            history = cls(**{f: values[f] for f in _FIELDS}).copy()
        except (KeyError, TypeError, ValueError):  # a field missing, or not a list (of dicts)
            raise refusal(msg("the history is damaged")) from None
        if history.status not in STATUSES:
            statuses = ", ".join(STATUSES)
            raise refusal(msg("history status must be one of {statuses}", statuses=statuses))
        numbers = (*history.steps, *history.losses, *history.smoothed)
        numbers += tuple(v for e in history.epochs for v in e.values())
        if not isinstance(history.message, str) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers
        ):
            raise refusal(msg("history holds values that are not numbers"))
        if any(e.keys() != set(EPOCH_FIELDS) for e in history.epochs):  # what pages read
            fields = ", ".join(EPOCH_FIELDS)
            raise refusal(msg("each epoch of a history has {fields}", fields=fields))
        history.text = status_line.saved(values.get("text"), history.message)
        return history


_FIELDS = ("status", "message", "steps", "losses", "smoothed", "epochs")


@dataclass(frozen=True)
class Snapshot:
    """A consistent, immutable copy of a run's progress, cheap enough to poll twice a second.

    ``epoch`` counts finished epochs and ``batch`` the steps done in the current one;
    ``progress`` is the fraction of all steps done; ``test_predictions`` holds the predicted
    class of every test image after the last finished epoch (CPU int64) or ``None``; ``text``
    is ``message`` as a ``Message`` (see ``History``).
    """

    status: str
    message: str
    step: int
    epoch: int
    batch: int
    batches_per_epoch: int
    total_steps: int
    progress: float
    samples_per_s: float
    device: str
    elapsed_s: float
    history: History
    test_predictions: torch.Tensor | None
    text: Message | None = None

    @property
    def test_acc(self) -> float | None:
        """Test accuracy after the last finished epoch."""
        return self.history.test_acc


def confusion_matrix(
    labels: torch.Tensor, predictions: torch.Tensor, num_classes: int = 10
) -> torch.Tensor:
    """``(num_classes, num_classes)`` int64 counts; row = true class, column = predicted class.

    >>> confusion_matrix(torch.tensor([2, 2]), torch.tensor([2, 1]), num_classes=3)[2].tolist()
    [0, 1, 1]
    """
    labels, predictions = labels.reshape(-1).long().cpu(), predictions.reshape(-1).long().cpu()
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.numel()} labels but {predictions.numel()} predictions")
    flat = labels * num_classes + predictions
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def thin(xs: Sequence[float], ys: Sequence[float], max_points: int) -> tuple[list, list]:
    """Every k-th point of ``(xs, ys)`` so at most about ``max_points`` remain; the last is kept.

    >>> thin(range(10), range(10), 4)
    ([0, 3, 6, 9], [0, 3, 6, 9])
    """
    xs, ys = list(xs), list(ys)
    if len(xs) <= max_points:
        return xs, ys
    stride = -(-len(xs) // max_points)  # ceil
    keep = list(range(0, len(xs), stride))
    if keep[-1] != len(xs) - 1:
        keep[-1] = len(xs) - 1
    return [xs[i] for i in keep], [ys[i] for i in keep]


class _Throughput:
    """Samples per second over a sliding window of about half a second (steady, yet live)."""

    WINDOW_S = 0.5

    def __init__(self) -> None:
        self.rate = 0.0
        self.restart()

    def restart(self) -> None:
        """Forget the time since the last step (after a pause or an evaluation)."""
        self._last = time.perf_counter()
        self._samples, self._seconds = 0, 0.0

    def add(self, samples: int) -> float:
        """Count a finished step of ``samples``; return its duration in seconds."""
        now = time.perf_counter()
        seconds, self._last = now - self._last, now
        self._samples += samples
        self._seconds += seconds
        # Until the first window fills, show the rate so far rather than nothing.
        if self._seconds >= self.WINDOW_S or (self.rate == 0.0 and self._seconds > 0):
            self.rate = self._samples / self._seconds
        if self._seconds >= self.WINDOW_S:
            self._samples, self._seconds = 0, 0.0
        return seconds
