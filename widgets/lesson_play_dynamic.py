"""Lesson 7's Play: the Dynamic Graphs view (the same one the Dynamic Graphs page draws), under
the lesson's own session keys."""

from __future__ import annotations

from graphlab.lessons import lesson_dynamic
from widgets.dynamic_view import current_pair, dynamic_graphs_view

KEY_PREFIX = "dyn"  # the page's keys are dg_*: the lesson keeps its own program and inputs


def dynamic(state_only: bool = False) -> dict[str, str]:
    """One program on two inputs, two graphs and their differences, and a static trace."""
    shown = current_pair(KEY_PREFIX) if state_only else dynamic_graphs_view(KEY_PREFIX)
    return lesson_dynamic.saw(shown.pair, shown.x_a, shown.x_b)
