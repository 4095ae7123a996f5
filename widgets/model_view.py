"""The Model Graph page's view: options, open/close controls, the summarized picture, exports.

Whatever the model, at most `max_nodes` visible nodes go to the browser: the graph is summarized
by ``gl.summarize`` first (collapsing the deepest modules, folding repeated blocks). Which modules
the visitor opened lives in ``st.session_state[OPEN]`` (a list; None means automatic).
"""

from __future__ import annotations

import json

import streamlit as st

import graphlab as gl
from graphlab.core.summary import (
    MAX_NODES,
    apply_summary,
    close_module,
    collapsed_module_at,
    collapsed_modules,
    open_modules,
    plan_summary,
)
from graphlab.render import gradient_only, to_dot
from widgets.graph_canvas import clicked, graph_canvas

OPEN = "mg_open"
CANVAS = "mg_canvas"


def options() -> dict:
    # Two toggles a column, so that no label is cut short beside the picture.
    left, middle, right = st.columns([2, 2, 1.4])
    return {
        "saved": left.toggle("Saved tensors", value=False, key="mg_saved"),
        "shapes": left.toggle("Shapes on edges", value=True, key="mg_shapes"),
        "grad_only": middle.toggle(
            "Gradient path only", value=False, key="mg_grad",
            help="hide the nodes no gradient flows through",
        ),
        "clusters": middle.toggle("Group by module", value=True, key="mg_clusters"),
        "max_nodes": right.number_input(
            "Node budget", 20, MAX_NODES, MAX_NODES, 10, key="mg_budget",
            help=f"at most {MAX_NODES}",
        ),
    }  # fmt: skip


def view(graph: gl.Graph, opts: dict) -> tuple[gl.Graph, object]:
    """The graph as drawn (toggles applied, summarized) and the summary plan behind it."""
    if not opts["saved"]:
        graph = graph.without({"saved"})
    if opts["grad_only"]:
        graph = gradient_only(graph)
    budget = min(int(opts["max_nodes"]), MAX_NODES)
    plan = plan_summary(graph, budget, st.session_state.get(OPEN))
    return apply_summary(graph, plan), plan


def open_close_controls(shown: gl.Graph, plan) -> None:
    """Open a collapsed module, close an open one, or go back to the automatic summary."""
    collapsed = collapsed_modules(shown)
    opened = open_modules(plan)
    cols = st.columns([3, 3, 2])
    with cols[0]:
        choice = st.selectbox(
            "Open a module", list(collapsed), index=None, key="mg_to_open",
            format_func=lambda p: collapsed[p] or "(whole model)", placeholder="Collapsed modules",
        )  # fmt: skip
        if st.button("Open", key="mg_open_btn", disabled=choice is None):
            _set_open(plan.open | {choice})
    with cols[1]:
        close = st.selectbox(
            "Close a module", opened, index=None, key="mg_to_close", placeholder="Open modules"
        )
        if st.button("Close", key="mg_close_btn", disabled=close is None):
            _set_open(close_module(plan.open, close))
    with cols[2]:
        st.write("")
        if st.button("Automatic", key="mg_auto", help="summarize to the budget again"):
            st.session_state.pop(OPEN, None)
            st.rerun()


def _open_clicked(shown: gl.Graph, plan) -> None:
    """Callback of a click on the canvas: open the collapsed module clicked, if it was one."""
    path = collapsed_module_at(shown, clicked(CANVAS))
    if path is not None:
        st.session_state[OPEN] = sorted(plan.open | {path})


def _set_open(paths: set[str]) -> None:
    st.session_state[OPEN] = sorted(paths)
    st.rerun()


def draw(shown: gl.Graph, opts: dict, total: int, plan) -> str:
    """The picture on the canvas: a click on a collapsed module opens it."""
    dot = to_dot(
        shown,
        modules=opts["clusters"],
        show_saved=opts["saved"],
        show_shapes=opts["shapes"],
        legend=False,
    )
    view = f"{total} {sorted(plan.open)} {opts}"  # opening a module starts a fresh view
    graph_canvas(dot, CANVAS, view=view, height=640, on_select=lambda: _open_clicked(shown, plan))
    note = shown.meta.get("summary")
    if note:
        st.info(note)
    st.caption(f"{len(shown.nodes):,} nodes drawn of {total:,} captured.")
    return dot


def downloads(shown: gl.Graph, dot: str, spec: dict) -> None:
    cols = st.columns(3)
    cols[0].download_button("DOT", dot, "model.dot", "text/vnd.graphviz", on_click="ignore")
    cols[1].download_button(
        "Graph JSON", shown.to_json(indent=1), "model_graph.json", "application/json",
        on_click="ignore",
    )  # fmt: skip
    cols[2].download_button(
        "Spec JSON", json.dumps(spec, indent=1), "model_spec.json", "application/json",
        on_click="ignore",
    )  # fmt: skip
