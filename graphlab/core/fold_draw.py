"""Draw a folded graph: each piece of `fold` becomes one node (or stays the node it was).

Edges between pieces are kept once each; inputs of a folded node are numbered in order, as for
a collapsed module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .graph import Edge, Graph, Node

__all__ = ["Piece", "draw"]

SHOWN_OPS = 6  # op names listed in a folded block's `block` attribute


@dataclass
class Piece:
    """Units drawn as one node. `how`: "free" or "plain" (a unit as it is), "repeat" (`motif`
    repeated `repeats` times) or "stretch" (consecutive pieces of the forward order)."""

    members: list[str]
    how: str
    motif: list[str] = field(default_factory=list)
    repeats: int = 1


def draw(
    graph: Graph, units: dict[str, list[str]], pieces: list[Piece], edges: list[Edge]
) -> tuple[Graph, dict[str, str]]:
    """The folded graph and the shown id of every node of `graph` (a saved tensor: its op's)."""
    mapping: dict[str, str] = {}
    made: dict[str, Node] = {}
    for k, piece in enumerate(pieces):
        ids = [m for u in piece.members for m in units[u]]
        if len(ids) == 1:
            mapping[ids[0]] = ids[0]
            continue
        node = _node(graph, f"fold{k}", piece, units, ids)
        made[node.id] = node
        mapping.update(dict.fromkeys(ids, node.id))
    for e in graph.edges:
        if e.kind == "saved" and e.dst in mapping:
            mapping.setdefault(e.src, mapping[e.dst])
    nodes: list[Node] = []
    placed: set[str] = set()
    for n in graph.nodes:
        sid = mapping.get(n.id)
        if sid is None or sid in placed or n.kind == "saved":
            continue
        placed.add(sid)
        nodes.append(made.get(sid, n))
    return Graph(nodes, _edges(edges, mapping, made), dict(graph.meta)), mapping


def _edges(edges: list[Edge], mapping: dict[str, str], made: dict[str, Node]) -> list[Edge]:
    out: list[Edge] = []
    seen: set[tuple[str, str, str]] = set()
    slots: dict[str, int] = {}
    for e in edges:
        src, dst = mapping[e.src], mapping[e.dst]
        if src == dst or (src, dst, e.kind) in seen:
            continue
        seen.add((src, dst, e.kind))
        slot = e.slot
        if dst in made:  # into a folded node: number its inputs in order
            slot = slots[dst] = slots.get(dst, -1) + 1
        output = e[4:] if src == e.src else ()  # which output of src, drawn as is
        out.append(Edge(src, dst, slot, e.kind, *output))
    return out


def _node(graph: Graph, nid: str, piece: Piece, units, ids: list[str]) -> Node:
    inside = [graph.node(i) for i in ids]
    first, last = inside[0], inside[-1]
    modules = {n.module for n in inside}
    module = modules.pop() if len(modules) == 1 else None
    attrs = {"nodes": f"{len(inside):,}"}
    kind = "op"
    if piece.how in ("free", "plain"):  # inputs with the same readers and shape, or a group
        kinds = {n.kind for n in inside}
        kind = kinds.pop() if len(kinds) == 1 else "leaf"
        name = first.name if first.name == last.name else f"{first.name} … {last.name}"
        name += f" x {len(inside)}"
        attrs["folded"] = f"{kind} x {len(inside)}"
    elif piece.how == "repeat":
        motif = [graph.node(m) for u in piece.motif for m in units[u]]
        ops = [n.name for n in motif if n.kind in ("op", "module")] or [n.name for n in motif]
        name = f"{ops[0]} x {piece.repeats}" if len(motif) == 1 else f"block x {piece.repeats}"
        attrs["folded"] = f"{len(motif)} nodes x {piece.repeats}"
        listed = " → ".join(ops[:SHOWN_OPS])
        attrs["block"] = listed + (" → …" if len(ops) > SHOWN_OPS else "")
    else:
        ops = [n for n in inside if n.kind in ("op", "module")] or inside
        name = f"{len(inside):,} nodes"
        attrs["folded"] = "stretch"
        attrs["first"], attrs["last"] = ops[0].name, ops[-1].name
    return Node(nid, kind, name, last.shape, last.dtype, last.device, module, attrs)
