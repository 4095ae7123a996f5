"""Pause Python's cyclic garbage collector while graphlab builds a big structure it keeps.

Capturing a graph or recording a program allocates a few objects per autograd node and keeps
them all: the pattern that makes the collector run over and over and find nothing to free
(about a tenth of `bench/record.py`'s recorded time, and of a 10k-node capture). `timeit` pauses
it for the same reason. Reference counting still frees everything as usual.

>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector is off inside the block and back on after it, also on errors, unless
    something else had already turned it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
