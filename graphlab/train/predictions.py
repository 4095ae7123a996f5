"""A sample of test predictions to show as a grid of thumbnails, and the grid's picture.

``predictions_sample`` says how it chose its images (``PredictionSample.picked_mistakes``,
``mistakes``, ``total``), so a page can say it: a grid that is half mistakes on purpose
beside a test accuracy of 98% misleads unless it says so. ``grid`` lays the thumbnails out
with a band above each row for its labels, so no label covers another tile.

>>> s = predictions_sample(torch.zeros(5, 1, 28, 28), torch.arange(5), torch.tensor([0, 0, 0, 3, 0]), n=4)
>>> s.images.shape, int((~s.correct).sum()), s.picked_mistakes, s.mistakes, s.total
(torch.Size([4, 28, 28]), 2, 2, 3, 5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["RIGHT", "WRONG", "Grid", "PredictionSample", "grid", "predictions_sample"]

RIGHT, WRONG = "#2e7d32", "#c62828"  # the frames (and labels) of right and wrong guesses
TILE, BORDER, BAND, GAP = 32, 2, 12, 4  # pixels of the grid's picture (a 28-pixel digit framed)


@dataclass(frozen=True)
class PredictionSample:
    """Some test images with their true and predicted classes (for a grid of thumbnails), and
    how they were chosen: ``picked_mistakes`` of them on purpose among the ``mistakes`` the
    model makes on the ``total`` test images (0 for a uniformly random sample, ``uniform``)."""

    indices: torch.Tensor  # (n,) positions in the test set
    images: torch.Tensor  # (n, 28, 28) float32 in [0, 1], CPU
    labels: torch.Tensor  # (n,)
    predictions: torch.Tensor  # (n,)
    picked_mistakes: int = 0  # chosen among the mistakes on purpose
    mistakes: int = 0  # the model's mistakes on the whole test set
    total: int = 0  # test images sampled from
    uniform: bool = False  # every test image equally likely, mistake or not

    @property
    def correct(self) -> torch.Tensor:
        """``(n,)`` bool: was each prediction right."""
        return self.labels == self.predictions


def predictions_sample(
    images: torch.Tensor,
    labels: torch.Tensor,
    predictions: torch.Tensor,
    n: int = 16,
    mistakes: int | None = None,
    seed: int = 0,
    uniform: bool = False,
) -> PredictionSample:
    """Pick ``n`` test images at random (fixed ``seed``), ``mistakes`` of them misclassified.

    ``mistakes=None`` puts half of the grid on mistakes (fewer if there are not that many) and
    the rest on right answers, so a learner sees what the model gets wrong, not only a wall of
    right answers. ``uniform=True`` ignores ``mistakes`` and draws ``n`` of all the images alike:
    a grid as right and as wrong as the model is.

    >>> s = predictions_sample(torch.zeros(4, 28, 28), torch.arange(4), torch.zeros(4).long(),
    ...                        n=4, uniform=True)
    >>> s.picked_mistakes, s.mistakes, int((~s.correct).sum())
    (0, 3, 3)
    """
    labels, predictions = labels.cpu(), predictions.cpu()
    generator = torch.Generator().manual_seed(seed)
    wrong = torch.nonzero(labels != predictions).flatten()
    right = torch.nonzero(labels == predictions).flatten()
    n = min(n, labels.numel())
    if uniform:
        n_wrong, chosen = 0, torch.randperm(labels.numel(), generator=generator)[:n]
    else:
        n_wrong = min(wrong.numel(), n // 2 if mistakes is None else mistakes, n)
        n_right = min(right.numel(), n - n_wrong)
        chosen = torch.cat(
            [
                wrong[torch.randperm(wrong.numel(), generator=generator)[:n_wrong]],
                right[torch.randperm(right.numel(), generator=generator)[:n_right]],
            ]
        )
    chosen = chosen.sort().values
    picked = images[chosen.to(images.device)].reshape(-1, 28, 28).float().cpu()
    return PredictionSample(
        chosen, picked, labels[chosen], predictions[chosen],
        picked_mistakes=n_wrong, mistakes=wrong.numel(), total=labels.numel(), uniform=uniform,
    )  # fmt: skip


@dataclass(frozen=True)
class Grid:
    """The grid's RGB ``picture`` and, for each tile, its label's centre ``(x, y)`` in the
    picture's pixels, its ``text`` and whether the guess was ``right``."""

    picture: np.ndarray  # (height, width, 3) uint8
    centres: list[tuple[float, float]]
    texts: list[str]
    right: list[bool]


def grid(sample: PredictionSample, cols: int = 6) -> Grid:
    """The images side by side, ``cols`` to a row, each framed green (right) or red (wrong),
    with a blank band above each for its label: the guess, or ``guess ✗ (true)``.

    Each label has its own band, as wide as its tile and a gap: whatever the figure's scale,
    a label covers neither the tile above nor its neighbours' labels.

    >>> g = grid(PredictionSample(torch.arange(2), torch.zeros(2, 28, 28), torch.tensor([3, 5]),
    ...                           torch.tensor([3, 6])), cols=2)
    >>> g.picture.shape, g.texts, g.centres
    ((44, 68, 3), ['3', '6 ✗ (5)'], [(16.0, 6.0), (52.0, 6.0)])
    """
    n = len(sample.labels)
    rows = max(1, -(-n // cols))
    cols = max(1, min(cols, n))
    step_x, step_y = TILE + GAP, BAND + TILE + GAP
    picture = np.full((rows * step_y - GAP, cols * step_x - GAP, 3), 255, dtype=np.uint8)
    pixels = (255 * (1 - sample.images.clamp(0, 1))).round().to(torch.uint8).numpy()  # ink dark
    centres, texts, right = [], [], []
    for i, (label, guess) in enumerate(
        zip(sample.labels.tolist(), sample.predictions.tolist(), strict=True)
    ):
        r, c = divmod(i, cols)
        x, y = c * step_x, r * step_y + BAND
        ok = label == guess
        frame = RIGHT if ok else WRONG
        picture[y : y + TILE, x : x + TILE] = [int(frame[k : k + 2], 16) for k in (1, 3, 5)]
        inner_y, inner_x = y + BORDER, x + BORDER
        picture[inner_y : inner_y + 28, inner_x : inner_x + 28] = pixels[i][..., None]
        centres.append((x + TILE / 2, r * step_y + BAND / 2))
        texts.append(str(guess) if ok else f"{guess} ✗ ({label})")
        right.append(ok)
    return Grid(picture, centres, texts, right)
