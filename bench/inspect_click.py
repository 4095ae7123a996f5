"""Time from a click on a node of the graph canvas to the inspector showing that node.

Starts ``streamlit run app.py``, opens Graph Explorer in Debian's Chromium and clicks its nodes
in turn; each time is measured in the browser, from the click to the details table naming the
clicked node. Prints p50 and p95.

    .venv/bin/python bench/inspect_click.py --clicks 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

NODES = ("SigmoidBackward0", "AddBackward0", "DotBackward0")  # the neuron example's ops
TIMED_CLICK = """([name, deadline]) => new Promise((done, fail) => {
  const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot
    && e.shadowRoot.querySelector('.gl-canvas'));
  const node = [...host.shadowRoot.querySelectorAll('g.node')]
    .find(g => g.textContent.includes(name));
  const box = node.getBoundingClientRect();
  const at = { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2,
               pointerId: 1, bubbles: true, composed: true, isPrimary: true };
  const start = performance.now();
  node.dispatchEvent(new PointerEvent('pointerdown', at));
  node.dispatchEvent(new PointerEvent('pointerup', at));
  const check = () => {
    const table = document.querySelector('[data-testid="stTable"]');
    if (table && table.innerText.includes(name)) return done(performance.now() - start);
    if (performance.now() - start > deadline) return fail(new Error('no update for ' + name));
    requestAnimationFrame(check);
  };
  check();
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with streamlit_server() as (url, _server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/graph_explorer")
        page.locator(".gl-canvas g.node").first.wait_for(state="visible", timeout=60_000)
        # Clicks alternate between nodes, so each one changes what the inspector shows.
        times = [page.evaluate(TIMED_CLICK, [NODES[i % len(NODES)], 30_000])
                 for i in range(args.clicks + 1)][1:]  # fmt: skip
        browser.close()
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"click -> inspector, {len(times)} clicks: p50 {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, max {max(times):.0f} ms"
    )


if __name__ == "__main__":
    main()
