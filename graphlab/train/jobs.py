"""Process-wide limits on training: how many jobs at once, how many torch threads.

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

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from graphlab.core.messages import Message, msg

__all__ = ["JOB_SLOTS", "BusyError", "JobSlots", "cap_torch_threads"]


class BusyError(RuntimeError):
    """Every training slot is taken; the page shows this as "busy, try again" (``text``: the
    sentence as a ``Message``, in the visitor's language there)."""

    def __init__(self, text: Message) -> None:
        self.text = text
        super().__init__(str(text))


class JobSlots:
    """A non-blocking counting semaphore: ``acquire`` fails at once with ``BusyError`` when full.

    >>> with JobSlots(2).hold():
    ...     pass
    """

    def __init__(self, max_jobs: int) -> None:
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1 (got {max_jobs})")
        self.max_jobs = max_jobs
        self._in_use = 0
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        """How many slots are held now."""
        return self._in_use

    def acquire(self) -> None:
        """Take a slot or raise ``BusyError``; never waits (a page must not block)."""
        with self._lock:
            if self._in_use >= self.max_jobs:
                raise BusyError(
                    msg("all {n} training slots are busy; try again in a minute", n=self.max_jobs)
                )
            self._in_use += 1

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
