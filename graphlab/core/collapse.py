"""Draw a summarized graph: each collapsed module (or run of folded twins) becomes one node.

Edges into and out of a collapsed unit are kept once each, numbered in order; the unit's node
carries its type, parameter count, node count and the shapes flowing in and out.
"""

from __future__ import annotations

import json
import math

from .graph import Edge, Graph, Node, shape_text
from .module_tree import module_paths, parent

__all__ = ["collapse"]


def collapse(graph: Graph, groups: list[list[str]], note: str) -> Graph:
    """`graph` with each group of module paths drawn as one node; `meta["summary"]` = `note`."""
    units = {p: i for i, g in enumerate(groups) for p in g}
    types = json.loads(graph.meta.get("modules", "{}") or "{}")
    paths = module_paths(graph)
    index = {p: i for i, p in enumerate(paths)}
    rep: dict[str | None, int | None] = {None: None}  # module path -> its collapsed unit
    for p in paths:  # parents come first
        up = rep.get(parent(p)) if p else None
        rep[p] = up if up is not None else units.get(p)
    unit_of: dict[str, str] = {}
    ids = [f"m{index[g[0]]}" for g in groups]
    members: list[list[Node]] = [[] for _ in groups]
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
            nodes[k] = _module_node(n.id, groups[u], members[u], types, ins, outs)
    meta = dict(graph.meta)
    meta["summary"] = note
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
    outer = parent(first) if first else None
    return Node(nid, "module", name, shape, module=outer, attrs=attrs)


def _shapes(shapes: list) -> str:
    unique = list(dict.fromkeys(shapes))
    text = ", ".join(shape_text(s) for s in unique[:3])
    return text + (f" (+{len(unique) - 3})" if len(unique) > 3 else "") if unique else "—"
