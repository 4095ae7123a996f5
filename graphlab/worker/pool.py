"""A pool of sandbox workers that every visitor shares, first come first served.

Each running program has a worker process of its own (`WorkerProcess`), a waiting one its place
in one queue. The pool starts workers on demand up to ``workers`` (``spare`` warm ones ready),
stops those idle for ``idle`` seconds, and replaces one killed at the time limit in the
background, outside any lock; a request that just timed out is not run again (`RecentlySlow`).
A session has one request in the pool at most; a full queue, or a wait past the time limit
plus one second, gets a clear refusal (``"busy": True``); a request can be cancelled.

Settings come from the environment (:meth:`PoolConfig.from_env`): ``GRAPHLAB_WORKERS`` (4),
``GRAPHLAB_QUEUE`` (16), ``GRAPHLAB_SPARE`` (1), ``GRAPHLAB_IDLE_SECONDS`` (60).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from graphlab.core.messages import msg

from .contain import Containment
from .process import _START_TIMEOUT, WorkerProcess, request_line, timed_out
from .protocol import DEFAULT_TIMEOUT, failure, time_limit
from .slow import RecentlySlow

__all__ = ["PoolConfig", "WorkerPool", "shared_pool"]

_POLL = 0.25  # seconds between calls of a waiting request's `on_wait`
OnWait = Callable[[int | None], object]  # programs ahead (None: running); False cancels


class Cancelled(Exception):  # raised inside the pool when ``on_wait`` returns False
    pass


@dataclasses.dataclass(frozen=True)
class PoolConfig:
    workers: int = 4  # programs running at once (one process each)
    queue: int = 16  # programs waiting for a worker
    spare: int = 1  # warm, idle workers kept ready on top of the busy ones
    idle: float = 60.0  # seconds before an idle worker beyond the spare ones stops
    timeout: float = DEFAULT_TIMEOUT  # seconds a program may run
    containment: Containment = Containment()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> PoolConfig:
        """GRAPHLAB_WORKERS, GRAPHLAB_QUEUE, GRAPHLAB_SPARE, GRAPHLAB_IDLE_SECONDS; a missing
        or malformed one keeps its default."""
        names = {"workers": "GRAPHLAB_WORKERS", "queue": "GRAPHLAB_QUEUE",
                 "spare": "GRAPHLAB_SPARE", "idle": "GRAPHLAB_IDLE_SECONDS"}  # fmt: skip
        found: dict[str, Any] = {}
        for field, name in names.items():
            try:
                found[field] = type(getattr(cls, field))(environ[name])
            except (KeyError, ValueError):
                continue
        config = cls(**found)
        fixed = {"workers": max(1, config.workers), "queue": max(0, config.queue),
                 "spare": max(0, config.spare)}  # fmt: skip
        return dataclasses.replace(config, **fixed)


class _Ticket:
    __slots__ = ("session", "worker")

    def __init__(self, session: str | None) -> None:
        self.session = session
        self.worker: WorkerProcess | None = None


class WorkerPool:
    """Thread-safe; :meth:`run` has :class:`~graphlab.worker.SandboxWorker`'s contract plus a
    session key and a waiting callback."""

    def __init__(self, config: PoolConfig | None = None) -> None:
        self.config = config or PoolConfig.from_env()
        self.restarts = 0  # workers replaced after a timeout, a crash or a cancel
        self._cond = threading.Condition()
        self._queue: deque[_Ticket] = deque()
        self._idle: list[tuple[WorkerProcess, float]] = []  # (worker, idle since)
        self._busy = self._starting = self._floor = 0
        self._sessions: set[str] = set()
        self._closed = False
        self._slow = RecentlySlow()
        self._start_slots = threading.Semaphore(max(1, (os.cpu_count() or 2) // 2))
        with self._cond:
            self._dispatch()
        threading.Thread(target=self._reap, daemon=True, name="graphlab-pool-reaper").start()

    # -- the caller's side ------------------------------------------------------------------
    def run(
        self,
        source: str | list[str],
        limits: Any | None = None,
        *,
        kind: str = "evaluate",
        session: str | None = None,
        on_wait: OnWait | None = None,
    ) -> dict[str, Any]:
        """The worker's reply for ``source`` (see :meth:`SandboxWorker.run`), or a refusal.

        ``on_wait(ahead)`` is called about every quarter second while the request waits (with the
        number of requests ahead of it) or runs (with None): returning False cancels it, and an
        exception it raises (a page stopped by a rerun) takes the request out of the pool."""
        request = request_line(source, limits, kind)
        timeout = time_limit(kind, self.config.timeout)
        if self._slow.seen(request):  # it would hold a worker for its whole time limit again
            return timed_out(timeout, again=True)
        ticket = self._enter(session)
        if isinstance(ticket, dict):
            return ticket
        try:
            worker = self._wait(ticket, on_wait, timeout)
            if worker is None:
                waited = f"{timeout + 1:g}"
                told = msg("the sandbox is busy: your program waited {seconds} s for a free "
                           "worker; try again in a moment", seconds=waited)  # fmt: skip
                return failure(told, busy=True)
            if self._slow.seen(request):  # queued behind the same program, which just timed out
                return timed_out(timeout, again=True)  # _leave frees the worker
            return self._ask(ticket, worker, request, on_wait, timeout)
        except Cancelled:
            return failure(msg("the program was cancelled"), cancelled=True)
        finally:
            self._leave(ticket)

    def status(self) -> dict[str, int]:
        """How many workers are busy, idle and starting, and how many requests wait."""
        with self._cond:
            return {"busy": self._busy, "idle": len(self._idle),
                    "starting": self._starting, "queued": len(self._queue)}  # fmt: skip

    def warm(self, count: int, timeout: float = 120.0) -> bool:
        """Start workers until ``count`` are idle and warm (a host, or a test, gets ready)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._floor = count
            self._dispatch()
            while len(self._idle) < count and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            self._floor = 0
            now = time.monotonic()  # warm from now on: the first started must not be reaped
            self._idle = [(worker, now) for worker, _ in self._idle]
            return len(self._idle) >= count

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker, _ in idle:
            worker.stop()

    # -- queueing ---------------------------------------------------------------------------
    def _enter(self, session: str | None) -> _Ticket | dict[str, Any]:
        with self._cond:
            if session is not None and session in self._sessions:
                told = msg("your previous program is still running; wait for it or cancel it")
                return failure(told, busy=True)
            free = self._idle and self._busy < self.config.workers
            if len(self._queue) >= self.config.queue and not free:
                told = msg("the sandbox is busy ({waiting} programs are waiting); try again "
                           "in a moment", waiting=len(self._queue))  # fmt: skip
                return failure(told, busy=True)
            ticket = _Ticket(session)
            if session is not None:
                self._sessions.add(session)
            self._queue.append(ticket)
            self._dispatch()
            return ticket

    def _wait(self, ticket: _Ticket, on_wait: OnWait | None, limit: float) -> WorkerProcess | None:
        deadline = time.monotonic() + limit + 1.0
        while True:
            with self._cond:
                if ticket.worker is None and not self._closed:
                    left = deadline + self._cold(self._queue.index(ticket)) - time.monotonic()
                    self._cond.wait(min(_POLL, max(left, 0.01)))
                if ticket.worker is not None:
                    return ticket.worker
                ahead = self._queue.index(ticket)
                if self._closed or time.monotonic() >= deadline + self._cold(ahead):
                    return None
            if on_wait is not None and on_wait(ahead) is False:
                raise Cancelled

    def _cold(self, ahead: int) -> float:
        """Extra seconds for a request waiting for a worker being started (a cold pool)."""
        starting_for_it = self._busy + ahead < self.config.workers and ahead < self._starting
        return _START_TIMEOUT if starting_for_it else 0.0

    def _ask(self, ticket: _Ticket, worker: WorkerProcess, request: dict[str, Any],
             on_wait: OnWait | None, timeout: float) -> dict[str, Any]:  # fmt: skip
        def check() -> None:
            if on_wait is not None and on_wait(None) is False:
                raise Cancelled

        healthy, spent = False, worker.cpu_seconds()
        try:
            reply = worker.ask(request, timeout, check if on_wait else None)
            healthy = not reply.pop("retire", False)
            return reply
        except TimeoutError:
            now = worker.cpu_seconds()  # slow by itself, not for want of a core on a busy host
            if spent is None or now is None or now - spent >= timeout / 2:
                self._slow.remember(request)
            return timed_out(timeout)
        except (OSError, EOFError, ValueError):
            return failure(msg("the program stopped the worker (out of memory?); try again"))
        finally:
            ticket.worker = None
            self._release(worker, healthy)

    def _leave(self, ticket: _Ticket) -> None:
        with self._cond:
            if ticket in self._queue:
                self._queue.remove(ticket)
            if ticket.session is not None:
                self._sessions.discard(ticket.session)
        if ticket.worker is not None:  # given a worker, but abandoned before using it
            self._release(ticket.worker, True)

    # -- workers ----------------------------------------------------------------------------
    def _release(self, worker: WorkerProcess, healthy: bool) -> None:
        keep = healthy and worker.alive
        if not keep:
            worker.stop()  # a kill: quick, and outside the lock
        with self._cond:
            self._busy -= 1
            if keep and not self._closed:
                self._idle.append((worker, time.monotonic()))
            elif not keep:
                self.restarts += 1
            self._dispatch()
        if keep and self._closed:
            worker.stop()

    def _dispatch(self) -> None:
        """Hand idle workers to the queue's head and start the workers still needed (lock held)."""
        self._idle = [(w, t) for w, t in self._idle if w.alive or w.stop()]
        while self._queue and self._idle and self._busy < self.config.workers:
            self._queue.popleft().worker = self._idle.pop()[0]
            self._busy += 1
        waiting = min(len(self._queue), self.config.workers - self._busy)
        wanted = max(waiting + self.config.spare, self._floor)
        room = self.config.workers + max(self.config.spare, self._floor) - self._busy
        for _ in range(min(wanted, room) - len(self._idle) - self._starting):
            if self._closed:
                break
            self._starting += 1
            threading.Thread(target=self._start_one, daemon=True).start()
        self._cond.notify_all()

    def _start_one(self) -> None:
        worker: WorkerProcess | None = None
        with self._start_slots:  # a few at a time: importing torch is CPU-heavy
            try:
                worker = WorkerProcess(self.config.containment)
            except (RuntimeError, OSError):
                time.sleep(1.0)  # a broken host must not spin; the next request tries again
        with self._cond:
            self._starting -= 1
            if worker is not None and not self._closed:
                self._idle.append((worker, time.monotonic()))
                worker = None
            self._dispatch()
        if worker is not None:
            worker.stop()

    def _reap(self) -> None:
        """Stop workers idle for too long, beyond the spare ones."""
        while True:
            with self._cond:
                self._cond.wait(min(self.config.idle / 2, 5.0))
                if self._closed:
                    return
                now, keep = time.monotonic(), max(self.config.spare, self._floor)
                old = [p for p in self._idle[: -keep or None] if now - p[1] > self.config.idle]
                self._idle = [p for p in self._idle if p not in old]
            for worker, _ in old:
                worker.stop()


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> WorkerPool:
    """The pool every page shares (settings from the environment); a module-level singleton,
    not ``st.cache_resource``, which a visitor could clear."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WorkerPool()
        return _shared
