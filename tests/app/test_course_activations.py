"""AppTest of lesson 9, activation functions: the charts and the table are the activations and
their derivatives (checked against the formulas), the fold of two Linear layers is said for what
it is, the dead units are those torch counts, What you saw follows the widget, and the checks
grade against torch in both languages."""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from graphlab.lessons import lesson_activations as la
from tests.app.pages import course_mark, every_stage, open_lesson

SLUG = "activations"


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson(SLUG, stage, lang)


def charts(at: AppTest) -> list[list]:
    """Each Vega-Lite chart's datasets as data frames."""
    return [
        [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in e.proto.datasets]
        for e in at.main
        if getattr(e, "type", "") == "vega_lite_chart"
    ]


def slope(name: str, x: torch.Tensor, negative_slope: float = 0.1) -> torch.Tensor:
    """The derivative written out, as the oracle."""
    s, cdf = torch.sigmoid(x), 0.5 * (1 + torch.erf(x / 2**0.5))
    return {
        "ReLU": (x > 0).float(),
        "Sigmoid": s * (1 - s),
        "Tanh": 1 - torch.tanh(x) ** 2,
        "GELU": cdf + x * torch.exp(-(x**2) / 2) / (2 * torch.pi) ** 0.5,
        "LeakyReLU": torch.where(x > 0, 1.0, negative_slope),
    }[name]


def test_the_charts_are_the_curves_and_autograds_slopes():
    at = at_stage("play")
    curves, slopes, units = charts(at)
    f, df = curves[0], slopes[0]  # the lines (the rule at x is the second dataset)
    assert sorted(set(f["name"])) == sorted(la.NAMES) and len(f) == 5 * 161
    for name in la.NAMES:
        rows = df[df["name"] == name]
        x = torch.tensor(rows["x"].to_numpy(), dtype=torch.float32)
        assert list(rows["f′(x)"]) == pytest.approx(slope(name, x).tolist(), abs=1e-5)
    relu = f[f["name"] == "ReLU"]
    assert list(relu["f(x)"]) == pytest.approx(relu["x"].clip(lower=0).tolist(), abs=1e-6)
    assert len(units[0]) == la.UNITS and not at.exception


def test_the_table_reads_the_curves_at_x():
    at = at_stage("play")
    table = at.dataframe[0].value
    assert dict(zip(table["activation"], table["f′(x)"], strict=True))["ReLU"] == "0"
    at.slider(key="act_x").set_value(1.5).run()
    at.slider(key="act_slope").set_value(0.3).run()
    table = at.dataframe[0].value
    x = torch.tensor(1.5)
    for name, y, d in zip(table["activation"], table["f(x)"], table["f′(x)"], strict=True):
        assert float(d) == pytest.approx(slope(name, x, 0.3).item(), rel=1e-3)
        assert float(y) == pytest.approx(la.activation(name, 0.3)(x).item(), rel=1e-3)
    at.multiselect(key="act_names").set_value(["Tanh"]).run()
    assert list(at.dataframe[0].value["activation"]) == ["Tanh"]
    at.multiselect(key="act_names").set_value([]).run()
    assert at.info and "at least one" in at.info[0].value and not at.exception


def test_the_fold_is_exact_without_an_activation_only():
    at = at_stage("play")
    first, second, x = la.fold_layers(8)
    with torch.no_grad():
        two = second(first(x))
        one = F.linear(x, second.weight @ first.weight, second.weight @ first.bias + second.bias)
    values = {m.label: m.value for m in at.metric}
    assert float(values["max |two - one|"]) < 1e-5
    assert float(values["max |two - one|"]) == pytest.approx(
        (two - one).abs().max().item(), rel=0.1, abs=1e-7
    )
    assert "are one Linear layer" in at.success[0].value
    at.selectbox(key="act_between").set_value("Tanh").run()
    with torch.no_grad():
        bent = (second(torch.tanh(first(x))) - one).abs().max().item()
    values = {m.label: m.value for m in at.metric}
    assert float(values["max |two - one|"]) == pytest.approx(bent, rel=0.05)
    assert "no longer linear" in at.warning[0].value and "Tanh()(Linear(4, 8)" in at.code[0].value


def test_dead_units_are_the_ones_torch_counts():
    at = at_stage("play")
    at.slider(key="act_shift").set_value(-1.0).run()
    model, x, y = la.dead_network(-1.0)
    with torch.no_grad():
        active = (model[:2](x) > 0).float().mean(dim=0)
    values = {m.label: m.value for m in at.metric}
    assert values["Dead units"] == f"{int((active == 0).sum())} / {la.UNITS}"
    shares = charts(at)[2][0].sort_values("unit")
    assert list(shares["share"]) == pytest.approx(active.tolist())
    assert list(shares["state"]) == ["dead" if a == 0 else "alive" for a in active.tolist()]
    at.slider(key="act_lr").set_value(5.0).run()
    dead = la.dead_relus(-1.0, 5.0)
    values = {m.label: m.value for m in at.metric}
    assert values["Dead units"] == f"{len(dead.dead)} / {la.UNITS}" and len(dead.dead) > 6
    assert values["Loss after the step"] == la.number(dead.losses[1])
    assert "bias: 0;" in at.caption[0].value


def test_what_you_saw_quotes_the_widget():
    at = at_stage("play")
    at.slider(key="act_x").set_value(-2.0).run()
    at.selectbox(key="act_between").set_value("ReLU").run()
    at.slider(key="act_shift").set_value(-1.0).run()
    at.query_params["step"] = "4"
    at.run()
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    s = torch.sigmoid(torch.tensor(-2.0))
    assert f"Sigmoid {la.number(s.item())}, slope {la.number((s * (1 - s)).item())}" in text
    assert "with `ReLU` between them" in text and "6 of the 16 hidden units" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_checks_grade_against_torch(lang):
    at = at_stage("check", lang)
    at.text_input(key="course_activations_sigmoid").input("0.5").run()
    at.button(key="course_activations_sigmoid_check").click().run()
    (error,) = at.error
    assert "0.25" in error.value and "0.5" in error.value
    at.text_input(key="course_activations_sigmoid").input("0.25").run()
    at.button(key="course_activations_sigmoid_check").click().run()
    at.radio(key="course_activations_fold").set_value("(3, 4)").run()
    at.button(key="course_activations_fold_check").click().run()
    at.text_input(key="course_activations_dead_grad").input("0.001").run()
    at.button(key="course_activations_dead_grad_check").click().run()
    (error,) = at.error
    assert "0.001" in error.value
    at.text_input(key="course_activations_dead_grad").input("0").run()
    at.button(key="course_activations_dead_grad_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "activations") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("activations", "zh"):
        assert "激活函数" in at.title[0].value
    at.query_params["step"] = "3"
    at.run()
    assert not at.error and len(charts(at)) == 3
    assert list(at.dataframe[0].value.columns)[0] == "激活函数"
