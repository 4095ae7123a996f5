"""AppTest: the router, the Home page and the Graph Explorer, driven through their widgets."""

import pytest
import torch
from streamlit.testing.v1 import AppTest

import graphlab as gl
from graphlab.lessons import gallery
from tests.app.pages import drawn_dots, drawn_legends, open_page


def _dots(at: AppTest) -> list[str]:
    return drawn_dots(at)


def test_home_shows_a_live_graph_that_follows_the_branch():
    at = open_page()
    assert at.title[0].value == "graphlab"
    assert "TanhBackward0" in _dots(at)[0]
    at.slider(key="home_x").set_value(-1.0).run()
    assert not at.exception
    assert "SigmoidBackward0" in _dots(at)[0] and "TanhBackward0" not in _dots(at)[0]
    # The numbers shown are autograd's for the branch taken.
    x, w = torch.tensor(-1.0, requires_grad=True), torch.tensor(0.8, requires_grad=True)
    y = torch.sigmoid(w * x)
    gx, gw = torch.autograd.grad(y, (x, w))
    want = f"`y = {y.item():.4f}`, `x.grad = {gx.item():.4f}`, `w.grad = {gw.item():.4f}`"
    assert any(m.value == want for m in at.markdown)
    # The code shown is the function that ran, read from its source, with this x.
    shown = at.code[0].value
    assert shown == gallery.home_code(-1.0)
    assert shown.splitlines()[0] == "x = torch.tensor(-1.0, requires_grad=True)"
    assert "y = torch.tanh(w * x) if x > 0 else torch.sigmoid(w * x)" in shown
    # One legend under the picture: the kinds it draws, no more.
    assert drawn_legends(at) == [["op (backward node)", "leaf tensor", "output"]]


def test_home_says_which_operations_record_a_node():
    at = open_page()
    (opening,) = [m.value for m in at.markdown if "computation graph" in m.value]
    # torch: an op on a tensor that requires grad records no node with grad mode off ...
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    with torch.no_grad():
        assert (x * 2).grad_fn is None
    # ... nor when it is not differentiable (an integer or bool output) ...
    assert (x > 0).grad_fn is None and x.argmax().grad_fn is None
    # ... and does record one otherwise: the sentence names both conditions.
    assert (x * 2).grad_fn is not None
    assert "every differentiable operation on a tensor that requires a gradient" in opening
    assert "while grad mode is on" in opening


@pytest.fixture(scope="module")
def explorer() -> AppTest:
    return open_page("app_pages/graph_explorer.py")


@pytest.mark.parametrize("name", list(gallery.EXAMPLES))
def test_each_gallery_example_renders_every_captured_node(explorer, name):
    explorer.toggle(key="explorer_saved").set_value(True)
    explorer.radio(key="explorer_rankdir").set_value("Top to bottom")
    explorer.selectbox(key="explorer_example").set_value(name).run()
    assert not explorer.exception
    (dot,) = _dots(explorer)
    graph = gallery.graph(name)
    # Exactly this example's graph: every node drawn, and no other.
    assert dot == gl.to_dot(graph, show_saved=True, legend=False, rankdir="TB")
    assert any(gallery.EXAMPLES[name].idea in info.value for info in explorer.info)


def test_layout_and_saved_options_change_the_drawing(explorer):
    explorer.selectbox(key="explorer_example").set_value("small_mlp").run()
    explorer.radio(key="explorer_rankdir").set_value("Left to right").run()
    explorer.toggle(key="explorer_saved").set_value(False).run()
    (dot,) = _dots(explorer)
    assert "rankdir=LR" in dot and '"s0" [label=' not in dot
    (legend,) = drawn_legends(explorer)
    assert "saved tensor" not in legend and "parameter" in legend
    explorer.toggle(key="explorer_saved").set_value(True).run()
    assert '"s0" [label=' in _dots(explorer)[0]
    (legend,) = drawn_legends(explorer)
    assert "saved tensor" in legend and "saved for backward" in legend


def test_node_picker_shows_op_shape_saved_tensors_and_module(explorer):
    explorer.selectbox(key="explorer_example").set_value("small_mlp").run()
    graph = gallery.graph("small_mlp")
    addmm = next(n for n in graph.nodes if n.name == "AddmmBackward0" and n.module == "2")
    explorer.selectbox(key="explorer_small_mlp_node").set_value(addmm.id).run()
    assert not explorer.exception
    tables = [t.value for t in explorer.table]
    fields = dict(zip(tables[0]["field"], tables[0]["value"], strict=True))
    assert fields["name"] == "AddmmBackward0" and fields["module"] == "2"
    assert fields["shape"] == "(5, 3)" and fields["dtype"] == "float32"
    assert list(tables[1]["attribute"]) == [s.name for s in graph.saved(addmm.id)]


def test_downloads_offer_dot_json_and_svg(explorer):
    labels = [b.proto.label for b in explorer.get("download_button")]
    assert labels == ["DOT", "JSON", "SVG"]
