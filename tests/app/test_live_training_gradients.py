"""AppTest for what Live Training shows from inside a run: the gradient views update while it
trains, divergence is said as it happens on a readable axis, and the buttons after a click are
those of the trainer's new state.

Timed fragments never fire in AppTest, so each ``at.run()`` redraws the page from a fresh
snapshot of the visitor's trainer, which trains in its own thread meanwhile.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from graphlab.train.divergence import LABELS
from graphlab.train.gradients import EVERY
from tests.app.live_training_page import live_page, start, until
from widgets.training_gradients import WATCH

NORMS = "Gradient norm per layer"
GRADIENT_CHARTS = (NORMS, "Update/weight ratio per layer", "Dead ReLU units per layer",
                   "Weights of 2 Linear over time", "Gradients of 2 Linear over time")  # fmt: skip


@pytest.fixture()
def at():
    yield from live_page()


def _charts(at: AppTest) -> dict[str, tuple[str, dict, list[dict]]]:
    """Vega charts by key (the live curves) or title: element id, spec and the rows of their
    largest dataset."""
    found = {}
    for chart in at.get("vega_lite_chart"):
        tables = [
            pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.proto.datasets
        ]
        spec = json.loads(chart.proto.spec)
        title = spec.get("title") or spec.get("layer", [{}])[0].get("title") or ""
        name = chart.proto.id.rsplit("-", 1)[-1] or (
            title.get("text") if isinstance(title, dict) else title
        )
        found[name] = (chart.proto.id, spec, max(tables, key=len, default=[]))
    return found


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_gradient_views_update_while_training_and_cost_nothing_when_off(at):
    job = start(at, train_optimizer="sgd")
    assert job.gradients.every is None  # nobody watches yet: no hooks
    at.toggle(key=WATCH).set_value(True).run()
    assert job.gradients.every is not None
    until(at, lambda: len(job.gradients.samples()) >= 2)
    first = _charts(at)
    assert set(GRADIENT_CHARTS) <= set(first)
    drawn = {r["step"] for r in first[NORMS][2]}
    samples = {s.step: s for s in job.gradients.samples()}
    assert drawn and drawn <= set(samples)
    for row in first[NORMS][2]:  # the drawn numbers are the trainer's samples
        s = samples[row["step"]]
        assert row["value"] == pytest.approx(s.grad_norm[s.layers.index(row["layer"])])
    assert {r["layer"] for r in first["Dead ReLU units per layer"][2]} == {"3 ReLU", "5 ReLU"}
    until(at, lambda: len(job.gradients.samples()) > len(samples) + 1)
    later = _charts(at)
    assert {r["step"] for r in later[NORMS][2]} > drawn  # new points
    hist = "Gradients of 2 Linear over time"
    assert len(later[hist][2]) > len(first[hist][2])  # one more column of the heat map
    at.toggle(key=WATCH).set_value(False).run()
    assert job.gradients.every is None
    step = job.snapshot().step  # a step under way when the switch went off may still sample
    until(at, lambda: job.snapshot().step > step + 1)
    count, step = len(job.gradients.samples()), job.snapshot().step
    until(at, lambda: job.snapshot().step > step + 3 * EVERY)
    assert len(job.gradients.samples()) == count and NORMS not in _charts(at)


def test_a_diverging_run_says_so_while_it_runs_on_a_log_axis(at):
    job = start(at, train_optimizer="adam", train_lr="1000")
    until(at, lambda: len(job.snapshot().history.losses) > 3)
    assert job.snapshot().status == "running"
    assert any("diverging" in b for b in _badges(at))
    said = " ".join(w.value for w in at.warning)
    assert "training is diverging" in said and "smaller learning rate than 1000" in said
    _, spec, _ = _charts(at)["train_loss_chart"]
    y = spec["encoding"]["y"]
    assert y["scale"]["type"] == "log" and y["axis"]["labelExpr"] == LABELS  # 1.8e10, not 1.8e+10
    loss = at.metric[0].value
    assert "e" in loss and len(loss) <= 8, loss  # e.g. 4.21e13, not 42102859055104.000


def test_a_healthy_run_has_no_diverging_badge_and_a_linear_axis(at):
    job = start(at, train_optimizer="sgd")
    until(at, lambda: job.snapshot().step > 30)
    assert not any("diverging" in b for b in _badges(at))
    assert "scale" not in _charts(at)["train_loss_chart"][1]["encoding"]["y"]


def test_after_each_click_the_buttons_are_those_of_the_trainers_state(at):
    job = start(at, train_model="cnn", train_batch=512)  # slow steps: a pause takes a while
    for _ in range(5):
        at.button(key="train_pause").click().run()
        assert job.status == "paused"  # the click waited for the trainer to pause
        keys = [b.key for b in at.button]
        assert "train_resume" in keys and "train_pause" not in keys
        assert any("paused" in b for b in _badges(at))
        at.button(key="train_resume").click().run()
        assert job.status == "running"
        keys = [b.key for b in at.button]
        assert "train_pause" in keys and "train_resume" not in keys
        assert not at.button(key="train_pause").disabled
