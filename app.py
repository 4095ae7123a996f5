"""graphlab: the Streamlit app. A router over app_pages/; each page is a thin file.

The folder is not named pages/: Streamlit would auto-discover it and serve deep links without
this router (no sections, no wide layout) on a fresh server.
"""

import streamlit as st

from widgets import server_guard, session_reaper
from widgets.i18n import _, language_switch
from widgets.lesson import lesson_links

server_guard.install()  # before any page: bounded uploads, no visitor clears the shared caches
session_reaper.install()  # a closed tab's session is shut down once its reconnect window passes
st.set_page_config(page_title="graphlab", page_icon="🕸️", layout="wide")

language_switch()
COURSE = st.Page("app_pages/course.py", title=_("Course"), icon=":material/school:")
PAGES = {
    _("Learn"): [
        st.Page("app_pages/home.py", title=_("Home"), icon=":material/home:", default=True),
        COURSE,
        st.Page("app_pages/glossary.py", title=_("Glossary"), icon=":material/translate:"),
        st.Page("app_pages/step_through.py", title=_("Step Through"), icon=":material/footprint:"),
        st.Page(
            "app_pages/dynamic_graphs.py", title=_("Dynamic Graphs"), icon=":material/alt_route:"
        ),
    ],
    _("Tools"): [
        st.Page(
            "app_pages/graph_explorer.py", title=_("Graph Explorer"), icon=":material/account_tree:"
        ),
        st.Page(
            "app_pages/expression_lab.py", title=_("Expression Lab"), icon=":material/science:"
        ),
        st.Page("app_pages/model_graph.py", title=_("Model Graph"), icon=":material/schema:"),
    ],
    _("Train"): [
        st.Page(
            "app_pages/live_training.py", title=_("Live Training"), icon=":material/model_training:"
        ),
    ],
}

page = st.navigation(PAGES)
course_list = st.sidebar.container()
try:
    page.run()
finally:  # after the page, so a lesson finished in this run is marked; also after st.stop()
    with course_list:
        lesson_links(COURSE)
