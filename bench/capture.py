"""Benchmark `graphlab.core.walk` + `to_dot` against `torchviz.make_dot` on the same graphs.

    .venv/bin/python bench/capture.py          # MLP, ResNet-style, Transformer at ~100, 1k, 10k nodes
    .venv/bin/python bench/capture.py --quick  # ~100 and ~1k nodes only

Only graph -> DOT text is timed (the forward pass runs once per case, outside the timing):
ours is `to_dot(capture(out, params=...))`, given exactly what `make_dot` is given; the
like-for-like baseline is `make_dot(out, params=..., show_attrs=True, show_saved=True).source`
(we always capture saved tensors and non-tensor attributes); `make_dot` with its defaults is shown
too, and so is ours with `model=model` (module attribution, which torchviz does not do). The functions run
alternately, several times each after a `gc.collect()`, in one thread (one torch thread, a big
stack for torchviz's recursion); the median counts. Nodes: autograd nodes reachable from the
output. Target (issue 14): ours >= 10x faster than the like-for-like `make_dot` at 1k and 10k
nodes, with time per node about constant from 1k to 10k.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import threading
import time
from pathlib import Path

import torch
from torch import nn
from torchviz import make_dot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import graphlab as gl  # noqa: E402

TARGET = 10.0
HEADS = ("ours ms", "make_dot(saved+attrs) ms", "ratio", "make_dot(default) ms", "ratio")
EXTRA = "ours+modules ms"


def conv_bn(c: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))


class Block(nn.Module):
    """conv-bn-relu-conv-bn plus the identity, then relu."""

    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn(c), nn.ReLU(), conv_bn(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + x)


def mlp(depth: int) -> tuple[nn.Module, torch.Tensor]:
    layers = [m for _ in range(depth) for m in (nn.Linear(16, 16), nn.ReLU())]
    return nn.Sequential(*layers), torch.randn(4, 16)


def resnet(depth: int) -> tuple[nn.Module, torch.Tensor]:
    stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
    return nn.Sequential(stem, *(Block(8) for _ in range(depth))), torch.randn(2, 3, 4, 4)


def transformer(depth: int) -> tuple[nn.Module, torch.Tensor]:
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False), torch.randn(2, 5, 16)


MODELS = {"MLP": mlp, "ResNet": resnet, "Transformer": transformer}


def forward(build, depth: int) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model, x = build(depth)
    out = model(x)
    return model, nn.functional.mse_loss(out, torch.zeros_like(out))


def count_nodes(out: torch.Tensor) -> int:
    """Autograd nodes reachable from `out` (AccumulateGrad included), walked iteratively."""
    seen, stack = {out.grad_fn}, [out.grad_fn]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return len(seen)


def depth_for(build, target: int) -> int:
    """Depth giving about `target` nodes, from the node counts at depths 1 and 2."""
    one, two = (count_nodes(forward(build, d)[1]) for d in (1, 2))
    return max(1, round((target - one) / (two - one)) + 1)


def contenders(model: nn.Module, out: torch.Tensor) -> list:
    """Ours, make_dot with saved tensors and attributes (like for like), make_dot's defaults,
    and ours with module attribution."""
    params = dict(model.named_parameters())
    return [
        lambda: gl.to_dot(gl.capture(out, params=params)),
        lambda: make_dot(out, params=params, show_attrs=True, show_saved=True).source,
        lambda: make_dot(out, params=params).source,
        lambda: gl.to_dot(gl.capture(out, params=params, model=model)),
    ]


def median_times(funcs, repeats: int) -> list[float]:
    """Median seconds of each function, run alternately `repeats` times after one warm-up.

    A function that raises (torchviz's recursion on deep graphs) is reported as NaN."""
    times: list[list[float]] = [[] for _ in funcs]
    for i in range(repeats + 1):
        for f, ts in zip(funcs, times, strict=True):
            gc.collect()  # each run starts from the same collector state, not the last run's garbage
            start = time.perf_counter()
            try:
                f()
                elapsed = time.perf_counter() - start
            except (RecursionError, MemoryError) as e:
                print(f"  failed: {type(e).__name__}: {str(e)[:80]}", flush=True)
                elapsed = math.nan
            if i:
                ts.append(elapsed)
    return [math.nan if any(map(math.isnan, ts)) else statistics.median(ts) for ts in times]


def run(sizes: list[int]) -> bool:
    torch.set_num_threads(1)
    sys.setrecursionlimit(1_000_000)
    heads = "".join(f"{h:>{len(h) + 2}}" for h in HEADS)
    print(f"{'model':<12}{'nodes':>7}{heads}  us/node  {EXTRA}")
    ok = True
    for name, build in MODELS.items():
        for target in sizes:
            model, out = forward(build, depth_for(build, target))
            nodes = count_nodes(out)
            ours, full, default, modules = median_times(
                contenders(model, out), 5 if nodes > 5000 else 9
            )
            ratio = full / ours
            ok &= target < 1000 or ratio >= TARGET
            print(
                f"{name:<12}{nodes:>7}{ours * 1e3:>9.1f}{full * 1e3:>26.1f}{ratio:>6.1f}x"
                f"{default * 1e3:>22.1f}{default / ours:>6.1f}x{ours / nodes * 1e6:>9.1f}"
                f"{modules * 1e3:>17.1f}",
                flush=True,
            )
    verdict = "met" if ok else "NOT met"
    print(f"target: ours >= {TARGET:g}x faster than make_dot(saved+attrs) at 1k and 10k: {verdict}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="only ~100 and ~1k nodes")
    args = parser.parse_args(argv)
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    result: list[bool] = []
    threading.stack_size(512 * 1024 * 1024)  # torchviz recurses once per node on the path
    worker = threading.Thread(target=lambda: result.append(run(sizes)))
    worker.start()
    worker.join()
    return 0 if result and result[0] else 1


if __name__ == "__main__":
    sys.exit(main())
