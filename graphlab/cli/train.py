"""``python -m graphlab train``: train a toy MNIST model from the command line.

    python -m graphlab train --model mlp --epochs 3            # prints test accuracy, saves mnist-mlp.pt
    python -m graphlab train --resume mnist-mlp.pt --epochs 3  # continue a stopped run
    python -m graphlab train --model cnn --nproc 2             # 2 processes, DistributedDataParallel
    python -m graphlab train --model cnn --precision bf16      # forward pass in bfloat16 (autocast)
    torchrun --nproc_per_node 2 -m graphlab train --model cnn  # the same, started by torchrun

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
from collections.abc import Iterator
from typing import Any

import torch

from graphlab.core.device import DEVICES
from graphlab.data.mnist import MnistNotFoundError, load_mnist
from graphlab.models import MODELS
from graphlab.train import OPTIMIZERS, SCHEDULES, TrainConfig, Trainer, distributed
from graphlab.train.config import PRECISIONS, check_precision
from graphlab.train.loop import Data

from .progress_bar import ProgressBar
from .train_ddp import run_distributed

__all__ = [
    "REFUSED", "ProgressBar", "add_train_parser", "load_data", "make_trainer", "run_train",
    "train_and_report",
]  # fmt: skip

# What a bad argument, --data or --resume raises: exit code 2 with its message.
REFUSED = (ValueError, MnistNotFoundError, FileNotFoundError, pickle.UnpicklingError)

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
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=None,
        help=f"dtype of the forward pass (fp16: CUDA only); default {_DEFAULTS['precision']}, "
        "or as saved",
    )
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
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (per process)")
    p.add_argument(
        "--nproc",
        type=int,
        default=1,
        help="processes training together with DistributedDataParallel (gloo on CPU, nccl on "
        "GPUs); under torchrun, its --nproc_per_node decides instead",
    )
    p.set_defaults(run=run_train)
    return p


def _config(args: argparse.Namespace) -> TrainConfig:
    given = {name: getattr(args, name, None) for name in _DEFAULTS}
    return TrainConfig(**{name: value for name, value in given.items() if value is not None})


def load_data(args: argparse.Namespace) -> Data:
    """MNIST (or ``--data``): train images, labels, test images, labels."""
    return (*load_mnist("train", args.data), *load_mnist("test", args.data))


def make_trainer(args: argparse.Namespace, data: Data, cls: type[Trainer] = Trainer) -> Trainer:
    """A new trainer of ``cls`` for the arguments, or the ``--resume`` checkpoint's."""
    if not args.resume:
        return cls(_config(args), data=data)
    trainer = cls.load(args.resume, device=args.device, data=data)
    if args.epochs is not None:  # more epochs may be asked for; the rest stays as trained
        trainer.config = dataclasses.replace(trainer.config, epochs=args.epochs)
    if getattr(args, "precision", None) is not None:  # as the device: how this machine runs it
        check_precision(args.precision, trainer.device)
        trainer.config = dataclasses.replace(trainer.config, precision=args.precision)
    return trainer


def run_train(args: argparse.Namespace) -> int:
    """Run the ``train`` command; 0 on success, 1 if the loss diverged, 2 on bad input, 130 on Ctrl-C."""
    if args.nproc > 1 or distributed.launched():
        if getattr(args, "precision", None) not in (None, "fp32"):
            print("graphlab train: --precision is for one process; --nproc trains in fp32",
                  file=sys.stderr)  # fmt: skip
            return 2
        return run_distributed(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        trainer = make_trainer(args, load_data(args))
    # UnpicklingError: --resume names a file that is no checkpoint (or one that holds code).
    except REFUSED as exc:
        print(f"graphlab train: {exc}", file=sys.stderr)
        return 2
    return train_and_report(trainer, args)


def train_and_report(trainer: Trainer, args: argparse.Namespace, report: bool = True) -> int:
    """Train; with ``report`` (rank 0 of a distributed run, or the only process) draw progress,
    print the test accuracy and save the checkpoint. Returns the command's exit code."""
    bar = ProgressBar(trainer.batches_per_epoch, trainer.config.epochs) if report else None
    if bar:
        trainer.callbacks.append(bar)
    with _stop_on_ctrl_c(trainer) as interrupted:
        history = trainer.run(max_steps=args.max_steps)
    if bar:
        bar.close()
    if history.status == "diverged":
        if report:
            print(f"diverged: {history.message}", file=sys.stderr)
        return 1
    if report:
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
