"""AppTest of lesson 11, optimizers: the race's table, paths and formulas show the numbers
torch.optim computed (run again here), Play advances the step slider a frame per run and stops at
the end, a new surface brings its own start and lrs, bad input is refused, What you saw follows
the widget, and the checks grade against torch in both languages."""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons import optimizer_race as ro
from graphlab.lessons.optimizer_steps import tex
from tests.app.pages import course_mark, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("optimizers", stage, lang)


def optim(surface: str, name: str, lr: float, steps: int = ro.STEPS) -> list[tuple]:
    """(x, y, loss) at each position of one optimizer's race, run here with torch.optim."""
    where = ro.SURFACES[surface]
    p = torch.tensor(where.start, requires_grad=True)
    make = {"sgd": lambda: torch.optim.SGD([p], lr=lr),
            "momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=0.9),
            "rmsprop": lambda: torch.optim.RMSprop([p], lr=lr),
            "adam": lambda: torch.optim.Adam([p], lr=lr)}  # fmt: skip
    opt, out = make[name](), []
    for k in range(steps + 1):
        opt.zero_grad()
        loss = where.fn(p[0], p[1])
        out.append((*p.tolist(), loss.item()))
        if k < steps:
            loss.backward()
            opt.step()
    return out


def chart_frames(at: AppTest) -> tuple:
    """The datasets of the race's chart, told apart by what they hold: the heat map's cells, the
    paths (every step), the minima, and where each one stands (the last step of each path)."""
    (chart,) = [e for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    cells = next(f for f in frames if "loss" in f)
    minima = next(f for f in frames if "loss" not in f and "path" not in f)
    named = sorted((f for f in frames if "path" in f), key=len, reverse=True)
    return cells, named[0], minima, named[-1]  # one frame when they are equal: at step 0


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def test_the_race_is_torch_optims_on_the_table_and_the_chart():
    at = at_stage("play")
    assert not at.error and not at.exception
    table = at.table[0].value
    lrs = ro.SURFACES["bowl"].lrs
    want = {n: optim("bowl", n, lr) for n, lr in lrs.items()}
    assert list(table["loss"]) == [ro.number(want[n][-1][2]) for n in ro.OPTIMIZERS]
    assert list(table["x"]) == [ro.number(want[n][-1][0]) for n in ro.OPTIMIZERS]
    firsts = [next(k for k, p in enumerate(want[n]) if p[2] < 0.01) for n in ro.OPTIMIZERS]
    assert list(table["loss < 0.01 at step"]) == [str(k) for k in firsts]
    cells, paths, minima, ends = chart_frames(at)
    adam = paths[paths["path"] == "Adam"]
    assert list(adam["x"]) == pytest.approx([p[0] for p in want["adam"]], rel=1e-6)
    assert list(ends["step"]) == [ro.STEPS] * 4 and list(ends["x"]) == [
        p[-1][0] for p in want.values()
    ]
    assert list(minima.itertuples(index=False)) == [(0.0, 0.0)]
    row = cells.iloc[500]
    x, y = (row["x"] + row["x2"]) / 2, (row["y"] + row["y2"]) / 2
    assert row["loss"] == pytest.approx(0.5 * x**2 + 10 * y**2, rel=1e-4)
    best = min(ro.OPTIMIZERS, key=lambda n: want[n][-1][2])
    assert f"{ro.LABELS[best]} is lowest" in at.success[0].value


def test_the_formulas_show_the_numbers_of_the_step():
    at = at_stage("play")
    at.slider(key="opt_step").set_value(1).run()
    adam = optim("bowl", "adam", 0.2, steps=1)
    shown = latex(at)
    assert r"\theta_{1} = \begin{pmatrix}-4.5\\ 1.5\end{pmatrix} - 0.2 \cdot" in shown
    assert all(tex(v) in shown for v in adam[1][:2])  # where torch's Adam went: -4.3, 1.3
    assert tex(optim("bowl", "sgd", 0.05, steps=1)[1][0]) in shown
    at.slider(key="opt_step").set_value(0).run()
    assert "Step 0" in at.info[0].value and r"\theta_{1}" not in latex(at)
    path, ends = chart_frames(at)[1::2]
    assert len(path) == len(ends) == 4 and set(path["step"]) == {0}  # everyone at the start


def test_play_advances_the_step_a_frame_per_run_and_stops_at_the_end():
    at = at_stage("play")
    at.button(key="opt_play").click().run()  # at the end: Play starts again from 0
    assert at.session_state["opt_step"] == ro.FRAME and at.session_state["opt_playing"]
    assert at.button(key="opt_play").label == "Pause"
    at.run()
    assert at.slider(key="opt_step").value == 2 * ro.FRAME
    table = at.table[0].value
    want = optim("bowl", "sgd", 0.05, steps=2 * ro.FRAME)[-1]
    assert table["loss"][0] == ro.number(want[2]) and set(table["loss < 0.01 at step"]) == {"—"}
    at.button(key="opt_play").click().run()  # Pause
    assert not at.session_state["opt_playing"] and at.slider(key="opt_step").value == 2 * ro.FRAME
    at.slider(key="opt_step").set_value(ro.STEPS - 1).run()
    at.button(key="opt_play").click().run()
    assert at.slider(key="opt_step").value == ro.STEPS and not at.session_state["opt_playing"]
    assert at.button(key="opt_play").label == "Play"


def test_a_new_surface_brings_its_start_and_lrs_and_one_lr_can_serve_all():
    at = at_stage("play")
    at.selectbox(key="opt_surface").set_value("rosenbrock").run()
    assert at.text_input(key="opt_start").value == "-1.2, 1"
    assert at.select_slider(key="opt_lr_adam").value == ro.SURFACES["rosenbrock"].lrs["adam"]
    assert "100\\,(y - x^2)^2" in latex(at)
    table = at.table[0].value
    want = optim("rosenbrock", "momentum", 0.001)[-1][2]
    assert table["loss"][1] == ro.number(want)
    at.toggle(key="opt_shared").set_value(True).run()
    at.select_slider(key="opt_lr").set_value(0.0005).run()
    shared = ro.race("rosenbrock", lrs=dict.fromkeys(ro.OPTIMIZERS, 0.0005))
    assert list(at.table[0].value["loss"]) == [ro.number(r.losses[-1]) for r in shared.values()]
    assert r"\eta = 0.0005" in latex(at)


def test_bad_input_is_refused_and_divergence_is_said():
    at = at_stage("play")
    at.text_input(key="opt_start").input("7, 0").run()
    (error,) = at.error
    assert "from -5 to 5" in error.value and "7" in error.value and not at.table
    at.text_input(key="opt_start").input("-4.5, 1.5").run()
    at.select_slider(key="opt_lr_sgd").set_value(0.2).run()
    (warning,) = at.warning
    assert "SGD diverged" in warning.value and not at.exception


def test_what_you_saw_quotes_the_race_at_the_step():
    at = at_stage("play")
    at.slider(key="opt_step").set_value(50).run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    want = {n: optim("bowl", n, lr, steps=50)[-1][2] for n, lr in ro.SURFACES["bowl"].lrs.items()}
    best = min(want, key=want.get)
    assert f"at step 50, **{ro.LABELS[best]}** is lowest, with loss {ro.number(want[best])}" in text
    assert f"Adam {ro.number(want['adam'])} (`lr = 0.2`" in text
    assert "The first below 0.01: SGD(momentum), at step 36" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.radio(key="course_optimizers_first").set_value("Adam").run()
    at.button(key="course_optimizers_first_check").click().run()
    (error,) = at.error
    assert "SGD(momentum)" in error.value
    at.radio(key="course_optimizers_first").set_value("SGD(momentum)").run()
    at.button(key="course_optimizers_first_check").click().run()
    at.radio(key="course_optimizers_scale").set_value("0.1").run()
    at.button(key="course_optimizers_scale_check").click().run()
    at.text_input(key="course_optimizers_momentum").input("0.01").run()
    at.button(key="course_optimizers_momentum_check").click().run()
    (error,) = at.error
    assert "0.1" in error.value and "0.01" in error.value
    at.text_input(key="course_optimizers_momentum").input("0.09999").run()
    at.button(key="course_optimizers_momentum_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "optimizers") == "✓"


def test_the_race_and_a_wrong_answer_in_chinese():
    at = at_stage("play", "zh")
    assert "优化器" in at.title[0].value and not at.error
    assert "最低" in at.success[0].value and "损失" in at.table[0].value.columns
    at.query_params["step"] = "5"
    at.run()
    at.radio(key="course_optimizers_scale").set_value("100").run()
    at.button(key="course_optimizers_scale_check").click().run()
    (error,) = at.error
    assert "0.1" in error.value and "第一步" in error.value
