"""Step Through's forward frames draw the graph as it grows: exactly the nodes made so far."""

from __future__ import annotations

import re

import pytest

import graphlab as gl
from graphlab.lessons.recordings import record_example, record_model
from graphlab.render.frames import frame_dot, frames, highlight

NODE_LINE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[label=', re.M)


def _drawn(dot: str) -> set[str]:
    """The graph's nodes in a drawing (the legend's sample nodes are not the graph's)."""
    return {nid for nid in NODE_LINE.findall(dot) if not nid.startswith("legend_")}


def _expected(graph: gl.Graph, forward: list[dict], k: int) -> set[str]:
    """From the recording alone: nodes its ops 1..k made, those no op made (they existed before
    the recording), and the saved tensors and outputs that hang off them."""
    made_when = {nid: s["index"] for s in forward for nid in s["nodes"]}
    made = {
        n.id
        for n in graph.nodes
        if n.kind not in ("saved", "output") and made_when.get(n.id, -1) <= forward[k]["index"]
    }
    for e in graph.edges:
        if e.kind == "saved" and e.dst in made:
            made.add(e.src)
        if graph.node(e.dst).kind == "output" and e.kind == "data" and e.src in made:
            made.add(e.dst)
    return made


@pytest.mark.parametrize(
    "data",
    [
        record_example("shared"),
        record_example("small_mlp"),
        record_example("gru"),
        record_model("mlp", batch=2),
    ],  # fmt: skip
    ids=["shared", "small_mlp", "gru", "mnist_mlp"],
)
def test_forward_frame_k_shows_exactly_the_nodes_of_ops_1_to_k(data):
    graph = gl.Graph.from_dict(data["graph"])
    forward = data["forward"]
    shown_before: set[str] = set()
    for frame in (f for f in frames(data, all_ops=True) if f.phase == "forward"):
        k = next(i for i, s in enumerate(forward) if s["index"] == frame.step)
        drawn = _drawn(frame_dot(graph, highlight(data, frame)))
        assert drawn == _expected(graph, forward, k)
        assert shown_before <= drawn  # the graph only grows
        shown_before = drawn
    assert shown_before == {n.id for n in graph.nodes}  # the last op completes it


def test_the_first_frame_shows_the_leaf_alone_and_parameters_exist_from_the_start():
    data = record_example("shared")
    first = frames(data)[0]
    assert _drawn(frame_dot(gl.Graph.from_dict(data["graph"]), highlight(data, first))) == {"n2"}
    model = record_model("mlp", batch=2)
    graph = gl.Graph.from_dict(model["graph"])
    drawn = _drawn(frame_dot(graph, highlight(model, frames(model)[0])))
    assert {n.id for n in graph.nodes if n.kind == "param"} <= drawn


def test_backward_frames_draw_the_whole_graph():
    data = record_example("shared")
    graph = gl.Graph.from_dict(data["graph"])
    for frame in (f for f in frames(data) if f.phase != "forward"):
        assert _drawn(frame_dot(graph, highlight(data, frame))) == {n.id for n in graph.nodes}
