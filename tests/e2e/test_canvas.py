"""The graph canvas in Chromium: zoom, pan and fit change the view; a click inspects a node;
labels are readable at the first view of every gallery example."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from graphlab.lessons import gallery
from graphlab.models import BUILTINS
from widgets.model_builder import DEFAULT as DEFAULT_MODEL

pytestmark = pytest.mark.browser

CANVAS = ".gl-canvas"
# Which drawing the first canvas shows (the digest of its DOT), read from the page.
CANVAS_KEY = """() => { const host = [...document.querySelectorAll('*')]
  .find(e => e.shadowRoot && e.shadowRoot.querySelector('.gl-canvas'));
  return host ? host.shadowRoot.querySelector('.gl-canvas').__gl.key : null; }"""


def _first_in_view(page, nodes):
    """The first of `nodes` drawn inside the canvas's visible area."""
    area = page.locator(f"{CANVAS} .stage").first.bounding_box()
    for i in range(nodes.count()):
        box = nodes.nth(i).bounding_box()
        if (
            box
            and area["x"] <= box["x"]
            and box["x"] + box["width"] <= area["x"] + area["width"]
            and area["y"] <= box["y"]
            and box["y"] + box["height"] <= area["y"] + area["height"]
        ):
            return nodes.nth(i)
    raise AssertionError("no node inside the canvas's visible area")


def _view(page) -> list[float]:
    box = page.locator(f"{CANVAS} svg").first.get_attribute("viewBox")
    return [float(v) for v in box.split()]


def _label_heights(page) -> list[float]:
    """Node label heights on the first canvas, once its drawing has settled: a measure taken
    while a new SVG replaces the old one reads 0 for labels not laid out yet."""
    measure = (
        "() => { const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot"
        " && e.shadowRoot.querySelector('.gl-canvas'));"
        " return [...host.shadowRoot.querySelectorAll('g.node text')]"
        ".map(t => t.getBoundingClientRect().height); }"
    )
    with contextlib.suppress(PlaywrightTimeout):  # the caller's assertion reports the heights
        page.wait_for_function(f"() => ({measure})().every(h => h > 0)", timeout=10_000)
    return page.evaluate(measure)


def _open_explorer(page, server_url, name: str = "neuron"):
    page.goto(f"{server_url}/graph_explorer")
    page.locator(f"{CANVAS} g.node").first.wait_for(state="visible")
    if name != "neuron":
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Example").first.click()
        page.get_by_role("option", name=gallery.EXAMPLES[name].title, exact=True).click()
    # Drawn: every node but the saved tensors (hidden by default).
    drawn = sum(n.kind != "saved" for n in gallery.graph(name).nodes)
    page.wait_for_function(
        "n => document.querySelector('[data-testid=\"stMain\"]') && [...document.querySelectorAll"
        "('*')].some(e => e.shadowRoot && e.shadowRoot.querySelectorAll('g.node').length === n)",
        arg=drawn,
    )


def test_zoom_pan_and_fit_change_the_view(page, server_url):
    _open_explorer(page, server_url)
    stage = page.locator(f"{CANVAS} .stage").first
    box = stage.bounding_box()
    start = _view(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)  # zoom in: a smaller part of the graph fills the same box
    zoomed = _view(page)
    assert zoomed[2] < start[2] * 0.8 and zoomed[3] < start[3] * 0.8
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 60, steps=5)
    page.mouse.up()
    panned = _view(page)
    assert panned[0] < zoomed[0] and panned[1] < zoomed[1]  # dragging right shows what is left
    assert panned[2:] == pytest.approx(zoomed[2:])
    page.locator(f"{CANVAS} button.zoom-out").first.click()
    assert _view(page)[2] > panned[2]
    page.locator(f"{CANVAS} button.fit").first.click()
    fitted = _view(page)
    graph_w, graph_h = (
        float(v)
        for v in page.locator(f"{CANVAS} svg")
        .first.evaluate(
            "svg => svg.querySelector('g.graph').getBBox().width + ' ' + "
            "svg.querySelector('g.graph').getBBox().height"
        )
        .split()
    )
    assert fitted[2] >= graph_w - 1 and fitted[3] >= graph_h - 1  # the whole graph is in view


