"""Lesson 9's Play, in three parts, each computed by `graphlab.lessons.lesson_activations`:
the activations and their derivatives (autograd) as Altair line charts with their values at one
x; two Linear layers folded into one, with or without an activation between; and the dead ReLUs
of a small network after a bias shift and one SGD step, unit by unit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from graphlab.lessons import lesson_activations as la
from widgets.i18n import N_, _, say, translator
from widgets.literal_text import unlinked

__all__ = ["activations"]

DEFAULTS = {"act_names": list(la.NAMES), "act_x": 0.0, "act_slope": 0.1, "act_width": 8,
            "act_between": "none", "act_shift": 0.0, "act_lr": 0.0}  # fmt: skip
DEAD, ALIVE = "#c62828", "#1565c0"
COLOURS = ["#c62828", "#ef6c00", "#2e7d32", "#1565c0", "#8e24aa"]  # one per la.NAMES, fixed
NOTHING = N_("nothing")  # the choice of no activation between the two layers


@st.cache_data(max_entries=256, show_spinner=False)
def _computed(x: float, slope: float, width: int, between: str, shift: float, lr: float):
    # Plain keys and seeded networks: one result serves every visitor with the same settings.
    fold, dead = la.collapse(width, between, slope), la.dead_relus(shift, lr)
    return fold, dead, la.saw(x, slope, fold, dead)


def activations(state_only: bool = False) -> dict[str, str]:
    """The three parts; returns the numbers 'What you saw' quotes."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    try:
        fold, dead, numbers = _computed(float(ss["act_x"]), float(ss["act_slope"]),
                                        int(ss["act_width"]), str(ss["act_between"]),
                                        float(ss["act_shift"]), float(ss["act_lr"]))  # fmt: skip
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
        return {}
    if not state_only:
        _curves(numbers)
        _fold(fold, numbers)
        _dead(dead)
    return numbers


def _curves(numbers: dict[str, str]) -> None:
    st.subheader(_("The curves and their derivatives"))
    st.multiselect(_("Activations"), la.NAMES, key="act_names")
    top = st.columns(2)
    top[0].slider(_("Read them at x"), *la.X_RANGE, step=0.1, key="act_x")
    top[1].slider(_("LeakyReLU negative_slope"), *la.SLOPES, step=0.01, key="act_slope")
    names = [n for n in st.session_state["act_names"] if n in la.NAMES]
    if not names:
        st.info(_("Pick at least one activation to draw."))
        return
    curves = [la.curve(n, float(st.session_state["act_slope"])) for n in names]
    x = float(st.session_state["act_x"])
    left, right = st.columns(2)
    left.altair_chart(_chart(curves, "ys", "f(x)", _("f(x): the activations"), x),
                      width="stretch", key="act_f")  # fmt: skip
    right.altair_chart(_chart(curves, "grads", "f′(x)", _("f′(x): their slopes, from autograd"), x),
                       width="stretch", key="act_df")  # fmt: skip
    st.dataframe(
        {_("activation"): names, "f(x)": [numbers[f"{n}_y"] for n in names],
         "f′(x)": [numbers[f"{n}_d"] for n in names]},
        hide_index=True, key="act_points",
    )  # fmt: skip


