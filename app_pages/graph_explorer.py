"""Graph Explorer: a gallery of built-in examples, each graph inspectable node by node."""

import streamlit as st

import graphlab as gl
from graphlab.lessons import gallery
from widgets.graph_view import downloads, node_details, node_picker, show_graph
from widgets.i18n import _, translator

EXAMPLES = gallery.EXAMPLES


@st.cache_data(max_entries=32, show_spinner=False)
def example_graph(name: str) -> gl.Graph:
    # Examples are seeded and take no visitor input, so one cached graph serves everyone.
    return gallery.graph(name)


st.title(_("Graph Explorer"))
st.markdown(
    _(
        "Pick an example. Grey boxes are **backward nodes** (one per differentiable op), blue ones "
        "are **tensors that receive gradients**, orange ones are **tensors saved for backward**, "
        "the green ellipse is the **output**. Hover a box for details."
    )
)

tr = translator()  # the titles are the library's English; the options stay the names
name = st.selectbox(
    _("Example"),
    list(EXAMPLES),
    format_func=lambda n: tr(EXAMPLES[n].title),
    key="explorer_example",
)
example = EXAMPLES[name]
graph = example_graph(name)
st.info(_(example.idea))

graph_col, side_col = st.columns([2, 1])
with graph_col:
    dot = show_graph(graph, key="explorer", picker=f"explorer_{name}_node")
with side_col:
    with st.expander(_("Code"), expanded=True):
        st.code(gallery.source(name), language="python", wrap_lines=True)
    saved = bool(st.session_state.get("explorer_saved"))
    node = node_picker(graph, key=f"explorer_{name}", show_saved=saved)
    if node is not None:
        node_details(graph, node)
    st.markdown(_("**Download**"))
    downloads(graph, dot, stem=name)
