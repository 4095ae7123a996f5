"""Lesson 13, Data: MNIST as a `TensorDataset`, a `DataLoader` (num_workers=0) cutting it into
batches, shuffled anew each epoch (a seeded generator makes the orders repeatable), `drop_last`,
and normalization with the mean and std torch computes on the training split.

>>> view = look(64, True, 0, False)
>>> view.length, view.full_length, view.last_sizes[0], tuple(view.images.shape)
(16, 782, 40, (64, 1, 28, 28))
>>> view.firsts[0] == view.firsts[1]
False
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('(782, 16)', ['False', '80', '0.3085'])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, TensorDataset

from graphlab.core.messages import msg
from graphlab.data import load_mnist

from .checks import Question

__all__ = [
    "BATCH_SIZES", "EPOCHS", "FIRST", "HALF", "MAX_SEED", "PREDICT", "QUESTIONS", "SHOWN",
    "SUBSET", "USUAL", "Stats", "View", "batch_sizes", "loader", "look", "number", "saw",
    "stats", "train_set",
]  # fmt: skip

SUBSET = 1000  # the viewer's data set: three whole epochs of it take milliseconds
BATCH_SIZES = (8, 16, 32, 64, 100, 128, 256)
EPOCHS, FIRST, SHOWN, MAX_SEED = 3, 8, 32, 9999  # FIRST indices listed, SHOWN images drawn
USUAL = (0.1307, 0.3081)  # the constants tutorials copy into Normalize
HALF = (0.5, 0.5)  # the constants colour-image tutorials use


def train_set(n: int | None = None) -> TensorDataset:
    """The training split (or its first `n` images) as a TensorDataset of (image, label, index):
    the index says which image of the split each sample is."""
    images, labels = load_mnist("train", copy=False)  # shared and read-only: never written
    if n is not None:
        images, labels = images[:n], labels[:n]
    return TensorDataset(images, labels, torch.arange(len(labels)))


def loader(dataset, batch_size: int, shuffle: bool, seed: int, drop_last: bool) -> DataLoader:
    """The DataLoader Play uses: no worker processes (a shared server), a seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                      generator=generator, num_workers=0)  # fmt: skip


def batch_sizes(dl: DataLoader) -> list[int]:
    """How many samples each batch of one epoch holds, from the loader's own batch sampler
    (indices only: no image is read)."""
    return [len(indices) for indices in dl.batch_sampler]


@dataclass(frozen=True)
class View:
    """Three epochs of a loader over the first `SUBSET` training images, and one batch of them.

    `length` is `len(loader)`, `full_length` the same over all 50,000 training images; per epoch:
    `counts` (batches it yielded), `last_sizes` (images in its last batch) and `firsts` (the
    dataset indices that open its first batch). `images`, `labels`, `indices`: batch `index` of
    epoch `epoch` (both 1-based)."""

    batch_size: int
    shuffle: bool
    seed: int
    drop_last: bool
    epoch: int
    index: int
    length: int
    full_length: int
    counts: list[int]
    last_sizes: list[int]
    firsts: list[list[int]]
    images: torch.Tensor
    labels: list[int]
    indices: list[int]


def look(batch_size: int, shuffle: bool, seed: int, drop_last: bool, epoch: int = 1,
         index: int = 1) -> View:  # fmt: skip
    """Iterate the loader for `EPOCHS` epochs, as a training loop would. ValueError (the reason)
    for settings Play does not offer or a batch that is not there."""
    _check(batch_size, seed, epoch)
    dl = loader(train_set(SUBSET), batch_size, shuffle, seed, drop_last)
    if not (isinstance(index, int) and 1 <= index <= len(dl)):
        raise ValueError(msg("batch must be a whole number from 1 to {most}, not {given}",
                             most=len(dl), given=repr(index)))  # fmt: skip
    counts, last_sizes, firsts, chosen = [], [], [], None
    for e in range(1, EPOCHS + 1):
        for k, (images, labels, indices) in enumerate(dl, start=1):  # a new order each epoch
            if k == 1:
                firsts.append(indices[:FIRST].tolist())
            if (e, k) == (epoch, index):
                chosen = (images, labels.tolist(), indices.tolist())
        counts.append(k)
        last_sizes.append(len(labels))
    full = len(loader(train_set(), batch_size, shuffle, seed, drop_last))
    return View(batch_size, shuffle, seed, drop_last, epoch, index, len(dl), full, counts,
                last_sizes, firsts, *chosen)  # fmt: skip


