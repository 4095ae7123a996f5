"""Lesson 13, data: the loader's epochs against the generator replayed by hand (one seed draw,
then a permutation, per epoch), batch counts against arithmetic, the drawn batch against the
split's own tensors, the statistics against numpy in float64, and the answers computed another
way."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from graphlab.data import load_mnist
from graphlab.lessons import lesson
from graphlab.lessons import lesson_data as ld
from graphlab.lessons.checks import grade
from graphlab.models.layers import MNIST_MEAN, MNIST_STD

TRAIN = 50_000


def orders(seed: int, n: int = ld.SUBSET) -> list[list[int]]:
    """Each epoch's order replayed from a seeded generator: the DataLoader's iterator draws a
    base seed, RandomSampler a permutation, and at the end of the epoch one more permutation
    of which it yields `n % n = 0` items (a draw all the same)."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(ld.EPOCHS):
        torch.empty((), dtype=torch.int64).random_(generator=g)
        out.append(torch.randperm(n, generator=g).tolist())
        torch.randperm(n, generator=g)
    return out


def batches(n: int, size: int, drop_last: bool) -> int:
    return n // size if drop_last else math.ceil(n / size)


@pytest.mark.parametrize(("size", "seed", "drop"), [(64, 0, False), (100, 7, True), (128, 3, True),
                                                    (8, 9999, False)])  # fmt: skip
def test_shuffled_epochs_follow_the_generator(size, seed, drop):
    view = ld.look(size, True, seed, drop, epoch=2, index=3)
    want = orders(seed)
    assert view.firsts == [order[: ld.FIRST] for order in want]
    assert len({tuple(f) for f in view.firsts}) == ld.EPOCHS  # a new order each epoch
    assert view.length == batches(ld.SUBSET, size, drop) == view.counts[0] == view.counts[-1]
    assert view.full_length == batches(TRAIN, size, drop)
    last = ld.SUBSET % size if ld.SUBSET % size and not drop else size
    assert view.last_sizes == [last] * ld.EPOCHS
    assert view.indices == want[1][2 * size : 3 * size]  # batch 3 of epoch 2
    images, labels = load_mnist("train", copy=False)
    assert torch.equal(view.images, images[view.indices])
    assert view.labels == labels[view.indices].tolist()
    again = ld.look(size, True, seed, drop, epoch=2, index=3)  # the same seed, again
    assert again.firsts == view.firsts and torch.equal(again.images, view.images)


def test_without_shuffle_every_epoch_reads_in_order():
    view = ld.look(64, False, 5, False, epoch=3, index=16)
    assert view.firsts == [list(range(ld.FIRST))] * ld.EPOCHS
    assert view.indices == list(range(960, 1000)) and len(view.labels) == 40


def test_the_statistics_are_the_pixels_own():
    s = ld.stats()
    train = load_mnist("train", copy=False)[0].numpy().astype(np.float64)
    valid = load_mnist("valid", copy=False)[0].numpy().astype(np.float64)
    test = load_mnist("test", copy=False)[0].numpy().astype(np.float64)
    assert s.mean == pytest.approx(train.mean(), rel=1e-5)
    assert s.std == pytest.approx(train.std(ddof=1), rel=1e-5)
    both = np.concatenate([train, valid])
    assert s.idx_mean == pytest.approx(both.mean(), rel=1e-5)
    assert s.idx_std == pytest.approx(both.std(ddof=1), rel=1e-5)
    assert s.test_mean == pytest.approx(test.mean(), rel=1e-5)
    assert s.test_std == pytest.approx(test.std(ddof=1), rel=1e-5)
    per_image = train.reshape(len(train), -1).std(axis=1, ddof=1).mean()
    assert s.per_image_std == pytest.approx(per_image, rel=1e-5)
    # The prose's claims: the tutorials' constants are the 60,000 IDX training images', ours
    # differ from them in the fourth decimal, and the mean of per-image stds is smaller still.
    assert (ld.number(s.idx_mean), ld.number(s.idx_std)) == (f"{MNIST_MEAN}", f"{MNIST_STD}")
    assert (ld.number(s.mean), ld.number(s.std)) == ("0.1310", "0.3085")
    assert s.per_image_std < s.idx_std < s.std
    for name, (m, sd) in {"ours": (s.mean, s.std), "usual": ld.USUAL, "half": ld.HALF}.items():
        normalized = (train - m) / sd
        assert s.after[name][0] == pytest.approx(normalized.mean(), abs=1e-5)
        assert s.after[name][1] == pytest.approx(normalized.std(ddof=1), rel=1e-5)
    assert abs(s.after["ours"][0]) < 1e-4 and s.after["ours"][1] == pytest.approx(1, abs=1e-4)
    assert s.after["half"][0] < -0.7 and s.after["half"][1] < 0.7  # does not standardize


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("data")
    assert item.predict.answer() == f"({math.ceil(TRAIN / 64)}, {TRAIN - 781 * 64})" == "(782, 16)"
    answers = {q.id: q for q in item.questions}
    assert answers["epochs"].answer() == str(orders(0)[0][:64] == orders(0)[1][:64]) == "False"
    assert answers["drop"].answer() == str(TRAIN - (TRAIN // 128) * 128) == "80"
    assert grade(answers["drop"], "80").ok and not grade(answers["drop"], "79").ok
    std = load_mnist("train", copy=False)[0].numpy().astype(np.float64).std(ddof=1)
    assert grade(answers["std"], f"{std:.4f}").ok and grade(answers["std"], f"{std:.5f}").ok
    assert not grade(answers["std"], f"{MNIST_STD}").ok  # the 60,000 images' std is not ours


@pytest.mark.parametrize(
    ("args", "match"),
    [((63, True, 0, False), "batch_size must be one of"), ((64, True, -1, False), "seed"),
     ((64, True, 10_000, False), "seed"), ((64, True, 0, False, 4), "epoch"),
     ((64, True, 0, False, 1, 17), "from 1 to 16"), ((64, True, 0, True, 1, 16), "from 1 to 15"),
     ((64, True, 0, False, 1, 0), "batch must be")],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(args, match):
    with pytest.raises(ValueError, match=match):
        ld.look(*args)


def test_saw_quotes_the_loader_and_the_statistics():
    view, s = ld.look(128, True, 0, True, epoch=1, index=2), ld.stats()
    numbers = ld.saw(view, s)
    assert (numbers["length"], numbers["full_length"], numbers["last_size"]) == ("7", "390", "128")
    assert numbers["counts"] == "[7, 7, 7]" and numbers["shape"] == "(128, 1, 28, 28)"
    assert numbers["first1"] == str(orders(0)[0][: ld.FIRST])
    assert numbers["std"] == "0.3085" and numbers["idx_std"] == "0.3081"
    batch = view.images.double()
    assert float(numbers["batch_mean"]) == pytest.approx(batch.mean().item(), abs=1e-4)
    normalized = (batch - s.mean) / s.std
    assert float(numbers["norm_std"]) == pytest.approx(normalized.std().item(), abs=1e-4)
