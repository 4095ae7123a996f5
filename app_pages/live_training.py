"""Live Training: train a small MNIST model in the background and watch it learn."""

import streamlit as st

from graphlab import train
from graphlab.train.graph import step_graph
from widgets import training, training_batch, training_queue
from widgets.graph_view import show_graph
from widgets.i18n import _
from widgets.training_digit import digit_panel
from widgets.training_results import checkpoints, confusion, predictions


@st.cache_data(max_entries=4, show_spinner=False)
def training_step_graph(model: str):
    # Seeded and independent of the visitor's input beyond the model's name: one graph serves all.
    return step_graph(model)


# Process-wide: concurrent jobs share the cores instead of each claiming all of them.
train.cap_torch_threads()

st.title(_("Live Training"))
st.markdown(
    _(
        "Train a small network on **MNIST** (28x28 pictures of handwritten digits) and watch it "
        "learn: every step takes one batch, computes the **cross-entropy loss**, runs "
        "`loss.backward()` through the autograd graph below and lets the **optimizer** nudge the "
        "weights. The loss falls; after each epoch the model is tested on images it never saw."
    )
)

job = training.trainer()
running = job is not None and job.running
with st.container(border=True):
    values = training.settings(disabled=running)
    training.controls()
    if job is not None:
        training_batch.panel(job)
    if job is not None and training_queue.waiting():
        training_queue.panel(job, training.launch)

if job is None:
    st.info(
        _(
            "Choose the settings and press **Start training**. A quick run (5,000 images, "
            "1 epoch) takes a few seconds; you can pause, resume or stop it at any time."
        )
    )
else:
    # The results below show this many epochs; the live panel reruns the page when it changes.
    st.session_state[training.DRAWN] = job.epochs_done
    training.live_panel(job)

tabs = st.tabs(
    [
        _("Predictions"),
        _("Confusion matrix"),
        _("One training step"),
        _("Try a digit"),
        _("Checkpoint"),
    ],  # fmt: skip
    key="train_tabs",
)
with tabs[0]:
    predictions(job)
with tabs[1]:
    confusion(job)
with tabs[2]:
    model = job.config.model if job is not None else values["model"]
    if model not in train.MODELS:
        model = train.MODELS[0]
    st.markdown(
        _(
            "The autograd graph of one training step of the **{model}**: a batch of 4 images "
            "through the model, then `F.cross_entropy`. Grey boxes are backward nodes, blue boxes "
            "the model's parameters (weights and biases), the green ellipse the output, the loss "
            "(orange boxes, with *Saved tensors* on, are what backward reads). `loss.backward()` "
            "walks the graph from the loss to the parameters."
        ).format(model=model)
    )
    show_graph(training_step_graph(model), key="train_graph")
with tabs[3]:
    st.fragment(digit_panel)(job)
with tabs[4]:
    checkpoints(job)
