"""The Model Graph page's builder: a spec as JSON text, a built-in picker and an "add layer" form.

The JSON text in ``st.session_state[SPEC]`` is the one source of truth; the picker and the form
rewrite it in callbacks, through ``gl.models.edit``. It is read with ``json.loads`` and checked by
``gl.models.plan``; nothing typed is ever evaluated. Layer names and messages are shown as text,
never as markup.
"""

from __future__ import annotations

import streamlit as st

import graphlab as gl
from graphlab.models import BUILTINS, LAYER_TYPES, edit
from widgets.expression import escape_markdown, message_markdown
from widgets.i18n import N_, _, say, translator

SPEC = "mg_spec"
BUILTIN = "mg_builtin"
ADD_TYPE = "mg_add_type"
DEFAULT = "cnn"
# The headings of `edit.layer_rows`, shown through _().
HEADINGS = (N_("layer"), N_("type"), N_("repeat"), N_("output shape"))


def init(default: str = DEFAULT) -> None:
    if SPEC not in st.session_state:
        st.session_state[SPEC] = edit.builtin_text(default)


def builtin_picker() -> None:
    tr = translator()  # the titles are the library's English (widgets/content_words.py)
    st.selectbox(
        _("Start from a built-in model"),
        list(BUILTINS),
        index=None,
        placeholder=_("Choose a model..."),
        format_func=lambda n: tr(BUILTINS[n].title),
        key=BUILTIN,
        on_change=_load_builtin,
    )


def spec_editor() -> object | None:
    """The JSON editor; returns the parsed spec, or None (after showing why) when not JSON."""
    text = st.text_area(_("Model spec (JSON)"), key=SPEC, height=260, max_chars=edit.MAX_SPEC_CHARS)
    try:
        return edit.parse_spec(text)
    except gl.models.SpecError as err:
        st.error(escape_markdown(say(err.full_text)))
        return None


def add_layer_form() -> None:
    """Pick a layer type, set its settings, append it to the spec."""
    tr = translator()
    kind = st.selectbox(
        _("Layer type"),
        list(LAYER_TYPES),
        format_func=lambda k: tr(LAYER_TYPES[k].title),
        key=ADD_TYPE,
    )
    for name, s in LAYER_TYPES[kind].settings.items():
        key, value = _key(kind, name), edit.form_default(s)
        if s.type == "bool":
            st.checkbox(name, value=value, key=key)
        elif s.type == "int":
            st.number_input(
                name, int(s.lo), int(s.hi), value, 1, key=key, help=_(s.help) if s.help else None
            )
        else:
            st.number_input(name, float(s.lo), float(s.hi), value, 0.05, key=key)
    cols = st.columns(2)
    cols[0].button(_("Add layer"), on_click=_append, args=(kind,), key="mg_add")
    cols[1].button(_("Remove last layer"), on_click=_pop, key="mg_pop")


def layer_table(spec: dict, plan: gl.models.Plan) -> None:
    """Each layer with its output shape, as a table of plain text."""
    rows = edit.layer_rows(spec, plan)
    rows["type"] = [_(title) for title in rows["type"]]  # LAYER_TYPES titles (content_words)
    st.table({_(heading): column for heading, column in rows.items()})
    st.caption(say(edit.plan_caption(plan)))


def show_spec_error(err: gl.models.SpecError) -> None:
    """What is wrong with the spec, in the visitor's language (`quoted` parts shown as code)."""
    st.error(message_markdown(say(err.full_text)))


def show_refusal(reply: dict) -> None:
    """Why the worker made nothing of the spec (busy, past its time limit), said literally."""
    error = reply.get("error") or {}
    st.error(message_markdown(say(error.get("text") or str(error.get("message", "")))))


def _key(kind: str, setting: str) -> str:
    return f"mg_add_{kind}_{setting}"


def _load_builtin() -> None:
    name = st.session_state.get(BUILTIN)
    if name in BUILTINS:
        st.session_state[SPEC] = edit.builtin_text(name)


def _append(kind: str) -> None:
    """Read the form's values when the button is clicked (not when it was drawn)."""
    values = {name: st.session_state.get(_key(kind, name)) for name in LAYER_TYPES[kind].settings}
    st.session_state[SPEC] = edit.with_layer(
        st.session_state.get(SPEC, ""), edit.new_layer(kind, values)
    )


def _pop() -> None:
    st.session_state[SPEC] = edit.without_last_layer(st.session_state.get(SPEC, ""))
