"""Memory of a running app after one visitor opened every page: the server and its workers.

Starts ``streamlit run app.py`` (from ``--root``, with ``--python``: so an older checkout can be
measured against this one in the same run), opens each page once in Debian's Chromium, waits for
it to finish running, then reads the resident memory (RSS) of the server process and of every
process it started (the sandbox workers) from /proc.

    .venv/bin/python bench/memory.py
    .venv/bin/python bench/memory.py --root /tmp/old-checkout --python /tmp/old-venv/bin/python
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

PAGES = ("", "step_through", "dynamic_graphs", "graph_explorer", "expression_lab",
         "model_graph", "live_training")  # fmt: skip


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children's children too), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def visit_every_page(url: str, settle: float) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(60_000)
        for path in PAGES:
            page.goto(f"{url}/{path}")
            page.wait_for_selector('[data-testid="stApp"]')
            time.sleep(settle)  # let the page's script and its worker requests finish
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose app.py to run")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run it with")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds to wait on a page")
    args = parser.parse_args()
    with streamlit_server(args.root, args.python) as (url, server):
        idle = rss_mib(server.pid)
        visit_every_page(url, args.settle)
        time.sleep(args.settle)
        children = descendants(server.pid)
        workers = {pid: rss_mib(pid) for pid in children}
        total = rss_mib(server.pid) + sum(workers.values())
        print(f"checkout: {args.root}")
        print(f"server at start: {idle:7.0f} MiB")
        print(f"server after one visit of {len(PAGES)} pages: {rss_mib(server.pid):7.0f} MiB")
        for pid, mib in workers.items():
            print(f"  child process {pid}: {mib:7.0f} MiB")
        print(f"processes: 1 server + {len(workers)} children; total RSS {total:.0f} MiB")


if __name__ == "__main__":
    main()
