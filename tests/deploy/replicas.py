"""Start the app the way the image does (deploy/entrypoint.sh) and HAProxy the way compose does
(deploy/proxy.sh), on loopback ports: shared by the deploy tests and bench/load.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.e2e.server import ROOT, free_port, stop, wait_healthy


def _env(**extra: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT), **extra}


@contextmanager
def replica(log: Path | None = None, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """deploy/entrypoint.sh serving on a free loopback port, with `env` added to its
    environment (e.g. STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL); yields (url, process)."""
    port = free_port()
    env = _env(PORT=str(port), GRAPHLAB_ADDRESS="127.0.0.1", **env)
    with open(log or os.devnull, "wb") as out, _serving(["sh", "deploy/entrypoint.sh"], env, out,
                                                        port, 120) as served:  # fmt: skip
        yield served


@contextmanager
def proxy(backends: list[str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """deploy/proxy.sh in front of `backends` (host:port); yields (url, process)."""
    port = free_port()
    env = _env(GRAPHLAB_PROXY_BIND=f"127.0.0.1:{port}")
    with _serving(
        ["sh", "deploy/proxy.sh", *backends], env, subprocess.DEVNULL, port, 30
    ) as served:
        yield served


@contextmanager
def _serving(command: list[str], env: dict, out, port: int, seconds: float):
    """Run `command` (a server on `port`) until the block ends, once its health check passes."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, seconds=seconds)
        yield url, proc
    finally:
        stop(proc)


@contextmanager
def replicas_behind_proxy(n: int = 2) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`n` replicas and the proxy in front; yields (proxy url, replica processes)."""
    with ExitStack() as stack:
        started = [stack.enter_context(replica()) for _ in range(n)]
        url, _ = stack.enter_context(proxy([u.removeprefix("http://") for u, _ in started]))
        yield url, [p for _, p in started]


def get(url: str, cookie: str | None = None, timeout: float = 10) -> tuple[int, str, str | None]:
    """(status, body, the replica cookie the proxy set) of one GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (loopback)
        return reply.status, reply.read().decode(), _replica_cookie(reply.headers)


def _replica_cookie(headers) -> str | None:
    for value in headers.get_all("Set-Cookie") or ():
        if value.startswith("GRAPHLAB_REPLICA="):
            return value.split(";", 1)[0]
    return None


def wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False
