"""Load test with real browsers: many Chromium contexts (Playwright) on one journey at once.

    .venv/bin/python bench/load_browser.py --visitors 5
    .venv/bin/python bench/load_browser.py --visitors 10 --replicas 2

The same journey as bench/load.py (Home, a gallery graph, an Expression Lab program from a
share link and its gradient check, Step Through and Next, Model Graph), timed from the click
to the drawn result. Browsers share this machine's cores with the server and dominate the
cost: bench/load.py measures the server alone; this says what a visitor of a busy server sees.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.sandbox.share import encode_program  # noqa: E402
from tests.deploy.replicas import proxy, replica  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PROGRAM = "x = torch.randn(3, requires_grad=True)\nw = torch.randn(3, requires_grad=True)\nload_y = (x * w).sum()"
GRAPH = '[data-testid="stGraphVizChart"] svg, .gl-canvas svg'


async def journey(browser, url: str, timings: dict, failures: list) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)

    async def step(name: str, action, done) -> None:
        start = time.perf_counter()
        try:
            await action()
            await done()
            if await page.locator('[data-testid="stException"]').count():
                raise RuntimeError("the page shows an exception")
        except Exception as err:  # noqa: BLE001 (counted; the journey goes on)
            failures.append(f"{name}: {type(err).__name__}: {str(err).splitlines()[0][:90]}")
            return
        timings.setdefault(name, []).append(time.perf_counter() - start)

    def graph(text: str | None = None):
        locator = page.locator(GRAPH)
        return (locator.filter(has_text=text) if text else locator).first.wait_for

    code = encode_program(PROGRAM)
    await step("home", lambda: page.goto(url), graph("TanhBackward0"))
    await step("gallery graph", lambda: page.goto(f"{url}/graph_explorer"), graph())
    await step(
        "expression lab", lambda: page.goto(f"{url}/expression_lab?code={code}"), graph("load_y")
    )
    button = page.get_by_role("button", name="Check gradients")
    await step("gradient check", button.click, page.get_by_text("gradcheck").first.wait_for)
    await step("step through", lambda: page.goto(f"{url}/step_through"), graph())
    previous = 'button:has-text("Previous"):not([disabled])'  # enabled once past frame 1
    await step("step next", page.get_by_role("button", name="Next").first.click,
               lambda: page.wait_for_selector(previous))  # fmt: skip
    await step("model graph", lambda: page.goto(f"{url}/model_graph"), graph())
    await context.close()


async def run(url: str, visitors: int) -> tuple[dict, list, float]:
    from playwright.async_api import async_playwright

    timings: dict[str, list] = {}
    failures: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = time.perf_counter()
        await asyncio.gather(*(journey(browser, url, timings, failures) for _ in range(visitors)))
        seconds = time.perf_counter() - start
        await browser.close()
    return timings, failures, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=5)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    visitors = min(args.visitors, 25)  # browsers: about 150 MB and a core's share each
    with ExitStack() as stack:
        started = [stack.enter_context(replica()) for _ in range(args.replicas)]
        url = started[0][0]
        if args.replicas > 1:
            url = stack.enter_context(proxy([u.removeprefix("http://") for u, _ in started]))[0]
        timings, failures, seconds = asyncio.run(run(url, visitors))
    steps = sum(len(v) for v in timings.values()) + len(failures)
    print(f"{visitors} browser visitors, {args.replicas} replica(s), {seconds:.1f} s: "
          f"{steps - len(failures)}/{steps} steps succeeded")  # fmt: skip
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]
        print(
            f"  {name:16} n={len(values):3}  p50 {statistics.median(values):6.2f} s  p95 {p95:6.2f} s"
        )
    for failure in failures[:10]:
        print("  FAILED", failure)


if __name__ == "__main__":
    main()
