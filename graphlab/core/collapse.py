"""Draw a summarized graph: each collapsed module (or run of folded twins) becomes one node.

Edges into and out of a collapsed unit are kept once each, numbered in order; the unit's node
carries its type, parameter count, node count and the shapes flowing in and out.
"""

from __future__ import annotations

import json
import math

from .calls import roll_calls, split_calls
from .graph import Edge, Graph, Node, shape_text
from .module_tree import module_paths, parent

__all__ = ["collapse", "collapse_mapped"]


def collapse(graph: Graph, groups: list[list[str]], note: str) -> Graph:
    """`graph` with each group of module paths drawn as one node; `meta["summary"]` = `note`."""
    return collapse_mapped(graph, groups, note)[0]


def collapse_mapped(
    graph: Graph, groups: list[list[str]], note: str, caps: dict[int, int] | None = None
) -> tuple[Graph, dict[str, str]]:
    """`collapse`, and the id of the shown node that stands for each node of `graph`.

    A unit run more than once is drawn once per call (`relu (call 2)`), never as a cycle;
    `caps`: unit index -> the most nodes its calls take (the later ones rolled into one,
    `cell x 1852 (calls 149–2000)`, where that closes no cycle; 1: `cell x 2000`)."""
    units = {p: i for i, g in enumerate(groups) for p in g}
    types = json.loads(graph.meta.get("modules", "{}") or "{}")
    paths = module_paths(graph)
    index = {p: i for i, p in enumerate(paths)}
    rep: dict[str | None, int | None] = {None: None}  # module path -> its collapsed unit
    for p in paths:  # parents come first
        up = rep.get(parent(p)) if p else None
        rep[p] = up if up is not None else units.get(p)
    in_unit = {n.id: u for n in graph.nodes if (u := rep.get(n.module)) is not None}
    calls = split_calls(graph, in_unit, _call_tags(graph, paths, units, in_unit))
    many: dict[int, int] = {}
    for u, k in calls.values():
        many[u] = max(many.get(u, 0), k + 1)
    calls, rolled = roll_calls(graph, calls, caps or {})
    ids = [f"m{index[g[0]]}" for g in groups]
    unit_of = {nid: ids[u] if not k else f"{ids[u]}.{k + 1}" for nid, (u, k) in calls.items()}
    call_of = {unit_of[nid]: (u, k) for nid, (u, k) in calls.items()}
    members: dict[str, list[Node]] = {}
    nodes: list[Node] = []
    for n in graph.nodes:
        sid = unit_of.get(n.id)
        if sid is None:
            nodes.append(n)
            continue
        if sid not in members:
            members[sid] = []
            nodes.append(Node(sid, "module", ""))  # filled in below, keeps the order
        members[sid].append(n)
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
        output = e[4:] if src == e.src else ()  # which output of src, drawn as is
        edges.append(Edge(src, dst, slot, e.kind, *output))
    for k, n in enumerate(nodes):
        if n.kind == "module" and n.id in members and not n.name:
            u, call = call_of[n.id]
            box = _module_node(n.id, groups[u], members[n.id], types, ins, outs)
            if rolled.get(u) == call:  # this call and all later ones, as one box
                _rolled(box, call, many[u])
            elif many[u] > 1:  # one box per call, numbered in forward order
                box.name += f" (call {call + 1})"
                box.attrs["call"] = f"{call + 1} of {many[u]}"
            nodes[k] = box
    meta = dict(graph.meta)
    meta["summary"] = note
    return Graph(nodes, edges, meta), {n.id: unit_of.get(n.id, n.id) for n in graph.nodes}


def _rolled(box: Node, call: int, many: int) -> None:
    box.name += f" x {many - call}" + (f" (calls {call + 1}–{many})" if call else "")
    box.attrs["rolled"] = f"{many - call} calls"
    box.attrs["call"] = f"{call + 1}–{many} of {many}"


def _call_tags(graph: Graph, paths, units, in_unit) -> dict[str, int]:
    """Which call of its collapsed module made each node (`track_modules` records the second
    and later calls in the `calls` attribute: "act=2, act.inner=2")."""
    top: dict[str | None, str | None] = {None: None}  # module path -> the collapsed one above
    for p in paths:
        up = top.get(parent(p)) if p else None
        top[p] = up if up is not None else (p if p in units else None)
    tags: dict[str, int] = {}
    for n in graph.nodes:
        text = n.attrs.get("calls") if n.id in in_unit else None
        if text:
            calls = dict(part.split("=") for part in text.split(", "))
            tags[n.id] = int(calls.get(top[n.module] or "", 1))
    for e in graph.edges:  # a saved tensor belongs to the call of the op that saved it
        if e.kind == "saved" and e.dst in tags:
            tags[e.src] = tags[e.dst]
    return tags


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
