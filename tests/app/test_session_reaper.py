"""widgets.session_reaper: a closed tab's session is shut down once its reconnect window has
passed (Streamlit's own storage drops it without a shutdown, and only on the next write)."""

from __future__ import annotations

import gc
import time
import weakref
from types import SimpleNamespace

from widgets import session_reaper
from widgets.session_reaper import ReapingStorage, end_session


class _Session:
    def __init__(self, sid: str, stops: dict | None = None):
        self.id = sid
        self.session_state = {} if stops is None else {"_graphlab_on_session_end": stops}
        self.shut = 0

    def shutdown(self) -> None:
        self.shut += 1


def _info(session: _Session) -> SimpleNamespace:
    return SimpleNamespace(session=session, client=None, script_run_count=1)


def test_an_expired_session_is_ended_by_a_sweep_without_any_other_write():
    ended: list[_Session] = []
    storage = ReapingStorage(ttl=0.05, maxsize=8, end=ended.append)
    a = _Session("a")
    storage.save(_info(a))
    assert storage.get("a") is not None and storage.reap() == 0
    time.sleep(0.1)
    assert storage.get("a") is None
    assert storage.reap() == 1 and ended == [a]


def test_a_session_evicted_for_room_is_ended_not_dropped():
    ended: list[_Session] = []
    storage = ReapingStorage(ttl=60, maxsize=2, end=ended.append)
    sessions = [_Session(s) for s in "abc"]
    for s in sessions:
        storage.save(_info(s))
    assert ended == [sessions[0]]  # the least recently kept one, shut down
    assert [i.session.id for i in storage.list()] == ["b", "c"]


def test_ending_runs_every_registered_stop_then_shuts_down_and_frees_the_session():
    calls: list[str] = []

    def broken():
        raise RuntimeError("a stop that fails")

    session = _Session("s", {"training": lambda: calls.append("training"), "other": broken})
    end_session(session)
    assert calls == ["training"] and session.shut == 1
    session = _Session("t", {"training": lambda: calls.append("again")})
    ref = weakref.ref(session)
    storage = ReapingStorage(ttl=0.01, maxsize=4, end=end_session)
    storage.save(_info(session))
    del session
    time.sleep(0.05)
    storage.reap()
    gc.collect()
    assert calls == ["training", "again"]
    assert ref() is None  # nothing of the closed tab's session is kept


def test_install_is_a_no_op_outside_a_running_server():
    session_reaper.install()  # no Runtime here: nothing to swap, and no error
    assert not session_reaper._done
