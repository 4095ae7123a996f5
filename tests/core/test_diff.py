"""diff on hand-made pairs with known answers."""

from __future__ import annotations

from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.graph_diff import diff


def chain(*ops: str, leaf_shape=(2,)) -> Graph:
    """x -> ops[-1] -> ... -> ops[0] -> output, each op reading the previous one in slot 0."""
    nodes = [Node("o0", "output", "y")]
    nodes += [Node(f"n{i}", "op", op) for i, op in enumerate(ops)]
    nodes.append(Node("x", "leaf", "x", leaf_shape))
    ids = [n.id for n in nodes]
    edges = [Edge(ids[i + 1], ids[i], 0) for i in range(len(ids) - 1)]
    return Graph(nodes, edges)


def test_identical_graphs_match_completely():
    a = chain("SumBackward0", "MulBackward0", "ExpBackward0")
    d = diff(a, chain("SumBackward0", "MulBackward0", "ExpBackward0"))
    assert not d and d.matched == {n.id: n.id for n in a.nodes}


def test_ids_do_not_matter_only_structure():
    a = chain("SumBackward0", "ExpBackward0")
    b = Graph(
        [Node("x9", "leaf", "x", (2,)), Node("p", "op", "ExpBackward0"),
         Node("q", "op", "SumBackward0"), Node("out", "output", "y")],
        [Edge("x9", "p"), Edge("p", "q"), Edge("q", "out")],
    )  # fmt: skip
    d = diff(a, b)
    assert not d and d.matched == {"o0": "out", "n0": "q", "n1": "p", "x": "x9"}


def test_one_more_loop_iteration_is_one_added_node():
    a = chain("SumBackward0", "MulBackward0", "MulBackward0")
    b = chain("SumBackward0", "MulBackward0", "MulBackward0", "MulBackward0")
    d = diff(a, b)
    assert d.removed == [] and len(d.added) == 1
    assert b.node(d.added[0]).name == "MulBackward0"
    assert len(d.changed) == 1 and "input 0 comes from a different node" in str(d.changed[0].detail)


def test_other_branch_is_one_removed_and_one_added():
    a = chain("SumBackward0", "TanhBackward0")
    b = chain("SumBackward0", "SigmoidBackward0")
    d = diff(a, b)
    assert d.removed == ["n1"] and d.added == ["n1"]
    assert [(c.a, c.b) for c in d.changed] == [("n0", "n0")]


def test_shape_and_attribute_changes_are_changes_not_replacements():
    a, b = chain("MulBackward0"), chain("MulBackward0", leaf_shape=(3,))
    a.node("n0").attrs["other"] = "2"
    b.node("n0").attrs["other"] = "3"
    d = diff(a, b)
    assert not d.added and not d.removed
    details = {c.a: str(c.detail) for c in d.changed}
    assert details == {"x": "shape (2) → (3)", "n0": "other 2 → 3"}


def test_saved_tensors_follow_their_op():
    a, b = chain("MulBackward0"), chain("MulBackward0")
    for g in (a, b):
        g.nodes.append(Node("s0", "saved", "self", (2,)))
        g.edges.append(Edge("s0", "n0", 0, "saved"))
    b.nodes.append(Node("s1", "saved", "other", (2,)))
    b.edges.append(Edge("s1", "n0", 0, "saved"))
    d = diff(a, b)
    assert d.matched["s0"] == "s0" and d.added == ["s1"]


def test_source_lines_keep_ops_of_different_lines_apart():
    a, b = chain("MulBackward0", "MulBackward0"), chain("MulBackward0", "MulBackward0")
    assert not diff(a, b, lines_a={"n1": 3}, lines_b={"n1": 3})
    d = diff(a, b, lines_a={"n1": 3}, lines_b={"n1": 7})
    assert d.removed == ["n1"] and d.added == ["n1"]
