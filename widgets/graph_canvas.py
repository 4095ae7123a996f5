"""The graph canvas: a Graphviz drawing learners zoom, pan and click (a node selects it).

A small ``st.components.v2`` component of our own (``graph_canvas.js`` beside this file; no
package, nothing fetched at run time). The server turns the DOT into SVG with Graphviz's ``dot``;
without it the page falls back to ``st.graphviz_chart`` (no zoom, no click).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st

from graphlab.render import GraphvizNotFound, Key, dot_to_svg
from widgets.i18n import _
from widgets.legend_words import translated

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
  <div class="legend" aria-label="Legend"></div>
</div>
"""
_CSS = """
.gl-canvas { position: relative; border-radius: 0.5rem; outline: none; display: flex;
             flex-direction: column; border: 1px solid var(--st-border-color, #ddd);
             background: #fff; overflow: hidden; }
.gl-canvas:focus-visible { box-shadow: 0 0 0 2px var(--st-primary-color, #e63946); }
.stage { position: relative; flex: 1; min-height: 0; cursor: grab; touch-action: none; user-select: none; }
.stage:active { cursor: grabbing; }
.stage svg { width: 100%; height: 100%; display: block; }
.stage g.node { cursor: pointer; }
.stage g.node.gl-selected polygon, .stage g.node.gl-selected ellipse,
.stage g.node.gl-selected path { stroke: #e63946; stroke-width: 3px; }
.tools { position: absolute; top: 0.4rem; right: 0.4rem; z-index: 1; display: flex; gap: 0.25rem; }
.tools button { font: inherit; font-size: 0.85rem; min-width: 2rem; padding: 0.1rem 0.5rem;
                border-radius: 0.4rem; border: 1px solid var(--st-border-color, #ccc);
                background: rgba(255, 255, 255, 0.9); color: #222; cursor: pointer; }
.legend { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; padding: 0.35rem 0.6rem;
          border-top: 1px solid var(--st-border-color, #eee); font-size: 0.85rem; color: #222;
          line-height: 1.3; }
.legend:empty { display: none; }
.legend .key { display: inline-flex; align-items: center; gap: 0.35rem; }
.legend .mark { display: inline-block; width: 1.5rem; height: 0.9rem; box-sizing: border-box;
                border: 1px solid; border-radius: 0.25rem; }
.legend .ellipse { border-radius: 50%; }
.legend .box3d { border-radius: 0; box-shadow: 2px -2px 0 -1px currentColor; }
.legend .dashed-box { border-style: dashed; }
.legend .frame { border-radius: 0.3rem; }
.legend .outline { border-width: 3px; }
.legend .line, .legend .dashed-line, .legend .dotted-line, .legend .thick-line {
  height: 0; border-width: 2px 0 0 0; border-radius: 0; }
.legend .dashed-line { border-top-style: dashed; }
.legend .dotted-line { border-top-style: dotted; }
.legend .thick-line { border-top-width: 4px; }
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
    legend: Sequence[Key] = (),
    on_frame: Callable[[], None] | None = None,
    report_width: bool = False,
) -> str | None:
    """Draw `dot`; returns the id of the node the visitor last clicked (None before any click).

    `view` names what is shown: while it stays the same, zoom and pan survive new drawings (a
    highlight moving along the same graph). `selected` is outlined. `on_select` runs before the
    rerun that a click causes. `legend`: the keys shown under the picture
    (`graphlab.render.legend_keys`). `on_frame` runs when a module's frame is clicked
    (`clicked_frame` says which). With `report_width` the canvas tells the session its width
    (`canvas_width`), which reruns the page once when it differs from the one assumed.
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
        "legend": [k._asdict() for k in translated(legend)],
        "report_width": report_width,
        "width": canvas_width(key),
        "words": _words(),
    }
    result = _component(
        key=key,
        data=data,
        on_selected_change=on_select or _ignore,
        on_frame_change=on_frame or _ignore,
        on_width_change=_ignore,
    )
    return getattr(result, "selected", None)


def _words() -> dict[str, str]:
    """The canvas's own words (buttons, their tooltips, labels for screen readers), translated."""
    return {
        "canvas": _("Graph: drag to pan, wheel or +/- to zoom, 0 to fit"),
        "zoom_in": _("Zoom in (+)"),
        "zoom_out": _("Zoom out (-)"),
        "fit": _("Fit"),
        "fit_title": _("The whole graph (0)"),
        "reset": _("Reset"),
        "reset_title": _("Back to a readable size"),
        "legend": _("Legend"),
    }


def clicked(key: str) -> str | None:
    """The node last clicked on canvas `key`, from the session (for callbacks)."""
    value = _state(key, "selected")
    return value if isinstance(value, str) else None


def clicked_frame(key: str) -> str | None:
    """The cluster (`cluster_k`) whose frame was just clicked on canvas `key` (for callbacks)."""
    value = _state(key, "frame")
    return value if isinstance(value, str) else None


def canvas_width(key: str) -> int | None:
    """The width in px that canvas `key` reported, if it was asked to (`report_width`)."""
    value = _state(key, "width")
    return int(value) if isinstance(value, (int, float)) and 50 <= value <= 10_000 else None


def _state(key: str, name: str) -> object:
    state = st.session_state.get(key)
    if state is None:
        return None
    return state.get(name) if hasattr(state, "get") else getattr(state, name, None)


def _ignore() -> None:
    """A callback that does nothing: the component reruns the page for each state it sends."""
