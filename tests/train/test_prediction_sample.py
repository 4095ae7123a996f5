"""The grid of test predictions: how its images are sampled (half mistakes on purpose, or all
alike) and how they are laid out (each label in a band of its own)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphlab import train
from graphlab.train.predictions import BAND, GAP, TILE, grid, predictions_sample


def _test_set(total: int, wrong: int, seed: int = 10**6):
    """``total`` images whose first pixel is their index, and predictions wrong on ``wrong``
    of them, at random positions."""
    images = torch.arange(float(total)).reshape(total, 1, 1, 1).expand(total, 1, 28, 28)
    labels = torch.arange(total) % 10
    predictions = labels.clone()
    bad = torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:wrong]
    predictions[bad] = (labels[bad] + 1) % 10
    return images, labels, predictions, set(bad.tolist())


def test_half_of_the_sample_is_picked_among_the_mistakes_and_says_so():
    images, labels, predictions, bad = _test_set(1_000, 100)
    sample = predictions_sample(images, labels, predictions, n=24, seed=3)
    assert (sample.picked_mistakes, sample.mistakes, sample.total) == (12, 100, 1_000)
    assert not sample.uniform
    chosen = sample.indices.tolist()
    assert chosen == sorted(set(chosen)) and len(chosen) == 24
    assert sum(i in bad for i in chosen) == 12  # the mistakes half: only mistakes
    assert int((~sample.correct).sum()) == 12  # the other half: only right answers
    assert torch.equal(sample.images[:, 0, 0], sample.indices.float())
    assert torch.equal(sample.labels, labels[sample.indices])
    assert torch.equal(sample.predictions, predictions[sample.indices])


def test_with_few_mistakes_all_are_shown_and_counted():
    images, labels, predictions, bad = _test_set(1_000, 5)
    sample = predictions_sample(images, labels, predictions, n=24)
    assert (sample.picked_mistakes, sample.mistakes) == (5, 5)
    assert set(sample.indices.tolist()) >= bad and int(sample.correct.sum()) == 19
    none_wrong = predictions_sample(images, labels, labels, n=24)
    assert (none_wrong.picked_mistakes, none_wrong.mistakes) == (0, 0)
    assert bool(none_wrong.correct.all())


def test_a_uniform_sample_is_as_wrong_as_the_model():
    images, labels, predictions, bad = _test_set(10_000, 1_000)  # 10% wrong
    large = predictions_sample(images, labels, predictions, n=5_000, seed=0, uniform=True)
    assert large.uniform and large.picked_mistakes == 0 and large.mistakes == 1_000
    # Hypergeometric: 500 expected, standard deviation about 15.
    assert abs(int((~large.correct).sum()) - 500) < 60
    counts = [
        int(
            (
                ~predictions_sample(images, labels, predictions, 24, seed=s, uniform=True).correct
            ).sum()
        )
        for s in range(300)
    ]
    assert np.mean(counts) == pytest.approx(2.4, abs=0.3)  # not 12: the mistakes are not sought
    again = predictions_sample(images, labels, predictions, n=24, seed=7, uniform=True)
    same = predictions_sample(images, labels, predictions, n=24, seed=7, uniform=True)
    assert torch.equal(again.indices, same.indices)
    assert int((~again.correct).sum()) == sum(i in bad for i in again.indices.tolist())


def test_the_trainer_passes_uniform_through():
    config = train.TrainConfig(train_size=256, test_size=200, batch_size=64, device="cpu")
    trainer = train.Trainer(config)
    assert trainer.predictions_sample() is None
    trainer.run()
    matrix = trainer.confusion_matrix()
    wrong = int(matrix.sum() - matrix.trace())
    sample = trainer.predictions_sample(n=24, uniform=True)
    assert sample.uniform and sample.mistakes == wrong and sample.total == 200
    assert trainer.predictions_sample(n=24).picked_mistakes == min(12, wrong)


def test_each_label_has_a_band_of_its_own_above_its_tile():
    images, labels, predictions, _bad = _test_set(30, 15)
    sample = predictions_sample(images, labels, predictions, n=24)
    layout = grid(sample, cols=6)
    picture = layout.picture
    assert picture.shape == (4 * (BAND + TILE + GAP) - GAP, 6 * (TILE + GAP) - GAP, 3)
    for r in range(4):
        top = r * (BAND + TILE + GAP)
        band = picture[top : top + BAND]
        assert (band == 255).all()  # nothing drawn where the labels go
        assert not (picture[top + BAND] == 255).all()  # the tiles start right below
    xs = sorted({x for x, _ in layout.centres})
    assert len(xs) == 6 and min(np.diff(xs)) == TILE + GAP  # a label as wide as its tile
    for (x, y), right in zip(layout.centres, layout.right, strict=True):
        frame = picture[int(y + BAND / 2), int(x)]  # the frame's top edge, below the label
        assert tuple(frame) == ((0x2E, 0x7D, 0x32) if right else (0xC6, 0x28, 0x28))
    wrong = [t for t, ok in zip(layout.texts, layout.right, strict=True) if not ok]
    assert len(wrong) == 12 and all("✗" in t for t in wrong)
