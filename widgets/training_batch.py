"""Step through this batch: the Live Training run's next step, opened in Step Through.

On Live Training, ``panel(job)`` offers the button while the run is paused, stopped or done. It
records the step (``Trainer.batch_recording``: the weights as they are now, on the first
``IMAGES`` images of the batch the run trains next), keeps the recording in
``st.session_state`` and switches to Step Through. There the recording is one more source
(``sources``, ``arrive``, ``show``), with a link back. The recording runs on copies: the run
stays paused and resumes exactly where it was.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from graphlab import train
from graphlab.train.batch_step import IMAGES
from widgets import training
from widgets.i18n import N_, _, translator

RECORDING = "train_batch_recording"  # (number, recording) of the last press of the button
_ARRIVED = "train_batch_arrived"  # the button was pressed: Step Through opens on this source
_PROBLEM = "train_batch_problem"  # why the last press recorded nothing
SOURCE = N_("This training batch")  # Step Through's source, shown through _()
STEP_THROUGH = "app_pages/step_through.py"
LIVE_TRAINING = "app_pages/live_training.py"
# While its recording is shown, Step Through polls the paused run like the Live Training page,
# so that the run does not take the visitor for gone (``training.ABANDON_AFTER_S``).
KEEP_ALIVE_S = training.ABANDON_AFTER_S / 3


def _ready(job: train.Trainer) -> bool:
    status = job.status
    return status == "paused" or (not job.running and status in ("stopped", "done"))


def _record(job: train.Trainer) -> None:
    """The button's callback: record the next step, or say why not."""
    st.session_state.pop(_ARRIVED, None)
    if not _ready(job):
        st.session_state[_PROBLEM] = _("The run is training: pause it first.")
        return
    data = job.batch_recording(IMAGES)
    number = st.session_state.get(RECORDING, (0, None))[0] + 1
    st.session_state[RECORDING] = (number, data)
    st.session_state[_ARRIVED] = True


def panel(job: train.Trainer) -> None:
    """The button and what it does, under the run's controls on Live Training."""
    ready = _ready(job)
    if ready:
        text = _(
            "Open the batch the run trains next in **Step Through**: the model with its weights "
            "as they are now, on the first {n} images of that batch, forward op by op and "
            "backward node by node with the real numbers and gradients. The run does not change: "
            "come back and resume it where it was."
        ).format(n=IMAGES)
    elif job.status == "running":
        text = _("Pause the run to step through the batch it trains next.")
    else:
        text = _("Only a paused, stopped or finished run has a batch to step through.")
    row = st.container(horizontal=True, vertical_alignment="center")
    clicked = row.button(
        _("Step through this batch"),
        icon=":material/footprint:",
        key="train_step_batch",
        disabled=not ready,
        on_click=_record,
        args=(job,),
        help=None if ready else text,
    )
    row.caption(text)
    problem = st.session_state.pop(_PROBLEM, None)
    if problem:
        st.warning(problem)
    if clicked and st.session_state.get(_ARRIVED):
        st.switch_page(STEP_THROUGH)


# -- Step Through's side ------------------------------------------------------------------------


def sources(others: list[str]) -> list[str]:
    """Step Through's sources: ``others``, and this one once the visitor recorded a batch."""
    return [*others, SOURCE] if RECORDING in st.session_state else others


def arrive(key: str, default: str) -> str | None:
    """Select this source in the control ``key`` when the visitor has just pressed the button
    (call it before the control is drawn). Returns the control's default: None when it selected
    this source (Streamlit warns of a default beside a value set through session state)."""
    if st.session_state.pop(_ARRIVED, False) and RECORDING in st.session_state:
        st.session_state[key] = SOURCE
        return None
    return default


def show(link_place: Any) -> tuple[dict[str, Any], str]:
    """The way back (in ``link_place``, a column) and the caption; returns the recording and its
    identity for the stepper."""
    number, data = st.session_state[RECORDING]
    link_place.page_link(
        LIVE_TRAINING, label=_("Back to Live Training"), icon=":material/arrow_back:"
    )
    st.caption(caption(data["training"]))
    job = training.trainer()
    if job is not None and job.running:
        st.fragment(run_every=KEEP_ALIVE_S)(_keep_alive)(job)
    return data, f"training:{number}"


def _keep_alive(job: train.Trainer) -> None:
    job.snapshot()  # what the Live Training page's poll does: the run counts as watched


def caption(info: dict[str, Any]) -> str:
    """Which model, step, epoch, batch and images the recording shows."""
    where = info["where"]
    words = {
        "title": translator()(info["title"]),
        "step": info["step"],
        "next": info["step"] + 1,
        "epoch": info["epoch"] + 1,
        "epochs": info["epochs"],
        "batch": info["batch"] + 1,
        "batches": info["batches_per_epoch"],
        "images": info["images"],
        "size": info["batch_size"],
        "labels": ", ".join(str(label) for label in info["labels"]),
    }
    if where == "epoch":
        batch = _(
            "The **{title}** with its weights after step {step}, on the first {images} of the "
            "{size} images of batch {batch} of {batches} in epoch {epoch} of {epochs}: the batch "
            "that step {next} trains."
        )
    elif where == "next_epoch":
        batch = _(
            "The **{title}** with its weights after step {step}, on the first {images} of the "
            "{size} images of the first batch of epoch {epoch} of {epochs}. The run is between "
            "two epochs and the next order is not drawn yet: this is the first batch of the "
            "order it will draw."
        )
    else:
        batch = _(
            "The **{title}** with its weights after step {step}, on the first {images} of the "
            "{size} images of the first batch a further epoch would draw: the run has trained "
            "all its {epochs} epochs."
        )
    rest = _(
        "Their digits: {labels}. It all ran on a copy of the model: the run, its gradients and "
        "its optimizer are untouched, and the optimizer's update is not part of it."
    )
    return " ".join([batch.format(**words), rest.format(**words)])
