"""Train in a real browser: the polled fragment redraws the loss curve, Stop stops, and a digit
drawn on the canvas gets class probabilities."""

import time

import pytest

pytestmark = pytest.mark.browser

CHARTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'
# Steps drawn and x range of each live Plotly chart, read from Plotly's own state in the page.
CURVES = f"""() => Array.from(document.querySelectorAll('{CHARTS}'))
    .filter(g => g.layout && g.layout.title && String(g.layout.title.text).includes('loss'))
    .map(g => [g.data[0].x.length, g._fullLayout.xaxis.range])"""


def _loss_curve(page) -> tuple[int, list[float]]:
    page.wait_for_function(f"() => ({CURVES})().length > 0")
    return page.evaluate(CURVES)[-1]


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def test_a_live_run_redraws_stops_and_classifies_a_drawing(page, server_url):
    page.goto(f"{server_url}/live_training")
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Training images")
    slider.get_by_role("slider").focus()
    page.keyboard.press("End")  # 50,000 images: a run long enough to watch
    page.get_by_text("50,000").first.wait_for()
    epochs = page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs")
    epochs.locator("input").fill("3")
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    start.click()

    steps, _ = _loss_curve(page)
    _wait(lambda: _loss_curve(page)[0] > steps)  # the fragment redrew with more steps

    steps, _ = _loss_curve(page)
    _wait(lambda: _loss_curve(page)[0] > steps)  # and again: it keeps polling while running

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
