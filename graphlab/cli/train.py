"""``python -m graphlab train``: train a toy MNIST model from the command line.

    python -m graphlab train --model mlp --epochs 3            # prints test accuracy, saves mnist-mlp.pt
    python -m graphlab train --resume mnist-mlp.pt --epochs 3  # continue a stopped run

A plain-text progress bar goes to stderr; results go to stdout. Ctrl-C stops after the current
step and still saves a checkpoint that ``--resume`` continues exactly.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, TextIO

import torch

from graphlab.core.device import DEVICES
from graphlab.data.mnist import MnistNotFoundError, load_mnist
from graphlab.models import MODELS
from graphlab.train import OPTIMIZERS, SCHEDULES, TrainConfig, Trainer

__all__ = ["ProgressBar", "add_train_parser", "run_train"]

# The options' defaults are TrainConfig's own, so the two cannot drift apart.
_DEFAULTS = {field.name: field.default for field in dataclasses.fields(TrainConfig)}


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train`` command to ``subparsers`` (from ``ArgumentParser.add_subparsers()``).

    >>> parser = argparse.ArgumentParser()
    >>> args = add_train_parser(parser.add_subparsers()).parse_args(["--epochs", "2"])
    >>> args.model, args.epochs, args.run is run_train
    ('mlp', 2, True)
    """
    p = subparsers.add_parser(
        "train", help="train a toy MNIST model", description=__doc__.split("\n")[0]
    )
    p.add_argument("--model", choices=MODELS, default=_DEFAULTS["model"])
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=_DEFAULTS["optimizer"])
    p.add_argument(
        "--lr", type=float, default=_DEFAULTS["lr"], help="default depends on the optimizer"
    )
    p.add_argument("--batch-size", type=int, default=_DEFAULTS["batch_size"])
    # None, not the default: on --resume, only an explicit --epochs replaces the saved one.
    p.add_argument(
        "--epochs", type=int, default=None, help=f"default {_DEFAULTS['epochs']}, or as saved"
    )
    p.add_argument("--schedule", choices=SCHEDULES, default=_DEFAULTS["schedule"])
    p.add_argument("--device", choices=DEVICES, default=_DEFAULTS["device"])
    p.add_argument("--seed", type=int, default=_DEFAULTS["seed"])
    p.add_argument("--data", metavar="DIR", help="a directory of the four MNIST IDX files")
    p.add_argument("--out", metavar="PATH", help="checkpoint to write (default mnist-MODEL.pt)")
    p.add_argument("--resume", metavar="PATH", help="continue from this checkpoint")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    p.add_argument(
        "--train-size",
        type=int,
        default=_DEFAULTS["train_size"],
        help="use the first N train images",
    )
    p.add_argument(
        "--test-size", type=int, default=_DEFAULTS["test_size"], help="use the first N test images"
    )
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.set_defaults(run=run_train)
    return p


def _config(args: argparse.Namespace) -> TrainConfig:
    given = {name: getattr(args, name, None) for name in _DEFAULTS}
    return TrainConfig(**{name: value for name, value in given.items() if value is not None})


def _trainer(args: argparse.Namespace) -> Trainer:
    data = (*load_mnist("train", args.data), *load_mnist("test", args.data))
    if not args.resume:
        return Trainer(_config(args), data=data)
    trainer = Trainer.load(args.resume, device=args.device, data=data)
    if args.epochs is not None:  # more epochs may be asked for; the rest stays as trained
        trainer.config = dataclasses.replace(trainer.config, epochs=args.epochs)
    return trainer


def run_train(args: argparse.Namespace) -> int:
    """Run the ``train`` command; 0 on success, 1 if the loss diverged, 2 on bad input, 130 on Ctrl-C."""
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        trainer = _trainer(args)
    # UnpicklingError: --resume names a file that is no checkpoint (or one that holds code).
    except (ValueError, MnistNotFoundError, FileNotFoundError, pickle.UnpicklingError) as exc:
        print(f"graphlab train: {exc}", file=sys.stderr)
        return 2
    bar = ProgressBar(trainer.batches_per_epoch, trainer.config.epochs)
    trainer.callbacks.append(bar)
    with _stop_on_ctrl_c(trainer) as interrupted:
        history = trainer.run(max_steps=args.max_steps)
    bar.close()
    if history.status == "diverged":
        print(f"diverged: {history.message}", file=sys.stderr)
        return 1
    accuracy = history.test_acc if history.status == "done" else trainer.evaluate()
    print(f"test accuracy: {accuracy:.2%} ({trainer.test_size} images)")
    out = args.out or args.resume or f"mnist-{trainer.config.model}.pt"
    trainer.save(out)
    print(f"checkpoint: {out} (status {history.status}, step {trainer.progress.step})")
    return 130 if interrupted.is_set() else 0


@contextlib.contextmanager
def _stop_on_ctrl_c(trainer: Trainer) -> Iterator[threading.Event]:
    # A KeyboardInterrupt mid-step would leave a half-updated model; stop between steps instead.
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def handler(signum: int, frame: object) -> None:
        interrupted.set()
        trainer.stop()
        signal.signal(signal.SIGINT, previous)  # a second Ctrl-C aborts as usual

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


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
