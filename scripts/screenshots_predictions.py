"""Screenshots of Live Training's grid of test predictions, into assets/screenshots/ (or DIR).

    .venv/bin/python scripts/screenshots_predictions.py [DIR]

Starts ``streamlit run app.py``, opens Live Training in Chromium at 1440x900 and 390x844,
trains the default quick run, and saves the Predictions tab, half mistakes on purpose then with
"Random sample" on, as ``live_training_predictions_<size>[_random].png``: each tile's label in
its own band, none over another tile or another label.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import pages_per_size  # noqa: E402

SIZES = ((1440, 900), (390, 844))
CHART = '[data-testid="stPlotlyChart"]'


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for url, page, width, height in pages_per_size(SIZES, 180_000):
        page.goto(f"{url}/live_training")
        page.get_by_role("button", name="Start training").click()
        toggle = page.get_by_text("Random sample", exact=True)
        toggle.wait_for()
        for suffix in ("", "_random"):
            if suffix:
                toggle.click()
                page.get_by_text("drawn at random from all").wait_for()
            time.sleep(2)
            page.locator(CHART).first.scroll_into_view_if_needed()
            toggle.scroll_into_view_if_needed()
            page.mouse.move(2, 2)  # no chart toolbar over a label
            time.sleep(1)
            path = out / f"live_training_predictions_{width}x{height}{suffix}.png"
            page.screenshot(path=str(path))
            print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "assets" / "screenshots")