def _chart(curves: list, field: str, axis: str, title: str, x: float) -> alt.LayerChart:
    rows = [{"x": u, axis: v, "name": c.name} for c in curves
            for u, v in zip(c.xs, getattr(c, field), strict=True)]  # fmt: skip
    lines = alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x=alt.X("x:Q", title="x"), y=alt.Y(f"{axis}:Q", title=axis),
        color=alt.Color("name:N", title=None, legend=alt.Legend(orient="bottom", columns=3),
                        scale=alt.Scale(domain=list(la.NAMES), range=COLOURS)),
        tooltip=[alt.Tooltip("name:N", title=_("activation")), "x:Q", f"{axis}:Q"],
    )  # fmt: skip
    rule = alt.Chart(pd.DataFrame({"x": [x]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(lines, rule).properties(title=title, height=260)


def _fold(fold: la.Collapse, numbers: dict[str, str]) -> None:
    st.subheader(_("Two Linear layers, nothing between"))
    top = st.columns(2)
    top[0].slider(_("Width of the middle"), *la.WIDTHS, key="act_width")
    tr = translator()  # now, in this run: AppTest calls format_func later, outside it
    top[1].selectbox(_("Between the two layers"), la.BETWEEN, key="act_between",
                     format_func=lambda n: tr(NOTHING) if n == "none" else n)  # fmt: skip
    st.code(f"two = Linear({fold.width}, {la.FOLD_OUT})({_between_code(fold.between)}"
            f"Linear({la.FOLD_IN}, {fold.width})(x))\n"
            "W = W2 @ W1          # shape " + numbers["shape"] + "\n"
            "b = W2 @ b1 + b2\none = x @ W.T + b", language="python")  # fmt: skip
    cols = st.columns(3)
    cols[0].metric(_("max |two - one|"), numbers["max_diff"])
    cols[1].metric(_("Best single layer: max |difference|"), numbers["fit_diff"])
    cols[2].metric(_("max |two|, for scale"), numbers["scale"])
    if fold.between == "none":
        st.success(_("The two layers are one Linear layer: W and b reproduce them to {diff}, "
                     "float32 rounding.").format(diff=numbers["max_diff"]))  # fmt: skip
    else:
        st.warning(_("With {name} between them, the folded W and b miss by up to {diff}, and "
                     "even the best single Linear layer, fitted by least squares on the batch, "
                     "misses by {fit}: the network is no longer linear.").format(
            name=fold.between, diff=numbers["max_diff"], fit=numbers["fit_diff"]))  # fmt: skip


def _between_code(name: str) -> str:
    return "" if name == "none" else f"{name}()("


def _dead(dead: la.Dead) -> None:
    st.subheader(_("Dead ReLUs"))
    top = st.columns(2)
    top[0].slider(_("Shift every hidden bias by"), *la.SHIFTS, step=0.25, key="act_shift")
    top[1].slider(_("lr of one SGD step"), *la.LRS, step=0.25, key="act_lr")
    cols = st.columns(3)
    cols[0].metric(_("Dead units"), f"{len(dead.dead)} / {la.UNITS}",
                   delta=(len(dead.dead) - dead.dead_before) or None, delta_color="inverse")  # fmt: skip
    cols[1].metric(_("Loss before the step"), la.number(dead.losses[0]))
    cols[2].metric(_("Loss after the step"), la.number(dead.losses[1]))
    st.altair_chart(_units_chart(dead), width="stretch", key="act_units")
    st.caption(_("A unit is dead when its ReLU gives 0 for all {n} inputs of the batch. The "
                 "largest gradient reaching a dead unit's weights and bias: {dead}; a live "
                 "unit's: {live}.").format(n=la.DEAD_BATCH, dead=f"{dead.dead_grad:g}",
                                           live=la.number(dead.live_grad)))  # fmt: skip


def _units_chart(dead: la.Dead) -> alt.LayerChart:
    """Each hidden unit's share of the batch where its ReLU is above 0; a dead unit, whose bar
    has no height, is marked by a red cross on the axis."""
    dead_word, alive_word = _("dead"), _("alive")
    data = pd.DataFrame([{"unit": i, "share": share, "state": dead_word if share == 0 else alive_word}
                         for i, share in enumerate(dead.active)])  # fmt: skip
    x = alt.X("unit:O", title=_("hidden unit"), axis=alt.Axis(labelAngle=0))
    colour = alt.Color("state:N", title=None, legend=alt.Legend(orient="top"),
                       scale=alt.Scale(domain=[dead_word, alive_word], range=[DEAD, ALIVE]))  # fmt: skip
    bars = alt.Chart(data).mark_bar().encode(
        x=x, color=colour,
        y=alt.Y("share:Q", title=_("share where ReLU > 0"), scale=alt.Scale(domain=[0, 1])),
    )  # fmt: skip
    crosses = (alt.Chart(data[data["share"] == 0]).mark_point(shape="cross", size=120, filled=True)
               .encode(x=x, y="share:Q", color=colour))  # fmt: skip
    return alt.layer(bars, crosses).properties(height=240)
