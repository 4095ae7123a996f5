"""Graphs captured without module info, end to end: capture -> summarize(300) -> to_dot -> dot.

    .venv/bin/python bench/fold.py            # the four cases of issue 14, 3 runs each

Cases: a 50,000-op chain, a 660-block ResNet captured WITHOUT `track_modules`, a stack of 5,000
leaves and a 2,000-step RNN cell loop. Prints, per run, the node counts and the seconds of
capture, summarize, `to_dot` and `dot -Tsvg`; "picture" is summarize + to_dot + dot, the part the
summary is for (target: under 2 s). Runs in a thread with a 512 MiB stack: freeing the chain's
autograd graph recurses (README, "Known limit of PyTorch").
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

from graphlab.core.summary import summarize  # noqa: E402
from graphlab.core.walk import capture  # noqa: E402
from graphlab.render import to_dot  # noqa: E402

TARGET = 2.0


class Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
        self.bn1, self.bn2, self.relu = nn.BatchNorm2d(c), nn.BatchNorm2d(c), nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + x)


def chain():
    y = torch.randn(3, requires_grad=True)
    for _ in range(50_000):
        y = y.sin()
    return y.sum(), None


def resnet():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), *[Block(4) for _ in range(660)])
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
    small = summarize(graph, 300)
    t2 = time.perf_counter()
    dot = to_dot(small)
    t3 = time.perf_counter()
    subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    t4 = time.perf_counter()
    picture = t4 - t1
    print(
        f"{name:7} {len(graph.nodes):>7,} -> {len(small.nodes):>3} nodes | capture {t1 - t0:5.2f}"
        f" | summarize {t2 - t1:5.2f} | to_dot {t3 - t2:5.3f} | dot {t4 - t3:5.2f}"
        f" | picture {picture:5.2f} s {'ok' if picture < TARGET else 'SLOW'}"
    )


def main() -> None:
    for name, make in (("chain", chain), ("resnet", resnet), ("stack", stack), ("rnn", rnn)):
        for _ in range(3):
            run(name, make)


if __name__ == "__main__":
    threading.stack_size(512 << 20)
    worker = threading.Thread(target=main)
    worker.start()
    worker.join()
