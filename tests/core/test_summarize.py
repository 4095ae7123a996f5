"""summarize: under budget, connected, parameters conserved, repeats folded, and expanding
everything gives back the original graph exactly."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from graphlab.core import summary
from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.summary import (
    MAX_NODES,
    close_module,
    collapsed_module_at,
    collapsed_modules,
    module_paths,
    open_modules,
    plan_summary,
    summarize,
)
from graphlab.models import builder as models
from graphlab.render import gradient_only, to_dot


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {name: models.graph(models.spec_of(name)) for name in models.BUILTINS}


def _connected(g: Graph) -> bool:
    adj: dict[str, set[str]] = {n.id: set() for n in g.nodes}
    for e in g.edges:
        adj[e.src].add(e.dst)
        adj[e.dst].add(e.src)
    start = g.nodes[0].id
    seen, stack = {start}, [start]
    while stack:
        for m in adj[stack.pop()] - seen:
            seen.add(m)
            stack.append(m)
    return len(seen) == len(g.nodes)


def _params(g: Graph) -> int:
    visible = sum(math.prod(n.shape) for n in g.nodes if n.kind == "param")
    folded = sum(int(n.attrs["params"].replace(",", "")) for n in g.of_kind("module"))
    return visible + folded


@pytest.mark.parametrize("budget", [12, 40, 100, 300])
def test_summary_is_under_budget_connected_and_conserves_parameters(graphs, budget):
    for name, g in graphs.items():
        for shown in (g, g.without({"saved"})):
            small = summarize(shown, max_nodes=budget)
            assert len(small.nodes) <= budget, (name, budget, len(small.nodes))
            assert _connected(small), name
            assert _params(small) == _params(shown), name
            ids = {n.id for n in small.nodes}
            assert len(ids) == len(small.nodes)
            assert all(e.src in ids and e.dst in ids for e in small.edges)
            if len(shown.nodes) > budget:
                assert small.meta["summary"].startswith("Summarized")


def test_expanding_everything_restores_the_original_graph(graphs):
    for g in graphs.values():
        assert summarize(g, max_nodes=None, expand=module_paths(g)) == g
        assert summarize(g, max_nodes=len(g.nodes)) == g
        assert summarize(g, max_nodes=None) == g


def test_repeated_blocks_fold_and_collapsed_modules_describe_themselves(graphs):
    small = summarize(graphs["resnet_deep"], max_nodes=300)
    # The budget is used: the first 10 blocks of each stage open (round-robin), the rest folded.
    assert len(small.nodes) == 300
    folded = [n for n in small.of_kind("module") if "folded" in n.attrs]
    assert [n.attrs["folded"] for n in folded] == ["Residual x 70"] * 4
    block = folded[0]
    assert block.attrs["inputs"] == "(2, 16, 8, 8)" and block.attrs["outputs"] == "(2, 16, 8, 8)"
    assert int(block.attrs["params"].replace(",", "")) == 70 * (2 * 16 * 16 * 9 + 4 * 16)


def test_opening_a_module_shows_its_inside_and_closes_deeper_levels_first(graphs):
    g = graphs["resnet_deep"]
    small = summarize(g, max_nodes=300, expand={"layer2.7"})
    modules = {n.module for n in small.nodes}
    assert "layer2.7" in modules  # its own ops (add, relu) are drawn
    names = {n.attrs.get("path") for n in small.of_kind("module")}
    assert {"layer2.7.conv1", "layer2.7.bn2"} <= names
    folded = sorted(n.attrs["folded"] for n in small.of_kind("module") if "folded" in n.attrs)
    assert "Residual x 7" in folded and "Residual x 72" in folded
    plan = plan_summary(g, 300, {"layer2.7"})
    assert {"", "layer2", "layer2.7"} <= plan.open and not plan.over_budget


def test_budget_wins_over_what_was_opened_deepest_first(graphs):
    g = graphs["resnet"]
    small = summarize(g, max_nodes=20, expand=module_paths(g))
    assert len(small.nodes) <= 20


def _chain(n: int, outputs: int = 1) -> Graph:
    nodes = [Node(f"o{k}", "output", "y") for k in range(outputs)]
    nodes += [Node(f"n{i}", "op", "AddBackward0") for i in range(n)] + [Node("x", "leaf", "x")]
    edges = [Edge(f"n{i + 1}", f"n{i}") for i in range(n - 1)] + [Edge("x", f"n{n - 1}")]
    return Graph(nodes, edges + [Edge("n0", f"o{k}") for k in range(outputs)])


def test_a_graph_without_modules_is_folded_to_fit_and_says_so():
    g = _chain(30)
    plan = plan_summary(g, 10)
    small = summarize(g, 10)
    assert not plan.over_budget and plan.folded and len(small.nodes) <= 10
    assert small.meta["summary"] == plan.note and "Folded by structure" in plan.note
    assert "AddBackward0 x 30" in {n.name for n in small.nodes}  # the chain: one node, a count
    # Three outputs cannot share a node: a budget of 2 cannot be met, and the note says so.
    plan = plan_summary(_chain(30, outputs=3), 2)
    assert plan.over_budget and plan.note.startswith(" Still 4 nodes after folding")


def test_module_clusters_in_dot_are_escaped_and_nested(graphs):
    g = graphs["resnet"]
    dot = to_dot(g, modules=True, show_saved=True)
    assert dot.count("subgraph cluster_") == len([p for p in module_paths(g) if p])
    assert 'label="layer1.0 · Residual"' in dot
    hostile = Graph(
        [Node("o0", "output", 'y"]; evil'), Node('n"1', "op", "Mul", module='a"b.c\\')],
        [Edge('n"1', "o0")],
    )
    dot = to_dot(hostile, modules=True)
    if shutil.which("dot"):  # Graphviz reads exactly two nodes: nothing broke out of a string
        plain = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, text=True)
        assert plain.returncode == 0
        assert sum(line.startswith("node ") for line in plain.stdout.splitlines()) == 2
    assert re.search(r'label="a\\"b · ', dot) is None  # no type known: the path alone
    assert 'label="a\\"b"' in dot


def test_gradient_only_drops_saved_tensors_and_keeps_the_path(graphs):
    g = graphs["cnn"]
    kept = gradient_only(g)
    assert not kept.of_kind("saved")
    assert len(kept.nodes) == len(g.without({"saved"}).nodes)


def test_gradient_only_drops_a_branch_that_reaches_no_output():
    # Hand-made: capture never yields such a branch, but a summarized or diffed graph can.
    nodes = [
        Node("x", "leaf", "x"),
        Node("a", "op", "MulBackward0"),
        Node("dead", "op", "ExpBackward0"),
        Node("c", "leaf", "c"),
        Node("s", "saved", "self"),
        Node("o0", "output", "y"),
    ]
    edges = [
        Edge("x", "a"),
        Edge("x", "dead"),
        Edge("s", "a", 0, "saved"),
        Edge("a", "o0"),
    ]
    kept = gradient_only(Graph(nodes, edges))
    assert [n.id for n in kept.nodes] == ["x", "a", "o0"]
    assert kept.edges == [Edge("x", "a"), Edge("a", "o0")]


def test_the_default_budget_is_the_one_constant(graphs):
    g = graphs["resnet_deep"]
    assert MAX_NODES == 300
    assert summarize(g) == summarize(g, max_nodes=MAX_NODES)
    assert len(summarize(g).nodes) <= MAX_NODES


def test_closing_a_module_closes_what_is_inside_it_and_nothing_else(graphs):
    g = graphs["resnet_deep"]
    opened = plan_summary(g, 300, {"layer2.7.conv1", "layer2.10", "layer3.0"}).open
    assert {"", "layer2", "layer2.7", "layer2.7.conv1", "layer2.10", "layer3", "layer3.0"} <= opened
    closed = close_module(opened, "layer2.7")
    assert closed == opened - {"layer2.7", "layer2.7.conv1"}  # layer2.10 is no child of layer2.7
    # Left open, layer2.7.conv1 would have reopened layer2.7: the view really closes it.
    plan = plan_summary(g, 300, closed)
    assert "layer2.7" not in plan.open and "layer2.10" in plan.open
    assert close_module(closed, "layer2") == closed - {"layer2", "layer2.10"}
    assert close_module({"a", "b"}, "c") == {"a", "b"}


def test_the_open_and_close_menus(graphs):
    g = graphs["resnet"]
    plan = plan_summary(g, 40)
    top = ["bn", "fc", "flatten", "layer1", "layer2", "layer3", "layer4", "pool", "relu", "stem"]
    # The budget left after the top level opens the first block of each stage that fits.
    assert set(open_modules(plan)) >= {*top, "layer1.0", "layer2.0", "layer3.0"}
    assert plan.visible == 40
    # Folded runs open by their first block; the label is the box's.
    collapsed = collapsed_modules(summarize(g, 40))
    assert collapsed["layer4.0"] == "layer4.0 … 1" and collapsed["layer1.1"] == "layer1.1"


def test_a_click_on_a_collapsed_module_names_the_module_it_opens():
    graph = models.graph(models.spec_of("resnet"))
    shown = summarize(graph, max_nodes=40)
    boxes = shown.of_kind("module")
    assert boxes
    for box in boxes:
        assert collapsed_module_at(shown, box.id) == box.attrs["path"]
        plan = plan_summary(graph, 40, [box.attrs["path"]])
        assert box.attrs["path"] in plan.open  # what the page opens on that click
    op = shown.of_kind("op")[0]
    assert collapsed_module_at(shown, op.id) is None
    assert collapsed_module_at(shown, "no such node") is None
    assert collapsed_module_at(shown, None) is None


def test_the_summary_note_is_a_message_extracted_for_translation(graphs):
    source = Path(summary.__file__)
    templates = {m for _, m, *_ in extract_from_file("python", source, keywords={"msg": None})}
    zh = {
        "Summarized: {total:,} nodes shown as {shown:,}; {modules:,} modules collapsed "
        "(deepest first), {folded} runs of repeated blocks folded. Open a module to see "
        "inside.": "已概括：{total:,} 个节点显示为 {shown:,} 个；折叠了 {modules:,} 个模块"
        "（从最深处开始），合并了 {folded} 串重复的块。打开一个模块可查看其内部。",
        "{summary} Still {shown:,} nodes after folding: the budget of {budget:,} cannot be "
        "met.": "{summary}折叠后仍有 {shown:,} 个节点：无法满足 {budget:,} 个节点的上限。",
    }
    plan = plan_summary(graphs["resnet_deep"], 40)
    assert plan.text.template in templates and str(plan.text) == plan.note
    assert summarize(graphs["resnet_deep"], 40).meta["summary"] == plan.note  # English in data
    assert plan.text.render(lambda s: zh.get(s, s)).startswith("已概括：9,944 个节点显示为")
    alone = plan_summary(_chain(30, outputs=3), 2)  # no module to collapse: only "still"
    assert alone.text.template in templates and alone.note.startswith(" Still 4 nodes")
    assert (
        alone.text.render(lambda s: zh.get(s, s))
        == "折叠后仍有 4 个节点：无法满足 2 个节点的上限。"
    )
    assert plan_summary(graphs["mlp"], None).text is None  # nothing done, nothing said
