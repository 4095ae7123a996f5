"""`graphlab train` as the tests run it: on the CPU, on toy MNIST data instead of the real one."""

from __future__ import annotations

import argparse

from graphlab.cli import train as cli_train
from graphlab.cli.train import add_train_parser


def use_toy_mnist(monkeypatch, toy) -> None:
    """`load_mnist` of the command (train images, labels, test images, labels) returns `toy`."""
    splits = {"train": toy[:2], "test": toy[2:]}
    monkeypatch.setattr(cli_train, "load_mnist", lambda split, root=None: splits[split])


def main(*argv: str) -> int:
    """`python -m graphlab train --device cpu ARGV`; its exit code."""
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "--device", "cpu", *argv])
    return args.run(args)
