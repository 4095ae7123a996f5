"""Every sentence the sandbox says to a learner is translatable: a `msg()` template extracted from
the source (a string literal, so `pybabel extract` finds it), its values filled in; PyTorch's and
Python's own error text stays as it is, as a value. English output is what it always was."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from graphlab.core.messages import Message
from graphlab.sandbox import (
    ExpressionError,
    Limits,
    ShareLinkError,
    check_gradients,
    error_marks,
    evaluate,
    length_problem,
    program_from_link,
)

SANDBOX = Path(__file__).resolve().parents[2] / "graphlab" / "sandbox"
TREES = {path.name: ast.parse(path.read_text()) for path in sorted(SANDBOX.glob("*.py"))}
# What refuses a program: the first argument is the sentence (`_refuse_at`: the third).
RAISERS = {"ExpressionError": 0, "LimitExceeded": 0, "ShareLinkError": 0, "_error": 0,
           "_refuse_at": 2}  # fmt: skip
# Deliberate pass-throughs: a call's name, then PyTorch's or Python's own English words.
PASS_THROUGH = {
    'f"{name}: {clean_error(err)}"',
    'f".backward(): {clean_error(err)}"',
    'f"{name}(): {err}"',
    'f"round(): {err}"',
}
# A stand-in for the Chinese catalog (the real one is merged later; tests/app/test_i18n.py).
ZH = {
    "name `{name}` is not defined{hint}": "名称 `{name}` 未定义{hint}",
    "; did you mean `{other}`?": "；你是不是想写 `{other}`？",
    "{name}: shapes {a} and {b} cannot be broadcast together": "{name}：形状 {a} 和 {b} 无法广播",
}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    return [
        (file, node)
        for file, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func) == name
    ]


TEMPLATES = {
    call.args[0].value
    for _, call in _calls("msg")
    if call.args and isinstance(call.args[0], ast.Constant)
}


def _fake_gettext(template: str) -> str:
    """Chinese where the stand-in catalog has it; every other extracted template marked «»."""
    return ZH.get(template) or (f"«{template}»" if template in TEMPLATES else template)


def _templates(message: object) -> list[str]:
    """The template of `message` and of every Message inside it."""
    if not isinstance(message, Message):
        return []
    return [message.template] + [t for v in message.args.values() for t in _templates(v)]


def _refusal(source: str, limits: Limits | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, limits=limits)
    return caught.value


# -- the source --------------------------------------------------------------------------------
def test_every_template_is_a_plain_literal_whose_fields_are_its_values() -> None:
    for file, call in _calls("msg"):
        where = f"{file}:{call.lineno}"
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant), where
        fields = {f for _, f, _, _ in string.Formatter().parse(call.args[0].value) if f}
        assert all(f.isidentifier() for f in fields), where
        if not any(k.arg is None for k in call.keywords):  # `**sizes`: checked by running it
            assert fields == {k.arg for k in call.keywords}, where
    assert len(TEMPLATES) > 80  # every refusal of the language, not a handful


def test_no_refusal_is_raw_english_except_the_listed_pass_throughs() -> None:
    raw = set()
    for name, index in RAISERS.items():
        for file, call in _calls(name):
            arg = call.args[index] if len(call.args) > index else None
            if isinstance(arg, ast.JoinedStr) or (
                isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ):
                raw.add((file, ast.unparse(arg).replace("'", '"')))
    assert {text for _, text in raw} == PASS_THROUGH, sorted(raw)


# -- representative refusals -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "template"),
    [
        ("x = torch.ones(2)\ny = xx * 2", "name `{name}` is not defined{hint}"),
        ("import os", "{construct} is not allowed here; {allowed}"),
        ("y = torch.load('f')", "`{name}` is not in the list of allowed functions{hint}"),
        ("y = open('f')", "calling `{name}` is not allowed; the builtins allowed are {allowed}"),
        ("y = torch.ones(3) + torch.ones(4)", "{name}: shapes {a} and {b} cannot be broadcast together"),
        ("y = torch.ones(2, 3) @ torch.ones(2, 3)", "{name}: cannot multiply shapes {a} and {b}: "
         "the last size of the first ({last}) must equal the second-to-last size of the second "
         "({inner})"),
        ("y = torch.zeros(10**7)", "{name}: this would make a tensor of {numel} elements "
         "(shape {shape}); the limit is {limit} per tensor"),
        ("x = 1\nfor i in range(1000):\n    x = x + 1", "this loop runs {count} times; loops are "
         "limited to {limit} iterations"),
        ("#" * 2_001, "the program is {length} characters long; the limit is {limit}"),
    ],
)  # fmt: skip
def test_a_refusal_carries_extracted_templates_and_says_them_translated(
    source: str, template: str
) -> None:
    err = _refusal(source)
    assert err.text.template == template
    assert set(_templates(err.text)) <= TEMPLATES
    assert err.text.render() == err.message and str(err).endswith(err.message)
    said = err.text.render(_fake_gettext)
    assert said != err.message and said.count("«") >= (template not in ZH)


def test_a_hint_inside_a_refusal_is_translated_with_it() -> None:
    err = _refusal("x = torch.ones(2)\ny = xx * 2")
    assert err.message == "name `xx` is not defined; did you mean `x`?"
    assert err.text.render(_fake_gettext) == "名称 `xx` 未定义；你是不是想写 `x`？"
    # Through the worker's JSON and back, as the page gets it.
    assert (
        Message.from_dict(err.to_dict()["text"]).render(_fake_gettext)
        == "名称 `xx` 未定义；你是不是想写 `x`？"
    )
    shapes = _refusal("y = torch.ones(3) + torch.ones(4)").text.render(_fake_gettext)
    assert shapes == "`+`：形状 [3] 和 [4] 无法广播"


def test_pytorchs_own_words_stay_as_they_are() -> None:
    err = _refusal("y = torch.ones(2).reshape(3)")
    assert "shape '[3]' is invalid" in err.message
    assert err.text.render(_fake_gettext) == err.message  # data, never looked up or formatted
    braces = ExpressionError("expected {x} and {{y}}")
    assert braces.message == "expected {x} and {{y}}" == braces.text.render(_fake_gettext)


# -- the editor, share links, gradcheck --------------------------------------------------------
def test_the_editors_sentences_are_translated() -> None:
    problem = length_problem("a" * 2_001, limit=2_000)
    assert problem is not None and problem.template in TEMPLATES
    assert problem.render(_fake_gettext).startswith("«Your program has 2,001 characters")
    error = _refusal("x = torch.ones(2)\ny = xx * 2").to_dict()
    (note,) = error_marks(error, "x = torch.ones(2)\ny = xx * 2", _fake_gettext)["annotations"]
    assert note["text"] == "«Line 2, column 5: 名称 `xx` 未定义；你是不是想写 `x`？»"
    (english,) = error_marks(error, "x = torch.ones(2)\ny = xx * 2")["annotations"]
    assert english["text"] == "Line 2, column 5: name `xx` is not defined; did you mean `x`?"


def test_share_link_and_gradcheck_sentences_are_translated() -> None:
    with pytest.raises(ShareLinkError) as caught:
        program_from_link("   ")
    assert str(caught.value) == "the link is empty"
    assert caught.value.text.render(_fake_gettext) == "«the link is empty»"
    result = check_gradients("x = torch.ones(2)\ny = x.sum()")
    text = Message.from_dict(result["text"])
    assert text.template in TEMPLATES and text.render() == result["message"]
    kink = check_gradients("x = torch.tensor([0., 2.], requires_grad=True)\ny = x.relu().sum()")
    assert kink["text"] == kink["message"]  # gradcheck's own report, as it is
