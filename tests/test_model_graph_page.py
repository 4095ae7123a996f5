"""AppTest of the Model Graph page: built-ins, the 300-node budget, errors, building, opening."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "app_pages/model_graph.py"
NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*" \[label=', re.M)


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def dot_of(at: AppTest) -> str:
    (chart,) = at.get("graphviz_chart")
    return chart.proto.spec


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def test_default_model_is_drawn_grouped_by_module(page):
    dot = dot_of(page)
    assert "subgraph cluster_" in dot and "ConvolutionBackward0" in dot
    assert "(4, 8, 28, 28)" in dot  # shapes on edges
    assert not page.error


def test_a_10k_node_model_is_summarized_to_the_budget(page):
    page.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    assert not page.exception
    dot = dot_of(page)
    assert len(NODE.findall(dot)) <= 300
    assert "Residual x 80" in dot
    # 9,944 captured nodes, 4,173 once saved tensors are hidden (the default), drawn as 17
    assert any(i.value.startswith("Summarized: 4,173 nodes shown as 17") for i in page.info)


def test_opening_a_folded_block_shows_its_layers(page):
    page.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    page.selectbox(key="mg_to_open").set_value("layer3.0").run()
    page.button(key="mg_open_btn").click().run()
    assert not page.exception
    dot = dot_of(page)
    assert "layer3.0.conv1" in dot and len(NODE.findall(dot)) <= 300
    page.button(key="mg_auto").click().run()
    assert "layer3.0.conv1" not in dot_of(page)


def test_a_bad_spec_names_the_layer_and_the_fix():
    at = open_page()
    spec = {"input": [2, 3, 8, 8], "layers": [{"type": "linear", "out_features": 4}]}
    at.text_area(key="mg_spec").input(json.dumps(spec)).run()
    assert not at.exception
    (error,) = at.error
    message = error.value.replace("\\", "")
    assert "layer 1 (linear)" in message and "add a `flatten`" in message
    assert not at.get("graphviz_chart")
    at.text_area(key="mg_spec").input("{not json").run()
    assert "not valid JSON" in at.error[0].value


def test_adding_a_layer_from_the_form():
    at = open_page()
    at.selectbox(key="mg_add_type").set_value("relu").run()
    at.button(key="mg_add").click().run()
    assert not at.exception
    spec = json.loads(at.text_area(key="mg_spec").value)
    assert spec["layers"][-1] == {"type": "relu"}
    assert at.table[0].value["type"].iloc[-1] == "ReLU"
    at.button(key="mg_pop").click().run()
    assert json.loads(at.text_area(key="mg_spec").value)["layers"][-1]["type"] == "linear"
