"""The line for a training slot. A visitor who presses Start while every slot is taken waits in
line (``graphlab.train.jobs.JobSlots.wait_turn``), sees how many wait ahead, and the run starts
by itself when a slot frees. A place nobody polls (the tab closed) is given up by the slots.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from graphlab import train
from widgets.i18n import _, ngettext

__all__ = ["QUEUED", "join", "leave", "panel", "ticket", "waiting"]

QUEUED = "train_queued"  # this visitor's trainer waits for a slot
_TICKET = "train_ticket"
POLL_S = 1.0


def ticket() -> str:
    """This visitor's place-holder in the line (one per session)."""
    return st.session_state.setdefault(_TICKET, uuid.uuid4().hex)


def waiting() -> bool:
    return bool(st.session_state.get(QUEUED))


def join() -> None:
    train.JOB_SLOTS.wait_turn(ticket())
    st.session_state[QUEUED] = True


def leave() -> None:
    train.JOB_SLOTS.leave(ticket())
    st.session_state.pop(QUEUED, None)


def panel(job: train.Trainer, launch: Callable[[train.Trainer], bool]) -> None:
    """While in line: the place, a button to leave; polls every second and starts the run
    (through `launch`) as soon as a slot is free for this place."""
    st.fragment(_body, run_every=POLL_S, key="train_queue")(job, launch)


def _body(job: train.Trainer, launch: Callable[[train.Trainer], bool]) -> None:
    if not waiting():
        return
    turn = train.JOB_SLOTS.wait_turn(ticket())
    if turn.ready and launch(job):
        st.session_state.pop(QUEUED, None)
        st.rerun()  # the whole page: buttons and the live panel of a running job
    slots = train.JOB_SLOTS.max_jobs
    ahead = ngettext(
        "{n} visitor is ahead of you", "{n} visitors are ahead of you", turn.ahead
    ).format(n=turn.ahead)
    st.info(
        _(
            "All {slots} training slots are busy, so you are in line: {ahead}. Training starts "
            "by itself when a slot frees; keep this tab open."
        ).format(slots=slots, ahead=ahead),
        icon=":material/hourglass_top:",
    )
    st.button(_("Leave the line"), on_click=leave, key="train_leave")
