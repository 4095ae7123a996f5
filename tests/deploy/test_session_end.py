"""A closed tab's session is shut down on a real server once its reconnect window passes,
with no other visitor around to trigger it (widgets/session_reaper.py), and what it held (its
replies, its training run) is released."""

from __future__ import annotations

import asyncio

import pytest

from graphlab.sandbox.share import encode_program
from tests.deploy.replicas import replica, wait_until
from tests.e2e.protocol import Session, drawn_states
from tests.e2e.test_upload_flood import _rss_mb

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


BIG = "x = torch.ones(1, requires_grad=True)\ny = x\nfor i in range(4000):\n    y = y * 1.0001"


async def _hold(url: str, train: bool) -> str:
    """A visitor who keeps a big Expression Lab reply (a 4,000-op graph) and, with `train`, a
    training run; then closes the tab."""
    async with Session(url, timeout=120) as s:
        run = await s.run("expression_lab", "code=" + encode_program(BIG))
        assert run.status == "FINISHED_SUCCESSFULLY" and not run.exceptions
        if train:  # the longest run the page allows: it outlives the tab by far
            page = await s.run("live_training")
            states = drawn_states(page, {"Epochs": 10.0, "Training images": "50,000"})
            started = await s.run(
                "live_training", press=page.buttons["Start training"], states=states
            )
            assert not any("Not started" in t for t in started.texts), started.texts
        return s.session_id


async def _start_training(url: str) -> list[str]:
    async with Session(url, timeout=120) as s:
        page = await s.run("live_training")
        states = drawn_states(page, {})
        return (await s.run("live_training", press=page.buttons["Start training"],
                            states=states)).texts  # fmt: skip


def test_a_closed_sessions_memory_and_training_run_are_released(tmp_path):
    log = tmp_path / "server.log"
    env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "1", "GRAPHLAB_MAX_TRAIN_JOBS": "1",
           "STREAMLIT_LOGGER_LEVEL": "debug"}  # fmt: skip
    with replica(log, **env) as (url, proc):
        # Warm: the first run loads MNIST (shared by every later run) and the first reply
        # imports and caches; the baseline is taken once that visitor's session has ended.
        asyncio.run(_hold(url, train=True))
        assert wait_until(lambda: log.read_text(errors="replace").count("Shutting down") >= 1, 30)
        base = _rss_mb(proc.pid)
        held = [asyncio.run(_hold(url, train=i == 0)) for i in range(6)]
        shut = [f"Shutting down (id={sid})" for sid in held]
        assert wait_until(lambda: all(s in log.read_text(errors="replace") for s in shut), 30)
        # A gross leak guard: what six sessions leave is a few MB, but the allocator keeps some
        # freed memory for the next training step (jobs.keep_freed_memory): 0-41 MB measured.
        assert wait_until(lambda: _rss_mb(proc.pid) < base + 100, 20), (base, _rss_mb(proc.pid))
        # The trainer of the closed tab was stopped: its slot is free for the next visitor.
        texts = asyncio.run(_start_training(url))
        assert not any("ahead of you" in t or "in line" in t for t in texts), texts
