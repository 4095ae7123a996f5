"""AppTest of lesson 10, losses: the Play table's softmax and gradients are torch's for the
sliders, the targets say what `F.cross_entropy` says (its error text included), What you saw
follows the widget, the checks grade against torch, and Play speaks Chinese."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from graphlab.lessons import lesson_losses as ll
from tests.app.pages import open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("losses", stage, lang)


def torch_row0(logits: tuple[float, ...], target: int, n: int) -> dict[str, list[float]]:
    """Row 0's numbers, straight from torch: softmax, and z.grad[0] under each loss."""
    z, y = ll.batch(logits, target, n)
    onehot = F.one_hot(y, len(logits)).float()
    ce_z = z.clone().requires_grad_()
    F.cross_entropy(ce_z, y).backward()
    mse_z = z.clone().requires_grad_()
    F.mse_loss(mse_z.softmax(1), onehot).backward()
    return {"softmax": z.softmax(1)[0].tolist(), "ce": ce_z.grad[0].tolist(),
            "mse": mse_z.grad[0].tolist(), "loss": [F.cross_entropy(z, y).item()]}  # fmt: skip


def line(at: AppTest, name: str) -> list[float]:
    """One line of Play's table (a quantity across the classes)."""
    table = at.dataframe[0].value
    return [float(v) for v in table.set_index("").loc[name]]


def test_the_default_table_is_torchs():
    at = at_stage("play")
    want = torch_row0(ll.START, 0, 4)
    assert line(at, "z[0]") == pytest.approx(list(ll.START), abs=1e-6)
    assert line(at, "softmax(z[0])") == pytest.approx(want["softmax"], abs=1e-6)
    assert line(at, "onehot(y[0])") == [1.0, 0.0, 0.0, 0.0]
    assert line(at, "z.grad[0]") == pytest.approx(want["ce"], abs=1e-6)
    assert line(at, "(softmax - onehot) / N") == pytest.approx(want["ce"], abs=1e-6)
    assert line(at, "MSE: z.grad[0]") == pytest.approx(want["mse"], abs=1e-7)
    assert at.metric[0].value == ll.number(want["loss"][0])
    assert "/ 4" in at.success[0].value and not at.error and not at.exception


def test_the_sliders_move_the_numbers():
    at = at_stage("play")
    at.radio(key="loss_c").set_value(3).run()
    at.slider(key="loss_n").set_value(8).run()
    at.radio(key="loss_y").set_value(0).run()
    at.slider(key="loss_z0").set_value(-5.0).run()
    at.slider(key="loss_z1").set_value(8.0).run()
    want = torch_row0((-5.0, 8.0, ll.START[2]), 0, 8)
    assert at.dataframe[0].value.shape == (6, 4)  # six quantities, a name and three classes
    assert line(at, "z.grad[0]") == pytest.approx(want["ce"], abs=1e-6)
    assert line(at, "z.grad[0]")[0] == pytest.approx(-1 / 8, rel=1e-3)  # confidently wrong
    assert abs(line(at, "MSE: z.grad[0]")[0]) < 1e-5
    assert "/ 8" in at.success[0].value


def test_fewer_classes_keep_the_chosen_class_in_range():
    at = at_stage("play")
    at.radio(key="loss_y").set_value(3).run()
    at.radio(key="loss_c").set_value(3).run()
    assert not at.exception and not at.error and at.dataframe[0].value.shape[1] == 4


def test_the_targets_say_what_torch_says():
    at = at_stage("play")
    z, y = ll.batch(ll.START, 0, 4)
    assert ll.number(F.cross_entropy(z, y).item()) in at.success[1].value
    at.selectbox(key="loss_form").set_value("float").run()
    with pytest.raises(RuntimeError) as raised:
        F.cross_entropy(z, y.float())
    (error,) = at.error
    assert str(raised.value) in error.value.replace("\\", "")
    assert "float32" in at.code[0].value and "(4,)" in at.code[0].value
    at.selectbox(key="loss_form").set_value("smooth").run()
    smooth = F.cross_entropy(z, y, label_smoothing=0.1).item()
    assert ll.number(smooth) in at.success[1].value and not at.error
    every = at.dataframe[1].value
    assert list(every["loss"]) == [
        ll.number(F.cross_entropy(z, y).item()),
        "RuntimeError",
        ll.number(F.cross_entropy(z, y).item()),
        ll.number(smooth),
    ]


def test_what_you_saw_quotes_the_widget():
    at = at_stage("play")
    at.slider(key="loss_n").set_value(2).run()
    at.radio(key="loss_y").set_value(1).run()
    at.selectbox(key="loss_form").set_value("float").run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    want = torch_row0(ll.START, 1, 2)
    assert "N = 2 rows of C = 4 logits" in text and "`y[0] = 1`" in text
    assert f"`z.grad[0, 1] = {ll.number(want['ce'][1])}`" in text
    assert "`y.float()`, `nn.CrossEntropyLoss` gave: RuntimeError" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.radio(key="course_losses_float_labels").set_value("Tensor").run()
    at.button(key="course_losses_float_labels_check").click().run()
    (error,) = at.error
    assert "RuntimeError" in error.value
    at.radio(key="course_losses_float_labels").set_value("RuntimeError").run()
    at.button(key="course_losses_float_labels_check").click().run()
    at.radio(key="course_losses_onehot").set_value("True").run()
    at.button(key="course_losses_onehot_check").click().run()
    z = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], requires_grad=True)
    F.cross_entropy(z, torch.tensor([2, 0])).backward()
    at.text_input(key="course_losses_grad").input("-0.3348").run()
    at.button(key="course_losses_grad_check").click().run()
    assert ll.number(z.grad[0, 2].item()) in at.error[0].value and len(at.success) == 2
    at.text_input(key="course_losses_grad").input(f"{z.grad[0, 2].item():.4f}").run()
    at.button(key="course_losses_grad_check").click().run()
    assert len(at.success) == 3 and not at.error
    number = [p.label for p in at.get("page_link") if "Losses" in p.label][0].split(".")[0]
    assert number.startswith("✓")


def test_play_speaks_chinese():
    at = at_stage("play", "zh")
    assert "交叉熵" in at.title[0].value and not at.exception
    assert "类别 0" in at.dataframe[0].value.columns
    at.selectbox(key="loss_form").set_value("float").run()
    assert at.error[0].value.startswith("torch 拒绝执行")
