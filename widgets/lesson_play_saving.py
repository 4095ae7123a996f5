"""Lesson 14's Play: a state_dict round trip, a run resumed from the Trainer's checkpoint (all of
it, or only a part) against the same run without a break, and what `torch.load` opens or refuses.
Every number comes from `graphlab.lessons.lesson_saving` (torch), every file is bytes in memory.
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_saving as ls
from graphlab.lessons import saving_resume as sr
from graphlab.train import OPTIMIZERS
from widgets.i18n import N_, _, say, translator
from widgets.literal_text import unlinked

__all__ = ["saving"]

DEFAULTS = {"sv_optimizer": "adam", "sv_restore": "trainer", "sv_steps": 8, "sv_save_at": 4,
            "sv_payload": "object", "sv_weights_only": True}  # fmt: skip
RESTORE_LABELS = {
    "trainer": N_("everything: Trainer.from_bytes"),
    "model+optimizer": N_("the model and the optimizer"),
    "model": N_("the model only"),
}
PAYLOAD_LABELS = {
    "tensors": N_("tensors only (a state_dict)"),
    "plain": N_("tensors, numbers, strings, lists, tuples"),
    "object": N_("an object of a class of ours (Note)"),
    "call": N_("a function call (__reduce__)"),
}
LOST = {  # what the new trainer lacked, by what it loaded
    "model+optimizer": N_(
        "The new trainer started again from step 1: it read the first batches "
        "again, with the learning rate of the start."
    ),
    "model": N_(
        "The new trainer started again from step 1: it read the first batches again, with "
        "the learning rate of the start, and its optimizer's state was empty."
    ),
}
RESUME = """first = Trainer(config)
first.run(max_steps={k})
raw = first.to_bytes()  # the checkpoint: {size} bytes
{restore}second.run(max_steps={rest})"""
RESTORE_CODE = {
    "trainer": "second = Trainer.from_bytes(raw)\n",
    "model+optimizer": "state = torch.load(io.BytesIO(raw), weights_only=True)\nsecond = Trainer("
    'config)\nsecond.model.load_state_dict(state["model"])\nsecond.optimizer.load_state_dict('
    'state["optimizer"])\n',
    "model": "state = torch.load(io.BytesIO(raw), weights_only=True)\nsecond = Trainer(config)\n"
    'second.model.load_state_dict(state["model"])\n',
}


def saving(state_only: bool = False) -> dict[str, str]:
    """The three parts, each computed by torch; returns what 'What you saw' quotes."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    opened = ls.open_file(ss["sv_payload"], bool(ss["sv_weights_only"]))
    if not state_only:
        _round_trip()
        st.subheader(_("2. Resume a run"))
        _resume_controls()
    try:
        run = sr.resume(ss["sv_optimizer"], int(ss["sv_steps"]), int(ss["sv_save_at"]),
                        ss["sv_restore"])  # fmt: skip
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
            _open_file(opened)
        return {}
    if not state_only:
        _resumed(run)
        _open_file(opened)
    return ls.saw(run, opened)


def _round_trip() -> None:
    st.subheader(_("1. A state_dict round trip"))
    trip = ls.round_trip()
    st.code(
        "buffer = io.BytesIO()\ntorch.save(model.state_dict(), buffer)  # "
        f"{trip.size} bytes\nbuffer.seek(0)\n"
        "fresh.load_state_dict(torch.load(buffer, weights_only=True))",
        "python",
    )  # fmt: skip
    st.dataframe(
        {_("key"): [k for k, _s in trip.shapes], _("shape"): [str(s) for _k, s in trip.shapes]},
        hide_index=True, key="sv_trip_keys",
    )  # fmt: skip
    st.markdown(_("`torch.equal(fresh(x), model(x))`: `{before}` before loading, `{after}` "
                  "after.").format(before=trip.outputs_equal_before,
                                   after=trip.outputs_equal_after))  # fmt: skip


