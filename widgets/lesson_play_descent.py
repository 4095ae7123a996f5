"""Lesson 6's Play: gradient descent by hand on eight fixed points. The learner picks lr, the
number of steps, the start and whether `zero_grad` is forgotten; torch runs the loop
(`graphlab.lessons.lesson_descent`) and the page draws the loss surface with the path on it and
the loss at each step (Altair charts from `graphlab.train.plots`)."""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_descent as ld
from graphlab.train.plots import descent_chart, descent_loss_chart
from widgets.i18n import _, say, translator
from widgets.literal_text import unlinked

DEFAULTS = {"desc_lr": 0.1, "desc_steps": 40, "desc_w0": ld.START[0], "desc_b0": ld.START[1],
            "desc_forget": False}  # fmt: skip

LOOP = """for step in range({steps}):
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= {lr} * w.grad
        b -= {lr} * b.grad
{zero}"""
ZERO = "    w.grad.zero_()\n    b.grad.zero_()\n"
FORGOTTEN = "    # w.grad.zero_()\n    # b.grad.zero_()\n"


def descent(state_only: bool = False) -> dict[str, str]:
    """The controls, the loop as code, the surface with the path, the loss curve, every step."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    if not state_only:
        _controls()
    try:
        run = ld.descend(float(ss["desc_lr"]), int(ss["desc_steps"]), float(ss["desc_w0"]),
                         float(ss["desc_b0"]), bool(ss["desc_forget"]))  # fmt: skip
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
        return {}
    if state_only:
        return ld.saw(run)
    zero = FORGOTTEN if run.forget_zero_grad else ZERO
    st.code(LOOP.format(steps=int(ss["desc_steps"]), lr=f"{run.lr:g}", zero=zero), "python")
    _verdict(run)
    best = ld.best_fit()
    left, right = st.columns(2)
    left.altair_chart(
        descent_chart(ld.surface(), list(zip(run.ws, run.bs, strict=True)), [best[:2]],
                      title=_("Loss over (w, b), and the path"), gettext=translator()),
        width="stretch", key="desc_surface",
    )  # fmt: skip
    right.altair_chart(
        descent_loss_chart(run.losses, title=_("Loss at each step"), gettext=translator()),
        width="stretch", key="desc_curve",
    )  # fmt: skip
    st.caption(_("The cross marks the best line, solved directly: w = {w}, b = {b}.").format(
        w=ld.number(best[0]), b=ld.number(best[1])))  # fmt: skip
    with st.expander(_("Every step")):
        grads = [*run.grads, (None, None)][: len(run.ws)]
        st.dataframe(
            {"step": list(range(len(run.ws))), "w": run.ws, "b": run.bs,
             "w.grad": [g[0] for g in grads], "b.grad": [g[1] for g in grads],
             "loss": run.losses},
            hide_index=True, key="desc_table",
        )  # fmt: skip
    return ld.saw(run)


def _controls() -> None:
    top = st.columns([2, 3])
    top[0].number_input("lr", min_value=0.0, max_value=ld.MAX_LR, step=0.05, format="%.3f",
                        key="desc_lr")  # fmt: skip
    top[1].slider(_("Steps"), 1, 100, key="desc_steps")
    low = st.columns(2)
    low[0].slider(_("Start w"), *ld.W_RANGE, step=0.5, key="desc_w0")
    low[1].slider(_("Start b"), *ld.B_RANGE, step=0.5, key="desc_b0")
    st.checkbox(_("Forget zero_grad"), key="desc_forget")


def _verdict(run: ld.Descent) -> None:
    first, last = ld.number(run.losses[0]), ld.number(run.losses[-1])
    if run.blew_up is not None:
        st.error(_("Diverged: the loss became {value} at step {step}. Each step overshot the "
                   "minimum by more than the one before, until the numbers overflowed. Lower lr.")
                 .format(value=last, step=run.blew_up))  # fmt: skip
    elif run.lr == 0:
        st.info(_("With lr = 0 nothing moves: each step subtracts 0 * grad."))
    elif run.forget_zero_grad:
        st.warning(_("zero_grad is forgotten: .grad keeps the sum of every gradient so far, so "
                     "each step uses that sum, not the gradient where it stands. The steps grow "
                     "and the path swings around the minimum instead of settling."))  # fmt: skip
    elif run.growing or not run.went_down:
        st.error(_("Diverged: the loss is rising (it started at {first} and is {last} now). "
                   "Each step overshoots the minimum by more than it corrects. Lower lr.")
                 .format(first=first, last=last))  # fmt: skip
    else:
        st.success(_("The loss went down from {first} to {last}.").format(first=first, last=last))
