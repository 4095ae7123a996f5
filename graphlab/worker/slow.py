"""Programs that just ran past their time limit, so the same request is refused at once.

The sandbox is deterministic (seeded, no clock), so a program that took too long will take too
long again. Eight tabs opening one slow share link would otherwise each hold a worker for the
whole time limit in turn, and everyone queued behind them would wait for all of it.

>>> slow = RecentlySlow(seconds=60)
>>> request = {"kind": "evaluate", "source": "y = round(12345, -10**7)", "limits": {}}
>>> slow.remember(request); slow.seen(request), slow.seen({**request, "source": "y = 1"})
(True, False)
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any

__all__ = ["RecentlySlow"]


class RecentlySlow:
    """Requests that timed out in the last `seconds` (at most `size` of them, oldest dropped)."""

    def __init__(self, seconds: float = 120.0, size: int = 512) -> None:
        self.seconds, self.size = seconds, size
        self._when: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, request: dict[str, Any]) -> None:
        with self._lock:
            self._when[_key(request)] = time.monotonic()
            self._when.move_to_end(_key(request))
            while len(self._when) > self.size:
                self._when.popitem(last=False)

    def seen(self, request: dict[str, Any]) -> bool:
        with self._lock:
            when = self._when.get(_key(request))
            return when is not None and time.monotonic() - when < self.seconds


def _key(request: dict[str, Any]) -> str:
    text = json.dumps(request, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
