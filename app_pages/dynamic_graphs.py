"""Dynamic Graphs: one program, two inputs, two graphs, their differences tied to source lines."""

import streamlit as st

from widgets.dynamic_view import dynamic_graphs_view
from widgets.i18n import _

st.title(_("Dynamic Graphs"))
st.markdown(
    _(
        "PyTorch records the graph **while your code runs**, so ordinary Python `if` and `for` "
        "decide what gets recorded. Below, one program runs on two values of `x` (the first line "
        "is `x = torch.tensor(<value>, requires_grad=True)`); the two graphs are compared node by "
        "node and each difference is tied to the line whose branch or loop count differed."
    )
)
dynamic_graphs_view("dg")
