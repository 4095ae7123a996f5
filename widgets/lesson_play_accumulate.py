"""Lesson 4's Play widget: a fixed program, buttons that run backward again, zero the gradient
or free the graph, and `w.grad` after every press, all computed by torch.

Only the presses live in the session (plain strings); `lesson_accumulate.replay` runs the fixed
program through them again on each rerun.
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_accumulate as acc
from widgets.expression import message_markdown
from widgets.i18n import _

__all__ = ["accumulate"]

KEY = "la_actions"


def _press(action: str) -> None:
    presses = st.session_state.setdefault(KEY, [])
    if len(presses) < acc.MAX_PRESSES:
        presses.append(action)


def _start_over() -> None:
    st.session_state[KEY] = []


def accumulate(state_only: bool = False) -> dict[str, str]:
    """The buttons, `w.grad` and the pass count now, and the history of presses."""
    actions = [a for a in st.session_state.setdefault(KEY, []) if a in acc.ACTIONS]
    if state_only:
        return acc.saw(actions)
    st.code(acc.PROGRAM, language="python")
    full = len(actions) >= acc.MAX_PRESSES
    buttons = (
        ("backward", _("Backward again"), "primary"),
        ("free", _("Backward without retain_graph"), "secondary"),
        ("zero", _("Zero the gradient"), "secondary"),
        ("none", "opt.zero_grad()", "secondary"),
        ("forward", _("New forward pass"), "secondary"),
    )
    cols = [*st.columns(3), *st.columns(3)]
    for col, (action, label, kind) in zip(cols, buttons, strict=False):
        col.button(label, key=f"la_{action}", help=f"`{acc.ACTIONS[action]}`", type=kind,
                   on_click=_press, args=(action,), disabled=full, width="stretch")  # fmt: skip
    cols[-1].button(_("Start over"), key="la_reset", on_click=_start_over,
                    icon=":material/restart_alt:", width="stretch")  # fmt: skip
    if full:
        st.caption(_("That is {n} presses: start over to press more.").format(n=acc.MAX_PRESSES))
    steps = acc.replay(actions)
    last = steps[-1] if steps else None
    now = st.columns(3)
    now[0].metric("w.grad", last.grad if last else "None")
    now[1].metric(_("Backward passes"), last.passes if last else 0)
    freed = last is not None and last.freed
    now[2].metric(_("The graph"), _("freed") if freed else _("kept"))
    if last and last.error:
        st.error(_("Your last press raised {error}").format(error=message_markdown(last.error)))
    elif last:
        st.success(_("`{code}` ran: `w.grad` is now {grad}.").format(
            code=acc.ACTIONS[last.action], grad=last.grad))  # fmt: skip
    if steps:
        st.table({
            "#": [str(i) for i in range(1, len(steps) + 1)],
            _("press"): [acc.ACTIONS[s.action] for s in steps],
            "w.grad": [s.grad for s in steps],
            _("passes"): [str(s.passes) for s in steps],
            _("since emptied"): [str(s.since_zero) for s in steps],
            _("error"): [s.error.split(":")[0] if s.error else "" for s in steps],
        })  # fmt: skip
    else:
        st.info(_("No press yet: `w.grad` is None until a backward pass runs."))
    return acc.saw(actions)
