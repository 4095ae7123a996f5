"""Live Training in the browser, set up for a run long enough to watch: shared by its tests."""

from __future__ import annotations


def open_long_run(page, server_url: str, epochs: int):
    """Open Live Training with 50,000 images and `epochs` epochs set; return Start's button."""
    page.goto(f"{server_url}/live_training")
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Training images")
    slider.get_by_role("slider").focus()
    page.keyboard.press("End")  # 50,000 images
    page.get_by_text("50,000").first.wait_for()
    field = page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs")
    field.locator("input").fill(str(epochs))
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    return start
