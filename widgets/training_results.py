"""What a run has produced so far: test predictions, the confusion matrix, and checkpoints."""

from __future__ import annotations

import streamlit as st

from graphlab import train
from graphlab.train.form import trainer_from_upload
from graphlab.train.plots import confusion_figure, predictions_figure
from widgets.i18n import _, translator
from widgets.training import NOTICE, STATUS_WORDS, TRAINER, explain, trainer

# The MLP with Adam state is 6.4 MB, 7.2 MB after the page's longest run (its history); the
# server's maxUploadSize (.streamlit/config.toml) is the same.
MAX_CHECKPOINT_MB = 12


def predictions(job: train.Trainer | None) -> None:
    """A grid of test images with the model's guesses; half of them mistakes when there are."""
    sample = job.predictions_sample(n=24) if job is not None else None
    if sample is None:
        st.info(_("The grid of test predictions appears when the first epoch ends."))
        return
    figure = predictions_figure(sample, gettext=translator())
    st.plotly_chart(figure, width="stretch", key="train_predictions")


def confusion(job: train.Trainer | None) -> None:
    """The confusion matrix over the test images after the last finished epoch."""
    matrix = job.confusion_matrix() if job is not None else None
    if matrix is None:
        st.info(_("The confusion matrix appears when the first epoch ends."))
        return
    figure = confusion_figure(matrix, gettext=translator())
    st.plotly_chart(figure, width="stretch", key="train_confusion")
    st.caption(
        _("Off-diagonal cells are mistakes: the row is the true digit, the column the guess.")
    )


def _load_upload() -> None:
    upload = st.session_state.get("train_upload")
    if upload is None:
        return
    try:
        job = trainer_from_upload(upload.getvalue(), st.session_state.get("train_device", "auto"))
    except Exception as exc:  # anything a visitor's file can cause is explained, never raised
        said = explain(exc)[:300]
        text = _("Could not load {name}: {reason}").format(name=upload.name, reason=said)
        st.session_state[NOTICE] = ("error", text)
        return
    old = trainer()
    if old is not None:
        old.stop()
    st.session_state[TRAINER] = job
    snap = job.snapshot()
    status = STATUS_WORDS.get(snap.status)
    text = _("Loaded {name}: {model}, step {step}, status {status}.").format(
        name=upload.name,
        model=job.config.model,
        step=snap.step,
        status=_(status) if status else snap.status,
    )
    if snap.status == "stopped":
        text += " " + _("Press Continue to train on.")
    st.session_state[NOTICE] = ("success", text)


def checkpoints(job: train.Trainer | None) -> None:
    """Download the visitor's run; upload one to continue it (loaded with weights_only=True)."""
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Save** model, optimizer, history and position"))
        if job is None:
            st.caption(_("Start a run first."))
        else:
            st.download_button(
                _("Download checkpoint"),
                job.to_bytes,  # called on the click; safe while the job runs
                f"graphlab-{job.config.model}.pt",
                "application/octet-stream",
                icon=":material/download:",
                on_click="ignore",
                key="train_download",
            )
    with right:
        st.file_uploader(
            _("Load a checkpoint (.pt) to continue it or to classify digits"),
            type=["pt"],
            max_upload_size=MAX_CHECKPOINT_MB,
            on_change=_load_upload,
            key="train_upload",
        )
