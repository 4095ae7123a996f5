"""Lesson 12's Play: the training loop's five lines on one MNIST batch, one line at a time (what
each left in `.grad`, the loss and the weights, and the graph as Step Through draws it), then the
loop with one line left out. Torch computes it all (`graphlab.lessons.lesson_loop`)."""

from __future__ import annotations

import streamlit as st

import graphlab as gl
from graphlab.data import MnistNotFoundError
from graphlab.lessons import lesson_loop as ll
from graphlab.render.frames import frame_dot, frame_legend, highlight
from widgets.expression import message_markdown
from widgets.graph_canvas import graph_canvas
from widgets.i18n import _
from widgets.training import refusal

DEFAULTS = {"loop_iter": 1, "loop_zeros": False, "loop_line": "zero_grad", "loop_out": "none"}
SHORT = {line: f"{i}. {line}" for i, line in enumerate(ll.LINES, start=1)}


@st.cache_data(max_entries=8, show_spinner=False)
def _walk(iteration: int, set_to_none: bool) -> tuple[ll.Snapshot, ...]:
    return ll.walk(iteration, set_to_none)  # a function of its arguments: one copy for all


@st.cache_data(max_entries=8, show_spinner=False)
def _run(left_out: str | None) -> ll.Run:
    return ll.run_lines(ll.without(left_out))


@st.cache_data(max_entries=1, show_spinner=False)
def _recording() -> dict:
    return ll.recording()


