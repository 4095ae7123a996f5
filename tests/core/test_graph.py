"""Graph as plain data: JSON round trip, lookups, Jupyter display."""

import json

import pytest

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
