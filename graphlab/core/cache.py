"""A thread-safe cache bounded by entry count and by total cost (what its values weigh).

The app keeps results every visitor shares in it (a Model Graph spec's plan and graph), at
module level: ``st.cache_data`` would let any visitor clear it, and counts entries only.

>>> cache = BoundedCache(max_entries=2, max_cost=10)
>>> cache.put("a", 1, cost=4); cache.put("b", 2, cost=4); cache.put("c", 3, cost=4)
>>> cache.get("a"), cache.get("b"), cache.get("c"), cache.cost
(None, 2, 3, 8)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

__all__ = ["BoundedCache"]

T = TypeVar("T")


class BoundedCache(Generic[T]):
    """Least recently used entries leave first; a value costing more than ``max_cost`` alone is
    not kept at all."""

    def __init__(self, max_entries: int, max_cost: int) -> None:
        self.max_entries, self.max_cost = max_entries, max_cost
        self.cost = 0
        self._items: OrderedDict[Any, tuple[T, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> T | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: T, cost: int = 1) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.cost -= old[1]
            if cost > self.max_cost:
                return
            self._items[key] = (value, cost)
            self.cost += cost
            while len(self._items) > self.max_entries or self.cost > self.max_cost:
                self.cost -= self._items.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.cost = 0
