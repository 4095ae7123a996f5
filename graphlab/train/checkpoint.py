"""Checkpoint files: a trainer's ``state_dict()`` written to a path, a binary file or bytes.

A checkpoint holds only tensors, numbers, strings, lists and dicts, so it opens with
``torch.load(weights_only=True)``: loading a checkpoint a visitor uploads cannot run code.

>>> state = {"format": FORMAT, **{key: {} for key in KEYS[1:]}}
>>> read(io.BytesIO(to_bytes(state)))[0] == state
True
"""

from __future__ import annotations

import dataclasses
import io
import os
import tempfile
from pathlib import Path
from typing import IO, Any

import torch

from .config import TrainConfig

__all__ = ["FIXED", "FORMAT", "KEYS", "Source", "check", "config_for", "read", "to_bytes", "write"]

FORMAT = "graphlab.train/1"
KEYS = ("format", "config", "model", "optimizer", "history", "progress")
Source = str | os.PathLike | IO[bytes]
# Settings that shaped a trainer's model, optimizer and data: a state must share them to load.
FIXED = ("model", "optimizer", "batch_size", "train_size", "test_size")


def check(state: object, name: str = "the state") -> None:
    """Raise ``ValueError`` unless ``state`` looks like a ``state_dict()`` of this format."""
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{name} is not a graphlab training checkpoint ({FORMAT})")
    missing = [key for key in KEYS if key not in state]
    if missing:
        raise ValueError(f"{name} is a damaged checkpoint: it lacks {', '.join(missing)}")


def config_for(state: dict[str, Any], current: TrainConfig) -> TrainConfig:
    """The config a trainer configured as ``current`` continues ``state`` with: the state's, on
    ``current``'s device; ``ValueError`` if ``state`` is no checkpoint or differs in ``FIXED``.

    >>> config_for({"format": FORMAT, **dict.fromkeys(KEYS[2:]), "config": TrainConfig(
    ...     batch_size=32).to_dict()}, TrainConfig())
    Traceback (most recent call last):
    ...
    ValueError: the state was saved with another batch_size 32 (this trainer: 64)
    """
    check(state)
    config = TrainConfig.from_dict(state["config"])
    differ = [
        f"{name} {getattr(config, name)!r} (this trainer: {getattr(current, name)!r})"
        for name in FIXED
        if getattr(config, name) != getattr(current, name)
    ]
    if differ:
        raise ValueError("the state was saved with another " + ", another ".join(differ))
    return dataclasses.replace(config, device=current.device)


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


def read(source: Source) -> tuple[dict[str, Any], str | None]:
    """The checked state in a checkpoint at a path or in an open binary file, and the file's
    name (``None`` for an unnamed buffer), for messages.

    Tensors open on the CPU; the trainer that loads them moves them to its device.
    """
    if isinstance(source, str | os.PathLike):
        shown, name = str(source), Path(source).name
    else:
        name = getattr(source, "name", None)
        name = Path(name).name if isinstance(name, str) else None
        shown = name or "the file"
    state = torch.load(source, map_location="cpu", weights_only=True)
    check(state, shown)
    return state, name
