"""Data-parallel training on PyTorch's own engine: ``torch.distributed`` with
``DistributedDataParallel`` (gloo on CPUs, nccl on GPUs), one process per rank.

Every rank holds the whole model and draws the same epoch order from the same seed; each step, a
rank computes the gradient of its slice of the batch and DDP averages the slices' gradients while
backward runs. The loss of a slice is summed and scaled by ``world / batch``, so that average is
exactly the gradient of the whole batch's mean loss, for slices of any size: a run on N processes
follows a one-process run on the same batches (to float rounding).

``spawn(fn, nproc, ...)`` starts the ranks on this machine; under ``torchrun`` each process calls
``init_from_env()`` instead.
"""

from __future__ import annotations

import datetime
import os
import socket
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from .trainer import Trainer

__all__ = [
    "DistributedTrainer", "backend_for", "free_port", "init", "init_from_env", "launched",
    "spawn", "threads_per_rank",
]  # fmt: skip

TIMEOUT = datetime.timedelta(minutes=5)  # a rank that never arrives fails the run, not hangs it


def backend_for(device: str | torch.device) -> str:
    """nccl for CUDA devices when PyTorch was built with it, gloo otherwise.

    >>> backend_for("cpu")
    'gloo'
    """
    cuda = torch.device(device).type == "cuda"
    return "nccl" if cuda and dist.is_nccl_available() else "gloo"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def threads_per_rank(nproc: int) -> int:
    """CPU threads for each of ``nproc`` ranks on this machine: its cores shared out, so the
    ranks do not fight over them.

    >>> threads_per_rank(10**6)
    1
    """
    return max(1, (os.cpu_count() or 1) // nproc)


def init(rank: int, world: int, port: int, backend: str = "gloo") -> None:
    """Join the process group of ``world`` ranks on this machine as ``rank``."""
    address = f"tcp://127.0.0.1:{port}"
    dist.init_process_group(backend, init_method=address, rank=rank, world_size=world,
                            timeout=TIMEOUT)  # fmt: skip


def launched() -> bool:
    """True in a process that ``torchrun`` started as one rank of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def init_from_env(backend: str) -> int:
    """Join the process group ``torchrun`` describes (RANK, WORLD_SIZE, MASTER_ADDR ...); selects
    this node's GPU for the rank on CUDA. Returns the rank."""
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend, timeout=TIMEOUT)
    return dist.get_rank()


def spawn(fn: Callable[..., Any], nproc: int, *args: Any) -> None:
    """Run ``fn(rank, nproc, port, *args)`` in ``nproc`` new processes and wait for them all;
    raises when one fails. ``fn`` must be importable (a module-level function)."""
    mp.spawn(fn, args=(nproc, free_port(), *args), nprocs=nproc, join=True)


class DistributedTrainer(Trainer):
    """A ``Trainer`` that is one rank of a process group (``init`` or ``init_from_env`` first).

    Each rank trains on its slice of every batch; the gradients are averaged by
    ``DistributedDataParallel``, and the logged loss and accuracy are those of the whole batch,
    so every rank keeps the same history. A stop on any rank (Ctrl-C) stops all of them at the
    same step. Only rank 0 should save; its checkpoint loads into a plain ``Trainer``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not dist.is_initialized():
            raise RuntimeError("join a process group first: distributed.init(...)")
        super().__init__(*args, **kwargs)
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        ids = [self.device.index or 0] if self.device.type == "cuda" else None
        self.ddp = DistributedDataParallel(self.model, device_ids=ids)

    def _forward_backward(self, idx: torch.Tensor) -> tuple[float, torch.Tensor]:
        mine = idx.tensor_split(self.world)[self.rank]
        x, y = self._train_x[mine], self._train_y[mine]
        logits = self.ddp(x)
        # Summed, then scaled by world / batch: DDP averages over ranks, which gives the gradient
        # of the whole batch's mean loss even when the slices differ in size.
        loss = F.cross_entropy(logits, y, reduction="sum") * (self.world / len(idx))
        loss.backward()
        stopping = float(self._stop.is_set())
        stats = torch.stack([
            loss.detach() / self.world,
            (logits.argmax(1) == y).sum().to(loss.dtype),
            torch.tensor(stopping, device=loss.device),
        ])  # fmt: skip
        dist.all_reduce(stats)  # one message for the batch's loss, its correct count and stops
        if stats[2].item() > 0:
            self._stop.set()
        return stats[0].item(), stats[1].round().long()
