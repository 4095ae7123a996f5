"""The image's entrypoint serves the app and its health check passes (run here directly: these
machines have Docker's client but no engine)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.deploy.replicas import ROOT, get, replica
from tests.e2e.server import free_port

pytestmark = pytest.mark.slow


def _healthcheck(port: str) -> int:
    env = {"PORT": port, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "deploy/healthcheck.py"], cwd=ROOT, env=env, timeout=30)
    return done.returncode


def test_the_entrypoint_serves_the_app_and_the_health_check_passes():
    with replica() as (url, _proc):
        port = url.rsplit(":", 1)[1]
        assert _healthcheck(port) == 0
        status, body, _ = get(url)
        assert status == 200 and "<noscript>" in body  # Streamlit's page, served
    assert _healthcheck(port) == 1  # and it fails once nothing answers


def test_the_health_check_fails_where_nothing_listens():
    assert _healthcheck(str(free_port())) == 1
