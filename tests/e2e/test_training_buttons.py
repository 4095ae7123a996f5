"""Pause and Resume in a real browser, ten times at random moments: each time the buttons and the
status badge come to agree with the trainer (paused: Resume, the badge "paused" and a step count
that stands still; running: Pause, the badge "running" and a step count that grows), and stay so.

The trainer lives in the server, so the page's own numbers stand in for it: the step on the
progress line, and the step the status line says the run paused at.
"""

import random
import re
import time

import pytest

from tests.e2e.training_page import open_long_run

pytestmark = pytest.mark.browser

STEP = re.compile(r"· step ([\d,]+) of")
PAUSED_AT = re.compile(r"paused at step ([\d,]+)")


# One read of the whole page, so that no redraw falls between reading the badge and a button.
PAGE = """() => [document.body.innerText, Array.from(document.querySelectorAll('button'))
    .map(b => [b.innerText, b.disabled])]"""


def _view(page) -> dict:
    """What the page shows now: badge words, which of Pause / Resume are there and enabled,
    the progress line's step and the step the status line says the run paused at."""
    body, buttons = page.evaluate(PAGE)
    lines = {line.strip() for line in body.splitlines()}
    step, paused_at = STEP.search(body), PAUSED_AT.search(body)
    named = {
        name: [not off for text, off in buttons if name in text] for name in ("Pause", "Resume")
    }
    return {
        "badge": {w for w in ("running", "paused") if w in lines},
        "pause": named["Pause"] == [True],
        "resume": named["Resume"] == [True],
        "step": int(step.group(1).replace(",", "")) if step else None,
        "paused_at": int(paused_at.group(1).replace(",", "")) if paused_at else None,
    }


def _agrees(view: dict, status: str) -> bool:
    if status == "paused":
        return (view["badge"] == {"paused"} and view["resume"] and not view["pause"]
                and view["paused_at"] is not None and view["paused_at"] == view["step"])  # fmt: skip
    return view["badge"] == {"running"} and view["pause"] and not view["resume"]


def _settles(page, status: str, seconds: float = 15.0) -> dict:
    """Wait until the page agrees with ``status`` (the badge appears first, the buttons must
    follow on their own: no reload, no other click); return that view."""
    deadline = time.monotonic() + seconds
    while True:
        view = _view(page)
        if _agrees(view, status):
            return view
        assert time.monotonic() < deadline, f"still {view} {seconds} s after asking for {status}"
        time.sleep(0.1)


def test_pause_and_resume_ten_times_keep_buttons_and_badge_in_agreement(page, server_url):
    start = open_long_run(page, server_url, epochs=10)  # far longer than the test
    start.click()
    _settles(page, "running")
    moments = random.Random(17)
    for _ in range(10):
        time.sleep(moments.uniform(0.0, 1.5))  # some clicks land mid-step, some mid-redraw
        page.get_by_role("button", name="Pause").click()
        paused = _settles(page, "paused")
        time.sleep(moments.uniform(0.5, 1.5))
        still = _settles(page, "paused", seconds=1)  # no steps while paused, still agreeing
        assert still["step"] == paused["step"]
        page.get_by_role("button", name="Resume").click()
        _settles(page, "running")
        deadline = time.monotonic() + 15
        while (_view(page)["step"] or 0) <= paused["step"]:  # steps again, drawn as they come
            assert time.monotonic() < deadline, "resumed but the step count stands still"
            time.sleep(0.1)
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Continue").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
