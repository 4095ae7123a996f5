"""The Model Graph page's builder: a spec as JSON text, a built-in picker and an "add layer" form.

The JSON text in ``st.session_state[SPEC]`` is the one source of truth; the picker and the form
rewrite it in callbacks. It is read with ``json.loads`` and checked by ``gl.models.plan``;
nothing typed is ever evaluated. Layer names and messages are shown as text, never as markup.
"""

from __future__ import annotations

import json

import streamlit as st

import graphlab as gl
from graphlab.models import BUILTINS, LAYER_TYPES
from widgets.expression import escape_markdown, message_markdown

SPEC = "mg_spec"
BUILTIN = "mg_builtin"
ADD_TYPE = "mg_add_type"
DEFAULT = "cnn"
MAX_CHARS = 12_000


def init(default: str = DEFAULT) -> None:
    if SPEC not in st.session_state:
        st.session_state[SPEC] = _text(BUILTINS[default].spec)


def builtin_picker() -> None:
    st.selectbox(
        "Start from a built-in model",
        list(BUILTINS),
        index=None,
        placeholder="Choose a model...",
        format_func=lambda n: BUILTINS[n].title,
        key=BUILTIN,
        on_change=_load_builtin,
    )


def spec_editor() -> dict | None:
    """The JSON editor; returns the parsed spec, or None (after showing why) when not JSON."""
    text = st.text_area("Model spec (JSON)", key=SPEC, height=260, max_chars=MAX_CHARS)
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        st.error(
            f"The spec is not valid JSON: {escape_markdown(err.msg)} (line {err.lineno}, column {err.colno})."
        )
        return None
    return spec


def add_layer_form() -> None:
    """Pick a layer type, set its settings, append it to the spec."""
    kind = st.selectbox(
        "Layer type", list(LAYER_TYPES), format_func=lambda k: LAYER_TYPES[k].title, key=ADD_TYPE
    )
    for name, s in LAYER_TYPES[kind].settings.items():
        key = f"mg_add_{kind}_{name}"
        if s.type == "bool":
            st.checkbox(name, value=bool(s.default), key=key)
        elif s.type == "int":
            default = int(s.default) if s.default is not None else max(int(s.lo), 16)
            st.number_input(
                name, int(s.lo), int(s.hi), min(default, int(s.hi)), 1, key=key, help=s.help or None
            )
        else:
            st.number_input(name, float(s.lo), float(s.hi), float(s.default or 0), 0.05, key=key)
    cols = st.columns(2)
    cols[0].button("Add layer", on_click=_append, args=(kind,), key="mg_add")
    cols[1].button("Remove last layer", on_click=_pop, key="mg_pop")


def layer_table(spec: dict, plan: gl.models.Plan) -> None:
    """Each layer with its output shape, as a table of plain text."""
    layers = spec["layers"]
    st.table(
        {
            "layer": [
                str(layer.get("name", f"{layer['type']}{i}")) for i, layer in enumerate(layers)
            ],
            "type": [LAYER_TYPES[layer["type"]].title for layer in layers],
            "repeat": [int(layer.get("repeat", 1)) for layer in layers],
            "output shape": [str(list(s)) for s in plan.shapes],
        }
    )
    st.caption(
        f"Input {list(plan.input)} · {plan.params:,} parameters · "
        f"{plan.activations:,} activation values"
    )


def show_spec_error(err: gl.models.SpecError) -> None:
    st.error(message_markdown(str(err)))


def _text(spec: dict) -> str:
    return json.dumps(spec, indent=1)


def _load_builtin() -> None:
    name = st.session_state.get(BUILTIN)
    if name in BUILTINS:
        st.session_state[SPEC] = _text(BUILTINS[name].spec)


def _current() -> dict | None:
    try:
        spec = json.loads(st.session_state.get(SPEC, ""))
    except json.JSONDecodeError:
        return None
    return spec if isinstance(spec, dict) and isinstance(spec.get("layers"), list) else None


def _append(kind: str) -> None:
    """Read the form's values when the button is clicked (not when it was drawn)."""
    values = {}
    for name, s in LAYER_TYPES[kind].settings.items():
        value = st.session_state.get(f"mg_add_{kind}_{name}", s.default)
        values[name] = value if s.type != "int" or value is None else int(value)
    spec = _current() or {"input": [4, 16], "layers": []}
    spec["layers"].append({"type": kind, **values})
    st.session_state[SPEC] = _text(spec)


def _pop() -> None:
    spec = _current()
    if spec and spec["layers"]:
        spec["layers"].pop()
        st.session_state[SPEC] = _text(spec)
