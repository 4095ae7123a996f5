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
    module_paths,
    open_modules,
    plan_summary,
)
from graphlab.render import cluster_paths, fit_budget, gradient_only, legend_keys, to_dot
from widgets.graph_canvas import (
    MIN_TEXT_PX,
    canvas_width,
    clicked,
    clicked_frame,
    graph_canvas,
)
from widgets.i18n import _, say

OPEN = "mg_open"
CANVAS = "mg_canvas"
ASSUMED_WIDTH = 680  # the canvas's width beside the spec at 1440 px, until it reports its own


def options() -> dict:
    # Two toggles a column, so that no label is cut short beside the picture.
    left, middle, right = st.columns([2, 2, 1.4])
    return {
        "saved": left.toggle(_("Saved tensors"), value=False, key="mg_saved"),
        "shapes": left.toggle(_("Shapes on edges"), value=True, key="mg_shapes"),
        "grad_only": middle.toggle(
            _("Gradient path only"), value=False, key="mg_grad",
            help=_("hide the nodes no gradient flows through"),
            disabled=bool(st.session_state.get("mg_forward")),  # a trace has no gradients
        ),
        "clusters": middle.toggle(_("Group by module"), value=True, key="mg_clusters"),
        "roll": middle.toggle(
            _("Roll repeated calls"), value=False, key="mg_roll",
            help=_("A module run many times (an RNN cell over every step) is drawn as one box, "
                   "`cell x 6`, instead of one box per call; never where that would draw a "
                   "loop."),
        ),
        "max_nodes": right.number_input(
            _("Node budget"), 10, MAX_NODES, None, 10, key="mg_budget",
            placeholder=_("fit the view"),
            help=_("Empty: as many nodes as fit the view across at a readable size. At most "
                   "{max_nodes}.").format(max_nodes=MAX_NODES),
        ),
        "depth": right.number_input(
            _("Module depth"), 0, 20, None, 1, key="mg_depth", placeholder=_("any"),
            help=_("Modules deeper than this are drawn collapsed, one box each (0: the whole "
                   "model as one box; 1: its top-level modules). Empty: as deep as the node "
                   "budget allows."),
        ),
        # Full width: the longest label of the page.
        "forward": st.toggle(
            _("Trace the forward pass (no gradients)"), value=False, key="mg_forward",
            help=_("Run the model in eval mode under `torch.no_grad()` and draw every tensor op "
                   "it ran (`gl.trace_forward`), integer ops, argmax and BatchNorm's running "
                   "statistics included: no autograd graph is built to capture."),
        ),
    }  # fmt: skip


def view(graph: gl.Graph, opts: dict, spec_text: str) -> tuple[gl.Graph, object]:
    """The graph as drawn (toggles applied, summarized to the budget and the module depth, reused
    modules rolled if asked) and the summary plan behind it.

    The budget: the one typed; else everything the visitor opened (up to MAX_NODES); else, the
    first view of a model, as many nodes as fit the canvas across (`fit_budget`).
    """
    whole, graph = graph, _filtered(graph, opts)
    opened = st.session_state.get(OPEN)
    if opts["max_nodes"] is not None:
        budget = min(int(opts["max_nodes"]), MAX_NODES)
    elif opened is not None:
        budget = MAX_NODES
    else:
        width = canvas_width(CANVAS) or ASSUMED_WIDTH
        with st.spinner(_("Fitting the model to the view...")):
            budget = _fitted(whole, spec_text, _drawing(opts), round(width / 40) * 40)
    depth = None if opts.get("depth") is None else int(opts["depth"])
    plan = plan_summary(graph, budget, opened, depth=depth, roll=bool(opts.get("roll")),
                        saved=bool(opts["saved"]))  # fmt: skip
    return apply_summary(graph, plan), plan


def _filtered(graph: gl.Graph, opts: dict) -> gl.Graph:
    if not opts["saved"]:
        graph = graph.without({"saved"})
    # A forward trace has no gradient path: every op of it is on the forward one.
    return gradient_only(graph) if opts["grad_only"] and not opts["forward"] else graph


def _drawing(opts: dict) -> tuple[tuple[str, bool], ...]:
    """The options that change the picture's layout, as a hashable cache key."""
    keys = ("saved", "shapes", "grad_only", "clusters", "forward")
    return tuple((k, bool(opts[k])) for k in keys)


