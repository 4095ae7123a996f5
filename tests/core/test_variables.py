"""Ops are labelled with the variable that holds their result (`h = x * w` draws "h")."""

from __future__ import annotations

import torch
from torch.autograd.graph import get_gradient_edge

import graphlab as gl
from graphlab.core import VARIABLE, capture_ids
from graphlab.lessons import gallery
from graphlab.render import node_label
from graphlab.sandbox import evaluate
from graphlab.worker.payload import build_payload


def test_each_named_intermediate_labels_the_op_autograd_says_made_it():
    x = torch.ones(3, requires_grad=True)
    h = x * 2
    g = torch.sin(h)
    y = g.sum()
    graph, ids = capture_ids(y, params={"x": x, "h": h, "g": g, "y": y})
    expected = {ids[get_gradient_edge(t).node]: name for name, t in (("h", h), ("g", g))}
    named = {n.id: n.attrs[VARIABLE] for n in graph.nodes if VARIABLE in n.attrs}
    assert named == expected
    (h_node,) = [nid for nid, name in expected.items() if name == "h"]
    assert node_label(graph.node(h_node)) == "MulBackward0\n→ h"


def test_outputs_leaves_and_unnamed_ops_keep_their_labels():
    x = torch.ones(3, requires_grad=True)
    y = (x * 2).sum()
    graph = gl.capture(y, params={"x": x, "y": y})
    assert not any(VARIABLE in n.attrs for n in graph.nodes)  # y names the output node only
    assert {n.name for n in graph.nodes if n.kind in ("leaf", "output")} == {"x", "y"}


def test_the_sandbox_graph_agrees_with_its_own_name_map():
    source = "x = torch.ones(2, requires_grad=True)\nh = x * 3\npred = h.exp()\nloss = pred.sum()"
    reply = build_payload(evaluate(source))
    graph = gl.Graph.from_dict(reply["graph"])
    ops = {n.id: n.attrs[VARIABLE] for n in graph.nodes if VARIABLE in n.attrs}
    # The sandbox's map also names the output's op; the drawing names the output node instead.
    named_ops = {k: v for k, v in reply["names"].items() if graph.node(k).kind == "op"}
    assert ops == {k: v for k, v in named_ops.items() if v != reply["output"]}
    assert sorted(ops.values()) == ["h", "pred"]
    dot = gl.to_dot(graph)
    assert "MulBackward0\\n→ h" in dot and "ExpBackward0\\n→ pred" in dot


def test_gallery_graphs_name_their_intermediates():
    graph = gallery.graph("view_inplace")
    assert "h" in {n.attrs.get(VARIABLE) for n in graph.nodes}


def test_a_name_is_not_a_difference_between_two_runs():
    def run(name: str) -> gl.Graph:
        x = torch.ones(2, requires_grad=True)
        t = x * 2
        return gl.capture(t.sum(), params={"x": x, name: t})

    assert not gl.diff(run("a"), run("b")).changed
