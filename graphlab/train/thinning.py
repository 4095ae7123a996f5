"""A long history cut to a bounded number of points before it is charted: a chart redrawn twice a
second sends its whole data to the browser each time, and a history may be long (a run of many
small batches, or a visitor's checkpoint).

Unlike keeping every k-th point, ``keep`` keeps each stretch's lowest and highest values with
the first and last points, so a spike or a dip in the loss still shows.

>>> keep([[5, 1, 9, 2, 7, 3, 8, 4, 6, 0]], 4)
[0, 1, 2, 9]
>>> thinned = thin_history(History(steps=list(range(10_000)), losses=[1.0] * 10_000,
...                                smoothed=[1.0] * 10_000), max_points=100)
>>> len(thinned.steps) <= 100, thinned.steps[0], thinned.steps[-1]
(True, 0, 9999)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .metrics import EPOCH_FIELDS, History

__all__ = ["MAX_EPOCH_POINTS", "MAX_STEP_POINTS", "keep", "thin_history"]

MAX_STEP_POINTS = 1_500  # per curve: what the loss chart drew before (metrics.thin)
MAX_EPOCH_POINTS = 200  # twice the most epochs a run may have


def keep(series: Sequence[Sequence[float]], max_points: int) -> list[int]:
    """Sorted indices, at most ``max_points`` (at least 2), of points to keep of equally long
    ``series``: the first, the last, and in each of equal stretches between them the position
    of each series' minimum and maximum."""
    n = len(series[0])
    if n <= max_points:
        return list(range(n))
    per_stretch = 2 * len(series)
    stretches = max(1, (max_points - 2) // per_stretch)
    width = -(-(n - 2) // stretches)  # ceil
    inner = torch.tensor([list(ys) for ys in series], dtype=torch.float64)[:, 1:-1]
    pad = stretches * width - inner.shape[1]
    chosen = {0, n - 1}
    for fill, pick in ((torch.inf, torch.argmin), (-torch.inf, torch.argmax)):
        rows = torch.nn.functional.pad(inner, (0, pad), value=fill).reshape(len(series), -1, width)
        at = pick(rows, dim=2) + torch.arange(stretches) * width + 1
        chosen.update(int(i) for i in at.flatten() if int(i) < n - 1)
    return sorted(chosen)  # 2 + stretches * per_stretch <= max_points of them


def thin_history(
    history: History, max_points: int = MAX_STEP_POINTS, max_epochs: int = MAX_EPOCH_POINTS
) -> History:
    """A copy of ``history`` with at most ``max_points`` steps and ``max_epochs`` epochs, each
    list cut at the same positions (a step's loss stays with its smoothed loss)."""
    steps = keep([history.losses, history.smoothed], max_points) if history.steps else []
    epochs = history.epochs
    if len(epochs) > max_epochs:
        accuracies = [[e[name] for e in epochs] for name in ("train_acc", "test_acc")]
        epochs = [epochs[i] for i in keep(accuracies, max_epochs)]
    return History(
        history.status,
        history.message,
        [history.steps[i] for i in steps],
        [history.losses[i] for i in steps],
        [history.smoothed[i] for i in steps],
        [{k: e[k] for k in EPOCH_FIELDS if k in e} for e in epochs],
        history.text,
    )
