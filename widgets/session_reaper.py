"""Free what a closed tab's session held: its state, its uploads, its training job.

Streamlit keeps a disconnected session for `server.disconnectedSessionTTL` seconds so that a
network blip can resume it. Its own storage then drops the session only when another one is
written (an expired entry is "reported absent but only removed by a write"), and drops it
without `AppSession.shutdown()`: the uploads it held stay in the upload manager, and its
training job keeps a slot until the job ends. :func:`install` swaps in a storage that shuts
such sessions down, and a thread that reaps them within `REAP_EVERY` seconds of expiring.

A widget that starts something outliving a page run (a training job) registers how to stop it
with :func:`on_session_end`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import streamlit as st
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.runtime.memory_session_storage import MemorySessionStorage

__all__ = ["REAP_EVERY", "ReapingStorage", "install", "on_session_end"]

REAP_EVERY = 5.0  # seconds between sweeps for sessions whose reconnect window has passed
_ON_END = "_graphlab_on_session_end"  # session-state key: callables to run at shutdown
_LOG = logging.getLogger(__name__)
_installed = threading.Lock()
_done = False


def on_session_end(key: str, stop: Callable[[], object]) -> None:
    """Run `stop()` when this visitor's session is shut down (one callable per `key`)."""
    st.session_state.setdefault(_ON_END, {})[key] = stop


def end_session(session) -> None:
    """Run the session's registered stops, then shut it down. On the server's event loop."""
    try:
        stops = dict(session.session_state[_ON_END])
    except KeyError:
        stops = {}
    for key, stop in stops.items():
        try:
            stop()
        except Exception:  # one failing stop must not keep the session alive
            _LOG.exception("stopping %s of a closed session failed", key)
    session.shutdown()


class ReapingStorage(MemorySessionStorage):
    """Disconnected sessions kept for a reconnect; expired or evicted ones handed to `end`."""

    def __init__(self, ttl: float, maxsize: int, end: Callable[[object], None]) -> None:
        super().__init__(maxsize=maxsize, ttl_seconds=ttl)
        self._end = end

    def save(self, session_info) -> None:
        self.reap()
        while len(self._cache) >= self._cache.maxsize:  # Streamlit would drop the oldest silently
            _, oldest = self._cache.popitem()
            self._end(oldest.session)
        super().save(session_info)

    def reap(self) -> int:
        """End every session whose reconnect window has passed; how many there were."""
        expired = self._cache.expire()
        for _, info in expired:
            self._end(info.session)
        return len(expired)


def install() -> None:
    """Swap the running server's session storage for a reaping one (once per process)."""
    global _done
    with _installed:
        if _done or not Runtime.exists():
            return
        runtime = Runtime.instance()
        try:  # no public hook: Streamlit 1.67's WebsocketSessionManager and its event loop
            manager, storage_lock = runtime._session_mgr, runtime._session_mgr._storage_lock
            loop = runtime._get_async_objs().eventloop
        except (AttributeError, RuntimeError):  # AppTest's stand-in runtime: no sessions to reap
            return

        def end(session) -> None:  # shutdown touches loop-bound resources: run it on the loop
            loop.call_soon_threadsafe(end_session, session)

        ttl = float(config.get_option("server.disconnectedSessionTTL"))
        with storage_lock:
            old = manager._session_storage
            storage = ReapingStorage(ttl, maxsize=128, end=end)
            for info in old.list():
                storage.save(info)
            manager._session_storage = storage
        threading.Thread(target=_sweep, args=(manager, storage), daemon=True).start()
        _done = True


def _sweep(manager, storage: ReapingStorage) -> None:
    while True:
        time.sleep(REAP_EVERY)
        with manager._storage_lock:
            storage.reap()
