"""The command line's progress bar for ``graphlab train``."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """A callback drawing ``epoch 1/3 [####----] 45% loss 0.31 52,000 samples/s`` on a stream.

    On a terminal it redraws one line at most ten times a second; elsewhere (logs, CI) it
    writes one line per epoch.

    >>> import io
    >>> bar = ProgressBar(batches_per_epoch=10, epochs=1, stream=io.StringIO())
    >>> bar({"event": "epoch", "epoch": 1, "train_acc": 0.9, "test_acc": 0.95, "seconds": 1.0})
    >>> bar.stream.getvalue()
    'epoch 1/1: train accuracy 90.00%, test accuracy 95.00%, 1.0 s\\n'
    """

    WIDTH = 30

    def __init__(self, batches_per_epoch: int, epochs: int, stream: TextIO | None = None) -> None:
        self.batches_per_epoch, self.epochs = batches_per_epoch, epochs
        self.stream = stream or sys.stderr
        self._live = self.stream.isatty()
        self._drawn_at = 0.0
        self._dirty = False

    def __call__(self, event: dict[str, Any]) -> None:
        if event["event"] == "step" and self._live:
            now = time.monotonic()
            if now - self._drawn_at >= 0.1 or event["batch"] == self.batches_per_epoch:
                self._draw(event)
                self._drawn_at = now
        elif event["event"] == "epoch":
            self._line(
                f"epoch {event['epoch']}/{self.epochs}: train accuracy {event['train_acc']:.2%}, "
                f"test accuracy {event['test_acc']:.2%}, {event['seconds']:.1f} s"
            )

    def _draw(self, event: dict[str, Any]) -> None:
        done = event["batch"] / self.batches_per_epoch
        filled = int(done * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(
            f"\repoch {event['epoch']}/{self.epochs} [{bar}] {done:4.0%} "
            f"loss {event['smoothed_loss']:.4f} {event['samples_per_s']:,.0f} samples/s "
        )
        self.stream.flush()
        self._dirty = True

    def _line(self, text: str) -> None:
        self.stream.write(("\r" + " " * 79 + "\r" if self._dirty else "") + text + "\n")
        self.stream.flush()
        self._dirty = False

    def close(self) -> None:
        """End a half-drawn line."""
        if self._dirty:
            self.stream.write("\n")
            self._dirty = False
