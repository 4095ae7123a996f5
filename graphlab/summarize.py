"""Fit a graph into a node budget by collapsing modules and folding repeated blocks.

A collapsed module becomes one `kind="module"` node (its parameter count, input and output
shapes in `attrs`); consecutive numbered siblings with the same structure (`layer1.0`, `layer1.1`,
...) collapse together into one node, `Residual x 12`. Summarizing is a quotient of the graph:
every visible node stands for a set of original nodes and an edge joins two visible nodes when
any original edge did, so a connected graph stays connected. Nothing collapsed, nothing changed:
`summarize(g, max_nodes=None, expand=<every module>) == g`.

>>> from graphlab import models
>>> g = models.graph(models.spec_of("resnet"))
>>> small = summarize(g, max_nodes=40)
>>> len(small.nodes) <= 40, small.meta["summary"].startswith("Summarized")
(True, True)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .graph import Edge, Graph, Node
from .render import shape_text

__all__ = ["Summary", "module_paths", "plan_summary", "summarize"]

_NUMBER = re.compile(r"\d+")


@dataclass
class Summary:
    """Which modules a summarized view opens, collapses and folds, and how many nodes it shows."""

    open: set[str]
    groups: list[list[str]]  # each collapsed unit: one module, or a run of folded siblings
    visible: int
    total: int
    note: str = ""
    over_budget: bool = False
    units: dict[str, int] = field(default_factory=dict)  # collapsed module -> index in groups


def module_paths(graph: Graph) -> list[str]:
    """Every module path in `graph` and its ancestors ("" is the root), parents first."""
    paths = {""} if any(n.module is not None for n in graph.nodes) else set()
    for n in graph.nodes:
        m = n.module
        while m and m not in paths:
            paths.add(m)
            m = _parent(m)
    return sorted(paths, key=_sort_key)


def summarize(
    graph: Graph, max_nodes: int | None = 300, expand: Iterable[str] | None = None
) -> Graph:
    """`graph` with at most `max_nodes` visible nodes where module structure allows it.

    `expand`: modules to show opened (None: decide automatically, collapsing the deepest modules
    first). Modules the budget forces closed are closed deepest first, those in `expand` last.
    `meta["summary"]` says what was done (absent when nothing was).
    """
    return apply_summary(graph, plan_summary(graph, max_nodes, expand))


def apply_summary(graph: Graph, plan: Summary) -> Graph:
    """`graph` drawn as `plan` says (for callers that also show the plan itself)."""
    if not plan.groups:
        return Graph(list(graph.nodes), list(graph.edges), dict(graph.meta))
    return _apply(graph, plan)


def plan_summary(
    graph: Graph, max_nodes: int | None = 300, expand: Iterable[str] | None = None
) -> Summary:
    """The view `summarize` would draw, without drawing it (see `Summary`)."""
    tree = _Tree(graph)
    wanted = set(expand) if expand is not None else None
    if wanted is None:
        tree.open = set(tree.paths)
    else:
        tree.open = {""} if "" in tree.paths else set()
        for p in wanted:
            while p in tree.paths and p not in tree.open:
                tree.open.add(p)
                p = _parent(p) if p else None  # type: ignore[assignment]
    count = tree.count()
    if max_nodes is not None and count > max_nodes:
        # Whole levels, deepest first, so the view stays uniform; what the visitor opened last.
        levels: dict[int, list[str]] = {}
        for p in tree.open:
            if p and not (wanted and p in wanted):
                levels.setdefault(p.count("."), []).append(p)
        for depth in sorted(levels, reverse=True):
            for p in sorted(levels[depth], key=_sort_key):
                if p in tree.open:
                    count = tree.close(p, count)
            if count <= max_nodes:
                break
        mine = sorted(wanted & tree.open - {""} if wanted else (), key=_depth_first)
        for p in mine:
            if count <= max_nodes:
                break
            if p in tree.open:
                count = tree.close(p, count)
        if count > max_nodes and "" in tree.open:
            count = tree.close("", count)
    groups = tree.groups()
    plan = Summary(tree.open, groups, count, len(graph.nodes))
    plan.units = {p: i for i, g in enumerate(groups) for p in g}
    if groups:
        folded = sum(1 for g in groups if len(g) > 1)
        plan.note = (
            f"Summarized: {len(graph.nodes):,} nodes shown as {count:,}; "
            f"{sum(len(g) for g in groups):,} modules collapsed (deepest first)"
            + (f", {folded} runs of repeated blocks folded" if folded else "")
            + ". Open a module to see inside."
        )
    plan.over_budget = max_nodes is not None and count > max_nodes
    if plan.over_budget:
        plan.note += f" Still {count:,} nodes: most of them belong to no module."
    return plan


class _Tree:
    """Module tree with per-module node counts; keeps the visible-node count incrementally."""

    def __init__(self, graph: Graph) -> None:
        self.paths = module_paths(graph)
        self.direct: dict[str, int] = dict.fromkeys(self.paths, 0)
        self.outside = 0
        self.children: dict[str, list[str]] = {p: [] for p in self.paths}
        for p in self.paths:
            if p:
                self.children[_parent(p)].append(p)
        for n in graph.nodes:
            if n.module is None:
                self.outside += 1
            else:
                self.direct[n.module] += 1
        self.signature = _signatures(graph, self.paths)
        self.open: set[str] = set()

    def count(self) -> int:
        if "" not in self.paths:
            return self.outside
        return self.outside + (self._visible("") if "" in self.open else 1)

    def _visible(self, p: str) -> int:
        """Visible nodes inside open module `p`."""
        total = self.direct[p] + len(self._runs(p))
        return total + sum(self._visible(c) for c in self.children[p] if c in self.open)

    def _runs(self, p: str) -> list[list[str]]:
        """Closed children of open `p`, consecutive numbered twins folded into runs."""
        runs: list[list[str]] = []
        last: str | None = None
        for c in self.children[p]:
            if c in self.open:
                last = None
                continue
            if last is not None and self._twins(last, c):
                runs[-1].append(c)
            else:
                runs.append([c])
            last = c
        return runs

    def _twins(self, a: str, b: str) -> bool:
        ia, ib = a.rpartition(".")[2], b.rpartition(".")[2]
        return (
            ia.isdigit()
            and ib.isdigit()
            and int(ib) == int(ia) + 1
            and self.signature[a] == self.signature[b]
        )

    def close(self, p: str, count: int) -> int:
        """Close `p` (and everything inside it); return the new visible count."""
        if p == "":
            before = self._visible("")
            self._drop("")
            return count - before + 1
        parent = _parent(p)
        before = self._visible(p) + len(self._runs(parent))
        self._drop(p)
        return count - before + len(self._runs(parent))

    def _drop(self, p: str) -> None:
        stack = [p]
        while stack:
            q = stack.pop()
            if q in self.open:
                self.open.discard(q)
                stack.extend(self.children[q])

    def groups(self) -> list[list[str]]:
        if "" in self.paths and "" not in self.open:
            return [[""]]
        out: list[list[str]] = []
        for p in self.paths:
            if p in self.open:
                out.extend(self._runs(p))
        return out


def _signatures(graph: Graph, paths: list[str]) -> dict[str, int]:
    """A hash of each module's contents (relative module paths, kinds, names, shapes)."""
    parts: dict[str, list[tuple]] = {p: [] for p in paths}
    for n in graph.nodes:
        m = n.module
        while m is not None:
            rel = n.module[len(m) :] if m else n.module
            name = n.name
            if n.kind == "param" and m and name.startswith(m + "."):
                name = name[len(m) :]  # `layer1.0.conv1.weight` and `layer1.1...` are twins
            parts[m].append((rel, n.kind, name, n.shape))
            m = _parent(m) if m else None
    return {p: hash(tuple(sorted(map(hash, v)))) for p, v in parts.items()}


