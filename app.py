"""graphlab: the Streamlit app. A router over app_pages/; each page is a thin file.

The folder is not named pages/: Streamlit would auto-discover it and serve deep links without
this router (no sections, no wide layout) on a fresh server.
"""

import streamlit as st

st.set_page_config(page_title="graphlab", page_icon="🕸️", layout="wide")

PAGES = {
    "Learn": [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/step_through.py", title="Step Through", icon=":material/footprint:"),
        st.Page("app_pages/dynamic_graphs.py", title="Dynamic Graphs", icon=":material/alt_route:"),
    ],
    "Tools": [
        st.Page(
            "app_pages/graph_explorer.py", title="Graph Explorer", icon=":material/account_tree:"
        ),
        st.Page("app_pages/expression_lab.py", title="Expression Lab", icon=":material/science:"),
        st.Page("app_pages/model_graph.py", title="Model Graph", icon=":material/schema:"),
    ],
    "Train": [
        st.Page(
            "app_pages/live_training.py", title="Live Training", icon=":material/model_training:"
        ),
    ],
}

st.navigation(PAGES).run()
