"""DOT for model graphs: one Graphviz cluster per module path, collapsed modules as one box.

Labels and tooltips reuse `graphlab.render`'s text helpers and go through its `_quote`, so a
module, parameter or layer name can never end a string or inject markup; node ids are quoted
too (module paths are not trusted to be DOT identifiers).

>>> from graphlab import models
>>> from graphlab.core.summary import summarize
>>> g = summarize(models.graph(models.spec_of("resnet")), max_nodes=40)
>>> dot = to_dot(g)
>>> "subgraph cluster_" in dot and "params" in dot
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from graphlab.core.graph import Graph, Node

from .dot import (
    COLORS,
    RANKDIRS,
    _quote,
    dot_to_svg,
    node_label,
    shape_text,
    tooltip,
)

__all__ = ["HIGHLIGHT", "gradient_only", "module_label", "to_dot", "to_svg"]

HIGHLIGHT = {"added": "#2ca02c", "removed": "#d62728", "changed": "#ff9f1c", "active": "#ff6b6b"}
_CLUSTER_FILL = ("#f7f7fb", "#eef1f8", "#e6ebf5", "#dde5f2")


def to_dot(
    graph: Graph,
    *,
    rankdir: str = "TB",
    show_saved: bool = False,
    show_shapes: bool = True,
    clusters: bool = True,
    highlight: Mapping[str, str] | None = None,
) -> str:
    """DOT source for a (possibly summarized) model graph, grouped into module clusters.

    `highlight` maps node ids to an outline colour from HIGHLIGHT ("added", "removed", ...).
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if not show_saved:
        graph = graph.without({"saved"})
    types = json.loads(graph.meta.get("modules", "{}") or "{}")
    highlight = dict(highlight or {})
    bad = set(highlight.values()) - HIGHLIGHT.keys()
    if bad:
        raise ValueError(f"unknown highlight(s) {sorted(bad)}; use {sorted(HIGHLIGHT)}")
    members: dict[str | None, list[str]] = {}
    for n in graph.nodes:
        key = n.module if clusters and n.module else None
        members.setdefault(key, []).append(_node_line(n, HIGHLIGHT.get(highlight.get(n.id, ""))))
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 nodesep=0.2 ranksep=0.3];',
        '  node [shape=box style="filled,rounded" fontname="Helvetica" fontsize=10 height=0.3];',
        '  edge [fontname="Helvetica" fontsize=8 arrowsize=0.6 color="#555555"];',
    ]
    lines.extend(members.pop(None, []))
    _clusters(lines, members, types)
    shapes = {n.id: n.shape for n in graph.nodes}
    for e in graph.edges:
        src, dst = _quote(e.src), _quote(e.dst)
        if e.kind == "saved":
            lines.append(f"  {src} -> {dst} [style=dashed color=orange];")
        elif e.kind == "view":
            lines.append(f'  {src} -> {dst} [style=dotted label="view"];')
        elif show_shapes and shapes.get(e.src) is not None:
            lines.append(f"  {src} -> {dst} [label={_quote(shape_text(shapes[e.src]))}];")
        else:
            lines.append(f"  {src} -> {dst};")
    lines.append("}")
    return "\n".join(lines)


def to_svg(graph: Graph, *, timeout: float = 60.0, **options) -> str:
    """Lay the clustered DOT out with the Graphviz `dot` program; SVG text."""
    return dot_to_svg(to_dot(graph, **options), timeout=timeout)


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


def _node_line(n: Node, color: str | None) -> str:
    extra = f' color="{color}" penwidth=3' if color else ""
    if n.kind == "module":
        return (
            f"  {_quote(n.id)} [label={_quote(module_label(n))} shape=box3d "
            f'fillcolor="{COLORS["module"]}" tooltip={_quote(_module_tooltip(n))}{extra}];'
        )
    shape = "ellipse" if n.kind == "output" else "box"
    style = ' style="filled,dashed"' if n.kind == "saved" else ""
    return (
        f"  {_quote(n.id)} [label={_quote(node_label(n))} shape={shape} "
        f'fillcolor="{COLORS.get(n.kind, "white")}" tooltip={_quote(tooltip(n))}{style}{extra}];'
    )


def module_label(n: Node) -> str:
    """A collapsed module's box: its name, type (or `Type x 12`), parameter count."""
    a = n.attrs
    what = a.get("folded") or a.get("type", "")
    return f"{n.name}\n{what}\n{a.get('params', '0')} params"


def _module_tooltip(n: Node) -> str:
    a = n.attrs
    text = f"module {a.get('path') or '(model)'} ({a.get('type', '')})"
    if "members" in a:
        text += f"\nfolded: {a['members']}"
    text += f"\ninputs {a.get('inputs', '—')}\noutputs {a.get('outputs', '—')}"
    return text + f"\n{a.get('params', '0')} parameters, {a.get('nodes', '?')} nodes inside"


def _clusters(lines: list[str], members: dict, types: dict) -> None:
    """Nested `subgraph cluster_k` blocks for every module path holding visible nodes."""
    paths: set[str] = set()
    for p in members:
        while p:
            paths.add(p)
            p = p.rpartition(".")[0]
    children: dict[str, list[str]] = {}
    for p in sorted(paths):
        children.setdefault(p.rpartition(".")[0], []).append(p)
    counter = iter(range(len(paths)))
    stack: list[tuple[str, int, bool]] = [(p, 1, False) for p in reversed(children.get("", []))]
    while stack:
        path, depth, done = stack.pop()
        pad = "  " * depth
        if done:
            lines.append(pad + "}")
            continue
        label = f"{path} · {types[path]}" if path in types else path
        fill = _CLUSTER_FILL[min(depth - 1, len(_CLUSTER_FILL) - 1)]
        lines.append(
            f"{pad}subgraph cluster_{next(counter)} {{ label={_quote(label)} "
            f'style="rounded,filled" fillcolor="{fill}" color="#b8c2d8" fontsize=10;'
        )
        lines.extend(pad + line for line in members.get(path, []))
        stack.append((path, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(children.get(path, [])))
