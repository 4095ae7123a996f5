"""The module view's grouping: one nested Graphviz cluster per module path that holds nodes.

Cluster titles go through `quote` and clusters are numbered, not named after their path: module
paths come from visitors' specs and are not trusted to be DOT identifiers.

>>> from graphlab import models
>>> from graphlab.core.summary import summarize
>>> from graphlab.render import to_dot
>>> g = summarize(models.graph(models.spec_of("resnet")), max_nodes=40)
>>> dot = to_dot(g, modules=True)
>>> "subgraph cluster_" in dot and "params" in dot
True
"""

from __future__ import annotations

from graphlab.core.module_tree import parent

from .palette import cluster_style
from .text import quote

__all__ = ["cluster_lines"]


def cluster_lines(members: dict[str, list[str]], types: dict[str, str]) -> list[str]:
    """Nested `subgraph cluster_k` blocks holding each module path's node lines (`members`);
    `types` (module path -> class name) completes the titles."""
    paths: set[str] = set()
    for p in members:
        while p:
            paths.add(p)
            p = parent(p)
    children: dict[str, list[str]] = {}
    for p in sorted(paths):
        children.setdefault(parent(p), []).append(p)
    lines: list[str] = []
    counter = iter(range(len(paths)))
    stack: list[tuple[str, int, bool]] = [(p, 1, False) for p in reversed(children.get("", []))]
    while stack:
        path, depth, done = stack.pop()
        pad = "  " * depth
        if done:
            lines.append(pad + "}")
            continue
        label = f"{path} · {types[path]}" if path in types else path
        lines.append(
            f"{pad}subgraph cluster_{next(counter)} {{ label={quote(label)} {cluster_style(depth)}"
        )
        lines.extend(pad + line for line in members.get(path, []))
        stack.append((path, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(children.get(path, [])))
    return lines
