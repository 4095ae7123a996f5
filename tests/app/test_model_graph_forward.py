"""AppTest of Model Graph's "Trace the forward pass" toggle: the ops a no-grad forward ran, as
`gl.trace_forward` traces them, instead of autograd's graph."""

from __future__ import annotations

import re

import pytest
import torch
from streamlit.testing.v1 import AppTest

import graphlab as gl
from graphlab.core.summary import MAX_NODES
from tests.app.pages import open_page, the_dot

PAGE = "app_pages/model_graph.py"
LABEL = re.compile(r'\[label="([^"\\]*)')
NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*" \[label=', re.M)


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = open_page(PAGE)
    at.selectbox(key="mg_builtin").set_value("resnet").run()
    at.number_input(key="mg_budget").set_value(300).run()
    return at


def _trace(name: str) -> gl.Graph:
    spec = gl.models.spec_of(name)
    model = gl.models.build(spec).eval()
    with torch.no_grad():
        return gl.trace_forward(model, torch.randn(tuple(spec["input"])))


def test_the_toggle_draws_the_forward_ops_instead_of_autograd(page):
    assert "ConvolutionBackward0" in the_dot(page)
    assert not page.toggle(key="mg_grad").disabled
    page.toggle(key="mg_forward").set_value(True).run()
    assert not page.exception
    dot = the_dot(page)
    assert "Backward" not in dot
    labels = {text.split("\\n")[0] for text in LABEL.findall(dot)}
    # Every op the trace holds is drawn (300 nodes is more than the model has), buffers too.
    traced = _trace("resnet")
    assert len(traced.nodes) <= 300
    assert {op.name for op in traced.of_kind("op")} <= labels
    assert {"torch.conv2d", "F.batch_norm", "bn.running_mean", "bn.running_var"} <= labels
    assert page.toggle(key="mg_grad").disabled  # a trace has no gradient path
    page.toggle(key="mg_forward").set_value(False).run()
    assert "ConvolutionBackward0" in the_dot(page)


def test_a_big_traced_model_is_summarized_to_the_budget():
    at = open_page(PAGE)
    at.selectbox(key="mg_builtin").set_value("resnet_deep").run()
    at.toggle(key="mg_forward").set_value(True).run()
    assert not at.exception
    dot = the_dot(at)
    # Modules collapsed: a residual block as one box with its parameter count
    assert "Backward" not in dot and "\\nResidual\\n4,672 params" in dot
    assert len(NODE.findall(dot)) <= MAX_NODES
    # The trace is 5,455 nodes (2,246 ops, 1,925 parameters, 1,283 buffers and the input).
    assert any(i.value.startswith("Summarized: 5,455 nodes shown as") for i in at.info)
