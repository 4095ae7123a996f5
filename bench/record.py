"""Benchmark `graphlab.Recorder`: recorded forward+backward against plain forward+backward.

    .venv/bin/python bench/record.py           # MLP, elementwise chain, Transformer, ~1k nodes
    .venv/bin/python bench/record.py --quick   # fewer repeats

Each case builds one model; then, alternating in one thread (one torch thread, `gc.collect()`
before each), it times a plain `loss = f(); loss.backward()` and the same under a `Recorder`
with `rec.backward(loss)` (which also captures the graph, hooks every node, snapshots every
value and gradient, and checks leaf totals). The median of each counts; the figure is their
ratio. Target: <= 5x at about 1k graph nodes. The last column is the spread (25th to 75th
percentile) of the ratios of single pairs: on a shared machine it is often +-5%.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.record.recorder import Recorder  # noqa: E402

TARGET = 5.0


def mlp(width: int = 16, batch: int = 8) -> Callable[[], torch.Tensor]:
    """200 x (Linear, Tanh): addmm, T, weight, bias, tanh = 5 nodes per layer."""
    torch.manual_seed(0)
    layers = [m for _ in range(200) for m in (nn.Linear(width, width), nn.Tanh())]
    model, x = nn.Sequential(*layers), torch.randn(batch, width)
    return lambda: model(x).pow(2).mean()


def mlp_wide() -> Callable[[], torch.Tensor]:
    """The same with width 64, batch 32: bigger ops, weights summarized (4096 elements)."""
    return mlp(64, 32)


def chain() -> Callable[[], torch.Tensor]:
    """About 1k elementwise ops on a (64,) tensor: each op is one node, values all shown."""
    torch.manual_seed(0)
    w = torch.randn(64, requires_grad=True)

    def f() -> torch.Tensor:
        h = w
        for i in range(330):
            h = torch.sin(h) * 0.9 + w if i % 2 else torch.tanh(h * 1.1) - 0.1
        return h.sum()

    return f


def transformer() -> Callable[[], torch.Tensor]:
    """Eighteen encoder layers (d_model 16): about 1k autograd nodes."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0)
    model = nn.TransformerEncoder(layer, num_layers=18, enable_nested_tensor=False)
    x = torch.randn(6, 2, 16)
    return lambda: model(x).pow(2).mean()


CASES = {"mlp": mlp, "mlp_wide": mlp_wide, "chain": chain, "transformer": transformer}


def plain(f: Callable[[], torch.Tensor]) -> int:
    f().backward()
    return 0


def recorded(f: Callable[[], torch.Tensor]) -> int:
    with Recorder() as rec:
        loss = f()
    steps = rec.backward(loss)
    assert all(leaf.equal for leaf in rec.leaves)
    return len(steps)  # autograd nodes: ops and leaves


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    repeats = 7 if args.quick else 31
    print(f"torch {torch.__version__}, {repeats} repeats, median times")
    print(f"{'case':<12} {'nodes':>6} {'plain ms':>9} {'recorded ms':>12} {'ratio':>6}  spread")
    worst = 0.0
    for name, make in CASES.items():
        f = make()
        nodes = recorded(f)  # warm up both
        plain(f)
        base, ours = [], []
        for _ in range(repeats):
            base.append(timed(lambda f=f: plain(f)))
            ours.append(timed(lambda f=f: recorded(f)))
        b, o = statistics.median(base), statistics.median(ours)
        worst = max(worst, o / b)
        q1, _, q3 = statistics.quantiles([r / p for r, p in zip(ours, base, strict=True)], n=4)
        print(
            f"{name:<12} {nodes:>6} {b * 1e3:>9.2f} {o * 1e3:>12.2f} {o / b:>5.1f}x"
            f"  {q1:.1f}-{q3:.1f}x"
        )
    verdict = "meets" if worst <= TARGET else "misses"
    print(f"worst ratio {worst:.1f}x: {verdict} the target of <= {TARGET:g}x")


if __name__ == "__main__":
    main()
