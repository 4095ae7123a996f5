"""AppTest of lesson 3, the chain rule: the Play widget's recorded and hand-worked numbers are
torch.autograd's, bad numbers get a message, What you saw follows the widget, the checks grade
against torch, and every stage renders in Chinese."""

from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons import STAGES
from graphlab.lessons import lesson_chainrule as chain
from tests.app.pages import course_mark, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("chainrule", stage, lang)


def grads(W, x, b, f) -> dict[str, torch.Tensor]:
    W, x, b = (torch.tensor(v, requires_grad=True) for v in (W, x, b))
    z = W @ x + b
    out = dict(zip("Wxb", torch.autograd.grad(getattr(torch, f)(z).sum(), (W, x, b)), strict=True))
    return {**out, "z": z.detach()}


def tables(at: AppTest) -> dict[str, dict[str, list[str]]]:
    """Each node's table by its step title: column -> cells."""
    titles = [m.value.strip("*") for m in at.markdown if m.value.startswith("**Step ")]
    assert len(titles) == len(at.table)
    return {t: {c: list(tab.value[c]) for c in tab.value.columns} for t, tab in zip(titles, at.table, strict=True)}  # fmt: skip


def test_the_widget_shows_each_node_in_the_engines_order_with_torchs_numbers():
    at = at_stage("play")
    nodes = tables(at)
    assert [t.split(": ", 1)[1] for t in nodes] == [
        "SumBackward0", "TanhBackward0", "AddBackward0", "AccumulateGrad (b)", "MvBackward0",
        "AccumulateGrad (W)", "AccumulateGrad (x)",
    ]  # fmt: skip
    want = grads([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]], [1.0, 2.0, -1.0], [0.1, -0.2], "tanh")
    mv = nodes["Step 5: MvBackward0"]
    sent = dict(zip(mv["quantity"], mv["recorded in backward"], strict=True))
    assert sent["sent to W"] == chain.fmt(want["W"]) and sent["sent to x"] == chain.fmt(want["x"])
    assert mv["by hand"][-2] == chain.fmt(want["W"])
    tanh = nodes["Step 2: TanhBackward0"]
    assert tanh["by hand"][1] == chain.fmt(1 - torch.tanh(want["z"]) ** 2)
    assert all(m in ("✓", "") for n in nodes.values() for m in n["✓"])
    assert any("20 of 20" in s.value for s in at.success)


def test_new_numbers_and_sigmoid_give_torchs_gradients_and_what_you_saw_follows():
    at = at_stage("play")
    at.text_input(key="lc_W").input("1, 2").run()
    at.text_input(key="lc_x").input("3, -1").run()
    at.text_input(key="lc_b").input("-1").run()
    at.selectbox(key="lc_f").set_value("sigmoid").run()
    assert not at.exception and not at.error
    want = grads([[1.0, 2.0]], [3.0, -1.0], [-1.0], "sigmoid")
    nodes = tables(at)
    assert list(nodes)[1] == "Step 2: SigmoidBackward0"
    (w_leaf,) = [n for t, n in nodes.items() if t.endswith("AccumulateGrad (W)")]
    assert w_leaf["recorded in backward"][-1] == chain.fmt(want["W"]) == "[[0.7500, -0.2500]]"
    at.query_params["step"] = "4"
    at.run()
    saw = " ".join(m.value for m in at.markdown)
    assert chain.fmt(want["z"]) in saw and chain.fmt(want["b"]) in saw and "sigmoid" in saw


def test_numbers_that_do_not_fit_get_a_message_and_the_app_keeps_running():
    at = at_stage("play")
    at.text_input(key="lc_x").input("1, 2").run()
    assert not at.exception
    assert "x needs one number per column of W (3)" in at.error[0].value
    at.text_input(key="lc_x").input("1, two, 3").run()
    assert "'two' in x is not a number" in at.error[0].value
    at.text_input(key="lc_x").input("1, 2, -1").run()
    assert not at.error and len(at.table) == 7


def test_checks_pass_torchs_answers_and_explain_wrong_ones():
    at = at_stage("check")
    at.text_input(key="course_chainrule_dw01").input("0.25").run()
    at.button(key="course_chainrule_dw01_check").click().run()
    (error,) = at.error
    W = torch.tensor([[1.0, 2.0]], requires_grad=True)
    torch.sigmoid(W @ torch.tensor([3.0, -1.0]) - 1).sum().backward()
    assert f"{W.grad[0, 1].item():g}" in error.value and "0.25" in error.value
    at.text_input(key="course_chainrule_dw01").input("-0.25").run()
    at.button(key="course_chainrule_dw01_check").click().run()
    assert not at.error and len(at.success) == 1
    at.radio(key="course_chainrule_vjp_shape").set_value("(2, 2, 3)").run()
    at.button(key="course_chainrule_vjp_shape_check").click().run()
    (error,) = at.error
    assert "(2, 3)" in error.value and "outer(dy/du, x)" in error.value
    at.radio(key="course_chainrule_vjp_shape").set_value("(2, 3)").run()
    at.button(key="course_chainrule_vjp_shape_check").click().run()
    at.radio(key="course_chainrule_tanh_local").set_value("1 - tanh(z)**2").run()
    at.button(key="course_chainrule_tanh_local_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "chainrule") == "✓"


def test_every_stage_renders_in_chinese():
    at = at_stage("why", "zh")
    for step in range(1, len(STAGES) + 1):
        at.query_params["step"] = str(step)
        at.run()
        assert not at.exception and not at.error, step
        assert "链式法则" in at.title[0].value
    at.query_params["step"] = "4"
    at.run()
    assert any("AccumulateGrad (W)" in m.value and "20" in m.value for m in at.markdown)
