"""Run a visitor's program in the shared worker pool, showing the wait: "{n} ahead of you" and a
Cancel button while the request is queued (and Cancel while it runs).

The pool (:mod:`graphlab.worker.pool`) calls back about four times a second; each call draws
into the page, which is where Streamlit stops a script whose visitor rerun it (another click) or
left. The stop is an exception raised inside that callback, so it leaves the pool too: a queued
request leaves the queue and a running one is killed, never kept for a visitor who is gone.

Cancel works by a rerun: its callback marks the program, the click stops the waiting script, and
the rerun answers that program "cancelled" once. A refusal (busy, cancelled) is shown once and
never remembered (:func:`remember`), so the next rerun tries again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from graphlab.core.messages import msg
from graphlab.worker import failure, shared_pool
from widgets.i18n import _
from widgets.memo import digest, remembered

T = TypeVar("T")
SESSION = "worker_session"  # this visitor's key in the pool: one request at a time
CANCEL = "worker_cancel"  # the request whose Cancel was clicked
_REFUSED = "worker_refused"  # a refusal happened while computing: do not remember it


def request_key(source: str | list[str], kind: str) -> str:
    """Names one request of a page (its Cancel button, its cancel mark)."""
    return f"{kind}_{digest(repr(source))}"


def run(
    source: str | list[str], limits: Any | None = None, *, kind: str = "evaluate", slot: Any = None
) -> dict[str, Any]:
    """The pool's reply for ``source`` (``shared_pool().run``'s contract), drawing the wait
    into ``slot`` (a placeholder the caller draws on every run, see :func:`remember`)."""
    key = request_key(source, kind)
    if st.session_state.get(CANCEL) == key:
        del st.session_state[CANCEL]
        reply = failure(msg("the program was cancelled"), cancelled=True)
    else:
        session = st.session_state.setdefault(SESSION, uuid.uuid4().hex)
        slot = st.empty() if slot is None else slot
        try:
            reply = shared_pool().run(
                source, limits, kind=kind, session=session, on_wait=wait_display(slot, key)
            )
        finally:
            slot.empty()
    if reply.get("busy") or reply.get("cancelled"):
        st.session_state[_REFUSED] = True
    return reply


def remember(state_key: str, key: object, compute: Callable[[Any], T], spinner: str) -> T:
    """:func:`widgets.memo.remembered`, except that a result the pool refused is not kept.

    ``compute(slot)`` gets the placeholder to draw the wait in. It is drawn on every run, used
    or not: an element that comes and goes moves everything after it, and a moved component
    (the program editor) is mounted again, its old frame left in the page until the run ends."""
    slot = st.empty()
    st.session_state.pop(_REFUSED, None)
    value = remembered(state_key, key, lambda: compute(slot), spinner)
    if st.session_state.pop(_REFUSED, False):
        st.session_state.pop(state_key, None)
    return value


def wait_display(slot: Any, key: str) -> Callable[[int | None], bool]:
    """The pool's callback: draws the place in line (redrawn every call, so that a rerun can
    stop the script here) and the Cancel button (drawn once: one widget per key and run)."""
    text: list[Any] = []

    def on_wait(ahead: int | None) -> bool:
        if not text:
            with slot.container():
                text.append(st.empty())
                st.button(_("Cancel"), key=f"worker_cancel_{key}", on_click=_cancel, args=(key,))
        if ahead is None:
            text[0].caption(_("Your program is running..."))
        else:
            text[0].info(_("{n} ahead of you").format(n=ahead), icon=":material/hourglass_top:")
        return True

    return on_wait


def _cancel(key: str) -> None:
    st.session_state[CANCEL] = key