def test_clicking_a_node_inspects_it(page, server_url):
    _open_explorer(page, server_url)
    node = page.locator(f"{CANVAS} g.node").filter(has_text="SigmoidBackward0").first
    node.click()
    # The inspector shows the node, and the drawing outlines it.
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stTable\"]') || {}).innerText"
        "?.includes('SigmoidBackward0')"
    )
    selected = page.locator(f"{CANVAS} g.node.gl-selected")
    selected.filter(has_text="SigmoidBackward0").first.wait_for()
    assert selected.count() == 1
    table = page.locator('[data-testid="stTable"]').first.inner_text()
    assert "SigmoidBackward0" in table and "op" in table


@pytest.mark.parametrize("name", list(gallery.EXAMPLES))
def test_node_labels_are_readable_at_the_first_view(page, server_url, name):
    _open_explorer(page, server_url, name)
    heights = _label_heights(page)
    assert heights and min(heights) >= 10, (name, min(heights))


def test_clicking_a_collapsed_module_on_model_graph_opens_it(page, server_url):
    page.goto(f"{server_url}/model_graph")
    page.locator(f"{CANVAS} g.node").first.wait_for(state="visible")
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="built-in model").first
    picker.click()
    page.get_by_role("option", name="ResNet-style, very deep (~10k nodes)").click()
    boxes = page.locator(f"{CANVAS} g.node").filter(
        has=page.locator("title", has_text=re.compile(r"^m\d+$"))
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].some(e => e.shadowRoot && [...e.shadowRoot"
        ".querySelectorAll('g.node title')].some(t => /^m\\d+$/.test(t.textContent)))"
    )
    # The first view fills its node budget, wider than the canvas: fit it, then click a box.
    page.locator(f"{CANVAS} button.fit").first.click()
    box = _first_in_view(page, boxes)
    label = box.locator("text").first.text_content()
    box.click()
    # The box is gone: the module it stood for is open, its insides drawn in its place.
    page.wait_for_function(
        "label => { const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot"
        " && e.shadowRoot.querySelector('.gl-canvas'));"
        " return host && ![...host.shadowRoot.querySelectorAll('g.node')]"
        ".some(g => /^m\\d+$/.test(g.querySelector('title').textContent)"
        " && g.querySelector('text') && g.querySelector('text').textContent === label); }",
        arg=label,
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("name", list(BUILTINS))
def test_model_graph_labels_are_readable_at_the_first_view(page, server_url, name):
    page.goto(f"{server_url}/model_graph")
    page.locator(f"{CANVAS} g.node").first.wait_for(state="visible")
    if name != DEFAULT_MODEL:
        before = page.evaluate(CANVAS_KEY)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="built-in model").first.click()
        page.get_by_role("option", name=BUILTINS[name].title, exact=True).click()
        page.wait_for_function(f"k => ({CANVAS_KEY})() !== k", arg=before, timeout=60_000)
    heights = _label_heights(page)
    assert heights and min(heights) >= 10, (name, min(heights))


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_step_through_controls_stay_in_view_with_the_graph(browser, server_url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server_url}/step_through")
        page.locator(f"{CANVAS} g.node").first.wait_for(state="visible")
        toolbar = page.get_by_role("button", name="Next")
        if size[0] < 640:  # a phone scrolls to the toolbar; the graph must be right below it
            page.get_by_role("button", name="Play").evaluate(
                "e => e.scrollIntoView({block: 'start'})"
            )
        bar, canvas = toolbar.bounding_box(), page.locator(CANVAS).first.bounding_box()
        assert bar["y"] >= 0 and bar["y"] + bar["height"] <= size[1]
        assert canvas["y"] + 150 <= size[1]  # at least 150 px of the graph in view too
        toolbar.click()  # and pressing Next changes what is drawn
        page.get_by_text("2 / ").first.wait_for(state="visible")
    finally:
        context.close()


# The first module frame whose title is in view on the first canvas: its name and where to click.
VISIBLE_FRAME = """() => { const host = [...document.querySelectorAll('*')]
  .find(e => e.shadowRoot && e.shadowRoot.querySelector('.gl-canvas'));
  if (!host) return null;
  const stage = host.shadowRoot.querySelector('.stage').getBoundingClientRect();
  for (const g of host.shadowRoot.querySelectorAll('g.cluster')) {
    const t = g.querySelector(':scope > text');
    if (!t) continue;
    const r = t.getBoundingClientRect();
    if (r.left >= stage.left && r.right <= stage.right && r.top >= stage.top
        && r.bottom <= stage.bottom - 10)
      return {label: t.textContent, x: r.left + r.width / 2, y: r.top + r.height / 2};
  }
  return null; }"""


def test_clicking_an_open_modules_frame_closes_it(page, server_url):
    page.goto(f"{server_url}/model_graph")
    page.locator(f"{CANVAS} g.cluster").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    frame = page.evaluate(VISIBLE_FRAME)
    assert frame is not None, "no module frame in view"
    module = frame["label"].split(" · ")[0]
    page.mouse.click(frame["x"], frame["y"])
    # The frame is gone and a collapsed box for that module took its place.
    page.wait_for_function(
        "m => { const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot"
        " && e.shadowRoot.querySelector('.gl-canvas')); if (!host) return false;"
        " const r = host.shadowRoot;"
        " const frames = [...r.querySelectorAll('g.cluster > text')].map(t => t.textContent);"
        " const boxes = [...r.querySelectorAll('g.node')].filter(g => /^m\\d+$/.test("
        "g.querySelector('title').textContent)).map(g => g.querySelector('text').textContent);"
        " return !frames.some(f => f.split(' · ')[0] === m) && boxes.includes(m); }",
        arg=module,
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0


# How much of the picture's width the first canvas shows, as a fraction.
SHOWN_ACROSS = """() => { const host = [...document.querySelectorAll('*')]
  .find(e => e.shadowRoot && e.shadowRoot.querySelector('.gl-canvas'));
  const s = host.shadowRoot.querySelector('.gl-canvas').__gl;
  return Math.min(1, s.vb.w / s.box.w); }"""


@pytest.mark.parametrize("name", list(BUILTINS))
def test_model_graphs_first_view_shows_the_model_across(page, server_url, name):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{server_url}/model_graph")
    page.locator(f"{CANVAS} g.node").first.wait_for(state="visible")
    if name != DEFAULT_MODEL:
        before = page.evaluate(CANVAS_KEY)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="built-in model").first.click()
        page.get_by_role("option", name=BUILTINS[name].title, exact=True).click()
        page.wait_for_function(f"k => ({CANVAS_KEY})() !== k", arg=before, timeout=60_000)
    page.wait_for_load_state("networkidle")
    # Within the slack the budget allows (1.2x the view), at a readable size.
    assert page.evaluate(SHOWN_ACROSS) >= 0.8, name
    heights = _label_heights(page)
    assert min(heights) >= 10, (name, min(heights))


# The smallest node label height on each graph canvas of the page.
LABEL_HEIGHTS = """() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot
  && e.shadowRoot.querySelector('.gl-canvas')).map(e => Math.min(...[...e.shadowRoot
  .querySelectorAll('g.node text')].map(t => t.getBoundingClientRect().height)))"""


def test_dynamic_graphs_both_canvases_are_readable_on_a_phone(browser, server_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server_url}/dynamic_graphs")
        page.wait_for_function(f"() => ({LABEL_HEIGHTS})().length === 2")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)  # the columns stack; the canvases settle at their width
        heights = page.evaluate(LABEL_HEIGHTS)
        assert min(heights) >= 10, heights
    finally:
        context.close()
