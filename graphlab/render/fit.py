"""How much of a model graph to draw so that it fits the view across at a readable size.

A graph canvas never draws node labels smaller than about 10 px, so a picture wider than the view
is shown in part. Model Graph's first view instead summarizes the model just enough that its
layout, at that text size, is about as wide as the view: the whole model at a glance, opened
further with a click. Candidate budgets are laid out with Graphviz, largest first; the first
that fits wins.

>>> from graphlab import models
>>> g = models.graph(models.spec_of("transformer"))
>>> fit_budget(g, 680) < fit_budget(g, 4000)
True
"""

from __future__ import annotations

import re
from collections.abc import Callable

from graphlab.core.graph import Graph
from graphlab.core.summary import MAX_NODES, summarize

from .dot import dot_to_svg, to_dot
from .palette import NODE_FONT_PT

__all__ = ["BUDGETS", "SLACK", "fit_budget", "layout_size"]

BUDGETS = (MAX_NODES, 200, 150, 120, 100, 80, 60, 50, 40, 30, 20, 10)
SLACK = 1.2  # a picture a little wider than the view still reads well: a short pan shows the rest
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')


def layout_size(dot: str) -> tuple[float, float]:
    """Width and height, in points, of the Graphviz layout of `dot`."""
    match = _VIEWBOX.search(dot_to_svg(dot, timeout=20.0))
    if match is None:
        raise RuntimeError("Graphviz wrote an SVG without a viewBox")
    return float(match.group(1)), float(match.group(2))


def fit_budget(
    graph: Graph,
    width_px: float,
    *,
    text_px: float = 10.0,
    measure: Callable[[str], tuple[float, float]] = layout_size,
    **dot_options,
) -> int:
    """The largest budget of BUDGETS whose summary of `graph`, drawn by `to_dot(...,
    **dot_options)` with text `text_px` high, is at most SLACK x `width_px` wide; else the
    smallest budget. (`measure` lays DOT out; tests pass their own.)"""
    scale = text_px / NODE_FONT_PT
    seen: set[int] = set()
    for budget in BUDGETS:
        shown = summarize(graph, budget)
        if len(shown.nodes) in seen:  # the same picture as a larger budget gave
            continue
        seen.add(len(shown.nodes))
        width, _ = measure(to_dot(shown, **dot_options))
        if width * scale <= SLACK * width_px:
            return budget
    return BUDGETS[-1]
