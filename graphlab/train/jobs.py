"""Process-wide settings of training: how many jobs at once, how many torch threads, and how the
C allocator keeps the memory a step frees (``keep_freed_memory``).

They live in module-level singletons rather than ``st.cache_resource``: a visitor can clear that
cache, and the limit must hold for every visitor of this process.

>>> slots = JobSlots(max_jobs=1)
>>> slots.acquire()
>>> slots.acquire()
Traceback (most recent call last):
...
graphlab.train.jobs.BusyError: all 1 training slots are busy; try again in a minute
>>> slots.release()
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import torch

from graphlab.core.messages import Message, msg

__all__ = [
    "JOB_SLOTS", "BusyError", "JobSlots", "Turn", "cap_torch_threads", "keep_freed_memory",
]  # fmt: skip


class BusyError(RuntimeError):
    """Every training slot is taken; the page shows this as "busy, try again" (``text``: the
    sentence as a ``Message``, in the visitor's language there)."""

    def __init__(self, text: Message) -> None:
        self.text = text
        super().__init__(str(text))


class Turn(NamedTuple):
    """A place in the line for a training slot."""

    ahead: int  # visitors waiting in front
    ready: bool  # a slot is free for this place now


class JobSlots:
    """A non-blocking counting semaphore: ``acquire`` fails at once with ``BusyError`` when full.

    >>> with JobSlots(2).hold():
    ...     pass
    """

    def __init__(self, max_jobs: int, patience: float = 30.0) -> None:
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1 (got {max_jobs})")
        self.max_jobs = max_jobs
        self.patience = patience  # seconds a place in line is kept without being asked about
        self._in_use = 0
        self._lock = threading.Lock()
        self._line: dict[Hashable, float] = {}  # ticket -> last asked; in order of arrival

    @property
    def in_use(self) -> int:
        """How many slots are held now."""
        return self._in_use

    def acquire(self, ticket: Hashable | None = None) -> None:
        """Take a slot or raise ``BusyError``; never waits (a page must not block). A slot that
        visitors are waiting in line for goes to them first (``ticket``: this caller's place)."""
        with self._lock:
            self._drop_stale(time.monotonic())
            waiting = list(self._line)
            ahead = waiting.index(ticket) if ticket in self._line else len(waiting)
            if self._in_use + ahead >= self.max_jobs:
                raise BusyError(
                    msg("all {n} training slots are busy; try again in a minute", n=self.max_jobs)
                )
            self._line.pop(ticket, None)
            self._in_use += 1

    def wait_turn(self, ticket: Hashable) -> Turn:
        """Join the line for a slot, or keep one's place by asking again: how many wait ahead,
        and whether ``acquire(ticket)`` would succeed now. A place not asked about for
        ``patience`` seconds is given up (its visitor left)."""
        with self._lock:
            now = time.monotonic()
            self._drop_stale(now)
            self._line[ticket] = now
            ahead = list(self._line).index(ticket)
            return Turn(ahead, self._in_use + ahead < self.max_jobs)

    def leave(self, ticket: Hashable) -> None:
        """Give up a place in line (nothing happens when ``ticket`` has none)."""
        with self._lock:
            self._line.pop(ticket, None)

    def _drop_stale(self, now: float) -> None:
        for ticket, asked in list(self._line.items()):
            if now - asked > self.patience:
                del self._line[ticket]

    def release(self) -> None:
        """Give a slot back; releasing more than was acquired is a bug and raises."""
        with self._lock:
            if self._in_use == 0:
                raise RuntimeError("JobSlots.release() without a matching acquire()")
            self._in_use -= 1

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a slot for the duration of a ``with`` block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()


JOB_SLOTS = JobSlots(int(os.environ.get("GRAPHLAB_MAX_TRAIN_JOBS", "2")))


def cap_torch_threads(limit: int | None = None) -> int:
    """Lower torch's intra-op threads to ``limit`` (default ``$GRAPHLAB_TORCH_THREADS`` or 1).

    Process-wide: concurrent jobs then share the cores instead of each claiming all of them.
    One thread per job is the default because OpenMP thread teams slow down sharply when a
    shared machine is oversubscribed, and the toy models gain little from more. Returns the
    number of threads now in use.

    >>> cap_torch_threads(torch.get_num_threads()) == torch.get_num_threads()
    True
    """
    limit = limit or int(os.environ.get("GRAPHLAB_TORCH_THREADS", "1"))
    if limit < 1:
        raise ValueError(f"thread limit must be at least 1 (got {limit})")
    if torch.get_num_threads() > limit:
        torch.set_num_threads(limit)
    return torch.get_num_threads()


# glibc's mallopt(3) parameters, and the sizes set with them: blocks up to 32 MiB come from the
# heap, and up to 64 MiB freed at its top stay there for the next step. glibc's own adaptive
# rule ends there too, but only after a block of 32 MiB was freed: a toy model's step, of a few
# MiB, keeps it low, and its memory goes back to the kernel at every step.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_BYTES, _TRIM_BYTES = 32 << 20, 64 << 20
_CHOSEN = ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_tuned: list[bool] = []  # the outcome of the first call, once made
_tune_lock = threading.Lock()


def keep_freed_memory() -> bool:
    """Let glibc's allocator keep the memory a training step frees for the next step; True if
    it now does. Process-wide, idempotent, and cheap after the first call.

    With glibc's defaults, the megabytes a step allocates (activations, gradients, the
    optimizer's temporaries) go back to the kernel when freed, and come back as fresh zeroed
    pages: about 750 page faults a step for the MLP at batch 64 in the main thread, 1,100 in a
    worker thread, a quarter of the step's time. Kept, a step reuses the last one's memory: no
    faults, and a worker thread runs like the main one. The price: a thread's heap may hold up to
    64 MiB it no longer uses. Nothing happens elsewhere than glibc, or when the environment
    already tunes ``malloc`` (``GLIBC_TUNABLES``, ``MALLOC_MMAP_THRESHOLD_``,
    ``MALLOC_TRIM_THRESHOLD_``).

    >>> keep_freed_memory() == keep_freed_memory()
    True
    """
    with _tune_lock:
        if not _tuned:
            _tuned.append(_mallopt())
        return _tuned[0]


def _mallopt() -> bool:
    if any(name in os.environ for name in _CHOSEN):
        return False
    try:
        os.confstr("CS_GNU_LIBC_VERSION")  # glibc's own numbers: raises anywhere else
        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES) and mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
