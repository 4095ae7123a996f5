"""The legend beside a graph lists exactly what its drawing shows, in the drawing's colours."""

from __future__ import annotations

import re

import pytest
import torch

import graphlab as gl
from graphlab import models
from graphlab.core.summary import summarize
from graphlab.lessons.recordings import record_example
from graphlab.render import COLORS, HIGHLIGHT, legend_keys, to_dot
from graphlab.render.frames import PHASE_ROLES, frame_legend, frames, highlight

FILL = re.compile(r'fillcolor="([^"]+)"')


def _graph() -> gl.Graph:
    x = torch.ones(3, requires_grad=True)
    w = torch.nn.Parameter(torch.ones(3))
    return gl.capture((x * w).sum(), params={"x": x, "w": w})


def _fills(dot: str) -> set[str]:
    return {f.lower() for f in FILL.findall(dot)}


def test_node_kinds_are_those_drawn_and_in_their_colours():
    graph = _graph()
    for saved in (False, True):
        keys = legend_keys(graph, show_saved=saved)
        drawn_kinds = {n.kind for n in graph.nodes if saved or n.kind != "saved"}
        node_keys = [k for k in keys if k.mark in ("box", "ellipse", "box3d", "dashed-box")]
        assert len(node_keys) == len(drawn_kinds)
        dot_fills = _fills(to_dot(graph, show_saved=saved, legend=False))
        for kind in drawn_kinds:
            assert COLORS[kind].lower() in dot_fills or kind == "output"  # output: a CSS alias
        assert ("saved for backward" in [k.label for k in keys]) is saved


def test_output_colour_is_the_css_twin_of_graphvizs_name():
    (out,) = [k for k in legend_keys(_graph()) if k.mark == "ellipse"]
    assert COLORS["output"] == "darkolivegreen1" and out.fill == "#caff70"


def test_roles_appear_only_when_used_with_the_pages_words():
    graph = _graph()
    assert not [k for k in legend_keys(graph) if k.mark == "outline"]
    ids = [n.id for n in graph.nodes]
    keys = legend_keys(graph, highlight={ids[0]: "added", ids[1]: "changed"})
    outlines = [(k.label, k.border) for k in keys if k.mark == "outline"]
    assert outlines == [
        ("only in B", HIGHLIGHT["added"]),
        ("changed: same op, other inputs or values", HIGHLIGHT["changed"]),
    ]
    keys = legend_keys(graph, highlight=[ids[0]], roles={"active": "just made"})
    assert [k.label for k in keys if k.mark == "outline"] == ["just made"]


def test_module_frames_only_in_the_module_view():
    graph = summarize(models.graph(models.spec_of("resnet")), max_nodes=40)
    assert "open module (its frame)" in [k.label for k in legend_keys(graph, modules=True)]
    assert "open module (its frame)" not in [k.label for k in legend_keys(graph)]
    assert "collapsed module" in [k.label for k in legend_keys(graph, modules=True)]


@pytest.mark.parametrize("position", range(7))
def test_each_step_through_frame_explains_its_own_outlines(position):
    data = record_example("shared")
    frame = frames(data)[position]
    hl = highlight(data, frame)
    graph = gl.Graph.from_dict(data["graph"])
    keys = frame_legend(graph, frame, hl, show_saved=False)
    words = PHASE_ROLES[frame.phase]
    used = set(hl.roles.values())
    assert {k.label for k in keys if k.mark == "outline"} == {words[r] for r in used}
    assert any(k.mark == "thick-line" for k in keys) is bool(hl.edges)
