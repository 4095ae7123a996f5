"""Lesson 17's Play: one real data-parallel step on several processes, each rank's slice and
timings, and how far the all-reduced gradient is from one process's whole-batch gradient."""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_ddp as ld
from widgets.i18n import N_, _, say, translator
from widgets.literal_text import unlinked

RESULT = "ldp_result"  # the last run's result, for What you saw
LOSS_WORDS = {
    "scaled": N_("sum × world / batch (graphlab's)"),
    "mean": N_("each rank's own mean (the usual code)"),
}


@st.cache_data(max_entries=32, show_spinner=False)
def _step(nproc: int, batch: int, how: str) -> dict:
    # Cached: the gradients are a function of the settings, and the processes take seconds.
    return ld.run_step(nproc, batch, how)


def ddp(state_only: bool = False) -> dict[str, str]:
    ss = st.session_state
    if state_only:
        return ld.saw(ss[RESULT]) if RESULT in ss else {}
    left, middle, right = st.columns(3)
    nproc = left.selectbox(_("Processes"), range(2, ld.MAX_NPROC + 1), key="ldp_nproc")
    batch = middle.number_input(_("Batch size"), min_value=2, max_value=ld.MAX_BATCH, value=64,
                                step=1, key="ldp_batch")  # fmt: skip
    say_in_language = translator()  # bound now: AppTest calls format_func after the run
    how = right.radio(_("Each rank's loss"), ld.LOSSES, key="ldp_loss",
                      format_func=lambda k: say_in_language(LOSS_WORDS[k]))  # fmt: skip
    if st.button(_("Run one step on {n} processes").format(n=nproc), type="primary",
                 key="ldp_run"):  # fmt: skip
        with st.spinner(_("Starting {n} processes and taking one step...").format(n=nproc)):
            try:
                ss[RESULT] = _step(int(nproc), int(batch), str(how))
            except ValueError as err:
                st.error(
                    _("The step did not run: {reason}").format(reason=unlinked(say(err.args[0])))
                )
    if RESULT not in ss:
        st.caption(_("Nothing has run yet: press the button."))
        return {}
    _show(ss[RESULT])
    return ld.saw(ss[RESULT])


def _show(result: dict) -> None:
    ranks = result["ranks"]
    st.table({
        _("rank"): [r["rank"] for r in ranks],
        _("images"): [r["samples"] for r in ranks],
        _("loss on its slice"): [f"{r['loss']:.4f}" for r in ranks],
        _("forward (ms)"): [f"{r['forward_ms']:.1f}" for r in ranks],
        _("backward + all-reduce (ms)"): [f"{r['backward_ms']:.1f}" for r in ranks],
        _("one all-reduce (ms)"): [f"{r['allreduce_ms']:.2f}" for r in ranks],
    })  # fmt: skip
    diff = result["diff_full"]
    words = _("Largest difference from one process's whole-batch gradient: {diff:.1e}")
    if diff < ld.SAME:
        st.success(words.format(diff=diff) + " · " + _("equal, up to float rounding"))
    else:
        st.warning(words.format(diff=diff) + " · " + _("not the same gradient"))
    data = _("MNIST") if result["data"] == "MNIST" else _("random")
    st.caption(_("{nproc} processes on a batch of {batch} {data} images; the model has {params:,} "
                 "parameters; the whole run took {seconds:.1f} s, most of it starting the "
                 "processes.").format(nproc=result["nproc"], batch=result["batch"], data=data,
                                      params=result["params"], seconds=result["seconds"]))  # fmt: skip
