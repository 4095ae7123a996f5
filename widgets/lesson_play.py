"""The live widgets of the lessons' Play stage, by the name a lesson gives (`Lesson.widget`).

Each draws itself and returns the numbers its lesson's "What you saw" quotes, computed by torch
(in the sandbox worker for a program the learner typed).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import graphlab as gl
from graphlab.lessons import lesson_graph, lesson_tensors
from graphlab.render import legend_keys
from graphlab.sandbox import Limits
from widgets import program_editor as editor
from widgets.expression import format_tensor, message_markdown, run_program, show_error
from widgets.graph_canvas import graph_canvas
from widgets.i18n import _, say
from widgets.lesson_play_accumulate import accumulate
from widgets.lesson_play_activations import activations
from widgets.lesson_play_chainrule import chain_rule
from widgets.lesson_play_cnn import cnn
from widgets.lesson_play_data import data
from widgets.lesson_play_ddp import ddp
from widgets.lesson_play_descent import descent
from widgets.lesson_play_devices import devices
from widgets.lesson_play_dynamic import dynamic
from widgets.lesson_play_loop import loop
from widgets.lesson_play_losses import losses
from widgets.lesson_play_module import module_table
from widgets.lesson_play_nograd import nograd
from widgets.lesson_play_optimizers import optimizers
from widgets.lesson_play_saving import saving
from widgets.literal_text import unlinked


def broadcast(state_only: bool = False) -> dict[str, str]:
    """Two shapes and dtypes, lined up from the right, and what torch makes of `a + b`."""
    ss = st.session_state
    ss.setdefault("lt_a", "3, 1")
    ss.setdefault("lt_b", "4")
    ss.setdefault("lt_da", "float32")
    ss.setdefault("lt_db", "float32")
    args = (ss["lt_a"], ss["lt_b"], ss["lt_da"], ss["lt_db"])
    if state_only:
        return _tensor_numbers(*args)
    cols = st.columns(2)
    with cols[0]:
        st.text_input(_("Shape of a"), key="lt_a", max_chars=40)
        st.selectbox(_("dtype of a"), lesson_tensors.DTYPES, key="lt_da")
    with cols[1]:
        st.text_input(_("Shape of b"), key="lt_b", max_chars=40)
        st.selectbox(_("dtype of b"), lesson_tensors.DTYPES, key="lt_db")
    try:
        result = lesson_tensors.broadcast(*args)
    except ValueError as err:
        reason = say(err.args[0] if err.args else "")  # the library's Message, translated
        st.error(_("That shape cannot be read: {reason}").format(reason=unlinked(reason)))
        return {}
    width = max(len(cells) for _name, cells in result.rows)
    header = [_("dim {i}").format(i=i - width) for i in range(width)]
    st.table({"": [name for name, _cells in result.rows],
              **{h: [cells[i] for _n, cells in result.rows] for i, h in enumerate(header)}})  # fmt: skip
    if result.error:
        st.error(_("torch refuses: {message}").format(message=message_markdown(result.error)))
    else:
        st.success(_("a + b has shape {shape} and dtype {dtype}").format(
            shape=result.result, dtype=result.dtype))  # fmt: skip
    return _tensor_numbers(*args)


def _tensor_numbers(a: str, b: str, da: str, db: str) -> dict[str, str]:
    try:
        return lesson_tensors.saw(a, b, da, db)
    except ValueError:
        return {}


def sandbox_graph(state_only: bool = False) -> dict[str, str]:
    """The learner's program in the sandbox: its graph, and each tensor's autograd facts."""
    key = "lg_code"
    st.session_state.setdefault(key, lesson_graph.PROGRAM)
    limit = Limits().max_source_chars
    code = editor.submitted_program(key, limit=limit)
    reply = run_program(code)
    if state_only:
        return lesson_graph.saw(reply) if reply.get("ok") else {}
    editor.program_editor(key, limit=limit, error=reply.get("error"), lines=(6, 12))
    if not reply.get("ok"):
        show_error(code, reply.get("error", {}))
        return {}
    left, right = st.columns([3, 2])
    with left:
        if reply.get("graph"):
            graph = gl.Graph.from_dict(reply["graph"])
            dot = gl.to_dot(graph, show_saved=False, legend=False)
            graph_canvas(dot, "lg_canvas", view=code, height=360,
                         legend=legend_keys(graph, show_saved=False))  # fmt: skip
    with right:
        tensors = reply.get("tensors", {})
        st.table({
            _("tensor"): list(tensors),
            "requires_grad": [str(t["requires_grad"]) for t in tensors.values()],
            "is_leaf": [str(t["is_leaf"]) for t in tensors.values()],
            "grad_fn": [t.get("grad_fn") or "None" for t in tensors.values()],
            ".grad": [format_tensor(t["grad"]) if "grad" in t else "None" for t in tensors.values()],
        })  # fmt: skip
    return lesson_graph.saw(reply)


PLAYS: dict[str, Callable[..., dict[str, str]]] = {
    "broadcast": broadcast,
    "sandbox_graph": sandbox_graph,
    "chain_rule": chain_rule,
    "accumulate": accumulate,
    "nograd": nograd,
    "descent": descent,
    "dynamic": dynamic,
    "losses": losses,
    "optimizers": optimizers,
    "loop": loop,
    "data": data,
    "cnn": cnn,
    "module_table": module_table,
    "activations": activations,
    "ddp": ddp,
    "saving": saving,
    "devices": devices,
}
