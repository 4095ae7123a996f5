"""Lesson 17, Data parallel: several processes under PyTorch's `DistributedDataParallel` (gloo),
each computing the gradient of its slice of one batch; DDP averages the slices' gradients with an
all-reduce. Play runs a real step in processes of their own (`graphlab.train.ddp_demo`, started
as `python -m graphlab.train.ddp_demo`, so the page's server never forks); the questions are
answered in this process by the same arithmetic DDP does (each slice's gradient, averaged),
which a test checks against the real processes.

>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('g_ddp == g_full', ['False', 'True', '535818'])
"""

from __future__ import annotations

import json
import subprocess
import sys

import torch

from graphlab.core.messages import msg
from graphlab.train import ddp_demo
from graphlab.train.jobs import BusyError, JobSlots

from .checks import Question

__all__ = ["LOSSES", "MAX_BATCH", "MAX_NPROC", "PREDICT", "QUESTIONS", "SLOTS", "run_step", "saw"]

LOSSES, MAX_NPROC, MAX_BATCH = ddp_demo.LOSSES, ddp_demo.MAX_NPROC, ddp_demo.MAX_BATCH
SAME = 1e-6  # gradients closer than this are equal up to float rounding
TIMEOUT = 120.0  # seconds for one step's processes, start-up included
SLOTS = JobSlots(1)  # one run at a time on this server: each takes several processes and cores


def equal_to_full(batch: int, nproc: int, how: str) -> bool:
    """Whether DDP's average of `nproc` slices' gradients equals one process's whole-batch
    gradient (computed here, as DDP computes it)."""
    x, y, _source = ddp_demo.batch(batch)
    averaged = ddp_demo.averaged_by_hand(x, y, nproc, how)
    return (averaged - ddp_demo.full_gradient(x, y)).abs().max().item() < SAME


def _relation() -> str:
    x, y, _source = ddp_demo.batch(64)
    averaged = ddp_demo.averaged_by_hand(x, y, 2, "mean")
    full = ddp_demo.full_gradient(x, y)
    for option, factor in (("g_ddp == g_full", 1.0), ("g_ddp == 2 * g_full", 2.0),
                           ("g_ddp == g_full / 2", 0.5)):  # fmt: skip
        if torch.allclose(averaged, factor * full, rtol=0, atol=SAME):
            return option
    return "g_ddp != g_full"


def _params() -> str:
    return str(sum(p.numel() for p in ddp_demo.model().parameters()))


PREDICT = Question(
    "predict",
    ("g_ddp == g_full", "g_ddp == 2 * g_full", "g_ddp == g_full / 2", "g_ddp != g_full"),
    _relation,
)
QUESTIONS = (
    Question("uneven", ("True", "False"), lambda: str(equal_to_full(10, 3, "mean"))),
    Question("scaled", ("True", "False"), lambda: str(equal_to_full(10, 3, "scaled"))),
    Question("size", (), _params, tolerance=0.0),
)


def run_step(nproc: int, batch: int, how: str) -> dict:
    """One real step on `nproc` processes (see `graphlab.train.ddp_demo`), in a child process
    with a time limit; ValueError (its `args[0]` a Message) when refused or failed."""
    if not (2 <= nproc <= MAX_NPROC and nproc <= batch <= MAX_BATCH and how in LOSSES):
        raise ValueError(msg("choose 2 to {n} processes and a batch of {n_min} to {b} images",
                             n=MAX_NPROC, n_min=nproc, b=MAX_BATCH))  # fmt: skip
    command = [sys.executable, "-m", "graphlab.train.ddp_demo", "--nproc", str(nproc),
               "--batch", str(batch), "--loss", how]  # fmt: skip
    try:
        with SLOTS.hold():
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except BusyError as err:
        raise ValueError(err.text) from None
    except subprocess.TimeoutExpired:
        raise ValueError(msg("the processes took longer than {s:g} s", s=TIMEOUT)) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ValueError(msg("the processes failed: {error}", error=last))
    return json.loads(done.stdout.strip().splitlines()[-1])


def saw(result: dict) -> dict[str, str]:
    """The numbers "What you saw" quotes from the last run."""
    ranks = result["ranks"]
    return {
        "nproc": str(result["nproc"]),
        "batch": str(result["batch"]),
        "shards": " + ".join(str(r["samples"]) for r in ranks),
        "loss": result["loss"],
        "diff": f"{result['diff_full']:.1e}",
        "by_hand": f"{result['diff_by_hand']:.1e}",
        "same": str(result["diff_full"] < SAME),
        "params": f"{result['params']:,}",
        "allreduce": f"{max(r['allreduce_ms'] for r in ranks):.2f}",
        "backward": f"{max(r['backward_ms'] for r in ranks):.1f}",
    }
