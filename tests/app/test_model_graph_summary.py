"""AppTest of Model Graph's summary controls (issue 14): module depth and rolling repeated calls
beside the node budget; saved tensors shown on top of the budget."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.pages import drawn_dots, open_page

PAGE = "app_pages/model_graph.py"
NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[label="((?:[^"\\]|\\.)*)"', re.M)


def labels(at: AppTest) -> list[str]:
    (dot,) = drawn_dots(at)
    return [label.split("\\n")[0] for _, label in NODE.findall(dot)]


@pytest.fixture
def page() -> AppTest:
    return open_page(PAGE)


def test_depth_one_shows_only_the_top_level_modules(page):
    page.selectbox(key="mg_builtin").set_value("resnet").run()
    assert any(name.startswith("layer1.0") for name in labels(page))  # the automatic view
    page.number_input(key="mg_depth").set_value(1).run()
    assert not page.exception
    shown = labels(page)
    assert {"layer1", "layer2", "layer3", "layer4"} <= set(shown)
    assert not [name for name in shown if name.startswith("layer1.")]
    assert any(i.value.startswith("Summarized: ") for i in page.info)
    page.number_input(key="mg_depth").set_value(None).run()
    assert any(name.startswith("layer1.0") for name in labels(page))


def test_rolling_draws_a_reused_cell_once(page):
    page.selectbox(key="mg_builtin").set_value("gru").run()
    page.number_input(key="mg_depth").set_value(2).run()
    calls = [name for name in labels(page) if name.startswith("gru.cell")]
    assert sorted(calls) == [f"gru.cell (call {k})" for k in range(1, 7)]  # one box per step
    page.toggle(key="mg_roll").set_value(True).run()
    assert not page.exception
    assert [name for name in labels(page) if name.startswith("gru.cell")] == ["gru.cell x 6"]


def test_saved_tensors_are_drawn_on_top_of_the_budget(page):
    page.selectbox(key="mg_builtin").set_value("resnet").run()
    page.number_input(key="mg_budget").set_value(40).run()
    without = len(labels(page))
    page.toggle(key="mg_saved").set_value(True).run()
    assert not page.exception
    (dot,) = drawn_dots(page)
    ids = [nid for nid, _ in NODE.findall(dot)]
    saved = [nid for nid in ids if nid.startswith("s")]
    assert saved and len(ids) - len(saved) == without <= 40
