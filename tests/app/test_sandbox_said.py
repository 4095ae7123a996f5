"""The sandbox's sentences on the page, in the visitor's language: the error under the editor and
in its gutter, the length refusal, a share link that cannot be opened, the gradient check, the
note on a program that Step Through recorded.

The Chinese catalog holds these sentences only once they are merged (tests/app/test_i18n.py), so
here the page's catalog (`widgets.i18n.translations`, behind `_`, `say` and `translator`) is a
stand-in: what the page shows must be what it says, which proves the widgets say the library's
`Message`s rather than its English.
"""

from __future__ import annotations

import pytest

from tests.app.pages import editor_marks, open_page, run_in_editor, stand_in_catalog

PAGE = "app_pages/expression_lab.py"
CODE = "lab_code"
ZH = {
    "name `{name}` is not defined{hint}": "名称 `{name}` 未定义{hint}",
    "; did you mean `{other}`?": "；你是不是想写 `{other}`？",
    "Your program has {length} characters; the limit is {limit}. "
    "It was not run: shorten it, then press Run.": "程序有 {length} 个字符，上限是 {limit}。",
    "the link's program contains the control character U+{code}": "链接里的程序含有控制字符 U+{code}",
    "The last tensor assigned does not depend on a tensor with requires_grad=True. "
    "There is no gradient to check.": "没有梯度可检查。",
    "Line {line}, column {col}: {message}": "第 {line} 行，第 {col} 列：{message}",
    "The output does not require grad, so there is no backward pass to step through.": "没有反向传播。",
}


@pytest.fixture(autouse=True)
def catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    # Looked up at each call, so every widget gets it, whenever it imported `say` or `translator`.
    stand_in_catalog(monkeypatch, ZH)


def test_an_error_is_said_in_the_visitors_language_under_the_editor_and_in_it() -> None:
    at = run_in_editor(open_page(PAGE), CODE, "x = torch.ones(2)\ny = xx * 2")
    assert not at.exception
    (error,) = at.error
    assert error.value == "第 2 行，第 5 列：名称 `xx` 未定义；你是不是想写 `x`？"
    (note,) = editor_marks(at, CODE)["annotations"]
    assert note["text"] == "第 2 行，第 5 列：名称 `xx` 未定义；你是不是想写 `x`？"


def test_the_length_refusal_is_said_in_the_visitors_language() -> None:
    at = run_in_editor(open_page(PAGE), CODE, "#" * 2_001)
    assert [e.value for e in at.error] == ["程序有 2,001 个字符，上限是 2,000。"]


def test_a_link_that_cannot_be_opened_says_why_in_the_visitors_language() -> None:
    at = open_page(PAGE, {"code": "y = 1\x01"})
    assert any("链接里的程序含有控制字符 U\\+0001" in w.value for w in at.warning)


def test_the_gradient_check_is_said_in_the_visitors_language() -> None:
    at = run_in_editor(open_page(PAGE), CODE, "x = torch.ones(2)\ny = x.sum()")
    at.button(key="lab_check").click().run()
    assert [i.value for i in at.info][-1:] == ["没有梯度可检查。"]


def test_step_throughs_note_on_a_program_is_said_in_the_visitors_language() -> None:
    at = open_page("app_pages/step_through.py")
    at.segmented_control(key="step_source").set_value("Your program").run()
    run_in_editor(at, "step_code", "x = torch.ones(2)\ny = x.sum()")
    assert not at.exception and "没有反向传播。" in [i.value for i in at.info]
