"""Show a captured graph: layout options, the picture, a node inspector and exports."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping

import streamlit as st

import graphlab as gl
from graphlab.core import shape_text
from graphlab.render import legend_keys, node_label
from graphlab.render.text import node_choices
from widgets.graph_canvas import clicked, graph_canvas
from widgets.i18n import N_, _, translator

DIRECTIONS = {N_("Top to bottom"): "TB", N_("Left to right"): "LR", N_("Bottom to top"): "BT"}


def graph_options(key: str) -> dict:
    """Layout direction and saved-tensor toggle; returns keyword arguments for `gl.to_dot`."""
    left, right = st.columns([2, 1])
    direction = left.radio(
        _("Layout"),
        list(DIRECTIONS),
        format_func=translator(),
        horizontal=True,
        key=f"{key}_rankdir",
        label_visibility="collapsed",
    )
    # Off by default: saved tensors double the node count; the inspector lists them per node.
    saved = right.toggle(_("Saved tensors"), value=False, key=f"{key}_saved")
    return {"rankdir": DIRECTIONS.get(direction, "TB"), "show_saved": saved}


def show_graph(
    graph: gl.Graph, key: str, *, highlight=None, picker: str | None = None
) -> Callable[[], str]:
    """Draw `graph` with its options on the canvas; returns what makes the same DOT with its
    legend, for a download (drawn only when the visitor asks for it).

    `picker`: the key of the `node_picker` this drawing drives: a click on a node selects it
    there, and the node selected there is outlined here.
    """
    options = graph_options(key)
    dot = gl.to_dot(graph, highlight=highlight, legend=False, **options)
    canvas = f"{key}_canvas"
    graph_canvas(
        dot,
        canvas,
        view=f"{_summary(graph)} {options}",
        selected=st.session_state.get(picker) if picker else None,
        on_select=(lambda: _pick(graph, canvas, picker)) if picker else None,
        legend=legend_keys(graph, show_saved=options["show_saved"], highlight=highlight),
    )
    st.caption(_summary(graph))
    return lambda: gl.to_dot(graph, highlight=highlight, **options)


def _pick(graph: gl.Graph, canvas: str, picker: str) -> None:
    """Callback of a click on the canvas: the clicked node becomes the picker's choice."""
    node_id = clicked(canvas)
    if node_id is not None and any(n.id == node_id for n in graph.nodes):
        st.session_state[picker] = node_id


def node_picker(
    graph: gl.Graph, key: str, names: Mapping[str, str] | None = None, *, show_saved: bool = False
) -> gl.Node | None:
    """A select box over the nodes drawn (saved tensors with `show_saved`), listed by names a
    learner recognizes (see `graphlab.render.text.node_choices`); returns the chosen node.

    `names` maps node ids to the variable holding that node's tensor, shown after the op name.
    """
    choices = node_choices(graph, names, show_saved=show_saved, gettext=translator())
    if not choices:
        return None
    node_id = st.selectbox(
        _("Inspect a node"), list(choices), format_func=choices.__getitem__, key=f"{key}_node"
    )
    return graph.node(node_id) if node_id in choices else None


def node_details(graph: gl.Graph, node: gl.Node) -> None:
    """Everything captured about one node, as text (names are shown literally, never as markup)."""
    rows = {
        _("kind"): node.kind,
        _("name"): node.name,
        _("shape"): shape_text(node.shape),
        "dtype": node.dtype or "—",
        _("device"): node.device or "—",
        _("module"): _("(root)") if node.module == "" else (node.module or "—"),
    }
    st.table({_("field"): list(rows), _("value"): list(rows.values())})
    saved = graph.saved(node.id)
    if saved:
        st.markdown(_("**Saved for backward**"))
        st.table(
            {
                _("attribute"): [s.name for s in saved],
                _("shape"): [shape_text(s.shape) for s in saved],
                "dtype": [s.dtype for s in saved],
            }
        )
    if node.attrs:
        st.markdown(_("**Attributes**"))
        st.table({_("attribute"): list(node.attrs), _("value"): list(node.attrs.values())})
    inputs = [graph.node(e.src) for e in graph.inputs(node.id)]
    if inputs:
        names = ", ".join(node_label(n).replace("\n", " ") for n in inputs)
        st.caption(_("Inputs: {names}").format(names=names))


def downloads(graph: gl.Graph, dot: Callable[[], str], stem: str) -> None:
    """Export buttons; SVG only when the Graphviz program is installed (else say what to do)."""
    cols = st.columns(3)
    # The DOT as text, not a deferred callable: a click that lands while the page is still
    # updating would ask for the last run's deferred file, which the new run has dropped.
    cols[0].download_button("DOT", dot(), f"{stem}.dot", "text/vnd.graphviz", on_click="ignore")
    cols[1].download_button(
        "JSON", graph.to_json(indent=1), f"{stem}.json", "application/json", on_click="ignore"
    )
    if shutil.which("dot"):
        cols[2].download_button(
            "SVG", lambda: gl.to_svg(graph), f"{stem}.svg", "image/svg+xml", on_click="ignore"
        )
    else:
        cols[2].info(_("SVG export needs Graphviz: `apt-get install graphviz`."))


def _summary(graph: gl.Graph) -> str:
    counts = {k: len(graph.of_kind(k)) for k in gl.core.NODE_KINDS}
    parts = [f"{v} {k}" for k, v in counts.items() if v]
    return _("{nodes} nodes ({kinds}), {edges} edges").format(
        nodes=len(graph.nodes), kinds=", ".join(parts), edges=len(graph.edges)
    )
