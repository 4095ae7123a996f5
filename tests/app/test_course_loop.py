"""AppTest of lesson 12, the training loop: the pass stepped line by line shows torch's `.grad`,
loss and weights; the graph follows the line; each left-out line says what torch did; What you
saw follows the widget; the checks grade against torch; every stage renders in Chinese."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from graphlab.data import load_mnist
from graphlab.lessons import lesson_loop as ll
from graphlab.models import build_model
from tests.app.pages import course_mark, drawn_dots, every_stage, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("loop", stage, lang)


def plain_loop(passes: int, zero_grad: bool = True):
    """The seeded MLP after `passes` passes of plain SGD on the first 32 training images, and
    the loss of each pass."""
    model = build_model("mlp", torch.Generator().manual_seed(0))
    images, labels = (t[:32] for t in load_mnist("train", copy=False))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for k in range(passes):
        if zero_grad or k == 0:
            opt.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        losses.append(loss.item())
        opt.step()
    return model, images, labels, losses


def pick_line(at: AppTest, line: str) -> AppTest:
    return at.segmented_control(key="loop_line").set_value(line).run()


def test_each_line_shows_what_torch_left():
    at = at_stage("play")
    table = at.dataframe[0].value
    assert set(table[".grad"]) == {"None"} and at.metric[0].value == "None"
    assert not drawn_dots(at)  # zero_grad touches no graph
    model, images, labels, _ = plain_loop(1)  # pass 2 starts from here
    first = [p.detach().flatten()[0].item() for p in model.parameters()]
    at.segmented_control(key="loop_iter").set_value(2).run()
    pick_line(at, "loss")
    model.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    assert float(at.metric[0].value) == pytest.approx(loss.item(), rel=1e-3)
    loss.backward()
    pick_line(at, "backward")
    table = at.dataframe[0].value
    norms = [p.grad.norm().item() for p in model.parameters()]
    assert list(table[".grad"]) == ["filled"] * 6
    assert [float(v) for v in table["‖.grad‖"]] == pytest.approx(norms, rel=1e-3)
    assert list(table["first entry, now"]) == [f"{v:.6f}" for v in first]
    (dot,) = drawn_dots(at)
    assert "NllLossBackward0" in dot and "6.bias" in dot
    pick_line(at, "step")
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    table = at.dataframe[0].value
    assert list(table["first entry, start of pass"]) == [f"{v:.6f}" for v in first]
    now = [p.detach().flatten()[0].item() for p in model.parameters()]
    assert [float(v) for v in table["first entry, now"]] == pytest.approx(now, abs=2e-6)
    assert not at.exception and not at.error


def test_the_graph_grows_with_the_forward_pass():
    at = pick_line(at_stage("play"), "forward")
    (forward,) = drawn_dots(at)
    assert "AddmmBackward0" in forward and "NllLossBackward0" not in forward
    (whole,) = drawn_dots(pick_line(at, "loss"))
    assert "NllLossBackward0" in whole
    assert any(p.label.startswith("Step Through") for p in at.get("page_link"))


def test_the_whole_loop_is_plain_sgd_and_links_to_live_training():
    at = at_stage("play")
    runs = at.dataframe[1].value
    assert list(runs["loss"]) == pytest.approx(plain_loop(ll.STEPS)[3], rel=1e-5)
    (success,) = at.success
    assert "went from 2.326" in success.value
    assert any(p.label.startswith("Live Training") for p in at.get("page_link"))


def test_each_left_out_line_says_what_torch_did():
    at = at_stage("play")
    at.segmented_control(key="loop_out").set_value("zero_grad").run()
    (warning,) = at.warning
    model, images, labels, losses = plain_loop(ll.STEPS, zero_grad=False)
    runs = at.dataframe[1].value
    assert list(runs["loss"]) == pytest.approx(losses, rel=1e-4)
    held = torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item()
    assert ll.number(held) in warning.value and "adds up" in warning.value
    for line, words in (("forward", "Trying to backward through the graph a second time"),
                        ("loss", "Pass 2 raised"), ("backward", "skips a parameter"),
                        ("step", "throws it away")):  # fmt: skip
        at.segmented_control(key="loop_out").set_value(line).run()
        (error,) = at.error
        assert words in error.value and not at.exception, line
    runs = at.dataframe[1].value
    assert list(runs["how far the weights moved"])[1:] == ["0"] * (ll.STEPS - 1)


def test_what_you_saw_quotes_the_widget():
    at = at_stage("play")
    at.segmented_control(key="loop_iter").set_value(3).run()
    at.segmented_control(key="loop_out").set_value("backward").run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    losses = plain_loop(3)[3]
    assert f"In pass 3 the loss was {ll.number(losses[2])}" in text
    assert "With `loss.backward()` left out" in text and "`[0.1212, 0, 0, 0, 0, 0]`" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_checks_grade_against_torch(lang):
    at = at_stage("check", lang)
    model, images, labels, _ = plain_loop(0)
    loss = F.cross_entropy(model(images), labels).item()
    at.text_input(key="course_loop_loss1").input("2.3").run()
    at.button(key="course_loop_loss1_check").click().run()
    (error,) = at.error
    assert ll.number(loss) in error.value and "2.303" in error.value
    at.text_input(key="course_loop_loss1").input(f"{loss:.4f}").run()
    at.button(key="course_loop_loss1_check").click().run()
    for qid, answer in (("zeroed", "None"), ("order", "False")):
        at.radio(key=f"course_loop_{qid}").set_value(answer).run()
        at.button(key=f"course_loop_{qid}_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "loop") == "✓"


def test_a_wrong_zero_grad_answer_says_why():
    at = at_stage("check")
    at.radio(key="course_loop_zeroed").set_value("torch.zeros(10)").run()
    at.button(key="course_loop_zeroed_check").click().run()
    (error,) = at.error
    assert "set_to_none=True" in error.value and "None" in error.value


def test_every_stage_renders_in_chinese():
    for at in every_stage("loop", "zh"):
        assert "训练循环" in at.title[0].value
    at.query_params["step"] = "3"
    at.run()
    assert "完整的循环" in at.success[0].value and at.dataframe[1].value.shape[0] == 6
