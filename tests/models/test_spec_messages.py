"""A bad spec's error is a `Message` (graphlab.core.messages) whose every template is a `msg()`
literal that `pybabel extract` finds, so Model Graph can say it in the visitor's language; its
English (`str(err)`) is the sentence the other tests read."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from graphlab import models
from graphlab.core.messages import Message
from graphlab.models import edit
from tests.models.test_models import BAD

PACKAGE = Path(models.__file__).parent
RAISING = [PACKAGE / name for name in ("builder.py", "checks.py", "edit.py", "spec.py")]


def _extracted(keyword: str) -> set[str]:
    """The templates `scripts/i18n.sh` would extract from the model package, for `keyword`."""
    found = set()
    for path in PACKAGE.glob("*.py"):
        found |= {m for _, m, *_ in extract_from_file("python", path, keywords={keyword: None})}
    return found


TEMPLATES = _extracted("msg")


def _templates(message: Message) -> list[str]:
    """`message`'s template and those of the messages among its values, all the way down."""
    inner = [t for v in message.args.values() if isinstance(v, Message) for t in _templates(v)]
    return [message.template, *inner]


def _error(spec: object) -> models.SpecError:
    with pytest.raises(models.SpecError) as info:
        models.build(copy.deepcopy(spec))
    return info.value


@pytest.mark.parametrize("spec", [s for s, _, _ in BAD], ids=[w for _, _, w in BAD])
def test_every_bad_spec_says_a_message_extracted_for_translation(spec):
    err = _error(spec)
    assert isinstance(err.text, Message) and err.message == str(err.text)
    assert str(err.full_text) == str(err)  # the English stays what it was
    assert set(_templates(err.full_text)) <= TEMPLATES
    if err.layer is not None:  # the layer is said in words too
        assert err.full_text.template.startswith("layer {n}")
        assert err.full_text.args["n"] == err.layer + 1


def test_every_spec_error_is_raised_with_a_msg_call():
    """No `SpecError("...")` or f-string: a literal sentence would reach the page in English."""
    for path in RAISING:
        tree = ast.parse(path.read_text())
        made = {  # names assigned a msg(...) call, e.g. `problem = msg(...)`
            t.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and _is_msg(node.value)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SpecError":
                (first, *_) = node.args
                ok = _is_msg(first) or (isinstance(first, ast.Name) and first.id in made)
                assert ok, f"{path.name}:{node.lineno}"
            if _is_msg(node):
                assert isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}"


def _is_msg(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "msg"


CHINESE = {
    "layer {n} ({kind}): {problem}": "第 {n} 层（{kind}）：{problem}",
    "needs {wanted}, but gets {shape}: {hint}": "需要{wanted}，但得到 {shape}：{hint}",
    "{one} or {other}": "{one}或{other}",
    "a batch of vectors (N, features)": "一批向量 (N, features)",
    "a batch of sequences (N, T, features)": "一批序列 (N, T, features)",
    "add a `flatten` (or `global_avgpool` then `flatten`) layer before it": (
        "在它之前加一个 `flatten` 层（或先 `global_avgpool` 再 `flatten`）"
    ),
    "`{key}` must be {values}, not {value}": "`{key}` 必须是{values}，而不是 {value}",
    "an integer from {lo:g} to {hi:g}": "{lo:g} 到 {hi:g} 之间的整数",
    "The spec is not valid JSON: {error} (line {line}, column {column}).": (
        "这份规格不是有效的 JSON：{error}（第 {line} 行，第 {column} 列）。"
    ),
}


def _zh(english: str) -> str:
    return CHINESE.get(english, english)


def test_an_error_reads_in_chinese_values_and_hints_included():
    err = _error({"input": [2, 3, 8, 8], "layers": [{"type": "linear", "out_features": 4}]})
    assert err.full_text.render(_zh) == (
        "第 1 层（linear）：需要一批向量 (N, features)或一批序列 (N, T, features)，但得到 "
        "(2, 3, 8, 8)：在它之前加一个 `flatten` 层（或先 `global_avgpool` 再 `flatten`）"
    )
    err = _error({"input": [2, 4], "layers": [{"type": "linear", "out_features": 0}]})
    assert err.full_text.render(_zh) == (
        "第 1 层（linear）：`out_features` 必须是1 到 4096 之间的整数，而不是 0"
    )


def test_a_spec_that_is_not_json_says_where_in_any_language():
    with pytest.raises(models.SpecError) as info:
        edit.parse_spec('{"input": [2, 4],}')
    err = info.value
    assert err.layer is None and err.full_text == err.text and err.text.template in TEMPLATES
    assert err.text.args["error"] == "Expecting property name enclosed in double quotes"  # Python's
    assert err.text.render(_zh) == (
        "这份规格不是有效的 JSON：Expecting property name enclosed in double quotes（第 1 行，"
        "第 18 列）。"
    )


def test_the_builder_caption_is_a_message_too():
    p = models.plan({"input": [2, 8], "layers": [{"type": "linear", "out_features": 4}]})
    caption = edit.plan_caption(p)
    assert caption.template in TEMPLATES
    assert caption.render(lambda s: "输入 {shape} · {params} 个参数 · {activations} 个激活值") == (
        "输入 [2, 8] · 36 个参数 · 24 个激活值"
    )
