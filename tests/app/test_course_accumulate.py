"""AppTest of lesson 4, Gradients accumulate: the buttons run backward, zero_grad and a freed
graph in torch, and the page shows torch's numbers and torch's own error."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons import STAGES
from graphlab.lessons.prose import load
from tests.app.pages import open_lesson

SLUG = "accumulate"


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson(SLUG, stage, lang)


def one_pass() -> torch.Tensor:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (grad,) = torch.autograd.grad((w * w).sum(), w)
    return grad


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def press(at: AppTest, action: str, times: int = 1) -> AppTest:
    for _ in range(times):
        at.button(key=f"la_{action}").click().run()
        assert not at.exception
    return at


def test_backward_again_adds_and_zero_grad_empties():
    at = at_stage("play")
    assert metrics(at)["w.grad"] == "None" and not at.table
    press(at, "backward", 3)
    assert metrics(at)["w.grad"] == str(3 * one_pass())
    assert metrics(at)["Backward passes"] == "3"
    table = at.table[0].value
    assert list(table["w.grad"]) == [str(k * one_pass()) for k in (1, 2, 3)]
    press(at, "zero")
    assert metrics(at)["w.grad"] == str(torch.zeros(2))
    press(at, "none")
    assert metrics(at)["w.grad"] == "None"
    press(at, "zero")  # zero_() on None: Python's own error, shown, and the page goes on
    assert "AttributeError" in at.error[0].value
    press(at, "backward")
    assert metrics(at)["w.grad"] == str(one_pass()) and not at.error


def test_a_second_backward_without_retain_graph_shows_torchs_error():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError) as raised:
        loss.backward()
    at = at_stage("play")
    press(at, "free")
    assert not at.error and metrics(at)["The graph"] == "freed"
    press(at, "free")
    (error,) = at.error
    assert "RuntimeError" in error.value and "second time" in error.value
    assert str(raised.value).split(" (")[0] in error.value
    assert metrics(at)["w.grad"] == str(one_pass())  # the failed pass added nothing
    press(at, "forward")
    press(at, "backward")
    assert metrics(at)["w.grad"] == str(2 * one_pass()) and metrics(at)["The graph"] == "kept"
    # What you saw quotes the same numbers.
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "You pressed 4 times and 2 backward passes ran" in text
    assert str(2 * one_pass()) in text and "error: 1" in text


def test_start_over_clears_the_presses():
    at = at_stage("play")
    press(at, "backward", 2)
    press(at, "reset")
    assert metrics(at)["w.grad"] == "None" and not at.table


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.text_input(key="course_accumulate_three").input("6").run()
    at.button(key="course_accumulate_three_check").click().run()
    w = torch.tensor([3.0, -1.0], requires_grad=True)
    (grad,) = torch.autograd.grad((w * w).sum(), w)
    want = str(float(3 * grad[0]))
    (error,) = at.error
    assert want in error.value and "6" in error.value
    at.text_input(key="course_accumulate_three").input(want).run()
    at.button(key="course_accumulate_three_check").click().run()
    assert not at.error and len(at.success) == 1
    at.radio(key="course_accumulate_second").set_value("RuntimeError").run()
    at.button(key="course_accumulate_second_check").click().run()
    at.radio(key="course_accumulate_none").set_value("tensor([0., 0.])").run()
    at.button(key="course_accumulate_none_check").click().run()
    (error,) = at.error
    assert "**None**" in error.value
    at.radio(key="course_accumulate_none").set_value("None").run()
    at.button(key="course_accumulate_none_check").click().run()
    assert len(at.success) == 3 and not at.error


def test_every_stage_renders_in_chinese_with_presses_made():
    at = at_stage("play", "zh")
    press(at, "backward", 2)
    press(at, "free", 2)
    assert at.error  # torch's error, under a Chinese page
    title = load("zh", SLUG)["title"]
    for step in range(1, len(STAGES) + 1):
        at.query_params["step"] = str(step)
        at.run()
        assert not at.exception and title in at.title[0].value
