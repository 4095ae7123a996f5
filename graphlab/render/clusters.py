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

from collections.abc import Iterable, Iterator
from itertools import count

from graphlab.core.graph import Graph
from graphlab.core.module_tree import parent

from .palette import cluster_style
from .text import quote

__all__ = ["cluster_lines", "cluster_paths"]


def cluster_lines(members: dict[str, list[str]], types: dict[str, str]) -> list[str]:
    """Nested `subgraph cluster_k` blocks holding each module path's node lines (`members`);
    `types` (module path -> class name) completes the titles."""
    lines: list[str] = []
    counter = count()
    for path, depth, done in _walk(members):
        pad = "  " * depth
        if done:
            lines.append(pad + "}")
            continue
        k = next(counter)
        label = f"{path} · {types[path]}" if path in types else path
        lines.append(f"{pad}subgraph cluster_{k} {{ label={quote(label)} {cluster_style(depth)}")
        lines.extend(pad + line for line in members.get(path, []))
    return lines


def cluster_paths(graph: Graph) -> dict[str, str]:
    """Cluster name (`cluster_k`, the title of its group in the SVG) -> the module path it
    frames, in `to_dot(graph, modules=True)`: what a click on a frame refers to."""
    members = {n.module for n in graph.nodes if n.module}
    opened = [path for path, _, done in _walk(members) if not done]
    return {f"cluster_{k}": path for k, path in enumerate(opened)}


def _walk(members: Iterable[str]) -> Iterator[tuple[str, int, bool]]:
    """Every module path holding nodes and their ancestors, depth first in path order:
    (path, depth, False) opens its frame and (path, depth, True) closes it. Numbered from 0
    in this order, the openings are the cluster names."""
    paths: set[str] = set()
    for p in members:
        while p:
            paths.add(p)
            p = parent(p)
    children: dict[str, list[str]] = {}
    for p in sorted(paths):
        children.setdefault(parent(p), []).append(p)
    stack: list[tuple[str, int, bool]] = [(p, 1, False) for p in reversed(children.get("", []))]
    while stack:
        path, depth, done = stack.pop()
        yield path, depth, done
        if not done:
            stack.append((path, depth, True))
            stack.extend((c, depth + 1, False) for c in reversed(children.get(path, [])))