def _apply(graph: Graph, plan: Summary) -> Graph:
    types = json.loads(graph.meta.get("modules", "{}") or "{}")
    paths = module_paths(graph)
    index = {p: i for i, p in enumerate(paths)}
    rep: dict[str | None, int | None] = {None: None}  # module path -> its collapsed unit
    for p in paths:  # parents come first
        up = rep.get(_parent(p)) if p else None
        rep[p] = up if up is not None else plan.units.get(p)
    unit_of: dict[str, str] = {}
    ids = [f"m{index[g[0]]}" for g in plan.groups]
    members: list[list[Node]] = [[] for _ in plan.groups]
    nodes: list[Node] = []
    placed: set[int] = set()
    for n in graph.nodes:
        u = rep.get(n.module)
        if u is None:
            nodes.append(n)
            continue
        unit_of[n.id] = ids[u]
        members[u].append(n)
        if u not in placed:
            placed.add(u)
            nodes.append(Node(ids[u], "module", ""))  # filled in below, keeps the order
    edges: list[Edge] = []
    seen: set[tuple[str, str, str]] = set()
    ins: dict[str, list[tuple[int, ...] | None]] = {}
    outs: dict[str, list[tuple[int, ...] | None]] = {}
    slots: dict[str, int] = {}
    for e in graph.edges:
        src, dst = unit_of.get(e.src, e.src), unit_of.get(e.dst, e.dst)
        if src == dst:
            continue
        if e.kind == "data":
            shape = graph.node(e.src).shape
            if dst != e.dst:
                ins.setdefault(dst, []).append(shape)
            if src != e.src:
                outs.setdefault(src, []).append(shape)
        if (src, dst, e.kind) in seen:
            continue
        seen.add((src, dst, e.kind))
        slot = e.slot
        if dst != e.dst:  # into a collapsed module: number its inputs in order
            slot = slots[dst] = slots.get(dst, -1) + 1
        edges.append(Edge(src, dst, slot, e.kind))
    by_id = {ids[u]: u for u in range(len(ids))}
    for k, n in enumerate(nodes):
        if n.kind == "module" and n.id in by_id and not n.name:
            u = by_id[n.id]
            nodes[k] = _module_node(n.id, plan.groups[u], members[u], types, ins, outs)
    meta = dict(graph.meta)
    meta["summary"] = plan.note
    return Graph(nodes, edges, meta)


