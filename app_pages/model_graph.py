"""Model Graph: assemble a model from layers or pick one; its graph grouped by module, summarized."""

import json

import streamlit as st

from graphlab.core.summary import MAX_NODES
from widgets import model_builder as builder
from widgets import model_source, model_view
from widgets.i18n import _

st.title(_("Model Graph"))
st.markdown(
    _(
        "Build a model from layers, or start from a built-in one, and see the autograd graph of "
        "one forward pass, **grouped by the module that ran each op**. Big models are summarized: "
        "the deepest modules collapse into one box each and repeated blocks fold into "
        "`Block x N`, so the first view fits the screen (and never more than {max_nodes} nodes "
        "are drawn). Click a box to open it, an open module's frame to close it; drag and scroll "
        "to move around."
    ).format(max_nodes=MAX_NODES)
)

builder.init()
spec_col, graph_col = st.columns([2, 5])
with spec_col:
    builder.builtin_picker()
    spec = builder.spec_editor()
    with st.expander(_("Add a layer")):
        builder.add_layer_form()

with spec_col:
    slot = st.empty()  # the wait for a worker, drawn on every run (the page keeps its shape)
made = None
if spec is not None:
    # Planned, built and captured in a worker: the server never builds a visitor's model.
    made = model_source.made(spec, bool(st.session_state.get("mg_forward")), slot)
    with spec_col:
        if made.error is not None:
            builder.show_spec_error(made.error)
        elif made.failure is not None:
            builder.show_refusal(made.failure)

if made is not None and made.graph is not None:
    spec_text = json.dumps(spec, sort_keys=True)
    if st.session_state.get("mg_open_for") != spec_text:  # a new model: automatic view again
        st.session_state["mg_open_for"] = spec_text
        st.session_state.pop(model_view.OPEN, None)
    with spec_col:
        builder.layer_table(spec, made.plan)
    with graph_col:
        opts = model_view.options()
        graph = made.graph
        shown, summary = model_view.view(graph, opts, spec_text)
        model_view.open_close_controls(graph, shown, summary)
        dot = model_view.draw(shown, opts, len(graph.nodes), summary)
        model_view.downloads(shown, dot, spec)
    with st.expander(_("How the summary works")):
        st.markdown(
            _(
                "Every op is tagged with the module whose `forward` created it (forward hooks, "
                "`gl.track_modules`). When the graph is bigger than the budget, whole levels of "
                "modules collapse, deepest first, until it fits; then modules open again, one at "
                "a time, while the next still fits, so the budget is used. Consecutive numbered "
                "blocks with the same structure fold into one box. **Module depth** keeps deeper "
                "modules collapsed; **Roll repeated calls** draws a module that ran many times "
                "(an RNN cell) as one box instead of one per call. A collapsed box shows its "
                "parameter count; hover it for its input and output shapes. The same is "
                "available in Python as `gl.summarize(graph, max_nodes={max_nodes}, depth=2, "
                "roll=True)` and on the command line as `python -m graphlab model resnet_deep "
                "--max-nodes {max_nodes} -o out.svg`."
            ).format(max_nodes=MAX_NODES)
        )
