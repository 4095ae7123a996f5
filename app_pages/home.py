"""Home: what a dynamic computation graph is, in one live example, and the map of the app."""

import streamlit as st

import graphlab as gl
from graphlab.lessons import gallery
from graphlab.render import legend_keys
from widgets.graph_canvas import graph_canvas
from widgets.i18n import N_, _

st.title("graphlab")
st.markdown(
    _(
        "PyTorch builds a **computation graph** while your code runs: every differentiable "
        "operation on a tensor that requires a gradient, while grad mode is on, records a node "
        "that knows how to send gradients back. The graph is *dynamic*: it is built anew on every "
        "run, so ordinary Python `if` and `for` shape it."
    )
)

left, right = st.columns([2, 3])
with left:
    st.subheader(_("Try it"))
    x_value = st.slider("x", -3.0, 3.0, 1.0, 0.5, key="home_x")
    st.code(gallery.home_code(x_value), language="python", wrap_lines=True)
    result = gallery.home_demo(x_value)
    st.markdown(
        f"`y = {result.value:.4f}`, `x.grad = {result.x_grad:.4f}`, `w.grad = {result.w_grad:.4f}`"
    )
    st.caption(
        _(
            "Move x across 0: the graph on the right changes, because the program took the other "
            "branch."
        )
    )
with right:
    dot = gl.to_dot(result.graph, rankdir="LR", show_saved=False, legend=False)
    keys = legend_keys(result.graph, show_saved=False)
    graph_canvas(dot, "home_canvas", view="home", height=330, legend=keys)

st.subheader(_("Map of the app"))
MAP = [
    (
        "app_pages/step_through.py",
        N_("Step Through: forward op by op, backward node by node"),
        "footprint",
    ),
    (
        "app_pages/dynamic_graphs.py",
        N_("Dynamic Graphs: one program, two inputs, two graphs"),
        "alt_route",
    ),
    (
        "app_pages/graph_explorer.py",
        N_("Graph Explorer: a gallery of graphs to inspect"),
        "account_tree",
    ),
    (
        "app_pages/expression_lab.py",
        N_("Expression Lab: type tensor code, check gradients, share"),
        "science",
    ),
    (
        "app_pages/model_graph.py",
        N_("Model Graph: build a model, see it by module, at any size"),
        "schema",
    ),
    (
        "app_pages/live_training.py",
        N_("Live Training: watch a model learn MNIST"),
        "model_training",
    ),
]
for path, label, icon in MAP:
    st.page_link(path, label=_(label), icon=f":material/{icon}:")
