"""Property: for random module/op graphs, summarize's picture is acyclic, within its budget
(unless it says it cannot be), and a quotient: every original node in exactly one shown node."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.summary import plan_summary, summarize_mapped

from .summary_checks import acyclic, check_quotient

PATHS = [None, "a", "a.0", "a.1", "a.1.x", "b", "b.0", "b.1", "c"]
OPS = ["MulBackward0", "AddBackward0", "ReluBackward0"]
SHAPES = [(2,), (2, 3), None]


@st.composite
def graphs(draw) -> Graph:
    """A DAG in capture's shape: inputs (leaves, parameters), ops reading earlier nodes, saved
    tensors on some ops, outputs at the end; ops in random modules, some in a later call."""
    n = draw(st.integers(2, 40))
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i in range(n):
        kind = "op" if i >= 2 else draw(st.sampled_from(["leaf", "param"]))
        if i >= 2 and draw(st.integers(0, 5)) == 0:
            kind = draw(st.sampled_from(["leaf", "param"]))
        module = draw(st.sampled_from(PATHS))
        node = Node(f"n{i}", kind, draw(st.sampled_from(OPS)) if kind == "op" else f"x{i}",
                    draw(st.sampled_from(SHAPES)), module=module if kind != "leaf" else None)  # fmt: skip
        if kind == "op" and module and draw(st.booleans()):
            node.attrs["calls"] = f"{module}={draw(st.integers(2, 3))}"
        nodes.append(node)
        if kind == "op":
            reads = draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=3, unique=True))
            edges += [Edge(f"n{j}", f"n{i}", slot) for slot, j in enumerate(reads)]
            if draw(st.integers(0, 3)) == 0:
                nodes.append(Node(f"s{i}", "saved", "self", module=module))
                edges.append(Edge(f"s{i}", f"n{i}", 0, "saved"))
    read = {e.src for e in edges}
    last = [f"n{i}" for i in range(n) if f"n{i}" not in read and nodes[0].id != f"n{i}"]
    outputs = [Node(f"o{k}", "output", "y") for k in range(len(last))]
    edges += [Edge(src, f"o{k}") for k, src in enumerate(last)]
    return Graph(outputs + nodes, edges)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    graphs(),
    st.integers(1, 40),
    st.one_of(st.none(), st.sets(st.sampled_from(PATHS[1:]))),
    st.one_of(st.none(), st.integers(0, 3)),
    st.booleans(),
    st.booleans(),
)
def test_summaries_are_acyclic_quotients_within_budget(graph, budget, expand, depth, roll, saved):
    how = {"depth": depth, "roll": roll, "saved": saved}
    shown, mapping = summarize_mapped(graph, budget, expand, **how)
    assert acyclic(shown)
    check_quotient(graph, shown, mapping)
    plan = plan_summary(graph, budget, expand, **how)
    visible = [n for n in shown.nodes if n.kind != "saved"]
    # What cannot share a node: each output, and one group per kind of input read in many places.
    floor = len(graph.of_kind("output")) + 4
    if budget >= floor:
        assert len(visible) <= budget and not plan.over_budget
    if plan.over_budget:
        assert "cannot be met" in plan.note and len(visible) > budget
    else:
        assert len(visible) <= budget
    if not saved and len(graph.nodes) > budget:  # summarized: saved tensors hidden
        assert not shown.of_kind("saved")
    if depth is not None and expand is None:  # no module deeper than `depth` drawn as a box
        paths = [n.attrs["path"] for n in shown.of_kind("module") if "path" in n.attrs]
        assert all(p == "" or p.count(".") + 1 <= depth for p in paths)
