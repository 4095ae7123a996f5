"""Screenshots of every page at a desktop and a phone size, into assets/screenshots/.

Starts ``streamlit run app.py`` and opens each page in Debian's Chromium at 1440x900 and 390x844,
waits for its graph to be drawn, and saves ``<page>_<width>x<height>.png``. README shows two.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import pages_per_size  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
PAGES = ("home", "step_through", "dynamic_graphs", "graph_explorer", "expression_lab",
         "model_graph", "live_training")  # fmt: skip
# Lessons: (file name, address, the button to press first or None).
LESSONS = (("lesson_tensors_en", "course?lesson=tensors&step=3&lang=en", None),
           ("lesson_graph_zh", "course?lesson=graph&step=3&lang=zh", None),
           ("lesson_ddp_en", "course?lesson=ddp&step=3&lang=en", "Run one step on 2 processes"))  # fmt: skip
SIZES = ((1440, 900), (390, 844))
DRAWN = '[data-testid="stGraphVizChart"] svg, .gl-canvas g.node, [data-testid="stButton"]'


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for url, page, width, height in pages_per_size(SIZES):
        shots = [(n, "" if n == "home" else n, None) for n in PAGES] + list(LESSONS)
        for name, address, button in shots:
            page.goto(f"{url}/{address}")
            page.locator(DRAWN).filter(visible=True).first.wait_for()
            page.wait_for_load_state("networkidle")
            if button:  # e.g. a lesson's run, which fills the stage
                page.get_by_role("button", name=button).click()
                page.locator('[data-testid="stTable"]').first.wait_for()
            time.sleep(1.5)  # fonts and the canvas's first view settle
            path = OUT / f"{name}_{width}x{height}.png"
            page.screenshot(path=str(path))
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
