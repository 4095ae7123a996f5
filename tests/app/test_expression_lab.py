"""AppTest of the Expression Lab page: graph, errors in place, share links, gradcheck, examples."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.lessons.expressions import DEFAULT, EXPRESSION_EXAMPLES
from graphlab.sandbox.share import encode_program
from tests.app.pages import drawn_dots, open_page

PAGE = "app_pages/expression_lab.py"
SQUARE = "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = (x * x).sum()\n"


def open_lab(code: str | None = None) -> AppTest:
    return open_page(PAGE, None if code is None else {"code": code})


def dot_of(at: AppTest) -> str:
    dots = drawn_dots(at)
    assert dots, "no graph drawn"
    return dots[0]


def editor(at: AppTest):
    return at.text_area(key="lab_code")


def node_selectbox(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Inspect a node")


def test_default_program_draws_its_graph_and_fills_the_link() -> None:
    at = open_lab()
    assert editor(at).value == EXPRESSION_EXAMPLES[DEFAULT].source
    dot = dot_of(at)
    for op in ("SigmoidBackward0", "AddBackward0", "DotBackward0"):
        assert op in dot
    assert at.query_params["code"] == encode_program(editor(at).value)
    assert not at.error and not at.warning
    # The inspector starts on the op nearest the output, with its backward rule.
    assert any(r"\sigma(a)" in item.value for item in at.latex)


def test_invalid_program_shows_line_column_and_caret_then_recovers() -> None:
    at = open_lab()
    editor(at).input("x = torch.ones(2)\ny = x.numpy()").run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Line 2, column 5: ")
    assert "Traceback" not in message
    assert any(c.value == "   2 | y = x.numpy()\n     |     ^" for c in at.code)
    assert not drawn_dots(at)
    editor(at).input(SQUARE).run()  # the app still runs: the next program draws
    assert not at.error and "MulBackward0" in dot_of(at)


def test_a_program_without_tensors_says_what_to_do() -> None:
    at = open_lab()
    editor(at).input("n = 3").run()
    assert not at.exception and not at.error
    assert any("Assign a tensor" in i.value for i in at.info)


def test_names_in_an_error_are_shown_as_code_not_markup() -> None:
    at = open_lab()
    editor(at).input("y = _secret_ * 2").run()
    assert not at.exception and len(at.error) == 1
    assert "`_secret_`" in at.error[0].value  # a code span: shown verbatim, not italics


def test_share_link_opens_the_program_and_follows_edits() -> None:
    at = open_lab(encode_program(SQUARE))
    assert editor(at).value == SQUARE
    assert "MulBackward0" in dot_of(at)
    edited = SQUARE.replace("(x * x)", "torch.exp(x)")
    editor(at).input(edited).run()
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
    assert editor(at).value == EXPRESSION_EXAMPLES[DEFAULT].source
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
    editor(at).input("x = torch.tensor([0.0, 2.0], requires_grad=True)\ny = x.relu().sum()").run()
    assert not at.success  # the old result belongs to the old program
    at.button(key="lab_check").click().run()
    assert any("disagree" in w.value for w in at.warning)


def test_every_example_in_the_menu_renders() -> None:
    at = open_lab()
    for name, example in EXPRESSION_EXAMPLES.items():
        at.selectbox(key="lab_example").set_value(name).run()
        assert not at.exception, name
        assert editor(at).value == example.source
        assert not at.error, (name, [e.value for e in at.error])
        assert "Backward0" in dot_of(at), name
        assert any(c.value == example.idea for c in at.caption), name