def _resume_controls() -> None:
    tr = translator()
    top = st.columns([1, 3])
    top[0].selectbox(_("Optimizer"), OPTIMIZERS, key="sv_optimizer")
    top[1].radio(_("What the new trainer loads"), sr.RESTORES, key="sv_restore",
                 format_func=lambda k: tr(RESTORE_LABELS[k]), horizontal=True)  # fmt: skip
    low = st.columns(2)
    low[0].slider(_("Steps in all (N)"), 2, sr.MAX_STEPS, key="sv_steps")
    low[1].slider(_("Save after step (k)"), 1, sr.MAX_STEPS - 1, key="sv_save_at")


def _resumed(run: sr.Resume) -> None:
    st.code(RESUME.format(k=run.save_at, size=run.checkpoint_bytes, rest=run.steps - run.save_at,
                          restore=RESTORE_CODE[run.restore]), "python")  # fmt: skip
    if run.equal:
        st.success(_("The same run: every loss and every weight equals the straight run's, bit "
                     "for bit (`torch.equal`)."))  # fmt: skip
    else:
        st.error(_("Not the same run: the losses part at step {step}, and the weights end up to "
                   "{diff} apart.").format(step=run.first_diff, diff=f"{run.max_diff:.3g}"))  # fmt: skip
        st.markdown(_(LOST[run.restore]))
    steps = list(range(1, run.steps + 1))
    straight, resumed = _("straight"), _("resumed")
    st.line_chart(
        {_("step"): steps, straight: list(run.straight),
         resumed: [v if k >= run.save_at else None for k, v in zip(steps, run.resumed, strict=True)]},
        x=_("step"), y=[straight, resumed], x_label=_("step"), y_label=_("loss"), height=260,
    )  # fmt: skip
    st.caption(_("The checkpoint's keys: {keys}. Per parameter the optimizer keeps {state}. Right "
                 "after loading, the new model's weights equal the saved ones: `{equal}`.").format(
        keys=", ".join(f"`{k}`" for k in run.keys), state=f"`{list(run.optimizer_state)}`",
        equal=run.loaded_equal))  # fmt: skip
    with st.expander(_("Every step")):
        st.dataframe(
            {_("step"): steps, straight: list(run.straight), resumed: list(run.resumed),
             "==": [a == b for a, b in zip(run.straight, run.resumed, strict=True)]},
            hide_index=True, key="sv_steps_table",
        )  # fmt: skip


def _open_file(opened: ls.Opened) -> None:
    tr = translator()
    st.subheader(_("3. What torch.load opens"))
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].selectbox(_("The file holds"), ls.PAYLOADS, key="sv_payload",
                      format_func=lambda k: tr(PAYLOAD_LABELS[k]))  # fmt: skip
    cols[1].toggle("weights_only", key="sv_weights_only")
    st.code(f"w = torch.arange(6.0).reshape(2, 3)\nobj = {ls.PAYLOAD_CODE[opened.payload]}\n"
            f"torch.save(obj, buffer)  # {opened.size} bytes\nbuffer.seek(0)\n"
            f"loaded = torch.load(buffer, weights_only={opened.weights_only})", "python",
            wrap_lines=True)  # fmt: skip
    if opened.error:
        st.error(_("`torch.load` refused the file: it raised `{error}` and built nothing. "
                   "PyTorch's message:").format(error=opened.error_type))  # fmt: skip
        st.code(opened.error, language=None, wrap_lines=True)
        if opened.refused:
            st.caption(_("The name it refused: `{name}`.").format(name=opened.refused))
        return
    st.success(_("`torch.load` returned {n} entries.").format(n=len(opened.contents)))
    st.dataframe({_("key"): [c[0] for c in opened.contents], _("type"): [c[1] for c in opened.contents],
                  _("value"): [c[2] for c in opened.contents]}, hide_index=True, key="sv_loaded")  # fmt: skip
    if opened.ran_code:
        st.warning(_("Loading ran code: `note` came back as the string that "
                     "`made_while_loading('hi')` returned. The file only named that function and "
                     "its argument; `torch.load` called it. Here it is a harmless function of "
                     "ours; a file from someone else can name any function."))  # fmt: skip
    elif opened.payload == "object" and not opened.weights_only:
        st.info(_("To rebuild `note`, `torch.load` imported the module the file named and made "
                  "a `Note` of its class: it trusted the file to name only harmless ones."))  # fmt: skip
