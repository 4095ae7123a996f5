"""graphlab: the Streamlit app. A router over pages/; each page is a thin file."""

import streamlit as st

st.set_page_config(page_title="graphlab", page_icon="🕸️", layout="wide")

PAGES = {
    "Learn": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    ],
    "Tools": [
        st.Page("pages/graph_explorer.py", title="Graph Explorer", icon="🔎"),
    ],
}

st.navigation(PAGES).run()
