"""AppTest of the Model Graph page: built-ins, the 300-node budget, errors, building, opening;
and the builder's spec editing (graphlab.models.edit), which needs no Streamlit."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.core.summary import MAX_NODES, module_paths
from graphlab.models import BUILTINS, LAYER_TYPES, SpecError, edit, graph, plan, spec_of
from tests.app.pages import drawn_dots, open_page, the_dot

PAGE = "app_pages/model_graph.py"
NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*" \[label=', re.M)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page(PAGE)


def test_default_model_is_drawn_grouped_by_module(page):
    dot = the_dot(page)
    assert "subgraph cluster_" in dot and "ConvolutionBackward0" in dot
    assert "(4, 16, 28, 28)" in dot  # shapes on edges: the CNN Live Training trains
    assert not page.error


def test_a_10k_node_model_is_summarized_to_the_budget(page):
    page.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    assert not page.exception
    dot = the_dot(page)
    assert len(NODE.findall(dot)) <= MAX_NODES
    assert "Residual x 70" in dot  # the first 10 blocks of each stage drawn open
    # 9,944 captured nodes, 4,173 once saved tensors are hidden (the default), drawn as 300:
    # the model is narrow, so the whole budget fits the view across
    assert any(i.value.startswith("Summarized: 4,173 nodes shown as 300") for i in page.info)


def test_opening_a_folded_block_shows_its_layers(page):
    page.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    # The first blocks of each stage are open already; the folded rest opens by its first.
    page.selectbox(key="mg_to_open").set_value("layer3.10").run()
    page.button(key="mg_open_btn").click().run()
    assert not page.exception
    dot = the_dot(page)
    assert "layer3.10.conv1" in dot and len(NODE.findall(dot)) <= MAX_NODES
    page.button(key="mg_auto").click().run()
    assert "layer3.10.conv1" not in the_dot(page)


def test_closing_a_module_closes_the_modules_inside_it(page):
    page.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    page.selectbox(key="mg_to_open").set_value("layer3.10").run()
    page.button(key="mg_open_btn").click().run()
    assert {"layer3", "layer3.10"} <= set(page.selectbox(key="mg_to_close").options)
    page.selectbox(key="mg_to_close").set_value("layer3").run()
    page.button(key="mg_close_btn").click().run()
    assert not page.exception
    dot = the_dot(page)
    # Closing layer3 closed layer3.10 too: left open, it would have reopened its parent.
    assert "layer3.10.conv1" not in dot and "Residual x 70" in dot
    assert not {"layer3", "layer3.10"} & set(page.selectbox(key="mg_to_close").options)
    page.button(key="mg_auto").click().run()


def test_a_bad_spec_names_the_layer_and_the_fix():
    at = open_page(PAGE)
    spec = {"input": [2, 3, 8, 8], "layers": [{"type": "linear", "out_features": 4}]}
    at.text_area(key="mg_spec").input(json.dumps(spec)).run()
    assert not at.exception
    (error,) = at.error
    message = error.value.replace("\\", "")
    assert "layer 1 (linear)" in message and "add a `flatten`" in message
    assert not drawn_dots(at)
    at.text_area(key="mg_spec").input("{not json").run()
    assert "not valid JSON" in at.error[0].value


def test_adding_a_layer_from_the_form():
    at = open_page(PAGE)
    at.selectbox(key="mg_add_type").set_value("relu").run()
    at.button(key="mg_add").click().run()
    assert not at.exception
    spec = json.loads(at.text_area(key="mg_spec").value)
    assert spec["layers"][-1] == {"type": "relu"}
    assert at.table[0].value["type"].iloc[-1] == "ReLU"
    at.button(key="mg_pop").click().run()
    assert json.loads(at.text_area(key="mg_spec").value)["layers"][-1]["type"] == "linear"


# -- graphlab.models.edit: the builder's logic, without Streamlit --------------------------------


def test_spec_text_round_trips_and_bad_json_says_where():
    text = edit.builtin_text("cnn")
    assert edit.parse_spec(text) == spec_of("cnn") == BUILTINS["cnn"].spec
    assert edit.editable(text) == spec_of("cnn")
    with pytest.raises(SpecError) as info:
        edit.parse_spec('{"input": [2, 4],\n "layers": [}')
    assert str(info.value).startswith("The spec is not valid JSON: ")
    assert str(info.value).endswith("(line 2, column 13).")
    assert edit.parse_spec("[1, 2]") == [1, 2]  # valid JSON: whether it is a spec is plan's job
    for not_editable in ("{not json", "[1, 2]", '{"layers": 3}', '"text"'):
        assert edit.editable(not_editable) is None


def test_adding_and_removing_layers_rewrites_the_text():
    text = edit.spec_text({"input": [2, 8], "layers": [{"type": "relu"}]})
    text = edit.with_layer(text, edit.new_layer("linear", {"out_features": 3}))
    assert edit.parse_spec(text)["layers"] == [
        {"type": "relu"}, {"type": "linear", "out_features": 3, "bias": True},
    ]  # fmt: skip
    assert plan(edit.parse_spec(text)).shapes[-1] == (2, 3)
    text = edit.without_last_layer(text)
    assert edit.parse_spec(text) == {"input": [2, 8], "layers": [{"type": "relu"}]}
    text = edit.without_last_layer(text)
    assert edit.without_last_layer(text) == text  # nothing left to remove
    assert edit.without_last_layer("{not json") == "{not json"
    # Text that is no spec: the layer starts a fresh small spec.
    fresh = edit.parse_spec(edit.with_layer("{not json", {"type": "tanh"}))
    assert fresh == {"input": [4, 16], "layers": [{"type": "tanh"}]}
    assert edit.parse_spec(edit.with_layer("{not json", {"type": "gelu"}))["layers"] == [
        {"type": "gelu"}
    ]  # the fresh spec is a copy each time


def test_a_new_layer_takes_the_form_values_else_the_defaults():
    assert edit.new_layer("relu", {}) == {"type": "relu"}
    conv = edit.new_layer("conv2d", {"out_channels": 8.0, "padding": None})
    assert conv == {
        "type": "conv2d", "out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 0,
        "bias": True,
    }  # fmt: skip
    assert isinstance(conv["out_channels"], int)  # a spec refuses 8.0 for an int setting
    assert edit.new_layer("dropout", {"p": 0.25}) == {"type": "dropout", "p": 0.25}
    assert edit.new_layer("linear", {})["out_features"] is None  # required: plan says so


def test_form_fields_start_in_range():
    settings = LAYER_TYPES["linear"].settings
    assert edit.form_default(settings["out_features"]) == 16  # required: a small size
    assert edit.form_default(settings["bias"]) is True
    assert edit.form_default(LAYER_TYPES["dropout"].settings["p"]) == 0.5
    assert edit.form_default(LAYER_TYPES["gru"].settings["sequence"]) is False
    for kind in LAYER_TYPES.values():
        for s in kind.settings.values():
            value = edit.form_default(s)
            assert s.type == "bool" or s.lo <= value <= s.hi, (kind.name, s)
            assert s.type != "int" or isinstance(value, int)


def test_the_layer_table_names_layers_as_the_built_model_does():
    spec = {
        "input": [2, 8],
        "layers": [{"type": "linear", "out_features": 4}, {"type": "relu", "name": "act"},
                   {"type": "linear", "out_features": 4, "repeat": 2}],
    }  # fmt: skip
    p = plan(spec)
    rows = edit.layer_rows(spec, p)
    assert rows == {
        "layer": ["linear0", "act", "linear2"],
        "type": ["Linear", "ReLU", "Linear"],
        "repeat": [1, 1, 2],
        "output shape": ["[2, 4]", "[2, 4]", "[2, 4]"],
    }
    assert rows["layer"] == [name for name, _ in p.model.named_children()]
    assert str(edit.plan_caption(p)) == "Input [2, 8] · 76 parameters · 48 activation values"


def test_open_all_and_collapse_all(page):
    page.selectbox(key="mg_builtin").set_value("transformer").run()
    first = len(NODE.findall(the_dot(page)))
    page.button(key="mg_open_all").click().run()
    assert not page.exception
    opened = the_dot(page)
    # Every module open: the whole captured graph (47 nodes once saved tensors are hidden).
    assert len(NODE.findall(opened)) == 47 > first and "box3d" not in opened
    page.button(key="mg_collapse_all").click().run()
    collapsed = the_dot(page)
    tops = {p for p in module_paths(graph(spec_of("transformer"))) if p and "." not in p}
    # Only top-level modules are left, each one box (or one frame around its box).
    assert collapsed.count("box3d") == len(tops) and len(NODE.findall(collapsed)) < first
    page.button(key="mg_auto").click().run()
    assert len(NODE.findall(the_dot(page))) == first
