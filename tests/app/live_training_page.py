"""Live Training in AppTest, shared by its page tests: the page for one visitor (whose run is
stopped afterwards), starting a run from the settings, and waiting for the trainer's thread."""

from __future__ import annotations

import time
from collections.abc import Iterator

from streamlit.testing.v1 import AppTest

from graphlab import train
from tests.app.pages import open_page
from widgets import training

PAGE = "app_pages/live_training.py"


def live_page() -> Iterator[AppTest]:
    """The page (a fixture's body): afterwards the visitor's run is stopped and no slot is held."""
    app = open_page(PAGE)
    yield app
    job = app.session_state.get(training.TRAINER)
    if job is not None:
        assert job.stop(timeout=10)
    assert train.JOB_SLOTS.in_use == 0


def start(at: AppTest, size: int = 50_000, **widgets) -> train.Trainer:
    """Press Start with `size` training images and `widgets` (key -> value) set; the trainer."""
    at.select_slider(key="train_size").set_value(size)
    for key, value in widgets.items():
        at.get_by_key(key).set_value(value)  # type: ignore[union-attr]
    at.button(key="train_start").click().run()
    assert not at.exception
    return at.session_state[training.TRAINER]


def until(at: AppTest, condition, timeout: float = 30.0) -> None:
    """Wait for the trainer's thread to make `condition` true, then draw the state it saw."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    at.run()
    assert not at.exception
