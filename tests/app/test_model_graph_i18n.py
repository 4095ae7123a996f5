"""The library's sentences that Model Graph, the Expression Lab and Step Through show (a bad
spec's error, the summary note, a backward rule's words) go through the visitor's catalog: here a
stand-in catalog, so the test needs no compiled translations."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.record import NOTATION, RULES
from tests.app.pages import open_page, stand_in_catalog

PAGE = "app_pages/model_graph.py"
ZH = {
    "layer {n} ({kind}): {problem}": "第 {n} 层（{kind}）：{problem}",
    "needs {wanted}, but gets {shape}: {hint}": "需要{wanted}，但得到 {shape}：{hint}",
    "an image batch (N, C, H, W)": "一批图像 (N, C, H, W)",
    "image layers need an image input: start from an input shape like [N, C, H, W]": (
        "图像层需要图像输入：从形如 [N, C, H, W] 的输入形状开始"
    ),
    "Summarized: {total:,} nodes shown as {shown:,}; {modules:,} modules collapsed "
    "(deepest first), {folded} runs of repeated blocks folded. Open a module to see "
    "inside.": "已概括：{total:,} 个节点显示为 {shown:,} 个；折叠了 {modules:,} 个模块"
    "（从最深处开始），合并了 {folded} 串重复的块。打开一个模块可查看其内部。",
    RULES["MulBackward0"].words: "每个因子得到传入的梯度乘以另一个因子。",
    NOTATION: "记号：输入 $a, b$；输出 $z$。",
}


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    # `_`, `say` and `translator` all look the catalog up through this name, at each call.
    stand_in_catalog(monkeypatch, ZH)


def test_a_bad_spec_is_said_in_the_visitors_language(catalog):
    at = open_page(PAGE)
    at.text_area(key="mg_spec").input(
        '{"input": [4, 16], "layers": [{"type": "relu"}, {"type": "conv2d", "out_channels": 4}]}'
    ).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.replace("\\", "") == (
        "第 2 层（conv2d）：需要一批图像 (N, C, H, W)，但得到 (4, 16)：图像层需要图像输入：从形如 "
        "[N, C, H, W] 的输入形状开始"
    )


def test_the_summary_note_is_said_in_the_visitors_language(catalog):
    at = open_page(PAGE)
    at.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    assert not at.exception
    notes = [i.value for i in at.info]
    assert any(n.startswith("已概括：4,173 个节点显示为 300 个；折叠了") for n in notes), notes


def _rule_widgets() -> None:
    import graphlab as gl
    from widgets import expression, stepper

    graph = gl.Graph([gl.Node("n0", "op", "MulBackward0")], [])
    expression.backward_rule(graph.node("n0"))
    step = {"node": "n0", "name": "MulBackward0", "grad_outputs": [], "filled": [],
            "grad_inputs": [], "grad": None}  # fmt: skip
    stepper._backward_info(step, graph)


def test_a_backward_rules_words_are_said_in_the_visitors_language(catalog):
    at = AppTest.from_function(_rule_widgets, default_timeout=60).run()
    assert not at.exception
    assert "每个因子得到传入的梯度乘以另一个因子。" in [m.value for m in at.markdown]  # the Lab
    captions = [c.value for c in at.caption]
    assert captions.count("记号：输入 $a, b$；输出 $z$。") == 2  # the Lab and Step Through
    assert "每个因子得到传入的梯度乘以另一个因子。" in captions  # Step Through
