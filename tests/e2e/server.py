"""A real `streamlit run app.py` on a free loopback port, and how to launch Debian's Chromium:
shared by the browser tests, the benchmarks that drive a browser, and scripts/screenshots.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


def stop(proc: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def streamlit_server(
    root: Path = ROOT, python: str = sys.executable, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve `root`'s app.py with `python` until the block ends; yields (url, process).

    The log goes to the file `log` (or nowhere), never to a pipe: a pipe nobody reads fills up
    after 64 KiB of log lines, and then the server blocks on its next write and stops answering.
    """
    port = free_port()
    command = [python, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.fileWatcherType", "none"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(root)}
    with open(log or os.devnull, "wb") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, proc)
        except RuntimeError as e:
            tail = log.read_text()[-4000:] if log else "(not kept)"
            raise RuntimeError(f"{e}; its log:\n{tail}") from None
        yield url, proc
    finally:
        stop(proc)


def pages_per_size(sizes, timeout_ms: int = 60_000) -> Iterator[tuple[str, object, int, int]]:
    """The app served, and a fresh Chromium page for each (width, height) of `sizes` in turn:
    yields (url, page, width, height); each page is closed when the next is asked for."""
    from playwright.sync_api import sync_playwright

    with streamlit_server() as (url, _server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in sizes:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(timeout_ms)
            yield url, page, width, height
            page.close()
        browser.close()
