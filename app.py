"""graphlab: the Streamlit app. A router over pages/; each page is a thin file."""

import streamlit as st

st.set_page_config(page_title="graphlab", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Learn": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/step_through.py", title="Step Through", icon=":material/footprint:"),
        st.Page("pages/dynamic_graphs.py", title="Dynamic Graphs", icon=":material/alt_route:"),
    ],
    "Tools": [
        st.Page("pages/graph_explorer.py", title="Graph Explorer", icon=":material/account_tree:"),
        st.Page("pages/expression_lab.py", title="Expression Lab", icon=":material/science:"),
        st.Page("pages/model_graph.py", title="Model Graph", icon=":material/schema:"),
    ],
    "Train": [
        st.Page("pages/live_training.py", title="Live Training", icon=":material/model_training:"),
    ],
}

st.navigation(PAGES).run()
