"""Where a run stands (``Progress``) and checkpoints that resume it exactly.

A checkpoint holds only tensors, numbers, strings, lists and dicts, so it opens with
``torch.load(weights_only=True)``: loading a checkpoint a visitor uploads cannot run code.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .config import TrainConfig
from .metrics import History

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Callback, Data, Trainer

__all__ = ["FORMAT", "Progress", "restore_state", "save_state"]

FORMAT = "graphlab.train/1"


@dataclass
class Progress:
    """Counters of a run: the global step, the epoch, the batch within it and its order."""

    step: int = 0
    epoch: int = 0
    batch: int = 0
    perm: torch.Tensor | None = None  # this epoch's order of the training images, on the device
    rng_state: torch.Tensor | None = None  # the generator's state just before ``perm`` was drawn
    correct: torch.Tensor | int = 0  # right answers so far this epoch
    seen: int = 0
    epoch_seconds: float = 0.0
    train_seconds: float = 0.0
    ema: float = 0.0  # of the loss, before bias correction

    def draw_perm(self, generator: torch.Generator, n: int, device: torch.device) -> None:
        """Draw this epoch's order; drawn on the CPU generator (the same order on any device)."""
        self.rng_state = generator.get_state()
        self.perm = torch.randperm(n, generator=generator).to(device)

    def begin_epoch(self, generator: torch.Generator, n: int, device: torch.device) -> None:
        """Shuffle and reset the per-epoch counters."""
        self.draw_perm(generator, n, device)
        self.correct = torch.zeros((), dtype=torch.int64, device=device)
        self.seen, self.epoch_seconds = 0, 0.0

    def add_time(self, seconds: float) -> None:
        """Count the wall time of one step."""
        self.epoch_seconds += seconds
        self.train_seconds += seconds

    def epoch_record(self, test_acc: float) -> dict[str, float]:
        """The numbers an epoch ends with (plain floats, ready for a plot or a checkpoint)."""
        seconds = self.epoch_seconds
        return {
            "epoch": self.epoch + 1,
            "step": self.step,
            "train_acc": int(self.correct) / max(self.seen, 1),
            "test_acc": test_acc,
            "seconds": seconds,
            "samples_per_s": self.seen / seconds if seconds > 0 else 0.0,
        }

    def end_epoch(self) -> None:
        """Move on to the next epoch (its order is drawn when it begins)."""
        self.epoch, self.batch, self.perm, self.rng_state = self.epoch + 1, 0, None, None

    def to_dict(self, generator: torch.Generator) -> dict[str, Any]:
        """Plain values; with the epoch drawn, the generator state that redraws its order."""
        drawn = self.perm is not None
        return {
            "step": self.step,
            "epoch": self.epoch,
            "batch": self.batch,
            "perm_drawn": drawn,
            "rng_state": self.rng_state if drawn else generator.get_state(),
            "correct": int(self.correct),
            "seen": self.seen,
            "epoch_seconds": self.epoch_seconds,
            "train_seconds": self.train_seconds,
            "ema": self.ema,
        }

    def load_dict(
        self, values: dict[str, Any], generator: torch.Generator, n: int, device: torch.device
    ) -> None:
        """Inverse of ``to_dict``: set the generator back and redraw the epoch's order."""
        generator.set_state(values["rng_state"])
        if values["perm_drawn"]:
            self.draw_perm(generator, n, device)
        self.step, self.epoch, self.batch = values["step"], values["epoch"], values["batch"]
        self.correct = torch.tensor(values["correct"], dtype=torch.int64, device=device)
        self.seen, self.ema = values["seen"], values["ema"]
        self.epoch_seconds, self.train_seconds = values["epoch_seconds"], values["train_seconds"]


def save_state(trainer: Trainer, path: str | os.PathLike) -> None:
    """Write ``trainer``'s checkpoint to ``path`` atomically (callers hold its locks)."""
    state = {
        "format": FORMAT,
        "config": trainer.config.to_dict(),
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "history": trainer.history.to_dict(),
        "progress": trainer.progress.to_dict(trainer.generator),
        "test_predictions": trainer.test_predictions,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a crash or a concurrent reader never sees half a checkpoint.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
        torch.save(state, tmp)
    os.replace(tmp.name, path)


def restore_state(
    cls: type[Trainer],
    path: str | os.PathLike,
    device: str | None,
    callbacks: Iterable[Callback],
    data: Data | None,
) -> Trainer:
    """Build a ``cls`` from the checkpoint at ``path`` (see ``Trainer.load``)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a graphlab training checkpoint ({FORMAT})")
    config = TrainConfig.from_dict(state["config"])
    if device is not None:
        config = dataclasses.replace(config, device=device)
    trainer = cls(config, callbacks, data)
    trainer.model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    progress = state["progress"]
    if progress["batch"] > trainer.batches_per_epoch:
        raise ValueError(f"{path} was saved with a larger training set than this trainer has")
    trainer.progress.load_dict(progress, trainer.generator, trainer.train_size, trainer.device)
    trainer.history = History.from_dict(state["history"])
    if trainer.history.status in ("running", "paused"):  # saved from a live run
        trainer.history.status = "stopped"
        trainer.history.message = f"loaded from {Path(path).name} at step {progress['step']}"
    predictions = state.get("test_predictions")
    if predictions is not None and len(predictions) == trainer.test_size:
        trainer.test_predictions = predictions
    return trainer
