"""AppTest of the Expression Lab page: graph, errors in place (and marked in the editor), the
last good graph kept while there is an error, the length limit, share links, gradcheck, examples.

The editor is a custom component, which AppTest cannot type into: `run_in_editor` sends what it
sends on Run (tests/e2e/test_editor.py types into the real one in Chromium)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.lessons.expressions import DEFAULT, EXPRESSION_EXAMPLES
from graphlab.sandbox import Limits
from graphlab.sandbox.share import encode_program
from tests.app.pages import (
    drawn_dots,
    editor_element,
    editor_marks,
    editor_text,
    open_page,
    run_in_editor,
)
from widgets.program_editor import STALE

PAGE = "app_pages/expression_lab.py"
CODE = "lab_code"
SQUARE = "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = (x * x).sum()\n"


def open_lab(code: str | None = None) -> AppTest:
    return open_page(PAGE, None if code is None else {"code": code})


def dot_of(at: AppTest) -> str:
    dots = drawn_dots(at)
    assert dots, "no graph drawn"
    return dots[0]


def shown(at: AppTest) -> str:
    """The program the editor shows."""
    return editor_text(at, CODE)


def run(at: AppTest, program: str) -> AppTest:
    return run_in_editor(at, CODE, program)


def node_selectbox(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Inspect a node")


def test_default_program_draws_its_graph_and_fills_the_link() -> None:
    at = open_lab()
    assert shown(at) == EXPRESSION_EXAMPLES[DEFAULT].source
    dot = dot_of(at)
    for op in ("SigmoidBackward0", "AddBackward0", "DotBackward0"):
        assert op in dot
    assert at.query_params["code"] == encode_program(shown(at))
    assert not at.error and not at.warning
    # The inspector starts on the op nearest the output, with its backward rule.
    assert any(r"\sigma(a)" in item.value for item in at.latex)


def test_invalid_program_shows_line_column_and_caret_then_recovers() -> None:
    at = open_lab()
    run(at, "x = torch.ones(2)\ny = x.numpy()")
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Line 2, column 5: ")
    assert "Traceback" not in message
    assert any(c.value == "   2 | y = x.numpy()\n     |     ^" for c in at.code)
    # Marked in the editor too: an icon on line 2, `x.numpy` highlighted.
    marks = editor_marks(at, CODE)
    assert [(a["row"], a["column"], a["type"]) for a in marks["annotations"]] == [(1, 4, "error")]
    assert marks["annotations"][0]["text"].startswith("Line 2, column 5: the tensor method")
    assert [(m["startRow"], m["startCol"], m["endCol"]) for m in marks["markers"]] == [(1, 4, 11)]
    # The last good graph (the default program's) stays, marked as stale.
    assert "SigmoidBackward0" in dot_of(at)
    assert [w.value for w in at.warning] == [STALE]
    run(at, SQUARE)  # the app still runs: the next program draws
    assert not at.error and "MulBackward0" in dot_of(at)
    assert not at.warning and editor_marks(at, CODE) == {"annotations": [], "markers": []}


def test_a_program_without_tensors_says_what_to_do() -> None:
    at = open_lab()
    run(at, "n = 3")
    assert not at.exception and not at.error
    assert any("Assign a tensor" in i.value for i in at.info)


def test_names_in_an_error_are_shown_as_code_not_markup() -> None:
    at = open_lab()
    run(at, "y = _secret_ * 2")
    assert not at.exception and len(at.error) == 1
    assert "`_secret_`" in at.error[0].value  # a code span: shown verbatim, not italics


def test_share_link_opens_the_program_and_follows_edits() -> None:
    at = open_lab(encode_program(SQUARE))
    assert shown(at) == SQUARE
    assert "MulBackward0" in dot_of(at)
    edited = SQUARE.replace("(x * x)", "torch.exp(x)")
    run(at, edited)
    assert at.query_params["code"] == encode_program(edited)
    assert "ExpBackward0" in dot_of(at)


def test_plain_text_link_is_accepted() -> None:
    at = open_lab("x = torch.ones(3, requires_grad=True)\ny = torch.tanh(x).mean()")
    assert "TanhBackward0" in dot_of(at) and "MeanBackward0" in dot_of(at)


@pytest.mark.parametrize(
    "value, says",
    [("A" * 20_000, "too long"), ("x = 1\x00", "control character"), ("\x1b[2J", "control")],
)
def test_hostile_link_gives_a_clear_message_and_the_default(value: str, says: str) -> None:
    at = open_lab(value)
    assert any(says in w.value for w in at.warning)
    assert shown(at) == EXPRESSION_EXAMPLES[DEFAULT].source
    assert "SigmoidBackward0" in dot_of(at)


def test_node_inspector_shows_value_gradient_and_backward_rule() -> None:
    at = open_lab(encode_program(SQUARE))
    picker = node_selectbox(at)
    picker.select_index(next(i for i, o in enumerate(picker.options) if "MulBackward0" in o))
    at.run()
    assert any(r"\bar a = \bar z \cdot b" in item.value for item in at.latex)
    picker = node_selectbox(at)
    assert "x (leaf)" in picker.options  # listed by its name, not an internal id
    picker.select_index(picker.options.index("x (leaf)"))
    at.run()
    codes = [c.value for c in at.code]
    assert any(c.startswith("x = [1, 2, 3]") for c in codes)
    assert any(c.startswith("x.grad = [2, 4, 6]") for c in codes)  # auto backward: 2x


def test_unknown_op_says_it_has_no_rule() -> None:
    at = open_lab(encode_program("x = torch.ones(3, requires_grad=True)\ny = torch.erf(x)"))
    picker = node_selectbox(at)
    picker.select_index(next(i for i, o in enumerate(picker.options) if "ErfBackward0" in o))
    at.run()
    assert any("no written rule" in i.value for i in at.info)
    assert any(c.value == "ErfBackward0" for c in at.code)


def test_check_gradients_button_runs_gradcheck_in_the_worker() -> None:
    at = open_lab(encode_program(SQUARE))
    at.button(key="lab_check").click().run()
    assert any("Gradients match finite differences" in s.value for s in at.success)
    run(at, "x = torch.tensor([0.0, 2.0], requires_grad=True)\ny = x.relu().sum()")
    assert not at.success  # the old result belongs to the old program
    at.button(key="lab_check").click().run()
    assert any("disagree" in w.value for w in at.warning)


def test_every_example_in_the_menu_renders() -> None:
    at = open_lab()
    for name, example in EXPRESSION_EXAMPLES.items():
        at.selectbox(key="lab_example").set_value(name).run()
        assert not at.exception, name
        assert shown(at) == example.source
        assert not at.error, (name, [e.value for e in at.error])
        assert "Backward0" in dot_of(at), name
        assert any(c.value == example.idea for c in at.caption), name


def test_an_error_keeps_the_last_good_graph_and_its_inspector_marked_stale() -> None:
    at = open_lab(encode_program(SQUARE))
    run(at, "x = torch.ones(2, requires_grad=True)\ny = x.sum() + zz")
    assert at.error[0].value.startswith("Line 2, column 15: ")
    assert [w.value for w in at.warning] == [STALE]
    assert "MulBackward0" in dot_of(at) and "SumBackward0" in dot_of(at)  # SQUARE's graph
    assert "x (leaf)" in node_selectbox(at).options  # its inspector too
    assert editor_marks(at, CODE)["annotations"][0]["row"] == 1
    assert at.query_params["code"] == encode_program(shown(at))  # the link holds what was typed
    # Another widget's rerun changes nothing: the Run is handled once.
    at.button(key="lab_check").click().run()
    assert [w.value for w in at.warning][:1] == [STALE] and len(at.error) == 1


@pytest.mark.parametrize("length", [3_000, 5 * 2**20])
def test_a_program_over_the_limit_is_refused_naming_the_limit(length: int) -> None:
    limit = Limits().max_source_chars
    at = open_lab(encode_program(SQUARE))
    long = "y = 1\n" + "#" * (length - 6)
    mounted = editor_element(at, CODE).key
    run(at, long)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Your program has {length:,} characters; the limit is {limit:,}. "
        "It was not run: shorten it, then press Run."
    ]
    # Not run, not put in the link: the last program's graph stays, marked as stale.
    assert at.session_state[CODE] == SQUARE
    assert at.query_params["code"] == encode_program(SQUARE)
    assert "MulBackward0" in dot_of(at) and [w.value for w in at.warning] == [STALE]
    # The same editor, not a new one: it still holds the long text, for the visitor to shorten.
    assert editor_element(at, CODE).key == mounted and shown(at) == SQUARE
    run(at, "x = torch.ones(3, requires_grad=True)\ny = torch.exp(x).sum()")
    assert not at.error and not at.warning and "ExpBackward0" in dot_of(at)


def test_a_program_written_from_outside_replaces_the_editors_text() -> None:
    at = open_lab()
    run(at, SQUARE)
    at.session_state[CODE] = "x = torch.ones(2, requires_grad=True)\ny = x.tanh().sum()"
    at.run()  # as the Examples menu or a share link does
    assert shown(at).endswith("x.tanh().sum()") and "TanhBackward0" in dot_of(at)
    at.run()  # the editor's old Run (SQUARE) is not applied again
    assert "TanhBackward0" in dot_of(at) and "MulBackward0" not in dot_of(at)


def test_the_examples_menu_names_an_example_only_while_it_is_the_program() -> None:
    at = open_lab()
    name = list(EXPRESSION_EXAMPLES)[1]
    at.selectbox(key="lab_example").set_value(name).run()
    assert at.selectbox(key="lab_example").value == name
    run(at, EXPRESSION_EXAMPLES[name].source + "z = y * 2\n")
    assert not at.exception
    assert at.selectbox(key="lab_example").value is None  # no longer that example
    assert not any(c.value == EXPRESSION_EXAMPLES[name].idea for c in at.caption)
