"""Graphs captured without module info, end to end: capture -> summarize(300) -> to_dot -> dot.

    .venv/bin/python bench/fold.py            # the four cases of issue 14, 3 runs each

Cases: a 50,000-op chain, a 660-block ResNet captured WITHOUT `track_modules`, a stack of 5,000
leaves and a 2,000-step RNN cell loop. Prints, per run, the node counts and the seconds of
capture, summarize, `to_dot` and `dot -Tsvg`; "picture" is summarize + to_dot + dot, the part the
summary is for, "end to end" adds the capture (target for both: under 2 s); and whether the
summary is within 300 visible nodes, connected and acyclic (else the run fails). Runs in a
thread with a 512 MiB stack: freeing the chain's autograd graph recurses (README, "Known limit
of PyTorch"). `bench/render.py --big` runs the same.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.core.dag import cycles  # noqa: E402
from graphlab.core.graph import Graph  # noqa: E402
from graphlab.core.summary import summarize  # noqa: E402
from graphlab.core.walk import capture  # noqa: E402
from graphlab.render import to_dot  # noqa: E402
from tests.core.summary_checks import Basic  # noqa: E402  (torchvision's BasicBlock)

TARGET = 2.0
BUDGET = 300


def chain():
    y = torch.randn(3, requires_grad=True)
    for _ in range(50_000):
        y = y.sin()
    return y.sum(), None


def resnet():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), *[Basic(4) for _ in range(660)])
    return model(torch.randn(1, 3, 4, 4)).sum(), model


def stack():
    return torch.stack([torch.randn(3, requires_grad=True) for _ in range(5000)]).sum(), None


def rnn():
    cell, h = nn.RNNCell(4, 8), torch.zeros(2, 8)
    for x in torch.randn(2000, 2, 4):
        h = cell(x, h)
    return h.sum(), cell


def run(name: str, make) -> None:
    loss, model = make()
    t0 = time.perf_counter()
    graph = capture(loss, model=model)
    t1 = time.perf_counter()
    small = summarize(graph, BUDGET)
    t2 = time.perf_counter()
    dot = to_dot(small)
    t3 = time.perf_counter()
    subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    t4 = time.perf_counter()
    picture, total = t4 - t1, t4 - t0
    check(small)
    print(
        f"{name:7} {len(graph.nodes):>7,} -> {len(small.nodes):>3} nodes | capture {t1 - t0:5.2f}"
        f" | summarize {t2 - t1:5.2f} | to_dot {t3 - t2:5.3f} | dot {t4 - t3:5.2f}"
        f" | picture {picture:5.2f} s {'ok' if picture < TARGET else 'SLOW'}"
        f" | end to end {total:5.2f} s {'ok' if total < TARGET else 'SLOW'}"
    )


def check(small: Graph) -> None:
    """Within the budget (saved tensors aside), connected, acyclic: or the bench fails."""
    visible = [n.id for n in small.nodes if n.kind != "saved"]
    assert len(visible) <= BUDGET, len(visible)
    succs: dict[str, list[str]] = {}
    root = {n.id: n.id for n in small.nodes}

    def find(a: str) -> str:
        while root[a] != a:
            root[a] = root[root[a]]
            a = root[a]
        return a

    for e in small.edges:
        succs.setdefault(e.src, []).append(e.dst)
        root[find(e.src)] = find(e.dst)
        assert e.src != e.dst, e
    assert not cycles([n.id for n in small.nodes], succs), "a cycle"
    assert len({find(n.id) for n in small.nodes}) == 1, "not connected"


def main() -> None:
    for name, make in (("chain", chain), ("resnet", resnet), ("stack", stack), ("rnn", rnn)):
        for _ in range(3):
            run(name, make)


def in_big_stack(fn) -> None:
    """Run `fn` in a thread with a 512 MiB stack; what it raises is raised here."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as err:  # a failed check must fail the bench, not only the thread
            errors.append(err)

    threading.stack_size(512 << 20)
    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


if __name__ == "__main__":
    in_big_stack(main)
