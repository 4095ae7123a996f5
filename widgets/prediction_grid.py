"""The sentence under the Live Training page's grid of test predictions: how its images were
chosen (half of them among the mistakes on purpose, or all at random), with this sample's numbers.
The grid itself is ``graphlab.train.plots.grid_figure``."""

from __future__ import annotations

from graphlab.train.predictions import PredictionSample
from widgets.i18n import _, ngettext


def _count(n: int) -> str:
    return f"{n:,}"


def sample_caption(sample: PredictionSample) -> str:
    """How the grid's images were chosen, with the numbers of this sample, in the visitor's
    language."""
    n, total, mistakes = len(sample.labels), _count(sample.total), sample.mistakes
    shown = int((~sample.correct).sum())
    if sample.uniform:
        text = ngettext(
            "These {n} test images were drawn at random from all {total}: {shown} of them is a "
            "mistake (red).",
            "These {n} test images were drawn at random from all {total}: {shown} of them are "
            "mistakes (red).",
            shown,
        )
        more = _("Over the whole test set the model is wrong on {rate} ({mistakes} of {total}).")
        text += " " + more
        rate = f"{mistakes / max(sample.total, 1):.1%}"
        return text.format(n=n, total=total, shown=shown, rate=rate, mistakes=_count(mistakes))
    picked, rest = sample.picked_mistakes, n - sample.picked_mistakes
    if mistakes == 0:
        text = _("The model gets all {total} test images right: these {n} were drawn at random.")
    elif picked == mistakes:
        text = ngettext(
            "The model's only mistake on the {total} test images is here (red), to show what it "
            "gets wrong; the other {rest} were drawn at random among its right answers.",
            "All {mistakes} of the model's mistakes on the {total} test images are here (red), "
            "to show what it gets wrong; the other {rest} were drawn at random among its right "
            "answers.",
            mistakes,
        )
    else:
        text = _(
            "{picked} of these {n} were picked on purpose among the model's {mistakes} mistakes "
            "on the {total} test images, to show what it gets wrong; the other {rest} were drawn "
            "at random among its right answers."
        )
    return text.format(n=n, total=total, mistakes=_count(mistakes), picked=picked, rest=rest)
