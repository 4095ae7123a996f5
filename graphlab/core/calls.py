"""Split each collapsed unit into its calls, so that a summary never draws a cycle.

A module instance that runs several times (`act(b(act(a(x))))`, torchvision's reused
`self.relu`, an RNN cell) tags the ops of every call with the same path. Drawn as one node, it
would show `act -> b -> act`: a cycle. A call is a connected piece of the unit's ops (its
parameters and other inputs without inputs of their own belong to the first call that reads
them), so each call becomes its own node, numbered in forward order. Any cycle left (a module
whose forward runs a module that is not its child in between two of its own ops) is resolved by
drawing the units on it opened.

Rolling (`roll_calls`) draws the later calls of a unit as one node instead, `cell x 2000`: only
where that closes no cycle (consecutive calls of an RNN cell do not; torchvision's `self.relu`,
with a block in between its two calls, would, and stays one node per call).
"""

from __future__ import annotations

from .dag import cycles, forward_order
from .graph import Graph

__all__ = ["roll_calls", "split_calls"]

SOURCES = ("leaf", "param")


def split_calls(
    graph: Graph, unit_of: dict[str, int], tags: dict[str, int] | None = None
) -> dict[str, tuple[int, int]]:
    """Node id -> (unit, call) for the nodes of collapsed units (others are left out), calls
    numbered from 0 in forward order; the quotient graph these keys draw has no cycle.
    `tags`: the call each node was recorded in, where known (1 when absent): nodes of
    different calls are never one call, even when one call reads the other's output."""
    tags = tags or {}
    root = {nid: nid for nid in unit_of}

    def find(a: str) -> str:
        while root[a] != a:
            root[a] = root[root[a]]
            a = root[a]
        return a

    has_input = {e.dst for e in graph.edges if e.kind != "saved"}
    sources: dict[str, list[str]] = {}  # parameter-like node -> its consumers in the same unit
    for e in graph.edges:
        u = unit_of.get(e.src)
        if u is None or unit_of.get(e.dst) != u or tags.get(e.src, 1) != tags.get(e.dst, 1):
            continue
        if graph.node(e.src).kind in SOURCES and e.src not in has_input:
            sources.setdefault(e.src, []).append(e.dst)
        else:
            root[find(e.src)] = find(e.dst)
    pieces: dict[str, list[str]] = {}
    for nid in unit_of:
        if nid not in sources:
            pieces.setdefault(find(nid), []).append(nid)
    per_unit: dict[int, list[str]] = {}
    for r in pieces:
        per_unit.setdefault(unit_of[r], []).append(r)
    rank = _ranks(graph) if any(len(v) > 1 for v in per_unit.values()) else {}
    first = {r: min((rank.get(n, 0) for n in ns), default=0) for r, ns in pieces.items()}
    calls: dict[str, tuple[int, int]] = {}
    for u, roots in per_unit.items():
        for k, r in enumerate(sorted(roots, key=first.__getitem__)):
            for nid in pieces[r]:
                calls[nid] = (u, k)
    for s, readers in sources.items():  # the earliest call that reads it
        calls[s] = min(calls[r] for r in readers)
    for nid in unit_of:  # a source read by no op of its unit: its own unit
        calls.setdefault(nid, (unit_of[nid], 0))
    return _without_cycles(graph, calls)


def _ranks(graph: Graph) -> dict[str, int]:
    preds: dict[str, list[str]] = {}
    for e in graph.edges:
        preds.setdefault(e.dst, []).append(e.src)
    return {v: i for i, v in enumerate(forward_order([n.id for n in graph.nodes], preds))}


def _without_cycles(graph: Graph, calls: dict) -> dict:
    """`calls` without the nodes of any call of several nodes that lies on a cycle of the
    drawn graph (they are drawn one by one instead); repeats until none is left."""
    while True:
        succs: dict = {}
        for e in graph.edges:
            a, b = calls.get(e.src, e.src), calls.get(e.dst, e.dst)
            if a != b:
                succs.setdefault(a, set()).add(b)
        found = cycles(list(succs), succs)
        if not found:
            return calls
        size: dict = {}
        for c in calls.values():
            size[c] = size.get(c, 0) + 1
        # A box of one node is that node: only boxes of several can close a cycle.
        bad = {k for comp in found for k in comp if isinstance(k, tuple) and size[k] > 1}
        calls = {nid: c for nid, c in calls.items() if c not in bad}


def roll_calls(
    graph: Graph, calls: dict[str, tuple[int, int]], caps: dict[int, int]
) -> tuple[dict[str, tuple[int, int]], dict[int, int]]:
    """`calls` with the calls of unit `u` from number `caps[u] - 1` on drawn as one, where that
    keeps the picture acyclic; and unit -> the first call rolled, for the units that were."""
    last: dict[int, int] = {}
    for u, k in calls.values():
        last[u] = max(last.get(u, 0), k)
    first = {u: max(cap, 1) - 1 for u, cap in caps.items() if last.get(u, 0) > max(cap, 1) - 1}
    while first:
        rolled = {nid: (u, min(k, first[u])) if u in first else (u, k)
                  for nid, (u, k) in calls.items()}  # fmt: skip
        succs: dict = {}
        for e in graph.edges:
            a, b = rolled.get(e.src, e.src), rolled.get(e.dst, e.dst)
            if a != b:
                succs.setdefault(a, set()).add(b)
        bad = {k[0] for comp in cycles(list(succs), succs) for k in comp
               if isinstance(k, tuple) and k[0] in first and k[1] == first[k[0]]}  # fmt: skip
        if not bad:
            return rolled, first
        first = {u: k for u, k in first.items() if u not in bad}
    return calls, {}
