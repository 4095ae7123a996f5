"""Benchmark data-parallel training: samples/s of one process (a plain `Trainer`) against N
processes under DistributedDataParallel (`graphlab.train.distributed`, gloo on CPU), and the
time of one all-reduce of the model's gradients.

    .venv/bin/python bench/ddp.py                    # cnn, 1 vs 2 processes, 3 rounds
    .venv/bin/python bench/ddp.py --model mlp --nproc 2 --rounds 3

Both sides use the same model, batch size and seed and the machine's cores (one process: all its
threads; N processes: the cores shared out). The rounds alternate 1 and N processes; the ratio is
N-process samples/s over 1-process samples/s per round, reported as median and range. Process
start-up is not timed: each side trains `--warmup` steps first, then `--steps` timed steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.data import load_mnist  # noqa: E402
from graphlab.train import TrainConfig, Trainer, distributed  # noqa: E402

REDUCES = 20  # all-reduces timed, after 3 untimed


def timed_run(trainer: Trainer, steps: int, warmup: int) -> float:
    """Samples/s over `steps` steps, after `warmup` untimed ones."""
    trainer.run(max_steps=warmup)
    if dist.is_initialized():
        dist.barrier()
    started = time.perf_counter()
    trainer.run(max_steps=steps)
    return steps * trainer.config.batch_size / (time.perf_counter() - started)


def allreduce_ms(numel: int) -> float:
    """Milliseconds of one all-reduce of `numel` float32s (the model's gradients, flattened)."""
    flat = torch.zeros(numel)
    for _ in range(3):
        dist.all_reduce(flat)
    dist.barrier()
    started = time.perf_counter()
    for _ in range(REDUCES):
        dist.all_reduce(flat)
    return (time.perf_counter() - started) / REDUCES * 1000


def rank_main(rank, world, port, config, data, steps, warmup, out):
    torch.set_num_threads(distributed.threads_per_rank(world))
    distributed.init(rank, world, port)
    trainer = distributed.DistributedTrainer(config, data=data)
    rate = timed_run(trainer, steps, warmup)
    ms = allreduce_ms(sum(p.numel() for p in trainer.model.parameters()))
    if rank == 0:
        Path(out).write_text(json.dumps({"samples_per_s": rate, "allreduce_ms": ms}))
    del trainer  # its DDP reducer goes before the group it talks through
    dist.barrier()
    dist.destroy_process_group()


def one_process(config, data, steps, warmup) -> float:
    torch.set_num_threads(os.cpu_count() or 1)
    return timed_run(Trainer(config, data=data), steps, warmup)


def n_processes(nproc, config, data, steps, warmup) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        distributed.spawn(rank_main, nproc, config, data, steps, warmup, str(out))
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = (*load_mnist("train"), *load_mnist("test"))
    config = TrainConfig(model=args.model, batch_size=args.batch_size, device="cpu",
                         test_size=1000, epochs=100)  # fmt: skip
    print(f"{args.model}, batch {args.batch_size}, {os.cpu_count()} cores, {args.steps} timed "
          f"steps; 1 process vs {args.nproc} (DDP, gloo)")  # fmt: skip
    ratios, reduces = [], []
    for round_ in range(1, args.rounds + 1):
        single = one_process(config, data, args.steps, args.warmup)
        multi = n_processes(args.nproc, config, data, args.steps, args.warmup)
        ratios.append(multi["samples_per_s"] / single)
        reduces.append(multi["allreduce_ms"])
        print(f"round {round_}: 1 process {single:,.0f} samples/s, {args.nproc} processes "
              f"{multi['samples_per_s']:,.0f} samples/s (x{ratios[-1]:.2f}), all-reduce of the "
              f"gradients {multi['allreduce_ms']:.2f} ms")  # fmt: skip
    print(f"ratio {args.nproc} processes / 1: median {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}-{max(ratios):.2f}); all-reduce median "
          f"{statistics.median(reduces):.2f} ms per step")  # fmt: skip


if __name__ == "__main__":
    main()
