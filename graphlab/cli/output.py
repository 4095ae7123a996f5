"""Writing a graph to the file a command-line user named, by its suffix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphlab.core.graph import Graph
from graphlab.render import GraphvizNotFound, to_dot, to_svg

FORMATS = (".svg", ".dot", ".gv", ".json")


def write_graph(output: str | None, graph: Graph, options: dict) -> int:
    """Write `graph`, drawn by `to_dot` / `to_svg` with `options` (`modules=True` for module
    clusters), as SVG, DOT or JSON by the suffix of `output`, or as DOT to stdout when `output`
    is None. Returns an exit code (0 written, 1 no Graphviz, 2 bad suffix) after saying what
    went wrong on stderr."""
    if output is None:
        sys.stdout.write(to_dot(graph, **options) + "\n")
        return 0
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
            text = to_svg(graph, **options)
        elif suffix == ".json":
            text = graph.to_json(indent=1)
        else:
            text = to_dot(graph, **options)
    except (GraphvizNotFound, RuntimeError, subprocess.TimeoutExpired) as err:  # dot failed
        print(f"error: {err}", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    return 0
