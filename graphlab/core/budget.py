"""Choose which modules a summary opens so that it uses its node budget, not a fraction of it.

Closing whole levels, deepest first, until the graph fits can overshoot a lot (ResNet-152:
2,379 nodes drawn as 35 for a budget of 300). So after closing, modules are opened again, one
at a time, shallowest first and round-robin across siblings (the first block of every stage,
then the second...), as long as the next one still fits: the view stays even and fills up. A
module run many times (an RNN cell over 2,000 steps) draws one node per call; when those alone
pass the budget its later calls are rolled into one node (`cap`), rather than the whole model
closing into a single box.
"""

from __future__ import annotations

import heapq

from .module_tree import ModuleTree, depth_first, parent, sort_key

__all__ = ["close_levels", "depth_of", "fill", "first_open", "cap_calls"]


def depth_of(path: str) -> int:
    """How deep a module is: the model "" 0, `layer1` 1, `layer1.0` 2."""
    return path.count(".") + 1 if path else 0


def first_open(tree: ModuleTree, wanted: set[str] | None, depth: int | None) -> set[str]:
    """Open before the budget: what was asked and its parents, or every module above `depth`."""
    if wanted is None:
        return {p for p in tree.paths if depth is None or depth_of(p) < depth}
    opened = {""} if "" in tree.paths else set()
    for p in wanted:
        while p in tree.paths and p not in opened:
            opened.add(p)
            p = parent(p) if p else None  # type: ignore[assignment]
    return opened


def close_levels(tree: ModuleTree, count: int, budget: int, wanted: set[str] | None) -> int:
    """Close whole levels, deepest first, then what was asked, until `count` fits (the model
    itself stays open); the new count."""
    levels: dict[int, list[str]] = {}
    for p in tree.open:
        if p and not (wanted and p in wanted):
            levels.setdefault(p.count("."), []).append(p)
    for level in sorted(levels, reverse=True):
        for p in sorted(levels[level], key=sort_key):
            if p in tree.open:
                count = tree.close(p, count)
        if count <= budget:
            return count
    for p in sorted(wanted & tree.open - {""} if wanted else (), key=depth_first):
        if count <= budget:
            break
        if p in tree.open:
            count = tree.close(p, count)
    return count


def cap_calls(tree: ModuleTree, count: int, budget: int) -> int:
    """Roll the later calls of the units called most into one node each, until `count` fits;
    the new count."""
    runs = [r for p in tree.paths if p in tree.open for r in tree._runs(p)]
    for run in sorted(runs, key=lambda r: -tree.cost(r)):
        cost = tree.cost(run)
        if count <= budget or cost <= 2:
            break
        tree.cap[run[0]] = max(2, cost - (count - budget))  # some calls shown, the rest one node
        count -= cost - tree.cap[run[0]]
    return count


def fill(tree: ModuleTree, count: int, budget: int, depth: int | None) -> tuple[int, list[str]]:
    """Open closed modules while the next still fits: shallowest first, then the k-th child of
    every parent before any (k+1)-th; the new count and the modules opened, in order."""
    heap: list[tuple] = []

    def offer(p: str) -> None:
        if depth is not None and depth_of(p) >= depth:
            return
        siblings = tree.children[parent(p)] if p else [p]
        heapq.heappush(heap, (depth_of(p), siblings.index(p), sort_key(p), p))

    for p in tree.paths:
        if p not in tree.open and (p == "" or parent(p) in tree.open):
            offer(p)
    order: list[str] = []
    while heap:
        p = heapq.heappop(heap)[3]
        after = tree.opened(p, count)
        if after > budget:
            tree.open.discard(p)  # too big: its smaller siblings may still fit
            continue
        count = after
        order.append(p)
        for c in tree.children[p]:
            offer(c)
    return count, order
