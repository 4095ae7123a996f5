"""AppTest of the course page: each lesson's stages in both languages, predictions and checks
graded against torch, the place in the address, progress marks, and the Play widgets."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons import LESSONS, STAGES
from graphlab.lessons.prose import load
from tests.app.pages import open_lesson, run_in_editor

at_stage = open_lesson


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slug", [x.slug for x in LESSONS])
def test_every_stage_renders_in_both_languages(slug, lang):
    at = at_stage(slug, "why", lang)
    title = load(lang, slug)["title"]
    for stage in STAGES:
        at.query_params["step"] = str(STAGES.index(stage) + 1)
        at.run()
        assert not at.exception, (slug, stage)
        assert title in at.title[0].value
        assert not at.error or stage == "play", [e.value for e in at.error]


def test_the_address_names_the_lesson_and_stage_and_next_moves_it():
    at = at_stage("graph", "check")
    assert "The graph" in at.title[0].value
    assert any("is_leaf" in m.value for m in at.markdown)
    at.button(key="course_next").click().run()
    assert step_of(at) == "6" and any("retain_grad" in m.value for m in at.markdown)
    at.button(key="course_back").click().run()
    assert step_of(at) == "5"


def test_the_last_stage_leads_to_the_next_lesson():
    at = at_stage("tensors", "code")
    at.button(key="course_next_lesson").click().run()
    assert "The graph" in at.title[0].value and step_of(at) == "1"


def step_of(at: AppTest) -> str:
    value = at.query_params["step"]
    return value[0] if isinstance(value, list) else value


def test_a_prediction_is_graded_in_what_you_saw():
    at = at_stage("tensors", "predict")
    at.radio(key="course_predict_tensors").set_value("(3, 1)").run()
    at.query_params["step"] = "4"
    at.run()
    (error,) = at.error
    want = str(tuple(torch.broadcast_shapes((3, 1), (4,))))
    assert want in error.value and "(3, 1)" in error.value
    # The numbers of 'What you saw' are torch's for the shapes in Play.
    assert any("(3, 4)" in m.value and "float32" in m.value for m in at.markdown)


def test_checks_pass_right_answers_and_explain_wrong_ones_in_chinese():
    at = at_stage("graph", "check", "zh")
    at.radio(key="course_graph_leaf").set_value("True").run()
    at.button(key="course_graph_leaf_check").click().run()
    (error,) = at.error
    assert "False" in error.value and "grad_fn" in error.value  # why, with torch's answer
    at.radio(key="course_graph_leaf").set_value("False").run()
    at.button(key="course_graph_leaf_check").click().run()
    assert not at.error and at.success
    at.text_input(key="course_graph_grad").input("3").run()
    at.button(key="course_graph_grad_check").click().run()
    at.radio(key="course_graph_detach").set_value("False").run()
    at.button(key="course_graph_detach_check").click().run()
    assert len(at.success) == 3 and not at.error
    # All three right: the lesson is marked done in the course list.
    links = [p.label for p in at.get("page_link")]
    assert any(label.startswith("✓ 2.") for label in links), links


def test_the_broadcast_widget_shows_torchs_shape_and_refuses_bad_input():
    at = at_stage("tensors", "play")
    at.text_input(key="lt_a").input("5, 1, 4").run()
    at.text_input(key="lt_b").input("3, 1").run()
    assert any("(5, 3, 4)" in s.value for s in at.success)
    at.selectbox(key="lt_da").set_value("int64").run()
    at.selectbox(key="lt_db").set_value("bool").run()
    assert any("int64" in s.value for s in at.success)
    at.text_input(key="lt_b").input("2, x").run()
    assert not at.exception and "'x' is not a size" in at.error[0].value


def test_the_graph_widget_runs_the_learners_program_in_the_sandbox():
    at = at_stage("graph", "play")
    table = at.table[0].value
    assert list(table.iloc[:, 0]) == ["x", "h", "y"]
    program = "x = torch.tensor(2.0, requires_grad=True)\nh = x * 3\nh.retain_grad()\ny = h ** 2\ny.backward()\n"
    run_in_editor(at, "lg_code", program)
    assert not at.exception
    grads = dict(zip(at.table[0].value.iloc[:, 0], at.table[0].value[".grad"], strict=True))
    assert grads["h"].startswith("12") and grads["x"].startswith("36") and grads["y"] == "None"
    at.query_params["step"] = "4"
    at.run()
    assert any("`x`, `h`" in m.value for m in at.markdown)  # what you saw: x and h hold grads
