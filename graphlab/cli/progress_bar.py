"""The command line's progress for ``graphlab train``: tqdm's bar on a terminal, a plain line per
epoch elsewhere (logs, CI), where a redrawn bar would only fill the log with carriage returns."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """A training callback: on a terminal, a tqdm bar per epoch with the smoothed loss and the
    samples per second; on any stream, one line per finished epoch.

    >>> import io
    >>> bar = ProgressBar(batches_per_epoch=10, epochs=1, stream=io.StringIO())
    >>> bar({"event": "epoch", "epoch": 1, "train_acc": 0.9, "test_acc": 0.95, "seconds": 1.0})
    >>> bar.stream.getvalue()
    'epoch 1/1: train accuracy 90.00%, test accuracy 95.00%, 1.0 s\\n'
    """

    def __init__(self, batches_per_epoch: int, epochs: int, stream: TextIO | None = None) -> None:
        self.batches_per_epoch, self.epochs = batches_per_epoch, epochs
        self.stream = stream or sys.stderr
        self._live = self.stream.isatty()
        self._bar: tqdm | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        if event["event"] == "step" and self._live:
            bar = self._bar or self._open(event["epoch"])
            loss, speed = event["smoothed_loss"], event["samples_per_s"]
            bar.set_postfix_str(f"loss {loss:.4f}, {speed:,.0f} samples/s", refresh=False)
            bar.update(event["batch"] - bar.n)  # tqdm throttles the redraws itself
            if bar.n >= self.batches_per_epoch:  # the epoch's end is always drawn
                bar.refresh()
        elif event["event"] == "epoch":
            self.close()
            self.stream.write(
                f"epoch {event['epoch']}/{self.epochs}: train accuracy {event['train_acc']:.2%}, "
                f"test accuracy {event['test_acc']:.2%}, {event['seconds']:.1f} s\n"
            )
            self.stream.flush()

    def _open(self, epoch: int) -> tqdm:
        self._bar = tqdm(
            total=self.batches_per_epoch, desc=f"epoch {epoch}/{self.epochs}", unit="batch",
            file=self.stream, leave=False, dynamic_ncols=True, mininterval=0.1,
        )  # fmt: skip
        return self._bar

    def close(self) -> None:
        """Take the epoch's bar off the screen (its line is replaced by the epoch's summary)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
