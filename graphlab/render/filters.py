"""Which nodes a view keeps: the gradient path only, for the Model Graph page's toggle."""

from __future__ import annotations

from graphlab.core.graph import Graph

__all__ = ["gradient_only"]


def gradient_only(graph: Graph) -> Graph:
    """Only the nodes that carry a gradient: on a data path from a leaf or parameter to an output.

    Saved tensors (values kept for backward, never differentiated) and anything hanging off the
    gradient path are dropped.
    """
    data = [e for e in graph.edges if e.kind == "data"]
    fwd: dict[str, list[str]] = {}
    back: dict[str, list[str]] = {}
    for e in data:
        fwd.setdefault(e.src, []).append(e.dst)
        back.setdefault(e.dst, []).append(e.src)
    sources = [n.id for n in graph.nodes if n.kind in ("leaf", "param", "module")]
    outputs = [n.id for n in graph.nodes if n.kind == "output"]
    return graph.keep(_reach(sources, fwd) & _reach(outputs, back))


def _reach(start: list[str], nxt: dict[str, list[str]]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for m in nxt.get(stack.pop(), ()):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return seen