def _module_node(nid, group, inside, types, ins, outs) -> Node:
    first = group[0]
    cls = types.get(first, "Module") if first else "Model"
    params = sum(math.prod(n.shape or ()) for n in inside if n.kind == "param")
    name = first or "(model)"
    attrs = {"path": first, "type": cls, "params": f"{params:,}", "nodes": f"{len(inside):,}"}
    if len(group) > 1:
        name = f"{first} … {group[-1].rpartition('.')[2]}"
        attrs["folded"] = f"{cls} x {len(group)}"
        attrs["members"] = ", ".join(group) if len(group) <= 4 else f"{first} … {group[-1]}"
    attrs["inputs"] = _shapes(ins.get(nid, []))
    attrs["outputs"] = _shapes(outs.get(nid, []))
    out_shapes = list(dict.fromkeys(outs.get(nid, [])))
    shape = out_shapes[0] if len(out_shapes) == 1 else None
    parent = _parent(first) if first else None
    return Node(nid, "module", name, shape, module=parent, attrs=attrs)


def _shapes(shapes: list) -> str:
    unique = list(dict.fromkeys(shapes))
    text = ", ".join(shape_text(s) for s in unique[:3])
    return text + (f" (+{len(unique) - 3})" if len(unique) > 3 else "") if unique else "—"


def _depth_first(path: str) -> tuple:
    return (-path.count("."), _sort_key(path))


def _parent(path: str) -> str:
    return path.rpartition(".")[0]


def _sort_key(path: str) -> tuple:
    """Model order for numbered children: `layer1.2` before `layer1.10`."""
    return (
        tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in path.split("."))
        if path
        else ()
    )
