"""Lesson 3's Play widget: the learner's W, x, b and f; each backward node in the engine's order,
its recorded numbers beside the chain rule worked out by hand (`graphlab.lessons.lesson_chainrule`).
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_chainrule as chain
from widgets.i18n import _, say
from widgets.literal_text import unlinked

__all__ = ["chain_rule"]

KEYS = ("lc_W", "lc_x", "lc_b", "lc_f")
MARKS = {True: "✓", False: "✗", None: ""}


def chain_rule(state_only: bool = False) -> dict[str, str]:
    """y = f(W @ x + b).sum(), recorded and differentiated by hand, node by node."""
    ss = st.session_state
    for key, value in zip(KEYS, chain.DEFAULTS, strict=True):
        ss.setdefault(key, value)
    args = tuple(ss[k] for k in KEYS)
    if state_only:
        try:
            return chain.saw(*args)
        except ValueError:
            return {}
    cols = st.columns([3, 2, 2, 1.4])
    cols[0].text_input(_("W (rows split by ;)"), key="lc_W", max_chars=120)
    cols[1].text_input("x", key="lc_x", max_chars=60)
    cols[2].text_input("b", key="lc_b", max_chars=60)
    cols[3].selectbox("f", chain.FUNCTIONS, key="lc_f")
    try:
        setting = chain.setting(*args)
    except ValueError as err:
        reason = say(err.args[0] if err.args else "")  # the library's Message, translated
        st.error(_("These numbers cannot be used: {reason}").format(reason=unlinked(reason)))
        return {}
    hand = chain.by_hand(setting)
    checks = chain.node_checks(setting)
    st.markdown(
        f"`z = W @ x + b` = {chain.fmt(hand['z'])} · `h = {setting.f}(z)` = {chain.fmt(hand['h'])}"
        f" · `y = h.sum()` = {chain.fmt(hand['y'])}"
    )
    rows = [r for node in checks for r in node.rows if r.ok is not None]
    agreed = sum(bool(r.ok) for r in rows)
    verdict = st.success if agreed == len(rows) else st.warning
    verdict(_("{agreed} of {total} recorded quantities agree with the chain rule by hand.").format(
        agreed=agreed, total=len(rows)))  # fmt: skip
    for node in checks:
        name = f"AccumulateGrad ({node.name})" if node.leaf else node.name
        st.markdown("**" + _("Step {i}: {node}").format(i=node.index + 1, node=name) + "**")
        st.table({
            _("quantity"): [_label(r) for r in node.rows],
            _("formula"): [r.formula for r in node.rows],
            _("recorded in backward"): [r.recorded for r in node.rows],
            _("by hand"): [r.hand for r in node.rows],
            "✓": [MARKS[r.ok] for r in node.rows],
        })  # fmt: skip
    return chain.numbers(setting, hand, checks)


def _label(row: chain.Row) -> str:
    if row.kind == "arriving":
        return _("gradient arriving")
    if row.kind == "local":
        if row.target:
            return _("local derivative for {name}").format(name=row.target)
        return _("local derivative")
    if row.kind == "sent":
        return _("sent to {name}").format(name=row.target)
    return _("{name}.grad afterwards").format(name=row.target)
