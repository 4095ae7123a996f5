"""Graph as plain data: JSON round trip, lookups, Jupyter display."""

import json

import pytest
import torch

import graphlab as gl
from graphlab.lessons import gallery
from graphlab.render import dot as render


@pytest.mark.parametrize("name", list(gallery.EXAMPLES))
def test_json_round_trip(name):
    graph = gallery.graph(name)
    text = graph.to_json()
    back = gl.Graph.from_json(text)
    assert back == graph
    assert gl.to_dot(back) == gl.to_dot(graph)
    assert json.loads(text)["format"] == 1


def test_from_json_rejects_unknown_format():
    with pytest.raises(ValueError, match="unsupported graph format"):
        gl.Graph.from_json('{"format": 99, "nodes": [], "edges": []}')


def _split_graph() -> gl.Graph:
    x = torch.randn(3, 4, requires_grad=True)
    a, b, c = x.unbind(1)[:3]
    return gl.capture(a.sum() + (b * c).sum())


def test_output_numbers_and_output_shapes_round_trip():
    graph = _split_graph()
    assert sorted({e.output for e in graph.edges}) == [0, 1, 2]
    back = gl.Graph.from_json(graph.to_json())
    assert back == graph
    assert [n.outputs for n in back.nodes] == [n.outputs for n in graph.nodes]
    (unbind,) = [n for n in back.nodes if n.name == "UnbindBackward0"]
    assert unbind.outputs == ((3,),) * 4


def test_json_without_output_numbers_still_loads_and_is_still_written_so():
    old = {
        "format": 1,
        "nodes": [
            {"id": "n1", "kind": "op", "name": "SplitBackward0", "shape": [1, 4]},
            {"id": "n2", "kind": "op", "name": "ExpBackward0", "shape": [2, 4]},
        ],
        "edges": [{"src": "n1", "dst": "n2", "slot": 0, "kind": "data"}],
    }
    graph = gl.Graph.from_dict(old)
    assert graph.edges == [gl.Edge("n1", "n2")] and graph.edges[0].output == 0
    assert graph.nodes[0].outputs is None
    written = graph.to_dict()
    assert written["edges"] == old["edges"] and "outputs" not in written["nodes"][0]


def test_lookups():
    graph = gallery.graph("neuron")
    sig = next(n for n in graph.nodes if n.name == "SigmoidBackward0")
    assert graph.node(sig.id) is sig
    assert [s.name for s in graph.saved(sig.id)] == ["result"]
    assert graph.without(["saved"]).of_kind("saved") == []
    with pytest.raises(KeyError):
        graph.node("nope")


def test_jupyter_shows_svg_or_falls_back_to_dot(monkeypatch):
    graph = gallery.graph("shared")
    if render.shutil.which("dot"):
        assert graph._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")
    monkeypatch.setattr(render.shutil, "which", lambda _: None)
    bundle = graph._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "digraph" in bundle["text/plain"]
    assert "Graph(6 nodes" in repr(graph)
