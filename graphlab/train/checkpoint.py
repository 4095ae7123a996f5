"""Checkpoint files: a trainer's ``state_dict()`` written to a path, a binary file or bytes.

A checkpoint holds only tensors, numbers, strings, lists and dicts, so it opens with
``torch.load(weights_only=True)``: loading a checkpoint a visitor uploads cannot run code. Nor
can it cost much: ``parse_checkpoint`` checks the file's zip archive and pickle before
``torch.load`` (``checkpoint_guard``) and every field after it (``checkpoint_fields``).

>>> from graphlab.train.metrics import History
>>> from graphlab.train.progress import Progress
>>> state = {"format": FORMAT, "config": TrainConfig().to_dict(), "model": {}, "optimizer": {},
...          "history": History().to_dict(), "progress": Progress().to_dict(torch.Generator())}
>>> saved = read(io.BytesIO(to_bytes(state)))[0]
>>> saved.keys() == state.keys() and saved["history"] == state["history"]
True
"""

from __future__ import annotations

import dataclasses
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import torch

from graphlab.core.messages import Message, msg

from .checkpoint_fields import check_fields
from .checkpoint_guard import LOCAL, UPLOAD, Limits, inspect_archive, scan_pickle
from .config import TrainConfig
from .errors import listed, refusal

__all__ = [
    "FIXED", "FORMAT", "KEYS", "Checkpoint", "Source", "check", "check_weights", "config_for",
    "parse_checkpoint", "predictions_of", "read", "to_bytes", "write",
]  # fmt: skip

FORMAT = "graphlab.train/1"
KEYS = ("format", "config", "model", "optimizer", "history", "progress")
OPTIONAL = ("test_predictions",)
Source = str | os.PathLike | IO[bytes]
# Settings that shaped a trainer's model, optimizer and data: a state must share them to load.
# (Not ``precision``: like the device, how this machine runs the steps; a checkpoint saved
# before it existed trained in fp32, TrainConfig's default.)
FIXED = ("model", "optimizer", "batch_size", "train_size", "test_size")
CLASSES = 10  # the digits: what a test prediction can be


def check(state: object, name: str | Message | None = None) -> None:
    """Raise ``ValueError`` unless ``state`` looks like a ``state_dict()`` of this format;
    ``name`` says what ``state`` is (a file's name; "the state" without one)."""
    name = msg("the state") if name is None else name
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        text = msg(
            "{name} is not a graphlab training checkpoint ({format})", name=name, format=FORMAT
        )
        raise refusal(text)
    missing = [key for key in KEYS if key not in state]
    if missing:
        keys = ", ".join(missing)
        raise refusal(msg("{name} is a damaged checkpoint: it lacks {keys}", name=name, keys=keys))


def config_for(state: dict[str, Any], current: TrainConfig) -> TrainConfig:
    """The config a trainer configured as ``current`` continues ``state`` with: the state's, on
    ``current``'s device and precision (which it checked when it was made); ``ValueError`` if
    ``state`` is no checkpoint or differs in ``FIXED``.

    >>> config_for({"format": FORMAT, **dict.fromkeys(KEYS[2:]), "config": TrainConfig(
    ...     batch_size=32).to_dict()}, TrainConfig())
    Traceback (most recent call last):
    ...
    ValueError: the state was saved with another batch_size 32 (this trainer: 64)
    """
    check(state)
    config = TrainConfig.from_dict(state["config"])
    differ = [
        msg("another {name} {saved} (this trainer: {current})", name=name,
            saved=repr(getattr(config, name)), current=repr(getattr(current, name)))
        for name in FIXED
        if getattr(config, name) != getattr(current, name)
    ]  # fmt: skip
    if differ:
        raise refusal(msg("the state was saved with {settings}", settings=listed(differ)))
    return dataclasses.replace(config, device=current.device, precision=current.precision)


