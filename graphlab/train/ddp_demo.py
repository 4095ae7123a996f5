"""One data-parallel step, taken apart: N processes under ``DistributedDataParallel`` (gloo)
each compute the gradient of their slice of one batch, DDP all-reduces them, and the result is
compared with the gradient one process computes on the whole batch. The course's data-parallel
lesson runs it in a process of its own:

    python -m graphlab.train.ddp_demo --nproc 2 --batch 64 --loss scaled   # prints JSON

``loss``: ``scaled`` is what ``DistributedTrainer`` does (each rank sums its slice's losses and
scales by world / batch, so DDP's average is the whole batch's mean-loss gradient for any
split); ``mean`` is each rank's own mean, the usual code, which is exact only for equal slices.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from graphlab.data.mnist import MnistNotFoundError, load_mnist
from graphlab.models import build_model

from . import distributed

__all__ = ["LOSSES", "MAX_BATCH", "MAX_NPROC", "compare", "full_gradient", "run", "shard_sizes"]

LOSSES = ("scaled", "mean")
MAX_NPROC, MAX_BATCH = 4, 256
MODEL, SEED = "mlp", 0
REDUCES = 10  # all-reduces timed per rank, after 3 untimed


def batch(size: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """The first ``size`` MNIST training images and labels (seeded noise if MNIST is absent)."""
    try:
        images, labels = load_mnist("train", copy=False)
        return images[:size].float(), labels[:size].long(), "MNIST"
    except MnistNotFoundError:
        g = torch.Generator().manual_seed(SEED)
        return (
            torch.rand(size, 1, 28, 28, generator=g),
            torch.randint(0, 10, (size,), generator=g),
            "random",
        )


def model() -> torch.nn.Module:
    """The same freshly initialised model in every process (one seed)."""
    return build_model(MODEL, torch.Generator().manual_seed(SEED))


def shard_sizes(batch_size: int, nproc: int) -> list[int]:
    """How ``tensor_split`` deals a batch out to the ranks.

    >>> shard_sizes(10, 3)
    [4, 3, 3]
    """
    return [len(part) for part in torch.arange(batch_size).tensor_split(nproc)]


def _loss(logits: torch.Tensor, y: torch.Tensor, how: str, world: int, total: int) -> torch.Tensor:
    if how == "scaled":
        return F.cross_entropy(logits, y, reduction="sum") * (world / total)
    return F.cross_entropy(logits, y)


def _flat(net: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.grad.reshape(-1) for p in net.parameters()])


def full_gradient(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One process, the whole batch, the mean loss: the gradient data parallelism must match."""
    net = model()
    F.cross_entropy(net(x), y).backward()
    return _flat(net)


def averaged_by_hand(x: torch.Tensor, y: torch.Tensor, nproc: int, how: str) -> torch.Tensor:
    """In one process, what DDP computes: each slice's gradient, averaged over the slices."""
    grads = []
    for xs, ys in zip(x.tensor_split(nproc), y.tensor_split(nproc), strict=True):
        net = model()
        _loss(net(xs), ys, how, nproc, len(y)).backward()
        grads.append(_flat(net))
    return torch.stack(grads).mean(0)


def _rank(rank: int, world: int, port: int, x, y, how: str, out: str) -> None:
    torch.set_num_threads(1)
    distributed.init(rank, world, port)
    net = model()
    ddp = DistributedDataParallel(net)
    xs, ys = x.tensor_split(world)[rank], y.tensor_split(world)[rank]
    dist.barrier()
    start = time.perf_counter()
    loss = _loss(ddp(xs), ys, how, world, len(y))
    forward = time.perf_counter()
    loss.backward()  # DDP all-reduces the gradients, bucket by bucket, while backward runs
    backward = time.perf_counter()
    grad = _flat(net)
    reduce_ms = _allreduce_ms(grad.numel())
    result = {
        "rank": rank, "samples": len(ys), "loss": loss.item(),
        "forward_ms": (forward - start) * 1000, "backward_ms": (backward - forward) * 1000,
        "allreduce_ms": reduce_ms,
    }  # fmt: skip
    torch.save({"result": result, "grad": grad}, Path(out) / f"rank{rank}.pt")
    del ddp
    dist.barrier()
    dist.destroy_process_group()


def _allreduce_ms(numel: int) -> float:
    flat = torch.zeros(numel)
    for _ in range(3):
        dist.all_reduce(flat)
    start = time.perf_counter()
    for _ in range(REDUCES):
        dist.all_reduce(flat)
    return (time.perf_counter() - start) / REDUCES * 1000


def run(nproc: int = 2, batch_size: int = 64, how: str = "scaled") -> dict[str, Any]:
    """Spawn ``nproc`` ranks for one step and compare; plain data (JSON) and the gradients."""
    if not 2 <= nproc <= MAX_NPROC or not nproc <= batch_size <= MAX_BATCH or how not in LOSSES:
        raise ValueError(f"need 2 <= nproc <= {MAX_NPROC}, nproc <= batch <= {MAX_BATCH}, "
                         f"loss in {LOSSES}")  # fmt: skip
    x, y, source = batch(batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        distributed.spawn(_rank, nproc, x, y, how, tmp)
        seconds = time.perf_counter() - start
        saved = [torch.load(Path(tmp) / f"rank{r}.pt") for r in range(nproc)]
    return compare(x, y, how, [s["result"] for s in saved], [s["grad"] for s in saved], source,
                   seconds)  # fmt: skip


def compare(x, y, how, ranks, grads, source, seconds) -> dict[str, Any]:
    """The ranks' results beside the one-process gradient and the by-hand average."""
    full, by_hand = full_gradient(x, y), averaged_by_hand(x, y, len(grads), how)
    reduced = grads[0]
    return {
        "nproc": len(grads), "batch": len(y), "loss": how, "data": source,
        "params": reduced.numel(), "ranks": ranks, "seconds": seconds,
        "ranks_agree": max((g - reduced).abs().max().item() for g in grads),
        "diff_full": (reduced - full).abs().max().item(),
        "diff_by_hand": (reduced - by_hand).abs().max().item(),
        "grad_norm": reduced.norm().item(), "full_norm": full.norm().item(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--loss", choices=LOSSES, default="scaled")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.nproc, args.batch, args.loss)))


if __name__ == "__main__":
    main()
