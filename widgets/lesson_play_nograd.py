"""Lesson 5's Play widget: one small program under five modes; two graphs side by side with their
differences marked, and a table of what each mode did, all computed by torch.
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_nograd as ng
from graphlab.render import legend_keys, to_dot
from widgets.expression import message_markdown
from widgets.graph_canvas import graph_canvas
from widgets.i18n import _

__all__ = ["nograd"]

KEY_A, KEY_B, KEY_SAVED = "ln_a", "ln_b", "ln_saved"


def _label(mode: str) -> str:
    return ng.LABELS[mode]


def nograd(state_only: bool = False) -> dict[str, str]:
    """Pick two modes; see both graphs, their differences, and every mode's facts."""
    ss = st.session_state
    ss.setdefault(KEY_A, "plain")
    ss.setdefault(KEY_B, "eval")
    ss.setdefault(KEY_SAVED, False)
    if ss[KEY_A] not in ng.MODES or ss[KEY_B] not in ng.MODES:
        ss[KEY_A], ss[KEY_B] = "plain", "eval"
    if state_only:
        return ng.saw(ss[KEY_A], ss[KEY_B], ss[KEY_SAVED])
    with st.expander(_("The model and input (the same in every mode)")):
        st.code(ng.SETUP, language="python")
    pick = st.columns([2, 2, 1], vertical_alignment="bottom")
    pick[0].selectbox(_("Mode A"), ng.MODES, key=KEY_A, format_func=_label)
    pick[1].selectbox(_("Mode B"), ng.MODES, key=KEY_B, format_func=_label)
    pick[2].toggle(_("Saved tensors"), key=KEY_SAVED)
    mode_a, mode_b, saved = ss[KEY_A], ss[KEY_B], ss[KEY_SAVED]
    runs = ng.mode_runs()
    pair = ng.compare(mode_a, mode_b)
    for col, side, mode in zip(st.columns(2), ("a", "b"), (mode_a, mode_b), strict=True):
        with col:
            _one_side(runs[mode], pair, side, saved)
    if mode_a == mode_b:
        st.info(_("The same mode twice: the two graphs are the same."))
    elif pair.visible(saved):
        kinds = [d.kind for d in pair.visible(saved)]
        st.markdown(_("From A to B: {removed} removed, {added} added, {changed} changed.").format(
            removed=kinds.count("removed"), added=kinds.count("added"),
            changed=kinds.count("changed")))  # fmt: skip
    st.subheader(_("Every mode"))
    st.dataframe(_table(runs), hide_index=True)
    st.caption(_("`backward()`: the parameters that got a `.grad` from `loss.backward()`; "
                 "`later`: from `{later}`").format(later=ng.LATER.split("  #")[0]))  # fmt: skip
    for mode in dict.fromkeys((mode_a, mode_b)):
        run = runs[mode]
        if run.backward_error:
            st.error(_("Under `{mode}`, `loss.backward()` raises {error}").format(
                mode=_label(mode), error=message_markdown(run.backward_error)))  # fmt: skip
        if run.later_error:
            st.error(_("Under `{mode}`, using `h` later raises {error}").format(
                mode=_label(mode), error=message_markdown(run.later_error)))  # fmt: skip
    return ng.saw(mode_a, mode_b, saved)


def _one_side(run: ng.ModeRun, pair, side: str, saved: bool) -> None:
    st.markdown(f"**{side.upper()}: `{_label(run.mode)}`**")
    st.code(ng.source(run.mode), language="python")
    graph = pair.graph_a if side == "a" else pair.graph_b
    marks = pair.marks(side, saved)
    dot = to_dot(graph, show_saved=saved, highlight=marks, legend=False)
    keys = legend_keys(graph, show_saved=saved, highlight=marks)
    graph_canvas(dot, f"ln_{side}_canvas", view=f"{run.mode} {saved}", height=480, legend=keys)
    if run.nodes == 0:
        st.caption(_("No graph: `loss.grad_fn` is None, autograd recorded nothing."))


def _table(runs: dict[str, ng.ModeRun]) -> dict[str, list[str]]:
    rows = list(runs.values())
    return {
        _("mode"): [_label(r.mode) for r in rows],
        "requires_grad": [str(r.requires_grad) for r in rows],
        "grad_fn": [r.grad_fn for r in rows],
        _("autograd nodes"): [str(r.nodes) for r in rows],
        _("dropout active"): [str(r.dropout_active) for r in rows],
        "is_inference()": [str(r.is_inference) for r in rows],
        "backward()": [r.backward for r in rows],
        "later": [r.later for r in rows],
        "loss": [f"{r.loss:.4f}" for r in rows],
    }
