"""Writing a graph to the file a command-line user named, by its suffix."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .graph import Graph
from .render import GraphvizNotFound

FORMATS = (".svg", ".dot", ".gv", ".json")


def write_graph(output: str, graph: Graph, dot: Callable[[], str], svg: Callable[[], str]) -> int:
    """Write `graph` as SVG, DOT or JSON; returns an exit code (0 written, 1 no Graphviz, 2 bad
    suffix) after saying what went wrong on stderr."""
    path = Path(output)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        print(
            f"error: unknown output type {suffix!r}; use one of {', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return 2
    try:
        if suffix == ".svg":
            text = svg()
        elif suffix == ".json":
            text = graph.to_json(indent=1)
        else:
            text = dot()
    except GraphvizNotFound as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    return 0
