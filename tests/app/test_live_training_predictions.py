"""AppTest for Live Training's Predictions tab: the caption says how the grid was sampled, with
the run's own numbers, and the "Random sample" toggle switches to a uniformly random grid."""

from __future__ import annotations

import json
import re

import pytest

from tests.app.live_training_page import live_page, start, until


@pytest.fixture()
def at():
    yield from live_page()


def _grid(at) -> list[dict]:
    """The labels drawn over the grid (one per tile)."""
    (spec,) = [
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["uirevision"] == "predictions"
    ]
    return spec["layout"]["annotations"]


def _caption(at) -> str:
    (text,) = [c.value for c in at.caption if "test images" in c.value and "brackets" in c.value]
    return text


def test_the_caption_says_how_the_grid_was_sampled_and_the_toggle_makes_it_random(at):
    assert "appears when the first epoch ends" in " ".join(i.value for i in at.info)
    assert "train_predictions_random" not in [t.key for t in at.toggle]  # nothing to sample
    job = start(at, size=1_000)
    until(at, lambda: job.snapshot().status == "done", timeout=60)
    total = job.test_size
    matrix = job.confusion_matrix()
    mistakes = int(matrix.sum() - matrix.trace())
    assert 12 < mistakes < total  # one epoch of 1,000 images: many mistakes, not all
    said = _caption(at)
    expected = (
        f"12 of these 24 were picked on purpose among the model's {mistakes:,} mistakes on the "
        f"{total:,} test images, to show what it gets wrong; the other 12 were drawn at random "
        "among its right answers."
    )
    assert expected in said
    labels = _grid(at)
    assert len(labels) == 24 and sum("✗" in a["text"] for a in labels) == 12

    at.toggle(key="train_predictions_random").set_value(True).run()
    assert not at.exception
    said = _caption(at)
    labels = _grid(at)
    shown = sum("✗" in a["text"] for a in labels)
    sample = job.predictions_sample(n=24, uniform=True)
    assert shown == int((~sample.correct).sum()) < 12
    assert re.search(
        rf"These 24 test images were drawn at random from all {total:,}: {shown} of them "
        rf"(are mistakes|is a mistake) \(red\)\.",
        said,
    ), said
    rate = f"{mistakes / total:.1%}"
    assert f"wrong on {rate} ({mistakes:,} of {total:,})" in said
    assert "picked on purpose" not in said
