"""Train in a real browser: the polled fragment redraws the loss curve, a zoom on it survives the
redraws, Stop stops, and a digit drawn on the canvas gets class probabilities."""

import time

import pytest

from tests.e2e.training_page import open_long_run

pytestmark = pytest.mark.browser

CHARTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'
VEGA = '[data-testid="stVegaLiteChart"]'
# The loss chart's drawn lines and the domains of its axes (Vega's SVG names them for screen
# readers: "X-axis titled 'step' for a linear scale with values from 29 to 231").
LOSS_VIEW = f"""() => {{
    const chart = Array.from(document.querySelectorAll('{VEGA}'))
        .find(c => c.textContent.includes('Training loss'));
    if (!chart) return null;
    const lines = Array.from(chart.querySelectorAll('.role-mark.mark-line path'));
    const domain = axis => chart.querySelector(`.role-axis[aria-label^="${{axis}}-axis"]`)
        ?.getAttribute('aria-label').replace(/.* with values /, '');
    return [lines.map(p => p.getAttribute('d')).join(' '), domain('X'), domain('Y')];
}}"""


def _loss_view(page) -> tuple[str, str, str]:
    """The loss chart's line paths (they change as points arrive) and its x and y domains."""
    page.wait_for_function(f"() => {{ const v = ({LOSS_VIEW})(); return v && v[0].length > 0; }}")
    return tuple(page.evaluate(LOSS_VIEW))


def _domain(text: str) -> tuple[float, float]:
    """(low, high) of an axis's "from LOW to HIGH" description."""
    low, high = text.removeprefix("from ").split(" to ")
    return float(low.replace(",", "")), float(high.replace(",", ""))


def _zoom_settled_on(page) -> bool:
    """Whether the loss chart's axes stayed put for most of a second."""
    before = _loss_view(page)[1:]
    time.sleep(0.75)
    return _loss_view(page)[1:] == before


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def test_a_live_run_redraws_stops_and_classifies_a_drawing(page, server_url):
    start = open_long_run(page, server_url, epochs=3)  # a run long enough to watch
    start.click()

    lines = _loss_view(page)[0]
    _wait(lambda: _loss_view(page)[0] != lines)  # the fragment redrew with more steps

    lines = _loss_view(page)[0]
    _wait(lambda: _loss_view(page)[0] != lines)  # and again: it keeps polling while running

    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Continue").wait_for()
    page.get_by_text("stopped", exact=True).first.wait_for()

    page.get_by_role("tab", name="Try a digit").click()
    canvas = page.locator("canvas").first
    canvas.wait_for()
    c = canvas.bounding_box()
    page.mouse.move(c["x"] + 0.5 * c["width"], c["y"] + 0.15 * c["height"])
    page.mouse.down()
    page.mouse.move(c["x"] + 0.5 * c["width"], c["y"] + 0.85 * c["height"], steps=10)
    page.mouse.up()
    page.get_by_text("What the model sees (28x28)").wait_for()
    page.locator(CHARTS).filter(has_text="Prediction:").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_zoom_on_the_loss_curve_survives_live_updates(page, server_url):
    page.goto(f"{server_url}/live_training")
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    # 10,000 images in batches of 16: 6,250 steps of the CNN, updates for longer than the test
    for name, keys in [("Training images", ["Home", "ArrowRight", "ArrowRight"]),
                       ("Batch size", ["Home"])]:  # fmt: skip
        slider = page.locator('[data-testid="stSlider"]').filter(has_text=name)
        slider.get_by_role("slider").focus()
        for key in keys:
            page.keyboard.press(key)
    page.get_by_text("10,000").first.wait_for()
    epochs = page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs")
    epochs.locator("input").fill("10")
    page.keyboard.press("Enter")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Model").click()
    page.get_by_role("option", name="cnn").click()
    page.wait_for_timeout(500)
    start.click()

    _wait(lambda: _loss_view(page)[1] not in (None, "from 0 to 0"))  # some steps drawn
    plot = page.locator(VEGA).filter(has_text="Training loss").locator("svg path.background")
    box = plot.first.bounding_box()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.wheel(0, -400)  # zoom in around the pointer
    # Unzoomed, the step axis starts at 0; zoomed in at 30% of the width, it no longer does.
    _wait(lambda: not _loss_view(page)[1].startswith("from 0 "), seconds=5)
    _wait(
        lambda: _zoom_settled_on(page)
    )  # the wheel's steps land one after another: take the zoom after all
    # The first redraw after the wheel may still settle the zoom's last step: take it after one.
    lines = _loss_view(page)[0]
    _wait(lambda lines=lines: _loss_view(page)[0] != lines)
    lines, *zoomed = _loss_view(page)
    assert not zoomed[0].startswith("from 0 ")  # still zoomed in: the redraw kept the zoom

    for _ in range(2):  # two redraws with new points: the axes stay where the visitor put them
        _wait(lambda lines=lines: _loss_view(page)[0] != lines)
        lines, *axes = _loss_view(page)
        # Vega prints a domain it zoomed itself rounded ("from 0.4 to 2.0") and one restored
        # from the kept selection in full ("from 0.398098904671 to 2.00718858657"): compare
        # the numbers.
        assert [_domain(a) for a in axes] == [pytest.approx(_domain(z), rel=0.02) for z in zoomed]
    page.mouse.dblclick(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    _wait(lambda: _loss_view(page)[1].startswith("from 0 "), seconds=5)  # reset: all steps
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Stop").click()  # not left running for the next tests
    page.get_by_role("button", name="Continue").wait_for()
