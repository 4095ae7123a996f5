"""The waiting UI (widgets/worker_wait.py) in AppTest: the place in line and Cancel, a cancelled
program, and a busy sandbox whose refusal is shown once and never kept.

AppTest runs a script to its end, so it cannot click Cancel while a request waits; the display
is driven directly for that, and the pages through the real pool otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

import graphlab.worker.pool as pool_module
from graphlab.worker import PoolConfig, WorkerPool
from tests.app.pages import TIMEOUT, drawn_dots, open_page, run_in_editor
from tests.worker.test_pool import UNLIMITED, stall
from widgets.worker_wait import CANCEL, request_key

PAGE = "app_pages/expression_lab.py"
PROGRAM = "x = torch.tensor([1.0, 2.0], requires_grad=True)\nz = (x * 3).sum()\n"


def _waiting_script() -> None:
    import streamlit as st

    from widgets.worker_wait import wait_display

    on_wait = wait_display(st.empty(), "evaluate_abc")
    on_wait(2)
    on_wait(st.session_state.get("ahead_then", 1))


def test_the_wait_shows_the_place_in_line_and_cancel_marks_the_request() -> None:
    at = AppTest.from_function(_waiting_script, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert [info.value for info in at.info] == ["1 ahead of you"]  # redrawn in place
    at.session_state["ahead_then"] = None
    at.run()
    assert [c.value for c in at.caption] == ["Your program is running..."] and not at.info
    at.button(key="worker_cancel_evaluate_abc").click().run()
    assert at.session_state[CANCEL] == "evaluate_abc"


@pytest.fixture
def tiny_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerPool]:
    """The app's shared pool, replaced: one worker at a time, nobody may wait."""
    pool = WorkerPool(PoolConfig(workers=1, queue=0, spare=1, timeout=2.0))
    assert pool.warm(1)
    monkeypatch.setattr(pool_module, "_shared", pool)
    yield pool
    pool.close()


def test_a_cancelled_program_says_so_once_then_runs_again(tiny_pool: WorkerPool) -> None:
    at = open_page(PAGE)
    at.session_state[CANCEL] = request_key(PROGRAM, "evaluate")  # what Cancel's callback does
    run_in_editor(at, "lab_code", PROGRAM)
    assert [e.value for e in at.error] == ["the program was cancelled"]
    at.run()  # the next rerun runs it: a cancel is not remembered
    assert not at.error
    assert "SumBackward0" in drawn_dots(at)[0]


def test_a_busy_sandbox_refuses_clearly_and_the_next_rerun_succeeds(tiny_pool: WorkerPool) -> None:
    at = open_page(PAGE)
    other = threading.Thread(target=tiny_pool.run, args=(stall(), UNLIMITED), daemon=True)
    other.start()
    while tiny_pool.status()["busy"] == 0:
        other.join(0.02)
    run_in_editor(at, "lab_code", PROGRAM)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "the sandbox is busy" in errors[0]
    assert "0 programs are waiting" in errors[0]
    other.join()
    tiny_pool.warm(1)
    at.run()
    assert not at.error
    assert "SumBackward0" in drawn_dots(at)[0]