def _check(batch_size: int, seed: int, epoch: int) -> None:
    if batch_size not in BATCH_SIZES:
        raise ValueError(msg("batch_size must be one of {sizes}, not {given}",
                             sizes=", ".join(map(str, BATCH_SIZES)), given=repr(batch_size)))  # fmt: skip
    if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
        raise ValueError(msg("the seed must be a whole number from 0 to {most}, not {given}",
                             most=MAX_SEED, given=repr(seed)))  # fmt: skip
    if not (isinstance(epoch, int) and 1 <= epoch <= EPOCHS):
        raise ValueError(msg("epoch must be a whole number from 1 to {most}, not {given}",
                             most=EPOCHS, given=repr(epoch)))  # fmt: skip


@dataclass(frozen=True)
class Stats:
    """Means and stds of MNIST pixels: the training split's (`mean`, `std`), the mean of each
    training image's own std (`per_image_std`), the 60,000 IDX training images' (train + valid:
    `idx_mean`, `idx_std`), the test split's, and the training pixels' (mean, std) after
    `(x - m) / s` with our numbers, `USUAL` and `HALF` (`after`, by "ours", "usual", "half")."""

    mean: float
    std: float
    per_image_std: float
    idx_mean: float
    idx_std: float
    test_mean: float
    test_std: float
    after: dict[str, tuple[float, float]]


def stats() -> Stats:
    """Every pixel counted once, in float32 (torch sums in blocks, so the four digits shown are
    those of a float64 sum)."""
    train, _ = load_mnist("train", copy=False)
    valid, _ = load_mnist("valid", copy=False)
    test, _ = load_mnist("test", copy=False)
    std, mean = torch.std_mean(train)
    idx_std, idx_mean = torch.std_mean(torch.cat([train, valid]))
    test_std, test_mean = torch.std_mean(test)
    after = {}
    for name, (m, s) in {"ours": (mean.item(), std.item()), "usual": USUAL, "half": HALF}.items():
        s_after, m_after = torch.std_mean((train - m) / s)
        after[name] = (m_after.item(), s_after.item())
    per_image = train.std(dim=(1, 2, 3)).mean()
    return Stats(mean.item(), std.item(), per_image.item(), idx_mean.item(), idx_std.item(),
                 test_mean.item(), test_std.item(), after)  # fmt: skip


def number(value: float) -> str:
    """A number as the lesson shows it: four decimals."""
    return f"{value:.4f}"


def _full_epoch() -> str:
    dl = loader(train_set(), 64, True, 0, False)
    return f"({len(dl)}, {batch_sizes(dl)[-1]})"


def _same_first_batch() -> str:
    view = look(64, True, 0, False)
    return str(view.firsts[0] == view.firsts[1])


def _never_shown() -> str:
    data = train_set()
    return str(len(data) - sum(batch_sizes(loader(data, 128, True, 0, True))))


def _std() -> str:
    train, _ = load_mnist("train", copy=False)
    return number(train.std().item())


PREDICT = Question("predict", ("(781, 64)", "(782, 16)", "(782, 64)", "(781, 16)"), _full_epoch)
QUESTIONS = (
    Question("epochs", ("True", "False"), _same_first_batch),
    Question("drop", (), _never_shown, tolerance=1e-6),
    Question("std", (), _std),  # 1e-4: four decimals, and 0.3081 (the 60,000 images) is wrong
)


def saw(view: View, numbers: Stats) -> dict[str, str]:
    """The numbers 'What you saw' quotes: the loader the learner set up and the data's stats."""
    batch = view.images
    m, s = numbers.mean, numbers.std
    return {
        "batch_size": str(view.batch_size),
        "shuffle": str(view.shuffle),
        "seed": str(view.seed),
        "drop_last": str(view.drop_last),
        "subset": str(SUBSET),
        "length": str(view.length),
        "full_length": str(view.full_length),
        "counts": str(view.counts),
        "last_size": str(view.last_sizes[0]),
        "first1": str(view.firsts[0]),
        "first2": str(view.firsts[1]),
        "shape": str(tuple(batch.shape)),
        "mean": number(m),
        "std": number(s),
        "per_image_std": number(numbers.per_image_std),
        "idx_mean": number(numbers.idx_mean),
        "idx_std": number(numbers.idx_std),
        "batch_mean": number(batch.mean().item()),
        "batch_std": number(batch.std().item()),
        "norm_mean": number(((batch - m) / s).mean().item()),
        "norm_std": number(((batch - m) / s).std().item()),
    }
