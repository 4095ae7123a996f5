"""AppTest of lesson 17, data parallel: the button runs a real 2-process gloo step and the page
shows each rank's slice and the all-reduced gradient's distance from torch's whole-batch gradient;
What you saw quotes that run; the checks grade against torch; the page works in Chinese."""

from __future__ import annotations

import pytest

from graphlab.lessons import lesson_ddp as ld
from graphlab.train import ddp_demo
from tests.app.pages import open_lesson

pytestmark = pytest.mark.slow
LONG = 180  # seconds: the button starts processes


def test_a_real_step_on_two_processes_equals_one_process_and_what_you_saw_quotes_it():
    at = open_lesson("ddp", "play")
    assert any("press the button" in c.value for c in at.caption)
    at.button(key="ldp_run").click().run(timeout=LONG)
    assert not at.exception and not at.error
    table = at.table[0].value
    assert list(table.iloc[:, 1]) == [32, 32]  # images per rank
    x, y, _ = ddp_demo.batch(64)
    halves = [ddp_demo.F.cross_entropy(ddp_demo.model()(x[s]), y[s]).item()
              for s in (slice(0, 32), slice(32, 64))]  # fmt: skip
    assert [float(v) for v in table.iloc[:, 2]] == pytest.approx(halves, abs=1e-4)
    (ok,) = at.success
    shown = float(ok.value.split(": ")[1].split(" ")[0])
    assert shown < 1e-6
    at.query_params["step"] = "4"  # What you saw
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert (
        "32 + 32" in text and f"{sum(p.numel() for p in ddp_demo.model().parameters()):,}" in text
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_checks_grade_against_torch(lang):
    at = open_lesson("ddp", "check", lang)
    answers = {q.id: q.answer() for q in ld.QUESTIONS}
    at.radio(key="course_ddp_uneven").set_value("True").run()
    at.button(key="course_ddp_uneven_check").click().run()
    assert len(at.error) == 1 and "1/12" in at.error[0].value  # the why, with torch's answer
    at.radio(key="course_ddp_scaled").set_value(answers["scaled"]).run()
    at.button(key="course_ddp_scaled_check").click().run()
    at.text_input(key="course_ddp_size").input(answers["size"]).run()
    at.button(key="course_ddp_size_check").click().run()
    assert len(at.success) == 2 and answers["size"] in " ".join(s.value for s in at.success)


def test_the_play_stage_reads_in_chinese_and_refuses_nothing_silently():
    at = open_lesson("ddp", "play", "zh")
    assert not at.exception
    assert at.button(key="ldp_run").label.startswith("在")
