"""``graphlab train --nproc N``, or one rank under ``torchrun``: the same training on N processes
with ``DistributedDataParallel`` (see ``graphlab.train.distributed``). Rank 0 draws the progress,
prints the results and writes the checkpoint, which a one-process ``Trainer`` loads."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import threading
from pathlib import Path

import torch
import torch.distributed as dist

from graphlab.core.device import pick_device
from graphlab.train import distributed
from graphlab.train.loop import Data

__all__ = ["run_distributed"]


def run_distributed(args: argparse.Namespace) -> int:
    """Train on ``args.nproc`` processes spawned here, or as the rank torchrun started."""
    from . import train  # the command's own steps; a module import, as tests patch load_mnist

    if distributed.launched():
        backend = distributed.backend_for(pick_device(args.device))
        distributed.init_from_env(backend)
        return _rank_body(args, None)
    try:
        data = train.load_data(args)
    except train.REFUSED as exc:
        print(f"graphlab train: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, _ctrl_c_goes_to_the_ranks():
        code_file = Path(tmp) / "exit-code"
        try:
            distributed.spawn(_rank_main, args.nproc, args, data, str(code_file))
        except Exception as exc:  # a rank crashed: its traceback is already on stderr
            print(f"graphlab train: a training process failed: {exc}", file=sys.stderr)
            return 1
        return int(code_file.read_text())


def _rank_main(rank: int, world: int, port: int, args: argparse.Namespace, data: Data,
               code_file: str) -> None:  # fmt: skip
    """One spawned rank: join the group, train, and (rank 0) leave the exit code for the parent."""
    torch.set_num_threads(args.threads or distributed.threads_per_rank(world))
    backend = distributed.backend_for(pick_device(args.device))
    if backend == "nccl":
        torch.cuda.set_device(rank)
    distributed.init(rank, world, port, backend)
    code = _rank_body(args, data)
    if rank == 0:
        Path(code_file).write_text(str(code))


def _rank_body(args: argparse.Namespace, data: Data | None) -> int:
    from . import train

    report = dist.get_rank() == 0
    try:
        trainer = train.make_trainer(
            args, data or train.load_data(args), distributed.DistributedTrainer
        )
    except train.REFUSED as exc:  # every rank refuses the same arguments; one says so
        if report:
            print(f"graphlab train: {exc}", file=sys.stderr)
        return 2
    try:
        return train.train_and_report(trainer, args, report=report)
    finally:
        del trainer  # its DDP reducer goes before the group it talks through
        dist.barrier()  # no rank leaves while another still needs the group
        dist.destroy_process_group()


@contextlib.contextmanager
def _ctrl_c_goes_to_the_ranks():
    """The parent ignores Ctrl-C while the ranks run: they receive it too, stop together at the
    same step, and rank 0 still saves the checkpoint."""
    if threading.current_thread() is not threading.main_thread():  # only it may set handlers
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
