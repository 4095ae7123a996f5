"""AppTest of lesson 6, gradient descent by hand: the Play widget's path, losses and charts are
torch.optim.SGD's, divergence and a forgotten zero_grad are said, What you saw follows the
widget, the checks grade against torch, and every stage renders in Chinese."""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from graphlab.lessons import lesson_descent as ld
from tests.app.pages import course_mark, every_stage, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("descent", stage, lang)


def sgd(lr: float, steps: int, w0: float, b0: float, zero_grad: bool = True) -> list[tuple]:
    """(w, b, loss) at each position of the same fit run by torch.optim.SGD."""
    x, y = ld.data()
    w, b = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=lr)
    out = []
    for k in range(steps + 1):
        if zero_grad:
            opt.zero_grad()
        loss = F.mse_loss(w * x + b, y)
        out.append((w.item(), b.item(), loss.item()))
        if k < steps:
            loss.backward()
            opt.step()
    return out


def charts(at: AppTest) -> list[dict]:
    """Each Vega-Lite chart's datasets, by their columns."""
    found = []
    for e in at.main:
        if getattr(e, "type", "") == "vega_lite_chart":
            frames = [
                pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in e.proto.datasets
            ]
            found.append({tuple(f.columns): f for f in frames})
    return found


def test_the_default_run_is_sgds_path_on_the_surface():
    at = at_stage("play")
    want = sgd(0.1, 40, *ld.START)
    table = at.dataframe[0].value
    assert list(table["w"]) == pytest.approx([p[0] for p in want], rel=1e-5)
    assert list(table["b"]) == pytest.approx([p[1] for p in want], rel=1e-5)
    assert list(table["loss"]) == pytest.approx([p[2] for p in want], rel=1e-5)
    surface, curve = charts(at)
    path = surface[("step", "w", "b")]
    assert list(path["w"]) == pytest.approx([p[0] for p in want], rel=1e-5)
    x, y = ld.data()
    cells = surface[("w", "w2", "b", "b2", "loss")]
    row = cells.iloc[100]
    w, b = (row["w"] + row["w2"]) / 2, (row["b"] + row["b2"]) / 2
    assert row["loss"] == pytest.approx(F.mse_loss(w * x + b, y).item(), rel=1e-4)
    assert list(curve[("step", "loss")]["loss"]) == pytest.approx([p[2] for p in want], rel=1e-5)
    (success,) = at.success
    assert ld.number(want[0][2]) in success.value and ld.number(want[-1][2]) in success.value
    assert "w.grad.zero_()" in at.code[0].value and not at.error


def test_a_large_lr_is_said_to_diverge():
    at = at_stage("play")
    at.number_input(key="desc_lr").set_value(1.5).run()
    (error,) = at.error
    last = sgd(1.5, 40, *ld.START)[-1][2]
    assert "Diverged" in error.value and ld.number(last) in error.value
    at.number_input(key="desc_lr").set_value(3.0).run()
    at.slider(key="desc_steps").set_value(100).run()
    (error,) = at.error
    assert "became inf" in error.value or "became nan" in error.value
    assert not at.exception


def test_a_forgotten_zero_grad_adds_the_gradients_up():
    at = at_stage("play")
    at.number_input(key="desc_lr").set_value(0.1).run()
    at.slider(key="desc_w0").set_value(0.0).run()
    at.slider(key="desc_b0").set_value(0.0).run()
    at.checkbox(key="desc_forget").check().run()
    assert at.warning and "zero_grad is forgotten" in at.warning[0].value and not at.success
    assert "# w.grad.zero_()" in at.code[0].value
    table = at.dataframe[0].value
    want = sgd(0.1, 40, 0.0, 0.0, zero_grad=False)
    assert list(table["w"]) == pytest.approx([p[0] for p in want], rel=1e-5, abs=1e-6)
    # .grad holds the running sum: each step's w.grad is the sum of the fresh gradients so far.
    x, y = ld.data()
    fresh = [(2 * (w * x + b - y) * x).mean().item() for w, b, _ in want[:3]]
    assert table["w.grad"][2] == pytest.approx(sum(fresh), rel=1e-4)


def test_what_you_saw_quotes_the_widgets_run():
    at = at_stage("play")
    at.number_input(key="desc_lr").set_value(0.3).run()
    at.slider(key="desc_steps").set_value(10).run()
    at.query_params["step"] = "4"
    at.run()
    want = sgd(0.3, 10, *ld.START)
    text = "\n".join(m.value for m in at.markdown)
    assert "You ran 10 steps with `lr = 0.3`" in text
    assert f"`w = {ld.number(want[-1][0])}`" in text and ld.number(want[-1][2]) in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    x, y = ld.data()
    want = 0.1 * 2 * (x * y).mean().item()
    at.text_input(key="course_descent_step").input("0.2").run()
    at.button(key="course_descent_step_check").click().run()
    (error,) = at.error
    assert ld.number(want) in error.value and "0.2" in error.value
    at.text_input(key="course_descent_step").input(f"{want:.4f}").run()
    at.button(key="course_descent_step_check").click().run()
    assert not at.error and len(at.success) == 1
    at.radio(key="course_descent_diverge").set_value("False").run()
    at.button(key="course_descent_diverge_check").click().run()
    at.radio(key="course_descent_zero_grad").set_value("step2 > step1").run()
    at.button(key="course_descent_zero_grad_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "descent") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("descent", "zh"):
        assert "手写梯度下降" in at.title[0].value
    at.query_params["step"] = "3"
    at.run()
    assert not at.error and at.dataframe[0].value.shape[0] == 41
