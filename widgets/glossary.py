"""The glossary page: every term of the course in English and Chinese, with its PyTorch name and
its meaning in the visitor's language."""

from __future__ import annotations

import streamlit as st

from graphlab.lessons.glossary import TERMS
from graphlab.lessons.prose import load
from widgets.i18n import _, language


def glossary() -> None:
    parts = load(language(), "glossary")
    st.title(parts["title"])
    st.markdown(_("The words of the course, in both languages, as PyTorch spells them in code."))
    query = st.text_input(_("Find a term"), key="glossary_find", max_chars=40).strip().lower()
    meanings = {t.id: parts[f"term:{t.id}"] for t in TERMS}
    shown = [
        t for t in TERMS if not query or any(query in s.lower() for s in (*t[1:], meanings[t.id]))
    ]
    if not shown:
        st.info(_("No term matches that."))
        return
    st.table(
        {
            _("English"): [t.en for t in shown],
            _("Chinese"): [t.zh for t in shown],
            _("In PyTorch"): [t.code or "—" for t in shown],
            _("Meaning"): [meanings[t.id] for t in shown],
        }
    )
