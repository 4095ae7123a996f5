"""AppTest of lesson 7, dynamic vs static graphs: its Play stage is the Dynamic Graphs view under
its own keys, the graphs it draws hold the ops the sandbox recorded, What you saw counts them, the
checks grade against torch, and every stage renders in Chinese."""

from __future__ import annotations

from collections import Counter

from streamlit.testing.v1 import AppTest

from graphlab.lessons import dynamic
from graphlab.sandbox import Limits
from graphlab.worker.dynamic import dynamic_reply
from tests.app.pages import (
    course_mark,
    drawn_dots,
    editor_text,
    every_stage,
    open_lesson,
    run_in_editor,
)


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("dynamic", stage, lang)


def sandbox_ops(x: float, body: str = dynamic.EXAMPLE) -> Counter:
    reply = dynamic_reply(dynamic.program(body, x), Limits())
    return Counter(n["name"] for n in reply["graph"]["nodes"] if n["kind"] == "op")


def drawn_ops(dot: str) -> Counter:
    return Counter(line.split('tooltip="op: ')[1].split("\\n")[0]
                   for line in dot.splitlines() if 'tooltip="op: ' in line)  # fmt: skip


def test_play_is_the_dynamic_graphs_view_under_its_own_keys():
    at = at_stage("play")
    assert editor_text(at, "dyn_code") == dynamic.EXAMPLE
    a, b = drawn_dots(at)
    assert drawn_ops(a) == sandbox_ops(1.0) and drawn_ops(b) == sandbox_ops(-2.5)
    assert "SigmoidBackward0" in b and "SigmoidBackward0" not in a
    text = "\n".join(m.value for m in at.markdown)
    assert "**Line 2**" in text and "**Line 6**" in text
    assert any("TracerWarning" in w.value for w in at.warning)
    at.slider(key="dyn_b").set_value(2.5).run()
    _, b = drawn_dots(at)
    assert drawn_ops(b)["MulBackward0"] == sandbox_ops(2.5)["MulBackward0"] == 6
    # The page keeps its own program and inputs.
    at.switch_page("app_pages/dynamic_graphs.py").run()
    assert not at.exception and at.slider(key="dg_b").value == -2.5


def test_a_bad_program_is_said_and_the_lesson_goes_on():
    at = at_stage("play")
    run_in_editor(at, "dyn_code", "y = x * 2\nz = y.numpy()")
    assert not at.exception and at.error[0].value.startswith("Line 2: ")
    assert not drawn_dots(at) and at.button(key="course_next")  # the footer is still there


def test_what_you_saw_counts_the_graphs_of_play():
    at = at_stage("play")
    at.slider(key="dyn_b").set_value(2.5).run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    a, b = sandbox_ops(1.0), sandbox_ops(2.5)
    assert f"recorded {sum(a.values())} op nodes, {a['MulBackward0']} of them" in text
    assert f"recorded {sum(b.values())}, {b['MulBackward0']} of them" in text
    assert ": 6." in text  # only the loop's count differed, on line 6


def test_checks_grade_against_torch():
    at = at_stage("check")
    want = sandbox_ops(2.5)["MulBackward0"]
    at.text_input(key="course_dynamic_muls").input(str(want - 1)).run()
    at.button(key="course_dynamic_muls_check").click().run()
    (error,) = at.error
    assert f"**{want}**" in error.value
    at.text_input(key="course_dynamic_muls").input(str(want)).run()
    at.button(key="course_dynamic_muls_check").click().run()
    at.radio(key="course_dynamic_trace").set_value("False").run()
    at.button(key="course_dynamic_trace_check").click().run()
    at.radio(key="course_dynamic_fresh").set_value("False").run()
    at.button(key="course_dynamic_fresh_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "dynamic") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("dynamic", "zh"):
        assert "动态图与静态图" in at.title[0].value
    at.query_params["step"] = "4"
    at.run()
    assert any("SigmoidBackward0" not in m.value and "MulBackward0" in m.value for m in at.markdown)
