"""summarize on any graph: reused modules drawn once per call (never a cycle), and graphs
without module info folded by structure into the budget."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

import graphlab as gl
from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.summary import MAX_NODES, plan_summary, summarize, summarize_mapped

from .summary_checks import Basic, acyclic, check_quotient


class Twice(nn.Module):
    """`act(b(act(a(x))))`: one module instance, two calls."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.act = nn.Linear(3, 3), nn.Linear(3, 3), nn.ReLU()

    def forward(self, x):
        return self.act(self.b(self.act(self.a(x))))


class Loop(nn.Module):
    """An RNN cell run `steps` times; each call reads the last one's output directly."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.cell, self.steps = nn.RNNCell(4, 8), steps

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], 8)
        for t in range(self.steps):
            h = self.cell(xs[t], h)
        return h


def _resnet(blocks: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), *[Basic(4) for _ in range(blocks)])


def _tracked(model: nn.Module, x: torch.Tensor) -> gl.Graph:
    with gl.track_modules(model):
        loss = model(x).sum()
    return gl.capture(loss, model=model)


def _backward_chain(out: torch.Tensor, name: str) -> list:
    """The autograd nodes named `name` behind `out`, last call first (independent of graphlab)."""
    found, stack, seen = [], [out.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        if type(fn).__name__ == name:
            found.append(fn)
        stack.extend(f for f, _ in fn.next_functions)
    return sorted(found, key=lambda f: -f._sequence_nr())


def test_a_reused_module_is_drawn_once_per_call_never_as_a_cycle():
    model = Twice()
    graph = _tracked(model, torch.randn(2, 3))
    shown, mapping = summarize_mapped(graph, None, expand=[])  # a, b and act collapsed
    names = {n.name for n in shown.of_kind("module")}
    assert names == {"a", "b", "act (call 1)", "act (call 2)"}
    # track_modules records only later calls: a graph whose modules ran once is unchanged.
    relus = [n for n in graph.of_kind("op") if n.module == "act"]
    assert sorted(n.attrs.get("calls", "") for n in relus) == ["", "act=2"]
    assert all("calls" not in n.attrs for n in graph.nodes if n.module != "act")
    assert acyclic(shown)
    check_quotient(graph, shown, mapping)
    # The relu that reads a's output is call 1, the one that reads b's is call 2.
    by_id = {n.id: n for n in shown.nodes}
    for relu in graph.of_kind("op"):
        if relu.name == "ReluBackward0":
            reader = by_id[mapping[graph.inputs(relu.id)[0].src]].name
            assert (
                by_id[mapping[relu.id]].name == {"a": "act (call 1)", "b": "act (call 2)"}[reader]
            )


def test_a_reused_relu_in_resnet_blocks_and_an_rnn_cell_draw_no_cycle():
    graph = _tracked(_resnet(3), torch.randn(1, 3, 6, 6))
    for expand in ([], ["1"], ["1", "2", "3"]):
        shown, mapping = summarize_mapped(graph, None, expand=expand)
        assert acyclic(shown), expand
        check_quotient(graph, shown, mapping)
    opened = summarize(graph, None, expand=["2"])
    assert {"2.relu (call 1)", "2.relu (call 2)"} <= {n.name for n in opened.nodes}
    model, xs = Loop(12), torch.randn(12, 2, 4)
    graph = _tracked(model, xs)
    shown, mapping = summarize_mapped(graph, None, expand=[])
    calls = [n for n in shown.of_kind("module") if n.attrs["path"] == "cell"]
    assert sorted(n.name for n in calls) == sorted(f"cell (call {k})" for k in range(1, 13))
    assert acyclic(shown)
    check_quotient(graph, shown, mapping)
    # Call k holds the k-th tanh of the forward pass (autograd's own sequence numbers).
    with gl.track_modules(model):
        out = model(xs)
    tanhs = _backward_chain(out, "TanhBackward0")
    assert len(tanhs) == 12  # the graph above has the same ops in the same order
    ids = {n.name: n.id for n in calls}
    tanh_nodes = [n.id for n in graph.of_kind("op") if n.name == "TanhBackward0"]
    assert sorted(mapping[t] for t in tanh_nodes) == sorted(ids.values())
    # ... and the calls run in a line, each reading the one before: 1 -> 2 -> ... -> 12 (call 1
    # also holds the cell's parameters, which every call reads).
    number = {n.id: int(n.attrs["call"].split(" of ")[0]) for n in calls}
    steps = {(number[e.src], number[e.dst]) for e in shown.edges if {e.src, e.dst} <= set(number)}
    assert {(k, k + 1) for k in range(1, 12)} <= steps
    assert all(a < b and (a == 1 or b == a + 1) for a, b in steps)


def test_a_module_whose_call_runs_a_module_outside_it_is_drawn_open_rather_than_as_a_cycle():
    # m's forward runs s (not its child) between two of its own ops, and also adds a to b:
    # one box for m would draw m -> s -> m. Hand-made: the shape a shared helper module gives.
    nodes = [Node("o0", "output", "y"), Node("b", "op", "AddBackward0", module="m"),
             Node("x", "op", "ExpBackward0", module="s"), Node("a", "op", "MulBackward0", module="m"),
             Node("w", "param", "m.w", (2,), module="m")]  # fmt: skip
    edges = [Edge("b", "o0"), Edge("x", "b", 0), Edge("a", "b", 1), Edge("a", "x"), Edge("w", "a")]
    graph = Graph(nodes, edges)
    shown, mapping = summarize_mapped(graph, None, expand=[])
    assert acyclic(shown)
    check_quotient(graph, shown, mapping)
    assert mapping["a"] == "a" and mapping["b"] == "b" and mapping["x"] != "x"  # s still a box


def _in_big_stack(fn):
    """Run `fn` in a thread with a large C stack: freeing a 50k-deep autograd graph recurses."""
    result: list = []
    old = threading.stack_size(256 << 20)
    try:
        t = threading.Thread(target=lambda: result.append(fn()))
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert result, "the thread failed"
    return result[0]


def _fits(graph: gl.Graph, budget: int = MAX_NODES) -> gl.Graph:
    shown, mapping = summarize_mapped(graph, budget)
    assert len(shown.nodes) <= budget and not shown.of_kind("saved")
    assert acyclic(shown)
    check_quotient(graph, shown, mapping)
    plan = plan_summary(graph, budget)
    assert shown.meta["summary"] == plan.note and "Folded by structure" in plan.note
    return shown


def test_a_50k_op_chain_without_modules_folds_into_one_counted_node():
    def run():
        x = torch.randn(3, requires_grad=True)
        y = x
        for _ in range(50_000):
            y = y.sin()
        graph = gl.capture(y.sum())
        assert summarize(graph, len(graph.nodes)) == graph  # nothing to do, nothing done
        names = {n.name for n in _fits(graph).nodes}
        del y
        return names

    assert "SinBackward0 x 50000" in _in_big_stack(run)


def test_hiding_saved_tensors_is_tried_first_and_said():
    x = torch.randn(3, requires_grad=True)
    y = x
    for _ in range(10):
        y = y.sin()
    graph = gl.capture(y.sum())  # 10 ops, 10 saved inputs, x, the sum and the output
    shown, mapping = summarize_mapped(graph, 13)
    check_quotient(graph, shown, mapping)
    assert not shown.of_kind("saved") and len(shown.nodes) == 13
    assert shown.meta["summary"] == " Saved tensors hidden to fit 13 nodes."


def test_a_stack_of_5000_leaves_becomes_one_group():
    leaves = [torch.randn(3, requires_grad=True) for _ in range(5000)]
    graph = gl.capture(torch.stack(leaves).sum())
    shown = _fits(graph)
    group = [n for n in shown.nodes if n.kind == "leaf"]
    assert len(group) == 1 and group[0].attrs["folded"] == "leaf x 5000"
    assert group[0].shape == (3,)


@pytest.mark.parametrize("with_model", [False, True])
def test_a_2000_step_rnn_without_track_modules_folds_its_steps(with_model):
    model, xs = Loop(2000), torch.randn(2000, 2, 4)
    loss = model(xs).sum()
    graph = gl.capture(loss, model=model if with_model else None)
    shown = _fits(graph)
    blocks = [n for n in shown.nodes if n.name.startswith("block x ")]
    assert blocks and sum(int(n.name.split(" x ")[1]) for n in blocks) >= 1900
    assert len(shown.nodes) >= 5  # not over-collapsed into a single box


def test_a_deep_resnet_without_track_modules_folds_its_blocks():
    model = _resnet(200)
    graph = gl.capture(model(torch.randn(1, 3, 6, 6)).sum(), model=model)
    shown = _fits(graph)
    (block,) = [n for n in shown.nodes if n.name.startswith("block x ")]
    folded = int(block.name.split(" x ")[1])
    assert "ConvolutionBackward0" in block.attrs["block"]
    # The budget is used: the first blocks are drawn open before the folded rest, as many as
    # fit (one more would not), and every one of the 200 blocks is in one or the other.
    motif = int(block.attrs["folded"].split(" nodes x ")[0])
    opened = [n for n in shown.of_kind("op") if n.name == "ConvolutionBackward0"]
    assert len(opened) % 2 == 1  # the stem's conv, then two per block
    assert folded + len(opened) // 2 == 200 and folded < 195
    assert MAX_NODES - motif < len(shown.nodes) <= MAX_NODES
    assert gl.to_dot(shown)  # it draws
