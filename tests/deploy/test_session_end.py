"""A closed tab's session is shut down on a real server once its reconnect window passes,
with no other visitor around to trigger it (widgets/session_reaper.py)."""

from __future__ import annotations

import asyncio

import pytest

from tests.deploy.replicas import replica, wait_until
from tests.e2e.protocol import Session

pytestmark = pytest.mark.slow


async def _visit(url: str) -> str:
    async with Session(url) as s:
        run = await s.run("")
        assert run.status == "FINISHED_SUCCESSFULLY"
        return s.session_id


def test_a_closed_session_is_shut_down_after_its_reconnect_window(tmp_path):
    log = tmp_path / "server.log"
    ttl = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "1", "STREAMLIT_LOGGER_LEVEL": "debug"}
    with replica(log, **ttl) as (url, _proc):
        first = asyncio.run(_visit(url))  # installs the reaper (the app's first run)
        second = asyncio.run(_visit(url))
        assert first and second and first != second
        shut = [f"Shutting down (id={sid})" for sid in (first, second)]
        assert wait_until(lambda: all(s in log.read_text(errors="replace") for s in shut), 20)
