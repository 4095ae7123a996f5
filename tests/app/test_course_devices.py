"""AppTest of lesson 15, devices: the machine's facts are torch's, the picker's choice and its
refusal are pick_device's, model and data placed apart raise PyTorch's own error, the timings
table has a row per device, What you saw follows the widget, the checks grade against torch."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.core.device import pick_device
from graphlab.lessons import lesson_devices as ld
from tests.app.pages import course_mark, every_stage, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("devices", stage, lang)


def test_the_machine_is_described_by_torch():
    at = at_stage("play")
    facts = dict(zip(*(at.dataframe[0].value.iloc[:, i] for i in (0, 1)), strict=True))
    assert facts["torch.cuda.is_available()"] == str(torch.cuda.is_available())
    assert facts["pick_device()"] == pick_device().type
    assert facts['hasattr(torch.cuda, "backward")'] == "False"
    no_gpu = any("No GPU here" in i.value for i in at.info)
    assert no_gpu == (not torch.cuda.is_available() and not torch.backends.mps.is_available())
    assert any(f"returns `{pick_device().type}`" in s.value for s in at.success)
    assert "def pick_device" in at.code[0].value  # the picker's own source, not a copy


@pytest.mark.parametrize("requested", ["cuda", "mps"])
def test_requesting_a_missing_device_shows_the_pickers_refusal(requested):
    at = at_stage("play")
    at.selectbox(key="dv_requested").set_value(requested).run()
    try:
        device = pick_device(requested)
    except ValueError as err:
        assert any(f'`pick_device("{requested}")` raises' in e.value for e in at.error)
        assert any(c.value == str(err) for c in at.code)
        return
    assert any(f"returns `{device}`" in s.value for s in at.success)


def test_model_and_data_apart_raise_pytorchs_error():
    at = at_stage("play")
    table = at.dataframe[1].value
    g = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(2, 3, generator=g), torch.randn(2, generator=g)
    want = torch.nn.functional.linear(torch.linspace(-1, 1, 12).reshape(4, 3), weight, bias)
    assert torch.equal(torch.tensor(table.to_numpy(), dtype=torch.float32), want)
    at.selectbox(key="dv_model_device").set_value("meta").run()
    assert any("`model(x)` raised `RuntimeError`" in e.value for e in at.error)
    assert any(
        c.value == "Tensor on device meta is not on the expected device cpu!" for c in at.code
    )
    assert 'to(device="meta", dtype=torch.float32)' in next(
        c.value for c in at.code if "nn.Linear" in c.value
    )


def test_meta_skips_the_dtype_check_and_the_page_says_so():
    at = at_stage("play")
    at.selectbox(key="dv_data_dtype").set_value("float64").run()
    assert any("mat1 and mat2 must have the same dtype" in c.value for c in at.code)
    at.selectbox(key="dv_model_device").set_value("meta").run()
    at.selectbox(key="dv_data_device").set_value("meta").run()
    assert not at.error and any("`y` is on `meta`" in s.value for s in at.success)
    assert any("raises `RuntimeError`" in w.value for w in at.warning)


def test_the_timings_have_a_row_per_device():
    at = at_stage("play")
    at.select_slider(key="dv_n").set_value(128).run()
    times = at.dataframe[-1].value
    assert list(times.iloc[:, 0]) == list(ld.devices_here())
    assert (times["ms"] > 0).all() and times.iloc[0, 3] == 0.0
    row = times.iloc[0]
    assert row["GFLOP/s"] == pytest.approx(2 * 128**3 / (row["ms"] / 1e3) / 1e9, rel=1e-2)


def test_what_you_saw_quotes_the_widgets_settings():
    at = at_stage("play")
    at.selectbox(key="dv_model_device").set_value("meta").run()
    at.select_slider(key="dv_n").set_value(64).run()
    at.query_params["step"] = "4"
    at.run()
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    assert f"`pick_device()` chose `{pick_device().type}`" in text
    assert "You put the model on `meta` as `float32`" in text and "gave `RuntimeError`" in text
    assert "The 64 × 64 matmul took: `cpu`" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.radio(key="course_devices_to").set_value("(meta, meta)").run()
    at.button(key="course_devices_to_check").click().run()
    (error,) = at.error
    assert "(cpu, meta)" in error.value and "x = x.to(device)" in error.value
    at.radio(key="course_devices_to").set_value("(cpu, meta)").run()
    at.button(key="course_devices_to_check").click().run()
    at.radio(key="course_devices_dtype").set_value("RuntimeError").run()
    at.button(key="course_devices_dtype_check").click().run()
    at.radio(key="course_devices_cuda_backward").set_value("False").run()
    at.button(key="course_devices_cuda_backward_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "devices") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("devices", "zh"):
        assert "设备" in at.title[0].value
