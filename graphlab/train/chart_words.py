"""The words on the training charts (titles, axes, legends, hover text) and the progress line,
in English and marked for translation: a chart builder of ``graphlab.train.plots`` takes a
``gettext`` (the identity by default; the app passes the visitor's) and says them through it.

What is data stays as it is: digits, numbers, and the values of a chart's data (``"loss"``,
``"test"``), which a legend shows translated through ``legend_labels``.

>>> upper = lambda text: text.upper()
>>> legend_labels(CURVES, upper)
'datum.label === "loss" ? "LOSS" : datum.label === "smoothed" ? "SMOOTHED" : datum.label'
>>> legend_labels(CURVES, same) is None  # English: the legend shows the data as they are
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from graphlab.core.messages import N_, msg

from .metrics import Snapshot

__all__ = [
    "ACCURACY", "ACCURACY_HINT", "ACCURACY_TITLE", "CONFUSION_HOVER", "CONFUSION_TITLE", "CURVES",
    "DIGIT", "EPOCH", "LOSS", "LOSS_TITLE", "PREDICTED_DIGIT", "PREDICTIONS_TITLE",
    "PROBABILITY", "PROBABILITY_HOVER", "SPLITS", "STEP", "TRUE_DIGIT", "Gettext",
    "legend_labels", "prediction_title", "progress_text", "same",
]  # fmt: skip

Gettext = Callable[[str], str]

LOSS_TITLE = N_("Training loss (cross-entropy)")
ACCURACY_TITLE = N_("Accuracy after each epoch")
ACCURACY_HINT = N_("appears when the first epoch ends")
STEP, LOSS, EPOCH = N_("step"), N_("loss"), N_("epoch")
ACCURACY = N_("accuracy (%)")
# A legend's entries: the value in the chart's data -> the word shown.
CURVES = {"loss": N_("loss"), "smoothed": N_("smoothed")}
SPLITS = {"train": N_("train"), "test": N_("test")}
CONFUSION_TITLE = N_("Confusion matrix (test set)")
PREDICTED_DIGIT, TRUE_DIGIT = N_("predicted digit"), N_("true digit")
# Plotly fills %{x}, %{y} and %{z} when the pointer is over a cell or a bar.
CONFUSION_HOVER = N_("true %{y}, predicted %{x}: %{z}")
PREDICTIONS_TITLE = N_(
    "Test images: the model's guess above each (red: a mistake, true digit in brackets)"
)
DIGIT, PROBABILITY = N_("digit"), N_("probability (%)")
PROBABILITY_HOVER = N_("digit %{x}: %{y:.1f}%")


def same(text: str) -> str:
    """No translation: the English words."""
    return text


def legend_labels(words: Mapping[str, str], gettext: Gettext) -> str | None:
    """A Vega expression that shows each value of ``words`` as its translated word, or ``None``
    when every word stays as the data say it (the chart's spec is then the English one)."""
    shown = {value: gettext(word) for value, word in words.items()}
    if all(shown[value] == value for value in shown):
        return None
    cases = "".join(
        f"datum.label === {json.dumps(value)} ? {json.dumps(word, ensure_ascii=False)} : "
        for value, word in shown.items()
    )
    return cases + "datum.label"


def prediction_title(digit: int, percent: float, gettext: Gettext = same) -> str:
    """The title of the probability bars: the guess and how sure the model is.

    >>> prediction_title(7, 93.25)
    'Prediction: 7 (93.2%)'
    """
    return msg("Prediction: {digit} ({percent:.1f}%)", digit=digit, percent=percent).render(gettext)


def progress_text(snapshot: Snapshot, epochs: int, gettext: Gettext = same) -> str:
    """One line for a progress bar: epoch, step, throughput and device.

    >>> from graphlab.train.metrics import History
    >>> s = Snapshot("running", "", 5, 0, 5, 10, 20, 0.25, 1234.5, "cpu", 1.0, History(), None)
    >>> progress_text(s, epochs=2)
    'epoch 1 of 2 · step 5 of 20 · 1,234 samples/s on cpu'
    """
    line = msg(
        "epoch {epoch} of {epochs} · step {step} of {total} · {rate:,.0f} samples/s on {device}",
        epoch=min(snapshot.epoch + 1, epochs),
        epochs=epochs,
        step=snapshot.step,
        total=snapshot.total_steps,
        rate=snapshot.samples_per_s,
        device=snapshot.device,
    )
    return line.render(gettext)
