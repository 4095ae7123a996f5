"""Lesson 10's Play: row 0 of a batch of logits on sliders; its softmax, the gradient of
`nn.CrossEntropyLoss` by autograd beside `(softmax - onehot) / N`, and the mean squared error's
gradient for comparison; then the batch's classes handed to the loss as each kind of target,
with what torch says (its error included). All computed by `graphlab.lessons.lesson_losses`."""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_losses as ll
from widgets.expression import message_markdown
from widgets.i18n import _, say
from widgets.literal_text import unlinked

__all__ = ["losses"]

C, N, Y, FORM = "loss_c", "loss_n", "loss_y", "loss_form"
NUMBER = st.column_config.NumberColumn(format="%.4g")


def _settings() -> tuple[tuple[float, ...], int, int, str]:
    """Row 0's logits, its class, N and the target form, from the session (defaults first)."""
    ss = st.session_state
    ss.setdefault(C, ll.CLASSES[-1])
    ss.setdefault(N, 4)
    ss.setdefault(FORM, "indices")
    for i, value in enumerate(ll.START):
        ss.setdefault(f"loss_z{i}", value)
    if ss[C] not in ll.CLASSES:
        ss[C] = ll.CLASSES[-1]
    if ss.get(Y) not in range(ss[C]):  # fewer classes than before: the class must still exist
        ss[Y] = 0
    if ss[FORM] not in ll.TARGETS:
        ss[FORM] = "indices"
    logits = tuple(float(ss[f"loss_z{i}"]) for i in range(ss[C]))
    return logits, int(ss[Y]), int(ss[N]), ss[FORM]


def losses(state_only: bool = False) -> dict[str, str]:
    """The sliders, row 0's table, the losses, and the targets torch reads or refuses."""
    logits, target, n, form = _settings()
    try:
        run = ll.gradient(logits, target, n)
        chosen = ll.target_run(form, logits, target, n)
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
        return {}
    if state_only:
        return ll.saw(run, chosen)
    left, right = st.columns([1, 2])
    with left:
        _controls(len(logits))
    with right:
        _gradient_table(run)
    _targets(logits, target, n, chosen)
    return ll.saw(run, chosen)


def _controls(c: int) -> None:
    top = st.columns(2)
    top[0].radio(_("Classes C"), ll.CLASSES, key=C, horizontal=True)
    top[1].slider(_("Batch size N"), 1, ll.MAX_N, key=N)
    st.radio(_("Class of row 0, y[0]"), range(c), key=Y, horizontal=True)
    for i in range(c):
        st.slider(f"z[0, {i}]", *ll.LOGIT_RANGE, step=0.1, key=f"loss_z{i}")


def _gradient_table(run: ll.Gradient) -> None:
    """Row 0's numbers, one line per quantity and one column per class (narrow enough to sit
    beside the sliders)."""
    lines = {"z[0]": run.logits, "softmax(z[0])": run.probs, "onehot(y[0])": run.onehot,
             "z.grad[0]": run.grad, "(softmax - onehot) / N": run.formula,
             _("MSE: z.grad[0]"): run.mse_grad}  # fmt: skip
    classes = [_("class {k}").format(k=k) for k in range(len(run.logits))]
    table = {"": list(lines)}
    table |= {name: [values[k] for values in lines.values()] for k, name in enumerate(classes)}
    st.dataframe(table, column_config=dict.fromkeys(classes, NUMBER), hide_index=True,
                 key="loss_table")  # fmt: skip
    st.success(_("Autograd's `z.grad[0]` is `(softmax - onehot) / {n}`: they differ by at most "
                 "{diff}.").format(n=run.n, diff=f"{run.max_diff:.1e}"))  # fmt: skip
    cols = st.columns(3)
    cols[0].metric(_("Cross-entropy, mean of N rows"), ll.number(run.ce))
    cols[1].metric(_("Row 0: -log softmax[y]"), ll.number(run.ce0))
    cols[2].metric(_("MSE(softmax, onehot)"), ll.number(run.mse))


def _targets(logits: tuple[float, ...], target: int, n: int, chosen: ll.TargetRun) -> None:
    st.subheader(_("Class indices or float labels"))
    c = len(logits)
    st.selectbox(_("The target handed to `nn.CrossEntropyLoss()(z, target)`"), list(ll.TARGETS),
                 format_func=lambda f: ll.TARGETS[f].format(c=c), key=FORM)  # fmt: skip
    st.code(f"target = {chosen.code}  # {chosen.dtype}, {chosen.shape}\n{chosen.tensor}", "python")
    if chosen.error:
        st.error(_("torch refuses: {message}").format(message=message_markdown(chosen.error)))
        st.caption(_("A float target of shape (N,) is not read as class numbers: give int64 "
                     "class indices of shape (N,), or float probabilities of shape (N, C)."))  # fmt: skip
    else:
        st.success(_("loss = {loss}; by hand from its definition: {by_hand}").format(
            loss=ll.number(chosen.loss), by_hand=ll.number(chosen.by_hand)))  # fmt: skip
        if chosen.form in ("onehot", "smooth"):
            st.caption(_("A float target of the input's shape (N, C) is read as class "
                         "probabilities: the loss is -sum(target * log_softmax(z), 1).mean()."))  # fmt: skip
    runs = [ll.target_run(f, logits, target, n) for f in ll.TARGETS]
    with st.expander(_("Every kind of target")):
        st.dataframe(
            {"target": [r.code for r in runs], "dtype": [r.dtype for r in runs],
             _("shape"): [r.shape for r in runs],
             "loss": [ll.number(r.loss) if r.loss is not None else r.error.split(":")[0]
                      for r in runs],
             _("by hand"): [ll.number(r.by_hand) if r.by_hand is not None else "—" for r in runs]},
            hide_index=True, key="loss_targets",
        )  # fmt: skip