def check_weights(saved: object, own: Mapping[str, torch.Tensor]) -> None:
    """Raise ``ValueError`` unless ``saved`` has a tensor of the shape of each of ``own``'s and
    nothing else: ``Module.load_state_dict`` would refuse only after copying the ones that fit.
    """
    if not (
        isinstance(saved, dict)
        and saved.keys() == own.keys()
        and all(isinstance(saved[k], torch.Tensor) and saved[k].shape == own[k].shape for k in own)
    ):
        raise refusal(msg("the state's weights do not fit this model"))


def predictions_of(state: dict[str, Any], test_size: int) -> torch.Tensor | None:
    """The state's test predictions, or ``None`` when it has none for ``test_size`` images;
    ``ValueError`` when they are not digits (a confusion matrix is sized by the largest one: a
    crafted checkpoint could ask for gigabytes).
    """
    predictions = state.get("test_predictions")
    if predictions is None:
        return None
    if not (
        isinstance(predictions, torch.Tensor)
        and predictions.dtype == torch.int64
        and predictions.dim() == 1
        and bool(((predictions >= 0) & (predictions < CLASSES)).all())
    ):
        raise refusal(msg("the state's test predictions are not digits"))
    return predictions if len(predictions) == test_size else None


def write(state: dict[str, Any], target: Source) -> None:
    """Write ``state`` to a path (atomically, making its folder) or to an open binary file."""
    if not isinstance(target, str | os.PathLike):
        torch.save(state, target)
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a crash or a concurrent reader never sees half a checkpoint.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
        try:
            torch.save(state, tmp)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    os.replace(tmp.name, path)


def to_bytes(state: dict[str, Any]) -> bytes:
    """``state`` as the bytes of a checkpoint file."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint file's validated ``state`` (what ``Trainer.load_state_dict`` takes) and its
    ``config``: plain data, picklable, so a worker process can parse and hand it back."""

    state: dict[str, Any]
    config: TrainConfig


def parse_checkpoint(
    raw: bytes, limits: Limits = UPLOAD, name: str | Message | None = None
) -> Checkpoint:
    """The checkpoint in the bytes ``raw`` of a file (``name`` for messages), or ``ValueError``
    naming what a trainer could not have saved. Pure: no trainer, no data, no device.

    The archive and its pickle are checked against ``limits`` before ``torch.load`` reads them,
    so a zip bomb or a pickle of millions of references is refused in milliseconds.

    >>> parse_checkpoint(b"PK\\x03\\x04 and then nothing")
    Traceback (most recent call last):
    ...
    graphlab.train.checkpoint_guard.NotACheckpoint: the checkpoint is not a zip archive as torch.save writes one
    """
    scan_pickle(inspect_archive(raw, limits), limits)
    state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    check(state, msg("the file") if name is None else name)
    unknown = sorted(str(key)[:40] for key in set(state) - {*KEYS, *OPTIONAL})
    if unknown:
        keys = ", ".join(unknown[:5])
        raise refusal(msg("the checkpoint has entries no trainer saves: {keys}", keys=keys))
    return Checkpoint(state, check_fields(state))


def _read_bytes(source: Source, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of ``source`` (one more says it is too long)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            return file.read(limit + 1)
    return source.read(limit + 1)


def read(source: Source, limits: Limits | None = None) -> tuple[dict[str, Any], str | None]:
    """The checked state in a checkpoint at a path or in an open binary file, and the file's
    name (``None`` for an unnamed buffer), for messages.

    ``limits`` default to ``LOCAL`` for a path (a file of the user's own, maybe of a long run)
    and ``UPLOAD`` for an open file (bytes a visitor may have sent). Tensors open on the CPU;
    the trainer that loads them moves them to its device.
    """
    if isinstance(source, str | os.PathLike):
        shown, name = str(source), Path(source).name
        limits = LOCAL if limits is None else limits
    else:
        name = getattr(source, "name", None)
        name = Path(name).name if isinstance(name, str) else None
        shown = name or msg("the file")
        limits = UPLOAD if limits is None else limits
    raw = _read_bytes(source, limits.file_bytes)
    return parse_checkpoint(raw, limits, shown).state, name