@st.cache_data(max_entries=64, show_spinner=False)
def _fitted(_graph: gl.Graph, spec_text: str, drawing: tuple[tuple[str, bool], ...],
            width: int) -> int:  # fmt: skip
    # Plain keys: the spec, the layout options and the width decide it for every visitor (the
    # graph is the spec's, so it is left out of the key).
    opts = dict(drawing)
    graph = _filtered(_graph, opts)
    return fit_budget(graph, width, text_px=MIN_TEXT_PX, **_dot_options(opts))


def _dot_options(opts: dict) -> dict:
    return {"modules": opts["clusters"], "show_saved": opts["saved"],
            "show_shapes": opts["shapes"], "legend": False}  # fmt: skip


def open_close_controls(graph: gl.Graph, shown: gl.Graph, plan) -> None:
    """Open a collapsed module, close an open one, open or collapse them all, or go back to the
    automatic view."""
    collapsed = collapsed_modules(shown)
    opened = open_modules(plan)
    cols = st.columns(2)
    with cols[0]:
        choice = st.selectbox(
            _("Open a module"), list(collapsed), index=None, key="mg_to_open",
            format_func=lambda p: collapsed[p] if p else _("(whole model)"),
            placeholder=_("Collapsed modules"),
        )  # fmt: skip
        if st.button(_("Open"), key="mg_open_btn", disabled=choice is None):
            _set_open(plan.open | {choice})
    with cols[1]:
        close = st.selectbox(
            _("Close a module"),
            opened,
            index=None,
            key="mg_to_close",
            placeholder=_("Open modules"),
        )
        if st.button(_("Close"), key="mg_close_btn", disabled=close is None):
            _set_open(close_module(plan.open, close))
    bar = st.container(horizontal=True, gap="small")
    if bar.button(_("Open all"), key="mg_open_all", icon=":material/unfold_more:",
                  help=_("every module open, as far as {max_nodes} nodes allow").format(
                      max_nodes=MAX_NODES)):  # fmt: skip
        _set_open(set(module_paths(graph)))
    if bar.button(_("Collapse all"), key="mg_collapse_all", icon=":material/unfold_less:",
                  help=_("every top-level module as one box")):  # fmt: skip
        _set_open({""})
    if bar.button(_("Automatic"), key="mg_auto", icon=":material/fit_screen:",
                  help=_("as many nodes as fit the view")):  # fmt: skip
        st.session_state.pop(OPEN, None)
        st.rerun()


def _open_clicked(shown: gl.Graph, plan) -> None:
    """Callback of a click on a node: open the collapsed module clicked, if it was one."""
    path = collapsed_module_at(shown, clicked(CANVAS))
    if path is not None:
        st.session_state[OPEN] = sorted(plan.open | {path})


def _close_clicked(shown: gl.Graph, plan) -> None:
    """Callback of a click on a module's frame: close that module."""
    path = cluster_paths(shown).get(clicked_frame(CANVAS) or "")
    if path is not None:
        st.session_state[OPEN] = sorted(close_module(plan.open, path))


def _set_open(paths: set[str]) -> None:
    st.session_state[OPEN] = sorted(paths)
    st.rerun()


def draw(shown: gl.Graph, opts: dict, total: int, plan) -> str:
    """The picture on the canvas: a click on a collapsed module opens it, one on the frame of an
    open module closes it."""
    dot = to_dot(shown, **_dot_options(opts))
    view = f"{total} {sorted(plan.open)} {opts}"  # opening a module starts a fresh view
    keys = legend_keys(shown, show_saved=opts["saved"], modules=opts["clusters"])
    graph_canvas(
        dot, CANVAS, view=view, height=640, legend=keys, report_width=True,
        on_select=lambda: _open_clicked(shown, plan),
        on_frame=lambda: _close_clicked(shown, plan),
    )  # fmt: skip
    if plan.text is not None:  # what the summary did (shown.meta["summary"] is its English)
        (st.warning if plan.over_budget else st.info)(say(plan.text))
    st.caption(
        _(
            "{drawn} nodes drawn of {total} captured. Click a box to open it, the frame of an "
            "open module to close it."
        ).format(drawn=f"{len(shown.nodes):,}", total=f"{total:,}")
    )
    return dot


def downloads(shown: gl.Graph, dot: str, spec: dict) -> None:
    cols = st.columns(3)
    cols[0].download_button("DOT", dot, "model.dot", "text/vnd.graphviz", on_click="ignore")
    cols[1].download_button(
        _("Graph JSON"), shown.to_json(indent=1), "model_graph.json", "application/json",
        on_click="ignore",
    )  # fmt: skip
    cols[2].download_button(
        _("Spec JSON"), json.dumps(spec, indent=1), "model_spec.json", "application/json",
        on_click="ignore",
    )  # fmt: skip
