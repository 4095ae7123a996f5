"""diff on hand-made pairs with known answers; line attribution on real sandbox runs."""

from __future__ import annotations

from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.graph_diff import diff
from graphlab.lessons import dynamic
from graphlab.lessons.attribution import Run, attribute, control_flow, differing_controls
from graphlab.sandbox import Limits
from graphlab.worker.dynamic import dynamic_reply


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
    assert len(d.changed) == 1 and "input 0 comes from a different node" in d.changed[0].detail


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
    details = {c.a: c.detail for c in d.changed}
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


SOURCE = "x = torch.tensor(1.0, requires_grad=True)\n" + dynamic.EXAMPLE


def test_control_flow_and_what_differed():
    assert [(c.kind, c.line, c.end) for c in control_flow(SOURCE)] == [
        ("if", 3, 6), ("for", 7, 8)
    ]  # fmt: skip
    a = Run(branches=[[3, True]], loops=[[7, 2]])
    b = Run(branches=[[3, False]], loops=[[7, 3]])
    differed = differing_controls(SOURCE, a, b)
    assert differed[3].startswith("`if` on line 3 went the `if` body in A, the `else` side")
    assert differed[7] == "`for` on line 7 ran 2 times in A, 3 times in B"
    assert differing_controls(SOURCE, a, a) == {}


def _reply(body: str, x: float) -> dict:
    return dynamic_reply(dynamic.program(body, x), Limits())


def test_each_difference_is_tied_to_the_line_whose_branch_or_loop_differed():
    body = dynamic.EXAMPLE
    ra, rb = _reply(body, 1.0), _reply(body, -2.5)
    assert ra["branches"] == [[3, True]] and rb["branches"] == [[3, False]]
    assert ra["loops"] == [[7, 2]] and rb["loops"] == [[7, 3]]
    pair = dynamic.compare(body, ra, rb)
    assert pair.controls == {
        2: "`if` on line 2 went the `if` body in A, the `else` side in B",
        6: "`for` on line 6 ran 2 times in A, 3 times in B",
    }
    ops = [(d.kind, d.name, d.line) for d in pair.delta.differences if d.name.endswith("0")]
    assert sorted(ops) == [
        ("added", "MulBackward0", 6),      # the extra loop iteration
        ("added", "SigmoidBackward0", 2),  # the else side
        ("changed", "MulBackward0", 6),    # the first iteration now reads the sigmoid
        ("removed", "MulBackward0", 2),    # y * y of the if side
    ]  # fmt: skip
    for d in pair.delta.differences:
        assert d.why


def test_same_path_different_values_has_no_structural_difference():
    body = dynamic.EXAMPLE
    pair = dynamic.compare(body, _reply(body, 1.0), _reply(body, 1.5))
    assert pair.controls == {}
    assert {d.kind for d in pair.delta.differences} <= {"changed"}
    assert all("values" in d.why or "input" in d.why for d in pair.delta.differences)


def test_attribute_works_from_plain_data_only():
    a, b = chain("SumBackward0", "TanhBackward0"), chain("SumBackward0", "SigmoidBackward0")
    d = diff(a, b)
    src = "x = 1\nif x > 0:\n    y = x\nelse:\n    y = x\n"
    attribute(d, src, Run([[2, True]], [], {"n1": 3}), Run([[2, False]], [], {"n1": 5}))
    assert {x.kind: x.line for x in d.differences} == {"removed": 2, "added": 2, "changed": 2}


def test_failed_runs_report_the_visitors_line():
    bad = dynamic.compare("y = x.numpy()", {"ok": False, "error": {"message": "no", "line": 2}}, {})
    assert bad.error == "no" and bad.error_line == 1


def test_pair_marks_each_side_and_hides_saved_tensors_on_request():
    body = dynamic.EXAMPLE
    pair = dynamic.compare(body, _reply(body, 1.0), _reply(body, -2.5))
    kinds_a = {n.id: n.kind for n in pair.graph_a.nodes}
    kinds_b = {n.id: n.kind for n in pair.graph_b.nodes}
    every = pair.visible(show_saved=True)
    assert any(kinds_a.get(d.a) == "saved" or kinds_b.get(d.b) == "saved" for d in every)
    plain = pair.visible(show_saved=False)
    assert plain and all("saved" not in (kinds_a.get(d.a), kinds_b.get(d.b)) for d in plain)
    marks_a, marks_b = pair.marks("a", False), pair.marks("b", False)
    assert set(marks_a.values()) == {"removed", "changed"} and set(marks_a) <= set(kinds_a)
    assert set(marks_b.values()) == {"added", "changed"} and set(marks_b) <= set(kinds_b)
    assert "saved" not in {kinds_a[i] for i in marks_a} | {kinds_b[i] for i in marks_b}


def test_the_longest_body_the_page_accepts_still_fits_the_sandbox_for_any_input():
    limits = Limits()
    body = "y = x\n" * (dynamic.max_body_chars(limits) // 6)
    body += " " * (dynamic.max_body_chars(limits) - len(body))
    for x in (0.0, -2.5, -1.2345678901234567e-300, -1.7976931348623157e308):
        assert len(dynamic.program(body, x)) <= limits.max_source_chars
