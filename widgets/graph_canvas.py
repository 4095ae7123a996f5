"""The graph canvas: a Graphviz drawing learners zoom, pan and click (a node selects it).

A small ``st.components.v2`` component of our own (``graph_canvas.js`` beside this file; no
package, nothing fetched at run time). The server turns the DOT into SVG with Graphviz's ``dot``;
without it the page falls back to ``st.graphviz_chart`` (no zoom, no click).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from graphlab.render import GraphvizNotFound, dot_to_svg

NAME = "graphlab.graph_canvas"
MIN_TEXT_PX = 10  # node labels are never drawn smaller at the first view
_HTML = """
<div class="gl-canvas" tabindex="0" aria-label="Graph: drag to pan, wheel or +/- to zoom, 0 to fit">
  <div class="tools">
    <button type="button" class="zoom-in" title="Zoom in (+)">+</button>
    <button type="button" class="zoom-out" title="Zoom out (-)">−</button>
    <button type="button" class="fit" title="The whole graph (0)">Fit</button>
    <button type="button" class="readable" title="Back to a readable size">Reset</button>
  </div>
  <div class="stage"></div>
</div>
"""
_CSS = """
.gl-canvas { position: relative; border-radius: 0.5rem; outline: none;
             border: 1px solid var(--st-border-color, #ddd); background: #fff; overflow: hidden; }
.gl-canvas:focus-visible { box-shadow: 0 0 0 2px var(--st-primary-color, #e63946); }
.stage { position: absolute; inset: 0; cursor: grab; touch-action: none; user-select: none; }
.stage:active { cursor: grabbing; }
.stage svg { width: 100%; height: 100%; display: block; }
.stage g.node { cursor: pointer; }
.stage g.node.gl-selected polygon, .stage g.node.gl-selected ellipse,
.stage g.node.gl-selected path { stroke: #e63946; stroke-width: 3px; }
.tools { position: absolute; top: 0.4rem; right: 0.4rem; z-index: 1; display: flex; gap: 0.25rem; }
.tools button { font: inherit; font-size: 0.85rem; min-width: 2rem; padding: 0.1rem 0.5rem;
                border-radius: 0.4rem; border: 1px solid var(--st-border-color, #ccc);
                background: rgba(255, 255, 255, 0.9); color: #222; cursor: pointer; }
"""
_JS = (Path(__file__).with_name("graph_canvas.js")).read_text()
_component = st.components.v2.component(NAME, html=_HTML, css=_CSS, js=_JS)


@st.cache_data(max_entries=64, show_spinner=False)
def _svg(dot: str) -> str:
    # A pure function of the DOT text: one cached picture serves every visitor.
    return dot_to_svg(dot, timeout=20.0)


def graph_canvas(
    dot: str,
    key: str,
    *,
    view: str = "",
    selected: str | None = None,
    on_select: Callable[[], None] | None = None,
    height: int = 560,
) -> str | None:
    """Draw `dot`; returns the id of the node the visitor last clicked (None before any click).

    `view` names what is shown: while it stays the same, zoom and pan survive new drawings (a
    highlight moving along the same graph). `selected` is outlined. `on_select` runs before the
    rerun that a click causes.
    """
    try:
        svg = _svg(dot)
    except (GraphvizNotFound, RuntimeError, subprocess.TimeoutExpired):
        st.graphviz_chart(dot)  # the browser lays it out instead: no zoom, no click
        return None
    data = {
        "svg": svg,
        "dot": dot,  # what was drawn, as text: tests and the fallback read it
        "key": hashlib.sha1(dot.encode()).hexdigest()[:16],
        "view": view,
        "selected": selected,
        "min_px": MIN_TEXT_PX,
        "height": height,
    }
    result = _component(key=key, data=data, on_selected_change=on_select or (lambda: None))
    return getattr(result, "selected", None)


def clicked(key: str) -> str | None:
    """The node last clicked on canvas `key`, from the session (for callbacks)."""
    state = st.session_state.get(key)
    if state is None:
        return None
    value = state.get("selected") if hasattr(state, "get") else getattr(state, "selected", None)
    return value if isinstance(value, str) else None
