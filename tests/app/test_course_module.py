"""AppTest of lesson 8, nn.Module: the Play tables are `named_parameters()` and `state_dict()` of
the network the learner sized, the counts are torch's, the plain-list mistake and a frozen layer
are said and shown, the graph names the parameters, the button opens the same network in Model
Graph, What you saw follows the widget, and the checks grade against torch in both languages."""

from __future__ import annotations

import json

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

import graphlab as gl
from tests.app.pages import course_mark, drawn_dots, every_stage, open_lesson

SLUG = "module"


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson(SLUG, stage, lang)


def reference(width: int, depth: int, batchnorm: bool) -> nn.Module:
    """The same network written out here: hidden Linear layers, BatchNorm1d layers, the output."""
    model = nn.Module()
    sizes = [4] + [width] * depth
    model.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
    if batchnorm:
        model.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(depth))
    model.out = nn.Linear(width, 3)
    return model


def tables(at: AppTest) -> tuple:
    return at.dataframe[0].value, at.dataframe[1].value


def metrics(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def check_tables(at: AppTest, width: int, depth: int, batchnorm: bool) -> None:
    params, state = tables(at)
    want = reference(width, depth, batchnorm)
    named = dict(want.named_parameters())
    assert sorted(params["name"]) == sorted(named)
    for name, shape, numel in zip(params["name"], params["shape"], params["numel()"], strict=True):
        assert shape == str(tuple(named[name].shape)) and numel == named[name].numel()
    assert sorted(state["key"]) == sorted(want.state_dict())
    kinds = dict(zip(state["key"], state["kind"], strict=True))
    assert {k for k, v in kinds.items() if v == "buffer"} == {n for n, _ in want.named_buffers()}
    total = sum(p.numel() for p in want.parameters())
    assert metrics(at) == [str(len(named)), f"{total:,}", f"{total:,}", str(len(want.state_dict()))]


def test_the_tables_follow_the_sizes():
    at = at_stage("play")
    check_tables(at, 8, 1, True)
    assert metrics(at) == ["6", "83", "83", "9"]
    at.slider(key="lm_width").set_value(16).run()
    at.slider(key="lm_depth").set_value(2).run()
    check_tables(at, 16, 2, True)
    at.checkbox(key="lm_bn").uncheck().run()
    check_tables(at, 16, 2, False)
    assert not at.exception and not at.error and not at.warning


def test_the_plain_list_hides_the_hidden_layers():
    at = at_stage("play")
    at.checkbox(key="lm_plain").check().run()
    params, state = tables(at)
    assert not any(n.startswith("hidden") for n in [*params["name"], *state["key"]])
    assert "plain Python list" in at.warning[0].value
    printed = next(c.value for c in at.code if "TinyNet" in c.value)
    assert "in_features=4" not in printed and "BatchNorm1d(8" in printed
    want = reference(8, 1, True)
    hidden = sum(p.numel() for p in want.hidden.parameters())
    assert metrics(at)[1] == str(sum(p.numel() for p in want.parameters()) - hidden)


def test_a_frozen_layer_is_in_the_state_but_not_trainable_nor_in_the_graph():
    at = at_stage("play")
    (dot,) = drawn_dots(at)
    assert "hidden.0.weight" in dot and "norms.0.weight" in dot and "out.bias" in dot
    at.checkbox(key="lm_frozen").check().run()
    params, state = tables(at)
    flags = dict(zip(params["name"], params["requires_grad"], strict=True))
    assert flags["hidden.0.weight"] == flags["hidden.0.bias"] == "False"
    assert flags["out.weight"] == "True" and "hidden.0.weight" in list(state["key"])
    assert metrics(at)[2] == str(83 - (4 * 8 + 8))
    (dot,) = drawn_dots(at)
    assert "hidden.0.weight" not in dot and "out.weight" in dot


def test_the_button_opens_the_same_network_in_model_graph():
    at = at_stage("play")
    at.slider(key="lm_width").set_value(12).run()
    at.slider(key="lm_depth").set_value(3).run()
    at.button(key="lm_model_graph").click().run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Model Graph"
    spec = json.loads(at.text_area(key="mg_spec").value)
    built = gl.models.build(spec)
    want = reference(12, 3, True)
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in want.parameters())
    assert len(built.state_dict()) == len(want.state_dict())
    assert drawn_dots(at)  # Model Graph drew it


def test_what_you_saw_quotes_the_widgets_model():
    at = at_stage("play")
    at.slider(key="lm_width").set_value(16).run()
    at.slider(key="lm_depth").set_value(2).run()
    at.checkbox(key="lm_frozen").check().run()
    at.query_params["step"] = "4"
    at.run()
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    want = reference(16, 2, True)
    numel = sum(p.numel() for p in want.parameters())
    assert "has 2 hidden layers of width 16" in text
    assert f"yields {len(list(want.parameters()))} tensors holding {numel} numbers" in text
    assert f"{numel - (4 * 16 + 16)} of them" in text
    assert f"has {len(want.state_dict())} entries" in text and "`norms.0.running_mean`" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_checks_grade_against_torch(lang):
    at = at_stage("check", lang)
    want = sum(p.numel() for p in reference(16, 2, True).parameters())
    at.text_input(key="course_module_numel").input("400").run()
    at.button(key="course_module_numel_check").click().run()
    (error,) = at.error
    assert str(want) in error.value and "400" in error.value
    at.text_input(key="course_module_numel").input(str(want)).run()
    at.button(key="course_module_numel_check").click().run()
    assert not at.error and len(at.success) == 1
    at.radio(key="course_module_plain_list").set_value("6").run()
    at.button(key="course_module_plain_list_check").click().run()
    at.radio(key="course_module_buffers").set_value("False").run()
    at.button(key="course_module_buffers_check").click().run()
    (error,) = at.error
    assert "True" in error.value and "running_mean" in error.value
    at.radio(key="course_module_buffers").set_value("True").run()
    at.button(key="course_module_buffers_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "module") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("module", "zh"):
        assert "nn.Module：层、参数与状态" in at.title[0].value
    at.query_params["step"] = "3"
    at.run()
    params, state = tables(at)
    assert list(params.columns) == ["名称", "形状", "numel()", "requires_grad"]
    assert set(state.iloc[:, 2]) == {"参数", "缓冲区"}
    assert torch.Size([8, 4]).numel() == params.iloc[0, 2]
