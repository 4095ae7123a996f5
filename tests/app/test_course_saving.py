"""AppTest of lesson 14, saving and loading: the round trip's keys are the model's, the resumed
run's losses are Trainers' driven here, a part restored is said to part and why, torch.load's
refusal is PyTorch's own, What you saw follows the widget, the checks grade against torch."""

from __future__ import annotations

import io

import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons import lesson_saving as ls
from graphlab.lessons import saving_resume as sr
from graphlab.train import TrainConfig, Trainer
from tests.app.pages import course_mark, every_stage, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("saving", stage, lang)


def losses(optimizer: str, steps: int, save_at: int, model_only: bool) -> tuple[list, list]:
    """(straight, resumed) losses of Trainers run here, restoring all or only the model."""
    data = sr.toy_data()
    cfg = TrainConfig(optimizer=optimizer, batch_size=16, epochs=2, device="cpu", seed=0)
    straight = Trainer(cfg, data=data).run(max_steps=steps).losses
    first = Trainer(cfg, data=data)
    first.run(max_steps=save_at)
    if model_only:
        second = Trainer(cfg, data=data)
        state = torch.load(io.BytesIO(first.to_bytes()), weights_only=True)
        second.model.load_state_dict(state["model"])
    else:
        second = Trainer.from_bytes(first.to_bytes(), data=data)
    later = second.run(max_steps=steps - save_at).losses[-(steps - save_at) :]
    return straight, first.history.losses + later


def test_the_default_resume_is_the_uninterrupted_run():
    at = at_stage("play")
    trip, steps = at.dataframe[0].value, at.dataframe[1].value
    assert list(trip.iloc[:, 0]) == list(ls.small_model(0).state_dict())
    straight, resumed = losses("adam", 8, 4, model_only=False)
    assert list(steps["straight"]) == straight and list(steps["resumed"]) == resumed == straight
    assert "Trainer.from_bytes(raw)" in at.code[1].value and "max_steps=4" in at.code[1].value
    assert any("bit for bit" in s.value for s in at.success)
    assert any("`exp_avg`" not in c.value and "'exp_avg'" in c.value for c in at.caption)


def test_restoring_only_the_model_parts_from_the_next_step():
    at = at_stage("play")
    at.radio(key="sv_restore").set_value("model").run()
    straight, resumed = losses("adam", 8, 4, model_only=True)
    table = at.dataframe[1].value
    assert list(table["resumed"]) == resumed and list(table["straight"]) == straight
    first = next(k for k, (a, b) in enumerate(zip(straight, resumed, strict=True), 1) if a != b)
    (error,) = at.error[:1]
    assert f"part at step {first}" in error.value and first == 5
    assert any("optimizer's state was empty" in m.value for m in at.markdown)
    assert 'second.model.load_state_dict(state["model"])' in at.code[1].value


def test_a_save_after_the_end_is_refused_with_the_reason():
    at = at_stage("play")
    at.slider(key="sv_save_at").set_value(10).run()
    assert not at.exception
    assert any("That cannot run" in e.value and "save_at must" in e.value for e in at.error)


def test_torch_load_refuses_and_loading_without_weights_only_runs_code():
    at = at_stage("play")
    assert "Unsupported global: GLOBAL graphlab.lessons.lesson_saving.Note" in at.code[-1].value
    assert any("`UnpicklingError`" in e.value for e in at.error)
    at.toggle(key="sv_weights_only").set_value(False).run()
    assert any("imported the module" in i.value for i in at.info)
    at.selectbox(key="sv_payload").set_value("call").run()
    loaded = at.dataframe[-1].value
    assert dict(zip(loaded.iloc[:, 0], loaded.iloc[:, 2], strict=True))["note"] == (
        ls.made_while_loading("hi")
    )
    assert any("Loading ran code" in w.value for w in at.warning)
    at.selectbox(key="sv_payload").set_value("plain").run()
    at.toggle(key="sv_weights_only").set_value(True).run()
    assert list(at.dataframe[-1].value.iloc[:, 0]) == list(ls.payload("plain"))
    assert any("returned 6 entries" in s.value for s in at.success)


def test_what_you_saw_quotes_the_widgets_run():
    at = at_stage("play")
    at.radio(key="sv_restore").set_value("model").run()
    at.selectbox(key="sv_optimizer").set_value("sgd").run()
    at.query_params["step"] = "4"
    at.run()
    text = " ".join(" ".join(m.value for m in at.markdown).split())  # the prose's lines joined
    straight, resumed = losses("sgd", 8, 4, model_only=True)
    assert '`restore = "model"`' in text and "`first_diff`" not in text
    assert (
        "first step whose loss differs: `5`" in text
        and "per parameter the optimizer kept `[]`" in text
    )
    assert f"{straight[-1]:.6f} straight and {resumed[-1]:.6f} resumed" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.text_input(key="course_saving_entries").input("6").run()
    at.button(key="course_saving_entries_check").click().run()
    (error,) = at.error
    assert "**4**" in error.value and "6" in error.value
    at.text_input(key="course_saving_entries").input("4").run()
    at.button(key="course_saving_entries_check").click().run()
    at.radio(key="course_saving_weights_only").set_value("UnpicklingError").run()
    at.button(key="course_saving_weights_only_check").click().run()
    at.radio(key="course_saving_model_only").set_value("d >= 1e-5").run()
    at.button(key="course_saving_model_only_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "saving") == "✓"


@pytest.mark.parametrize("wrong", ["d == 0", "0 < d < 1e-5"])
def test_a_wrong_model_only_answer_says_why(wrong):
    at = at_stage("check")
    at.radio(key="course_saving_model_only").set_value(wrong).run()
    at.button(key="course_saving_model_only_check").click().run()
    (error,) = at.error
    assert "d >= 1e-5" in error.value and "empty running" in error.value


def test_every_stage_renders_in_chinese():
    for at in every_stage("saving", "zh"):
        assert "保存与加载" in at.title[0].value
