"""Where a run stands: the step, the epoch, the batch within it and that epoch's order.

``to_dict`` holds only plain values and tensors, so a checkpoint carrying it opens with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from graphlab.core.messages import msg
from graphlab.models.spec import is_int

from .errors import refusal

__all__ = ["Progress"]

_COUNTS = ("step", "epoch", "batch", "correct", "seen")
_TIMES = ("epoch_seconds", "train_seconds", "ema")


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

    @staticmethod
    def check_dict(values: object, batches_per_epoch: int) -> None:
        """Raise ``ValueError`` unless ``load_dict`` takes ``values`` whole, for a trainer with
        ``batches_per_epoch`` batches: a caller checks first, so a refused state changes nothing.
        """
        if not isinstance(values, dict) or any(
            key not in values for key in (*_COUNTS, *_TIMES, "perm_drawn", "rng_state")
        ):
            raise refusal(msg("the state's position is damaged"))
        # A crafted negative epoch, say, would train far past the epochs its config allows.
        counts = all(is_int(values[key]) and values[key] >= 0 for key in _COUNTS)
        times = all(
            isinstance(values[key], int | float) and math.isfinite(values[key]) for key in _TIMES
        )
        if not (counts and times and isinstance(values["perm_drawn"], bool)):
            raise refusal(msg("the state's position holds values that are not counts"))
        if values["batch"] > batches_per_epoch:
            raise refusal(
                msg("the state was saved with a larger training set than this trainer has")
            )
        try:  # on a scratch generator: torch alone knows which states it accepts
            torch.Generator().set_state(values["rng_state"])
        except (TypeError, RuntimeError):
            raise refusal(msg("the state's random number generator state is damaged")) from None

    def load_dict(
        self, values: dict[str, Any], generator: torch.Generator, n: int, device: torch.device
    ) -> None:
        """Inverse of ``to_dict`` (``values`` passed ``check_dict``): set the generator back and
        redraw the epoch's order."""
        generator.set_state(values["rng_state"])
        if values["perm_drawn"]:
            self.draw_perm(generator, n, device)
        else:
            self.perm = self.rng_state = None
        self.step, self.epoch, self.batch = values["step"], values["epoch"], values["batch"]
        self.correct = torch.tensor(values["correct"], dtype=torch.int64, device=device)
        self.seen, self.ema = values["seen"], values["ema"]
        self.epoch_seconds, self.train_seconds = values["epoch_seconds"], values["train_seconds"]
