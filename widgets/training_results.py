"""What a run has produced so far: test predictions, the confusion matrix, and checkpoints."""

from __future__ import annotations

import streamlit as st

from graphlab import train
from graphlab.train.chart_words import PREDICTIONS_TITLE
from graphlab.train.plots import confusion_figure, grid_figure
from widgets import checkpoint_upload
from widgets.i18n import _, translator
from widgets.prediction_grid import sample_caption


def predictions(job: train.Trainer | None) -> None:
    """A grid of test images with the model's guesses: half of them mistakes on purpose, or,
    with the toggle on, a uniformly random sample; a caption says which, with its numbers."""
    if job is None or job.test_predictions is None:
        st.info(_("The grid of test predictions appears when the first epoch ends."))
        return
    uniform = st.toggle(
        _("Random sample"),
        key="train_predictions_random",
        help=_(
            "Off: half of the grid is picked among the model's mistakes, to show what it gets "
            "wrong. On: every test image is equally likely, so the grid is as right as the model."
        ),
    )
    sample = job.predictions_sample(n=24, uniform=uniform)
    if sample is None:  # a checkpoint loaded meanwhile, without predictions
        return
    st.caption(_(PREDICTIONS_TITLE) + "  \n" + sample_caption(sample))
    st.plotly_chart(grid_figure(sample), width="stretch", key="train_predictions")


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
        checkpoint_upload.uploader()
