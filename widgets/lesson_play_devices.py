"""Lesson 15's Play: this machine's devices as torch reports them, the picker's choice, a model
and its input put on devices and dtypes of the learner's choosing (torch's result or its error),
and a matmul timed on each device. Computed by `graphlab.lessons.lesson_devices`.
"""

from __future__ import annotations

import inspect

import streamlit as st

from graphlab.core.device import pick_device
from graphlab.lessons import lesson_devices as ld
from widgets.i18n import _, say
from widgets.literal_text import unlinked

__all__ = ["devices"]

DEFAULTS = {"dv_requested": "auto", "dv_model_device": "cpu", "dv_model_dtype": "float32",
            "dv_data_device": "cpu", "dv_data_dtype": "float32", "dv_n": 256}  # fmt: skip
FORWARD = """model = nn.Linear(3, 2).to(device="{md}", dtype=torch.{mt})
x = torch.linspace(-1, 1, 12).reshape(4, 3).to(device="{dd}", dtype=torch.{dt})
y = model(x)"""


@st.cache_data(max_entries=8, ttl=600, show_spinner=False)
def _timings(n: int) -> tuple[ld.Timing, ...]:
    # One measurement per size for ten minutes: Play and What you saw quote the same numbers,
    # and visitors moving other controls do not rerun the matmuls.
    return ld.timings(n)


def devices(state_only: bool = False) -> dict[str, str]:
    """The three parts; returns the numbers 'What you saw' quotes."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    if not state_only:
        _machine()
        st.subheader(_("2. What must move"))
        _forward_controls()
    try:
        run = ld.forward(ss["dv_model_device"], ss["dv_model_dtype"], ss["dv_data_device"],
                         ss["dv_data_dtype"])  # fmt: skip
        times = _timings(int(ss["dv_n"]))
    except ValueError as err:  # a device that was here when the session began is gone
        if not state_only:
            reason = say(err.args[0] if err.args else "")
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
        return {}
    if not state_only:
        _forward(run)
        _timing_table(times)
    return ld.saw(run, times)


def _machine() -> None:
    st.subheader(_("1. This machine"))
    here = ld.facts()
    st.dataframe(
        {_("asked of torch"): ["torch.cuda.is_available()", "torch.backends.mps.is_available()",
                               "torch.cuda.device_count()", "available_devices()",
                               "pick_device()", 'hasattr(torch.cuda, "backward")'],
         _("answer"): [str(here.cuda), str(here.mps), str(here.gpus), str(list(here.available)),
                       here.picked, str(here.cuda_backward)]},
        hide_index=True, key="dv_facts",
    )  # fmt: skip
    if not here.accelerator:
        st.info(_("No GPU here: `pick_device()` chose `cpu`, and this lesson runs on it. Where "
                  "a second device is needed it uses `meta`, which every PyTorch has: it keeps "
                  "shapes and dtypes but no numbers, and torch checks it against the CPU as it "
                  "checks a GPU."))  # fmt: skip
    cols = st.columns([1, 3], vertical_alignment="bottom")
    cols[0].selectbox("pick_device(requested)", ld.DEVICES, key="dv_requested")
    requested = st.session_state["dv_requested"]
    device, refusal = ld.pick(requested)
    with cols[1]:
        if refusal is None:
            st.success(_("`pick_device(\"{requested}\")` returns `{device}`.").format(
                requested=requested, device=device))  # fmt: skip
        else:
            st.error(_("`pick_device(\"{requested}\")` raises `ValueError`: there is no such "
                       "device here, and it will not train on the CPU in secret.").format(
                requested=requested))  # fmt: skip
    if refusal is not None:
        st.code(refusal, language=None, wrap_lines=True)
    with st.expander(_("The picker's code")):
        st.code(inspect.getsource(pick_device), "python")


def _forward_controls() -> None:
    here = ld.devices_here()
    left, right = st.columns(2)
    left.selectbox(_("Model on"), here, key="dv_model_device")
    left.selectbox(_("Model dtype"), ld.DTYPES, key="dv_model_dtype")
    right.selectbox(_("Data on"), here, key="dv_data_device")
    right.selectbox(_("Data dtype"), ld.DTYPES, key="dv_data_dtype")


def _forward(run: ld.Forward) -> None:
    st.code(FORWARD.format(md=run.model_device, mt=run.model_dtype, dd=run.data_device,
                           dt=run.data_dtype), "python")  # fmt: skip
    if run.error:
        st.error(_("`model(x)` raised `{error}`: the weights and the input must be on one "
                   "device, with one dtype. PyTorch's message:").format(error=run.error_type))  # fmt: skip
        st.code(run.error, language=None, wrap_lines=True)
        return
    st.success(_("`y` is on `{device}`, dtype `{dtype}`.").format(device=run.out_device,
                                                                   dtype=run.out_dtype))  # fmt: skip
    if run.values is None:
        st.caption(_("On `meta` there are no numbers: `y` has a shape and a dtype, nothing else."))
        if run.model_dtype != run.data_dtype:  # meta kernels skip the check real devices make
            real = ld.forward("cpu", run.model_dtype, "cpu", run.data_dtype)
            st.warning(_("`meta` checks devices but not dtypes: with the same dtypes on `cpu`, "
                         "`model(x)` raises `{error}`.").format(
                error=real.error_type))  # fmt: skip
    else:
        st.dataframe({"y[:, 0]": [r[0] for r in run.values], "y[:, 1]": [r[1] for r in run.values]},
                     hide_index=True, key="dv_y")  # fmt: skip


def _timing_table(times: tuple[ld.Timing, ...]) -> None:
    st.subheader(_("3. A matmul on each device"))
    st.select_slider(_("Size n (n × n matrices, float32)"), ld.SIZES, key="dv_n")
    st.dataframe(
        {_("device"): [t.device for t in times],
         "ms": [round(t.seconds * 1e3, 4) for t in times],
         "GFLOP/s": [None if t.gflops is None else round(t.gflops, 2) for t in times],
         _("max |diff| from cpu"): [t.max_diff for t in times]},
        hide_index=True, key="dv_times",
    )  # fmt: skip
    st.caption(_("The median of {repeats} runs after one to warm up; on a GPU each is timed "
                 "after `synchronize()`, since it runs asynchronously. `meta` computes no "
                 "numbers: its time is bookkeeping and does not grow with n.").format(
        repeats=ld.REPEATS))  # fmt: skip
