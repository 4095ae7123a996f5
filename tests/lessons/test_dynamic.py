"""The Dynamic Graphs lesson: line attribution on real sandbox runs, the pair a page shows."""

from __future__ import annotations

from pathlib import Path

from graphlab.core.graph_diff import Difference, diff
from graphlab.core.messages import Message, msg
from graphlab.lessons import dynamic
from graphlab.lessons.attribution import (
    Run,
    attribute,
    control_flow,
    differing_controls,
    line_text,
)  # fmt: skip
from graphlab.sandbox import Limits
from graphlab.worker.dynamic import dynamic_reply
from graphlab.worker.handlers import handle
from tests.core.test_diff import chain

SOURCE = "x = torch.tensor(1.0, requires_grad=True)\n" + dynamic.EXAMPLE


def test_control_flow_and_what_differed():
    assert [(c.kind, c.line, c.end) for c in control_flow(SOURCE)] == [
        ("if", 3, 6), ("for", 7, 8)
    ]  # fmt: skip
    a = Run(branches=[[3, True]], loops=[[7, 2]])
    b = Run(branches=[[3, False]], loops=[[7, 3]])
    differed = differing_controls(SOURCE, a, b)
    assert str(differed[3]).startswith("`if` on line 3 went the `if` body in A, the `else` side")
    assert str(differed[7]) == "`for` on line 7 ran 2 times in A, 3 times in B"
    assert differing_controls(SOURCE, a, a) == {}


def _reply(body: str, x: float) -> dict:
    return dynamic_reply(dynamic.program(body, x), Limits())


def test_each_difference_is_tied_to_the_line_whose_branch_or_loop_differed():
    body = dynamic.EXAMPLE
    ra, rb = _reply(body, 1.0), _reply(body, -2.5)
    assert ra["branches"] == [[3, True]] and rb["branches"] == [[3, False]]
    assert ra["loops"] == [[7, 2]] and rb["loops"] == [[7, 3]]
    pair = dynamic.compare(body, ra, rb)
    assert {line: str(text) for line, text in pair.controls.items()} == {
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
    assert all("values" in str(d.why) or "input" in str(d.why) for d in pair.delta.differences)


def test_attribute_works_from_plain_data_only():
    a, b = chain("SumBackward0", "TanhBackward0"), chain("SumBackward0", "SigmoidBackward0")
    d = diff(a, b)
    src = "x = 1\nif x > 0:\n    y = x\nelse:\n    y = x\n"
    attribute(d, src, Run([[2, True]], [], {"n1": 3}), Run([[2, False]], [], {"n1": 5}))
    assert {x.kind: x.line for x in d.differences} == {"removed": 2, "added": 2, "changed": 2}


def test_failed_runs_report_the_visitors_line():
    bad = dynamic.compare("y = x.numpy()", {"ok": False, "error": {"message": "no", "line": 2}}, {})
    assert bad.error == "no" and bad.error_line == 1
    assert bad.error_col is None
    error = {"message": "no", "line": 2, "col": 5}
    bad = dynamic.compare("y = x.numpy()", {"ok": False, "error": error}, {})
    assert (bad.error_line, bad.error_col) == (1, 5)  # the column stays: the line was shifted
    error = {"message": "no", "line": 1, "col": 3}  # the input line is not the visitor's
    bad = dynamic.compare("y = x.numpy()", {"ok": False, "error": error}, {})
    assert (bad.error_line, bad.error_col) == (None, None)


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


def _marked(template: str) -> str:
    """A stand-in translation: every template said in brackets, so a test sees what was said
    through a catalog (placeholders kept, so the values are still filled in)."""
    return f"ZH[{template}]"


def test_what_differed_is_said_as_messages_the_catalogs_hold():
    body = dynamic.EXAMPLE
    pair = dynamic.compare(body, _reply(body, 1.0), _reply(body, -2.5))
    said = {line: text.render(_marked) for line, text in pair.controls.items()}
    assert said[2] == "ZH[`if` on ZH[line 2] went ZH[the `if` body] in A, ZH[the `else` side] in B]"
    assert said[6] == "ZH[`for` on ZH[line 6] ran ZH[2 times] in A, ZH[3 times] in B]"
    why = {d.why.render(_marked) for d in pair.delta.differences}
    assert why == {said[2], said[6]}  # each node tied to the branch or loop that made it
    details = [d.detail.render(_marked) for d in pair.delta.differences if d.kind == "changed"]
    assert "ZH[input 0 comes from a different node]" in details
    source = (Path(dynamic.__file__).parent / "attribution.py").read_text()
    for template in ("`if` on {where} went {a} in A, {b} in B", "line {line}", "the `if` body"):
        assert f'msg("{template}"' in source  # a literal, so scripts/i18n.sh extracts it


def test_a_line_renumbered_to_the_input_line_is_said_so():
    d = Difference("changed", "n1", "n1", "x", why=msg("{where} ran with different values",
                                                      where=line_text(1)))  # fmt: skip
    assert str(dynamic._shift(d.why)) == "the input line ran with different values"
    no_graph = dynamic.compare("y = x.detach()", _reply("y = x.detach()", 1.0), {})
    assert no_graph.error.render(_marked).startswith("ZH[the last tensor assigned")


def test_a_sandbox_error_keeps_its_sentence_for_the_page():
    request = {"kind": "dynamic", "source": dynamic.program("y = x.numpy()", 1.0)}
    reply = handle(request)  # what the worker process sends: the error as plain data
    pair = dynamic.compare("y = x.numpy()", reply, reply)
    assert isinstance(pair.error, Message) and pair.error_line == 1
    assert str(pair.error) == reply["error"]["message"]  # English: what the sandbox said
