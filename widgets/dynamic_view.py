"""Dynamic Graphs as a reusable view: one program, two inputs, two graphs, their differences tied
to source lines, and what a static trace records instead. The Dynamic Graphs page and lesson 7's
Play stage both draw it, each with its own session keys (`key_prefix`)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from graphlab.lessons import dynamic
from graphlab.render import legend_keys, to_dot
from graphlab.sandbox import Limits
from widgets import program_editor as editor
from widgets import worker_wait
from widgets.expression import escape_markdown, message_markdown
from widgets.graph_canvas import graph_canvas
from widgets.i18n import N_, _, say

__all__ = ["LIMIT", "Shown", "current_pair", "dynamic_graphs_view"]

LIMIT = dynamic.max_body_chars(Limits())
KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}
X_A, X_B = 1.0, -2.5  # the two inputs a view opens with


@dataclass(frozen=True)
class Shown:
    """What the view ran: the program body, its two inputs and their compared graphs."""

    body: str
    x_a: float
    x_b: float
    pair: dynamic.Pair


def _pair(key_prefix: str, body: str, x_a: float, x_b: float) -> dynamic.Pair:
    def run_both(slot) -> dynamic.Pair:
        # One request, so both runs share one budget (a failed request fails both). It runs in
        # the sandbox pool; the server never runs the program.
        programs = [dynamic.program(body, x) for x in (x_a, x_b)]
        reply = worker_wait.run(programs, kind="dynamic", slot=slot)
        return dynamic.compare(body, *reply.get("runs", [reply, reply]))

    return worker_wait.remember(f"{key_prefix}_pair", (body, x_a, x_b), run_both,
                      _("Running both programs..."))  # fmt: skip


def _body(key_prefix: str) -> str:
    code = f"{key_prefix}_code"
    if code not in st.session_state:
        st.session_state[code] = dynamic.EXAMPLE
    return editor.submitted_program(code, limit=LIMIT)  # the program, after the newest Run


def current_pair(key_prefix: str) -> Shown:
    """The view's program, inputs and pair from session state, drawing nothing (the pair is
    computed in the sandbox worker if the view has not run it yet)."""
    body = _body(key_prefix)
    x_a = float(st.session_state.get(f"{key_prefix}_a", X_A))
    x_b = float(st.session_state.get(f"{key_prefix}_b", X_B))
    return Shown(body, x_a, x_b, _pair(key_prefix, body, x_a, x_b))


def dynamic_graphs_view(key_prefix: str = "dg") -> Shown:
    """The editor, two inputs, the two graphs with their differences, and the static contrast."""
    body = _body(key_prefix)
    code_col, value_col = st.columns([3, 2])
    with value_col:
        x_a = st.slider(_("x in run A"), -3.0, 3.0, X_A, 0.5, key=f"{key_prefix}_a")
        x_b = st.slider(_("x in run B"), -3.0, 3.0, X_B, 0.5, key=f"{key_prefix}_b")
        saved = st.toggle(_("Saved tensors"), value=False, key=f"{key_prefix}_saved")
        st.caption(_("Allowed: assignments, `if`/`else`, `for i in range(k)`, `torch.*`, `F.*`."))
    pair = _pair(key_prefix, body, x_a, x_b)
    said = say(pair.error)  # the sandbox's sentence (or ours) in the visitor's language
    error = {"line": pair.error_line, "col": pair.error_col, "message": said}
    with code_col:
        editor.program_editor(
            f"{key_prefix}_code", limit=LIMIT, label=_("Program (uses x)"), error=error,
            lines=(9, 18),
        )  # fmt: skip
    shown = Shown(body, x_a, x_b, pair)
    if pair.error:
        message = message_markdown(said)  # `quoted` code as code, as the other pages show it
        if pair.error_line:
            message = _("Line {line}: {message}").format(line=pair.error_line, message=message)
        st.error(message)
        return shown
    _graphs(key_prefix, shown, saved)
    _differences(shown, saved)
    _static_contrast()
    return shown


def _graphs(key_prefix: str, shown: Shown, saved: bool) -> None:
    pair = shown.pair
    left, right = st.columns(2)
    for col, title, graph, side in ((left, f"A: x = {shown.x_a:g}", pair.graph_a, "a"),
                                    (right, f"B: x = {shown.x_b:g}", pair.graph_b, "b")):  # fmt: skip
        with col:
            st.subheader(title)
            marks = pair.marks(side, saved)
            dot = to_dot(graph, show_saved=saved, highlight=marks, legend=False)
            keys = legend_keys(graph, show_saved=saved, highlight=marks)
            graph_canvas(dot, f"{key_prefix}_{side}_canvas", view=f"{shown.body} {saved}",
                         height=480, legend=keys)  # fmt: skip


def _differences(shown: Shown, saved: bool) -> None:
    pair = shown.pair
    visible = pair.visible(saved)
    st.subheader(_("What differed, and where"))
    if pair.controls:
        for line, text in sorted(pair.controls.items(), key=lambda kv: kv[0] or 0):
            st.markdown("- " + _("**Line {line}**: {text}").format(line=line, text=say(text)))
    else:
        st.markdown(_("Both runs took the same branches and looped the same number of times."))
    if visible:
        st.code(shown.body, line_numbers=True)
        st.dataframe(
            {
                _("difference"): [_(KINDS.get(d.kind, d.kind)) for d in visible],
                _("node"): [d.name for d in visible],
                _("line"): [d.line if d.line is not None else "" for d in visible],
                _("why"): [say(d.why) for d in visible],
                _("detail"): [say(d.detail) for d in visible],
            },
            hide_index=True,
        )
    else:
        st.success(_("The two graphs have the same structure: only the values in them differ."))


def _static_contrast() -> None:
    st.subheader(_("What a static capture sees instead"))
    contrast = dynamic.static_contrast()
    st.markdown(
        _(
            "`torch.jit.trace` runs a function **once** on an example input and records the ops "
            "that ran. Python `if` and `for` leave no trace: the branch taken and the loop count "
            "are baked into the recording. `torch.export` is stricter: it refuses a branch on a "
            "tensor's value unless the code says what should happen for every value "
            "(`torch.cond`). Here is the same kind of function, traced with x = {a} and replayed "
            "with x = {b}:"
        ).format(a=f"{contrast.input_a:g}", b=f"{contrast.input_b:g}")
    )
    trace_col, result_col = st.columns([3, 2])
    with trace_col:
        st.code(contrast.source, language="python", wrap_lines=True)
    with result_col:
        recorded = ", ".join(f"`{op}`" for op in contrast.recorded)
        st.markdown(_("**Ops the trace recorded:** {ops}").format(ops=recorded))
        st.markdown(
            _(
                "**On x = {x}:** eager PyTorch gives `{eager}`, the trace replays the old path "
                "and gives `{traced}`."
            ).format(
                x=f"{contrast.input_b:g}",
                eager=f"{contrast.eager_b:.4g}",
                traced=f"{contrast.traced_b:.4g}",
            )
        )
        for warning in contrast.warnings:
            # PyTorch's own words, framed so the visitor knows whose they are.
            st.warning(_("TracerWarning: {warning}").format(warning=escape_markdown(warning)))
        if contrast.export_ok:
            st.info(_("torch.export accepted the function."))
        else:
            st.markdown(_("**torch.export refuses it:**"))
            st.code(contrast.export_error, language=None, wrap_lines=True)
    st.markdown(
        _(
            "That is the trade: a dynamic graph follows your Python on every run (the two graphs "
            "above), a static one is recorded once and can then be optimized and shipped without "
            "Python."
        )
    )
