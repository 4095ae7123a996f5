"""graphlab: the Streamlit app. A router over pages/; each page is a thin file."""

import streamlit as st

st.set_page_config(page_title="graphlab", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Learn": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "Tools": [
        st.Page("pages/graph_explorer.py", title="Graph Explorer", icon=":material/account_tree:"),
        st.Page("pages/expression_lab.py", title="Expression Lab", icon=":material/science:"),
    ],
}

st.navigation(PAGES).run()
