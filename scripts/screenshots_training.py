"""Screenshots of Live Training's gradient views while a run trains, into assets/screenshots/.

    .venv/bin/python scripts/screenshots_training.py

Starts ``streamlit run app.py``, opens Live Training in Chromium at 1440x900 and 390x844,
starts a run of the default model, turns "Show the gradients" on, starts another, waits for
several samples, and saves the gradient charts as ``live_training_gradients_<size>.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import pages_per_size  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
SIZES = ((1440, 900), (390, 844))
CHART = '[data-testid="stVegaLiteChart"]'


def main() -> None:
    for url, page, width, height in pages_per_size(SIZES, 120_000):
        page.goto(f"{url}/live_training")
        page.get_by_role("button", name="Start training").click()
        toggle = page.get_by_text("Show the gradients")
        toggle.wait_for()
        toggle.click()
        # The first run may end before the switch was on: a second one is watched throughout.
        page.get_by_role("button", name="Start training").click()
        page.get_by_text("Layer", exact=True).first.wait_for()
        time.sleep(8)  # more samples: the curves and the heatmap fill in
        stop = page.get_by_role("button", name="Stop")
        if stop.is_enabled():  # still training: freeze the picture
            stop.click()
            time.sleep(2)
        page.get_by_text("Show the gradients").scroll_into_view_if_needed()
        page.mouse.wheel(0, 200)
        page.mouse.move(2, 2)  # no chart toolbar over a title
        time.sleep(1.5)
        path = OUT / f"live_training_gradients_{width}x{height}.png"
        page.screenshot(path=str(path))
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
