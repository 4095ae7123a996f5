"""DOT output: accepted by Graphviz, escaped against hostile names, legend and options."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import torch

import graphlab as gl
from graphlab.core.graph import Edge, Graph, Node
from graphlab.lessons import gallery
from graphlab.render import dot as render
from graphlab.render import palette
from graphlab.render.text import quote

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
HOSTILE = [
    'a"b',
    "<b>bold</b>",
    "x > y",
    "{record|field}",
    "line\nbreak",
    "tom & jerry",
    "back\\slash\\n",
    '"];evil[label="',
    "&lt;script&gt;",
    "tab\there",
]


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def _run_dot(dot: str) -> str:
    result = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert not result.stderr, result.stderr.decode()  # no syntax warnings either
    return result.stdout.decode()


@needs_dot
@pytest.mark.parametrize("name", list(gallery.EXAMPLES))
def test_every_example_is_accepted_by_dot(name):
    graph = gallery.graph(name)
    for options in ({}, {"rankdir": "LR", "show_saved": False}):
        _run_dot(gl.to_dot(graph, **options))


@needs_dot
def test_hostile_names_are_shown_literally():
    tensors = {name: torch.ones(1, requires_grad=True) for name in HOSTILE}
    total = sum(t * (i + 1) for i, t in enumerate(tensors.values()))
    graph = gl.capture(total, params=tensors)
    texts = _svg_texts(_run_dot(gl.to_dot(graph)))
    shown = "\n".join(texts)
    for name in HOSTILE:
        for part in name.replace("\t", " ").split("\n"):
            assert part in shown, part
    assert "evil" not in [t.strip() for t in texts]  # the injection attempt stayed one label


def test_escaping_is_complete_for_dot_syntax():
    quoted = quote('a"b\\c\nd&e\x00f')
    assert quoted == '"a\\"b\\\\c\\nd&amp;ef"'


@needs_dot
def test_to_svg_renders_a_picture():
    svg = gl.to_svg(gallery.graph("neuron"))
    texts = _svg_texts(svg)
    assert "SigmoidBackward0" in texts and "legend" in texts


def test_to_svg_without_graphviz_says_what_to_install(monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda _: None)
    with pytest.raises(gl.GraphvizNotFound, match="apt-get install graphviz"):
        gl.to_svg(gallery.graph("neuron"))


def test_every_node_and_edge_is_drawn():
    graph = gallery.graph("attention")
    dot = gl.to_dot(graph)
    for node in graph.nodes:
        assert f'"{node.id}" [label=' in dot
    for edge in graph.edges:
        assert f'"{edge.src}" -> "{edge.dst}"' in dot


def test_show_saved_false_hides_saved_tensors_and_their_edges():
    graph = gallery.graph("small_mlp")
    dot = gl.to_dot(graph, show_saved=False)
    for node in graph.of_kind("saved"):
        assert f'"{node.id}"' not in dot
    assert "saved tensor" not in dot  # nor in the legend


def test_legend_lists_the_kinds_present():
    dot = gl.to_dot(gallery.graph("small_mlp"))
    assert '"legend_param"' in dot and '"legend_output"' in dot and '"legend_leaf"' not in dot
    assert "legend" not in gl.to_dot(gallery.graph("small_mlp"), legend=False)


def test_highlight_marks_nodes_and_rejects_unknown_roles():
    graph = gallery.graph("neuron")
    op = graph.of_kind("op")[0]
    dot = gl.to_dot(graph, highlight={op.id: "done"})
    line = next(line for line in dot.splitlines() if line.strip().startswith(f'"{op.id}" ['))
    assert palette.HIGHLIGHT["done"] in line
    assert "penwidth=3" in gl.to_dot(graph, highlight=[op.id])
    with pytest.raises(ValueError, match="unknown highlight role"):
        gl.to_dot(graph, highlight={op.id: "glow"})


def test_rankdir_is_validated():
    with pytest.raises(ValueError, match="rankdir"):
        gl.to_dot(gallery.graph("neuron"), rankdir="sideways")


def test_long_names_are_clipped():
    t = torch.ones(1, requires_grad=True)
    graph = gl.capture(t * 2, params={"n" * 500: t})
    assert "n" * 500 not in gl.to_dot(graph)


def _every_kind() -> Graph:
    """One node of each kind inside a module, with a saved and a view edge: a small model view."""
    nodes = [
        Node("l0", "leaf", "x", (2, 3), module=""),
        Node("p0", "param", "fc.weight", (3, 3), module="fc"),
        Node("n0", "op", "MmBackward0", (2, 3), module="fc"),
        Node("s0", "saved", "self", (2, 3), module="fc"),
        Node("m0", "module", "head", (2, 3), module="", attrs={"type": "Linear", "params": "9"}),
        Node("o0", "output", "y", (2, 3)),
        Node("o1", "output", "y_view", (2, 3)),
    ]
    edges = [
        Edge("l0", "n0"),
        Edge("p0", "n0", 1),
        Edge("s0", "n0", 0, "saved"),
        Edge("n0", "m0"),
        Edge("m0", "o0"),
        Edge("m0", "o1", 0, "view"),
    ]
    return Graph(nodes, edges, {"modules": '{"fc": "Linear"}'})


def _node_line(dot: str, node_id: str) -> str:
    return next(
        line.strip() for line in dot.splitlines() if line.strip().startswith(f'"{node_id}" [')
    )


@pytest.mark.parametrize("role", sorted(palette.HIGHLIGHT))
def test_plain_and_module_views_draw_from_one_palette(role):
    graph = _every_kind()
    marks = {"n0": role, "m0": role}
    plain = gl.to_dot(graph, highlight=marks)
    grouped = gl.to_dot(graph, modules=True, highlight=marks)
    assert "subgraph cluster_" in grouped
    for node in graph.nodes:
        style, extra = palette.kind_style(node.kind)
        assert f'fillcolor="{palette.COLORS[node.kind]}"' in style
        for dot in (plain, grouped):
            line = _node_line(dot, node.id)
            assert style in line and extra in line, (node.kind, line)
            if node.id in marks:
                assert line.endswith(palette.role_style(role) + "];")
    for kind, style in palette.EDGE_STYLES.items():
        assert plain.count(f"[{style}];") == grouped.count(f"[{style}];") == 1, kind
    assert f'color="{palette.VIEW_COLOR}"' in grouped  # the module view lacked it before


def test_module_view_defaults_and_overrides():
    graph = _every_kind()
    grouped = gl.to_dot(graph, modules=True)
    assert "legend" not in grouped and '"n0" -> "m0" [label="(2, 3)"];' in grouped
    assert 'label="head\\nLinear\\n9 params" fillcolor="#e8dff5" shape=box3d' in grouped
    plain = gl.to_dot(graph)
    assert '"legend_module"' in plain and '"n0" -> "m0";' in plain
    assert '"legend_module"' in gl.to_dot(graph, modules=True, legend=True)
    assert '"n0" -> "m0";' in gl.to_dot(graph, modules=True, show_shapes=False)
    assert '"s0"' not in gl.to_dot(graph, modules=True, show_saved=False)


@needs_dot
@pytest.mark.parametrize("modules", [False, True])
def test_hostile_node_ids_are_escaped_in_every_view(modules):
    evil = 'n"]; x [label="evil'
    graph = Graph(
        [Node("o0", "output", "y"), Node(evil, "op", "MulBackward0"), Node("l\\", "leaf", "x")],
        [Edge(evil, "o0"), Edge("l\\", evil), Edge('ghost"', "o0")],  # ghost: an end, no node
    )
    dot = gl.to_dot(
        graph,
        modules=modules,
        legend=False,
        highlight={evil: "active"},
        highlight_edges=[("l\\", evil)],
    )
    plain = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()  # Graphviz read exactly these nodes and edges: no injection
    assert sum(line.startswith("node ") for line in lines) == 4
    assert sum(line.startswith("edge ") for line in lines) == 3
    assert palette.role_style("active") in dot and palette.EDGE_HIGHLIGHT in dot


def test_the_inspector_lists_what_is_drawn_by_names_a_learner_knows():
    from graphlab.lessons import gallery
    from graphlab.render.text import node_choices

    graph = gallery.graph("shared")  # y = (x * x).sum(): one leaf, two ops, saved tensors
    plain = node_choices(graph)
    hidden = node_choices(graph, show_saved=False)
    assert set(hidden) == {n.id for n in graph.nodes if n.kind != "saved"}
    assert set(plain) == {n.id for n in graph.nodes}
    assert len(set(plain.values())) == len(plain)  # two saved `self`s: told apart, not merged
    assert not any(nid in label for nid, label in plain.items())  # no internal ids
    assert "x (leaf)" in plain.values()


def test_parallel_edges_carry_one_shape_label_so_labels_never_overlap():
    x = torch.ones(3, requires_grad=True)
    graph = gl.capture((x * x).sum(), params={"x": x})
    dot = gl.to_dot(graph, show_shapes=True)
    mul = next(n.id for n in graph.nodes if n.name == "MulBackward0")
    into_mul = [line for line in dot.splitlines() if f'-> "{mul}"' in line and "style" not in line]
    assert len(into_mul) == 2  # x feeds both inputs of x * x
    assert sum("label=" in line for line in into_mul) == 1


def test_each_node_is_drawn_as_its_own_description_says_whatever_its_name():
    # Nodes named alike but for the name share their drawing; the name must still come out as
    # `node_label`/`tooltip` and `quote` say, clipping and escaping included.
    names = ["w", "0.weight", 'q"<b>&amp;', "a\\nb", "tab\there", "x" * 59, "y" * 61, "\ue000"]
    names += ["z" * 380, "line\nbreak", "ctl\x01", "é∂"]
    nodes = [
        Node(f"n{i}", kind, name, (2, 3), "float32", "cpu", module)
        for i, (name, kind, module) in enumerate(
            (name, kind, module)
            for name in names
            for kind in ("param", "leaf", "saved", "op", "output")
            for module in (None, "", "enc.layers.0")
        )
    ]
    lines = render._node_lines(nodes, {}, {}, None)
    for node, line in zip(nodes, lines, strict=True):
        shape = "(2, 3)"
        label, tip = render.node_label(node, shape), render.tooltip(node, shape)
        assert f"label={quote(label)} " in line and f"tooltip={quote(tip)}" in line, line
