"""The gradient views of Live Training, drawn inside its polling fragment: per-layer gradient
norms, update/weight ratios, dead ReLUs and weight/gradient histograms over time, with a warning
when the gradients explode or vanish.

They cost the trainer nothing until the visitor turns them on: the toggle starts the trainer's
``GradientWatch`` (hooks on every ``EVERY``-th step) and stops it again when turned off.
"""

from __future__ import annotations

import streamlit as st

from graphlab import train
from graphlab.train.gradient_plots import (
    RATIO_HINT,
    dead_chart,
    histogram_chart,
    norm_chart,
    ratio_chart,
)
from graphlab.train.gradients import EVERY, diagnose
from widgets.i18n import _, say, translator

WATCH = "train_grad_watch"
LAYER = "train_grad_layer"


def gradient_panel(job: train.Trainer) -> None:
    """The toggle, and while it is on the gradient charts of ``job``'s samples so far."""
    watching = st.toggle(
        _("Show the gradients"),
        key=WATCH,
        help=_(
            "Every {every} steps, read each layer's gradients, weights and ReLU outputs from the "
            "real training step. Off, the trainer does none of that work."
        ).format(every=EVERY),
    )
    if not watching:
        job.gradients.stop()
        return
    if job.gradients.every is None:
        job.gradients.start(EVERY)
    samples = job.gradients.samples()
    if not samples:
        st.caption(_("The first gradients arrive within {every} steps of training.").format(
            every=EVERY))  # fmt: skip
        return
    for warning in diagnose(samples[-1]):
        st.warning(say(warning))
    tr = translator()
    charts = (("train_grad_norm", norm_chart), ("train_grad_ratio", ratio_chart),
              ("train_grad_dead", dead_chart))  # fmt: skip
    columns = st.columns(3)
    for column, (key, chart) in zip(columns, charts, strict=True):
        column.altair_chart(chart(samples, gettext=tr), key=key, width="stretch")
    columns[1].caption(_(RATIO_HINT))
    layers = samples[-1].layers
    layer = st.selectbox(_("Layer"), layers, key=LAYER)
    if layer not in layers:  # a model of another run: its first layer
        layer = layers[0]
    for column, kind in zip(st.columns(2), ("weight", "grad"), strict=True):
        column.altair_chart(histogram_chart(samples, layer, kind, gettext=tr),
                            key=f"train_grad_{kind}_hist", width="stretch")  # fmt: skip
    st.caption(_(
        "Each column of a heat map is one sampled step: how many of the layer's weights or "
        "gradients have each size (log10 of the magnitude). Gradients sliding down the map "
        "vanish; a sudden jump up explodes."
    ))  # fmt: skip
