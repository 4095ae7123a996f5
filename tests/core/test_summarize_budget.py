"""Summaries use their budget (issue 14: ResNet-152 2,379 -> 35 nodes, a 2,000-step RNN
20,005 -> 3), as far as Graphviz can lay the result out fast, and `depth=`, `roll=` and
`saved=` do what they say."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import torch
from torch import nn

import graphlab as gl
from graphlab.core.module_tree import SHARED_CALLS
from graphlab.core.summary import plan_summary, summarize, summarize_mapped

from .summary_checks import acyclic, check_quotient


class Bottleneck(nn.Module):
    """torchvision's, one `self.relu` called three times per block."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv3, self.bn3 = nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + x)


class ResNet152(nn.Module):
    def __init__(self, c: int = 4) -> None:
        super().__init__()
        self.conv1, self.bn1, self.relu = (
            nn.Conv2d(3, c, 3, padding=1),
            nn.BatchNorm2d(c),
            nn.ReLU(),
        )
        for i, n in enumerate((3, 8, 36, 3)):
            setattr(self, f"layer{i + 1}", nn.Sequential(*[Bottleneck(c) for _ in range(n)]))
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean((2, 3)))


class Loop(nn.Module):
    def __init__(self, steps: int) -> None:
        super().__init__()
        self.cell, self.steps = nn.RNNCell(4, 8), steps

    def forward(self, xs):
        h = torch.zeros(2, 8)
        for x in xs[: self.steps]:
            h = self.cell(x, h)
        return h


def _tracked(model: nn.Module, x: torch.Tensor) -> gl.Graph:
    torch.manual_seed(0)
    with gl.track_modules(model):
        out = model(x).sum()
    return gl.capture(out, model=model)


@pytest.fixture(scope="module")
def resnet152() -> gl.Graph:
    torch.manual_seed(0)
    return _tracked(ResNet152(), torch.randn(1, 3, 4, 4))


@pytest.fixture(scope="module")
def rnn() -> gl.Graph:
    torch.manual_seed(0)
    return _tracked(Loop(2000), torch.randn(2000, 2, 4))


def _visible(g: gl.Graph) -> int:
    return sum(n.kind != "saved" for n in g.nodes)


def _checked(graph: gl.Graph, budget: int, **how) -> gl.Graph:
    shown, mapping = summarize_mapped(graph, budget, **how)
    assert acyclic(shown) and _visible(shown) <= budget
    check_quotient(graph, shown, mapping)
    return shown


def test_resnet152_uses_its_budget(resnet152):
    assert len(resnet152.nodes) > 2000
    shown = _checked(resnet152, 300)
    assert 270 <= len(shown.nodes) <= 300  # was 35: whole stages collapsed
    # Opened round-robin: the first block of every stage is drawn open, so its layers show.
    boxes = {n.attrs["path"] for n in shown.of_kind("module")}
    assert {"layer1.0.conv1", "layer3.0.conv1", "layer4.0.conv1"} & boxes or all(
        f"layer{k}.0" in {n.module for n in shown.nodes} for k in (1, 2, 3, 4)
    )


def test_a_2000_step_rnn_draws_its_first_calls_and_rolls_the_rest(rnn):
    assert len(rnn.nodes) > 20_000
    shown = _checked(rnn, 300)
    # Was 3 nodes. Each call reads the weights the first call's box holds: Graphviz lays out
    # 24 such calls in a blink, 60 in over 20 s; so SHARED_CALLS boxes, the last the rest.
    boxes = shown.of_kind("module")
    assert len(boxes) == SHARED_CALLS == 24
    names = {n.name for n in boxes}
    assert {f"cell (call {k})" for k in range(1, SHARED_CALLS)} <= names
    (rest,) = [n for n in boxes if "rolled" in n.attrs]
    assert rest.name == f"cell x {2001 - SHARED_CALLS} (calls {SHARED_CALLS}–2000)"
    assert rest.attrs["call"] == f"{SHARED_CALLS}–2000 of 2000"
    if shutil.which("dot"):
        start = time.perf_counter()
        subprocess.run(
            ["dot", "-Tsvg"], input=gl.to_dot(shown).encode(), capture_output=True, check=True
        )
        assert time.perf_counter() - start < 2


def test_roll_draws_the_cell_once_for_all_its_calls(rnn):
    shown = _checked(rnn, 300, roll=True)
    (cell,) = shown.of_kind("module")
    assert cell.name == "cell x 2000" and cell.attrs["rolled"] == "2000 calls"
    params = sum(p.numel() for p in nn.RNNCell(4, 8).parameters())
    assert cell.attrs["params"] == f"{params:,}"  # each parameter once, not per call
    assert "summary" in shown.meta


def test_roll_never_draws_a_loop_for_a_module_reused_around_another():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.act = nn.Linear(3, 3), nn.Linear(3, 3), nn.Tanh()

        def forward(self, x):
            return self.act(self.b(self.act(self.a(x))))

    graph = _tracked(Twice(), torch.randn(2, 3))
    shown = _checked(graph, 10, roll=True, depth=1)
    assert acyclic(shown)
    acts = sorted(n.name for n in shown.of_kind("module") if n.attrs["path"] == "act")
    assert acts == ["act (call 1)", "act (call 2)"]  # rolled, act -> b -> act: a cycle


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_depth_collapses_the_modules_below_it(resnet152, depth):
    shown = _checked(resnet152, 300, depth=depth)
    for n in shown.nodes:  # no op drawn from inside a module at the depth or below
        if n.kind != "module" and n.module:
            assert n.module.count(".") + 1 < depth, n
    boxes = shown.of_kind("module")
    if depth == 0:
        assert [b.attrs["path"] for b in boxes] == [""]
    else:
        assert {b.attrs["path"].count(".") + 1 for b in boxes} == {depth}
    # Deeper shows more, within the budget.
    plan = plan_summary(resnet152, 300, depth=depth)
    assert plan.visible == len(shown.nodes)


def test_depth_and_the_budget_together(resnet152):
    assert len(summarize(resnet152, 300, depth=1).nodes) < len(summarize(resnet152, 300).nodes)
    assert len(_checked(resnet152, 30, depth=3).nodes) <= 30


def test_saved_tensors_do_not_count_and_show_only_when_asked(resnet152):
    assert resnet152.of_kind("saved")
    hidden = _checked(resnet152, 300)
    assert not hidden.of_kind("saved")
    shown = _checked(resnet152, 300, saved=True)
    assert shown.of_kind("saved") and _visible(shown) == len(hidden.nodes)
    assert len(shown.nodes) > 300  # the saved tensors are on top of the budget