def loop(state_only: bool = False) -> dict[str, str]:
    """The pass stepped line by line, then the loop with a line left out."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    left_out = None if ss["loop_out"] == "none" else ss["loop_out"]
    try:
        shots = _walk(int(ss["loop_iter"]), not ss["loop_zeros"])
        run, whole = _run(left_out), _run(None)
    except (MnistNotFoundError, ValueError) as exc:
        if not state_only:
            st.error(refusal(exc))
        return {}
    if not state_only:
        _one_pass(shots)
        _left_out(run, whole)
    return ll.saw(shots, run)


def _one_pass(shots: tuple[ll.Snapshot, ...]) -> None:
    top = st.columns([2, 3], vertical_alignment="bottom")
    top[0].segmented_control(_("Pass"), range(1, ll.MAX_ITERATION + 1), key="loop_iter",
                             required=True)  # fmt: skip
    top[1].toggle("zero_grad(set_to_none=False)", key="loop_zeros",
                  help=_("PyTorch's default sets each .grad to None; this fills it with zeros."))  # fmt: skip
    line = st.segmented_control(_("After the line"), ll.LINES, key="loop_line", required=True,
                                format_func=SHORT.get)  # fmt: skip
    shot = shots[ll.LINES.index(line or "zero_grad")]
    code, numbers = st.columns([3, 2])
    marker = "  # ◀ " + _("just ran")
    code.code("for images, labels in loader:\n" + "\n".join(
        f"    {ll.CODE[x]}{marker if x == shot.line else ''}" for x in ll.LINES), "python")  # fmt: skip
    numbers.metric("loss", ll.number(shot.loss))
    numbers.caption(_("output: shape {shape} · the weights moved {moved} in this pass").format(
        shape=shot.output or "None", moved=ll.number(shot.moved)))  # fmt: skip
    start = shots[0].first  # no line before step changes a weight
    st.dataframe({
        _("parameter"): list(shot.grads),
        ".grad": list(shot.grads.values()),
        "‖.grad‖": [ll.number(v) for v in shot.grad_norms.values()],
        _("first entry, start of pass"): [f"{start[n]:.6f}" for n in shot.grads],
        _("first entry, now"): [f"{v:.6f}" for v in shot.first.values()],
    }, hide_index=True, key="loop_table")  # fmt: skip
    _graph(shot.line)


def _graph(line: str) -> None:
    data = _recording()
    frame = ll.frame_of(line, data)
    if frame is None:
        st.caption(_("{line} touches no graph: it works on `.grad` and the weights directly "
                     "and records nothing. Forward builds this pass's graph; backward frees it.")
                   .format(line=f"`{ll.CODE[line]}`"))  # fmt: skip
        return
    graph = gl.Graph.from_dict(data["graph"])
    hl = highlight(data, frame)
    keys = frame_legend(graph, frame, hl, show_saved=False)
    graph_canvas(frame_dot(graph, hl, legend=False, show_saved=False), "loop_canvas",
                 view="loop", height=420, legend=keys)  # fmt: skip
    st.page_link("app_pages/step_through.py", icon=":material/footprint:",
                 label=_("Step Through: forward op by op, backward node by node"))  # fmt: skip


def _left_out(run: ll.Run, whole: ll.Run) -> None:
    st.subheader(_("What breaks when a line is left out"))
    options = ["none", *ll.LINES]
    st.segmented_control(_("Leave out, from pass 2 on"), options, key="loop_out", required=True,
                         format_func=lambda x: _("nothing") if x == "none" else SHORT[x])  # fmt: skip
    passes = list(range(1, ll.STEPS + 1))
    pad = [None] * (ll.STEPS - len(run.losses))
    st.dataframe({
        _("pass"): passes[: len(run.losses)],
        "loss": run.losses,
        _("‖.grad‖ when step() runs"): [ll.number(v) for v in run.grad_norms],
        _("‖gradient of this pass's loss‖"): [ll.number(v) for v in run.own_norms],
        _("how far the weights moved"): [ll.number(v) for v in run.moved],
    }, hide_index=True, key="loop_runs")  # fmt: skip
    _verdict(run)
    st.line_chart({_("pass"): passes, _("whole loop"): whole.losses, _("this loop"):
                   run.losses + pad}, x=_("pass"), x_label=_("pass"), y_label="loss",
                  height=220)  # fmt: skip
    st.page_link(
        "app_pages/live_training.py",
        icon=":material/model_training:",
        label=_("Live Training: watch a model learn MNIST"),
    )


def _verdict(run: ll.Run) -> None:
    kind, n = ll.verdict(run), len(run.losses)
    first, last = ll.number(run.losses[0]), ll.number(run.losses[-1])
    if kind == "error":
        error = message_markdown(ll.short_error(run.error))  # torch's words, shown literally
        st.error(_("Pass {n} raised: {error}. The variable that line would have set still holds "
                   "the previous pass's tensor, and backward() freed that pass's graph.")
                 .format(n=run.error_step, error=error))  # fmt: skip
    elif kind == "no_grad":
        st.error(_("No error, and nothing learns: zero_grad leaves every .grad None, no backward "
                   "fills it, and step() skips a parameter whose .grad is None. From pass 2 on "
                   "the weights stay put and the loss stays {last}.").format(last=last))  # fmt: skip
    elif kind == "no_step":
        st.error(_("No error, and nothing learns: backward fills .grad (norm {norm}) and the next "
                   "zero_grad throws it away; nothing changes the weights. The loss stays {last}.")
                 .format(norm=ll.number(run.grad_norms[-1]), last=last))  # fmt: skip
    elif kind == "accumulates":
        st.warning(_("zero_grad is left out: .grad adds up every pass's gradient. At pass {n} it "
                     "has norm {held}, while that pass's own gradient has {own}; each step is lr "
                     "times the sum, so the steps grow. On this one batch the loss even falls "
                     "faster (to {last}), like a heavy momentum, but lr no longer sets the step.")
                   .format(n=n, held=ll.number(run.grad_norms[-1]),
                           own=ll.number(run.own_norms[-1]), last=last))  # fmt: skip
    elif kind == "stuck":
        st.info(
            _("The loss did not go down: from {first} to {last}.").format(first=first, last=last)
        )
    else:
        st.success(_("The whole loop: the loss went from {first} to {last} in {n} passes on "
                     "this batch.").format(first=first, last=last, n=n))  # fmt: skip
