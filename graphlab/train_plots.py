"""Plotly figures of a training run: pure functions from a ``History`` or tensors to a ``Figure``.

Every figure sets ``layout.uirevision`` to a constant, so a page that redraws it twice a second
keeps the visitor's zoom and pan; the curves thin long histories to ``max_points`` so a redraw
stays small however long the run.

>>> from graphlab.train_metrics import History
>>> fig = loss_figure(History(steps=[1, 2, 3], losses=[2.3, 2.1, 1.9], smoothed=[2.3, 2.2, 2.1]))
>>> [trace.name for trace in fig.data], fig.layout.uirevision
(['loss', 'smoothed'], 'loss')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import torch

from .train_metrics import History, PredictionSample, Snapshot

__all__ = [
    "accuracy_figure",
    "confusion_figure",
    "loss_figure",
    "predictions_figure",
    "probability_figure",
    "progress_text",
    "thin",
    "zoom",
]

RIGHT, WRONG, RAW, LINE, TEST = "#2e7d32", "#c62828", "#90caf9", "#1565c0", "#ef6c00"
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
_LEGEND = {"x": 0.99, "xanchor": "right", "y": 0.99, "yanchor": "top", "bgcolor": "rgba(0,0,0,0)"}


def thin(xs: Sequence[float], ys: Sequence[float], max_points: int) -> tuple[list, list]:
    """Every k-th point of ``(xs, ys)`` so at most about ``max_points`` remain; the last is kept.

    >>> thin(range(10), range(10), 4)
    ([0, 3, 6, 9], [0, 3, 6, 9])
    """
    xs, ys = list(xs), list(ys)
    if len(xs) <= max_points:
        return xs, ys
    stride = -(-len(xs) // max_points)  # ceil
    keep = list(range(0, len(xs), stride))
    if keep[-1] != len(xs) - 1:
        keep[-1] = len(xs) - 1
    return [xs[i] for i in keep], [ys[i] for i in keep]


def zoom(fig: go.Figure, box: dict | None) -> go.Figure:
    """Set ``fig``'s axis ranges to ``box`` (``{"x": [x0, x1], "y": [y0, y1]}``), in place.

    A page that rebuilds a figure on every poll keeps the visitor's zoom by passing it back in;
    a ``box`` that is not two pairs of finite numbers is ignored (it comes from the browser).

    >>> zoom(go.Figure(), {"x": [5, 1], "y": [0, 2]}).layout.xaxis.range
    (1.0, 5.0)
    """
    ranges = {}
    for axis in ("x", "y"):
        pair = (box or {}).get(axis)
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            return fig
        try:
            low, high = sorted(float(v) for v in pair)
        except (TypeError, ValueError):
            return fig
        if not (math.isfinite(low) and math.isfinite(high)) or low == high:
            return fig
        ranges[axis] = [low, high]
    fig.update_xaxes(range=ranges["x"], autorange=False)
    fig.update_yaxes(range=ranges["y"], autorange=False)
    return fig


def loss_figure(history: History, max_points: int = 1500, height: int = 320) -> go.Figure:
    """The loss of every step (faint) and its smoothed value (bold) against the step.

    >>> len(loss_figure(History()).data)  # an empty run gives empty curves, not an error
    2
    """
    raw_x, raw_y = thin(history.steps, history.losses, max_points)
    smooth_x, smooth_y = thin(history.steps, history.smoothed, max_points)
    fig = go.Figure(
        [
            go.Scatter(
                x=raw_x, y=raw_y, name="loss", mode="lines", line={"color": RAW, "width": 1}
            ),
            go.Scatter(
                x=smooth_x,
                y=smooth_y,
                name="smoothed",
                mode="lines",
                line={"color": LINE, "width": 2.5},
            ),
        ]
    )
    fig.update_layout(
        title="Training loss (cross-entropy)",
        xaxis_title="step",
        yaxis_title="loss",
        uirevision="loss",
        height=height,
        margin=_MARGIN,
        legend=_LEGEND,
    )
    return fig


def accuracy_figure(history: History, height: int = 320) -> go.Figure:
    """Train and test accuracy after each finished epoch, in percent.

    >>> h = History(epochs=[{"epoch": 1, "train_acc": 0.9, "test_acc": 0.95}])
    >>> accuracy_figure(h).data[1].y
    (95.0,)
    """
    epochs = [e["epoch"] for e in history.epochs]
    fig = go.Figure(
        [
            go.Scatter(
                x=epochs,
                y=[100 * e["train_acc"] for e in history.epochs],
                name="train",
                mode="lines+markers",
                line={"color": LINE},
            ),
            go.Scatter(
                x=epochs,
                y=[100 * e["test_acc"] for e in history.epochs],
                name="test",
                mode="lines+markers",
                line={"color": TEST},
            ),
        ]
    )
    fig.update_layout(
        title="Accuracy after each epoch",
        xaxis={"title": "epoch", "dtick": 1},
        yaxis={"title": "accuracy (%)", "range": [0, 100]},
        uirevision="accuracy",
        height=height,
        margin=_MARGIN,
        legend={**_LEGEND, "y": 0.01, "yanchor": "bottom"},
    )
    if not epochs:
        fig.add_annotation(
            text="appears when the first epoch ends",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    return fig


def confusion_figure(matrix: torch.Tensor, height: int = 420) -> go.Figure:
    """Heat map of a ``(10, 10)`` confusion matrix: rows are the true digit, columns the guess.

    >>> confusion_figure(torch.eye(10, dtype=torch.int64)).data[0].z[3][3]
    1
    """
    counts = matrix.tolist()
    digits = [str(d) for d in range(len(counts))]
    fig = go.Figure(
        go.Heatmap(
            z=counts,
            x=digits,
            y=digits,
            text=counts,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Confusion matrix (test set)",
        xaxis={"title": "predicted digit", "side": "top", "type": "category"},
        yaxis={"title": "true digit", "autorange": "reversed", "type": "category"},
        uirevision="confusion",
        height=height,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig


def _mosaic(sample: PredictionSample, cols: int, border: int = 2) -> np.ndarray:
    """An RGB picture of the images side by side, each framed green (right) or red (wrong)."""
    n = len(sample.labels)
    rows = max(1, -(-n // cols))
    tile = 28 + 2 * border
    picture = np.full((rows * tile, cols * tile, 3), 255, dtype=np.uint8)
    pixels = (255 * (1 - sample.images.clamp(0, 1))).round().to(torch.uint8).numpy()  # ink dark
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = r * tile, c * tile
        frame = RIGHT if bool(sample.correct[i]) else WRONG
        picture[y : y + tile, x : x + tile] = [int(frame[k : k + 2], 16) for k in (1, 3, 5)]
        picture[y + border : y + border + 28, x + border : x + border + 28] = pixels[i][..., None]
    return picture


def predictions_figure(sample: PredictionSample, cols: int = 8) -> go.Figure:
    """A grid of test images, each titled with the model's guess; mistakes framed in red and
    titled ``guess ✗ (true)``.

    >>> s = PredictionSample(torch.arange(2), torch.zeros(2, 28, 28), torch.tensor([3, 5]),
    ...                      torch.tensor([3, 6]))
    >>> [a.text for a in predictions_figure(s).layout.annotations]
    ['3', '6 ✗ (5)']
    """
    tile = 32
    picture = _mosaic(sample, cols)
    fig = go.Figure(go.Image(z=picture, hoverinfo="skip"))
    for i, (label, guess) in enumerate(
        zip(sample.labels.tolist(), sample.predictions.tolist(), strict=True)
    ):
        r, c = divmod(i, cols)
        right = label == guess
        fig.add_annotation(
            x=c * tile + tile / 2,
            y=r * tile,
            text=str(guess) if right else f"{guess} ✗ ({label})",
            showarrow=False,
            yshift=8,
            font={"color": RIGHT if right else WRONG, "size": 13},
        )
    rows = picture.shape[0] // tile
    fig.update_layout(
        title="Test images: the model's guess above each (red: a mistake, true digit in brackets)",
        xaxis={"visible": False},
        yaxis={"visible": False},
        uirevision="predictions",
        height=90 + rows * 110,
        margin={"l": 0, "r": 0, "t": 60, "b": 0},
    )
    return fig


def probability_figure(probabilities: torch.Tensor, height: int = 280) -> go.Figure:
    """Bars of the ten class probabilities (a ``(10,)`` or ``(1, 10)`` tensor); the guess is green.

    >>> fig = probability_figure(torch.tensor([0.1] * 10))
    >>> fig.data[0].x
    ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
    """
    probs = probabilities.detach().reshape(-1).float().cpu()
    best = int(probs.argmax())
    fig = go.Figure(
        go.Bar(
            x=[str(d) for d in range(len(probs))],
            y=(100 * probs).tolist(),
            marker_color=[RIGHT if d == best else RAW for d in range(len(probs))],
            hovertemplate="digit %{x}: %{y:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Prediction: {best} ({100 * float(probs[best]):.1f}%)",
        xaxis={"title": "digit", "type": "category"},
        yaxis={"title": "probability (%)", "range": [0, 100]},
        uirevision="probabilities",
        height=height,
        margin=_MARGIN,
    )
    return fig


def progress_text(snapshot: Snapshot, epochs: int) -> str:
    """One line for a progress bar: epoch, step, throughput and device.

    >>> from graphlab.train_metrics import Snapshot
    >>> s = Snapshot("running", "", 5, 0, 5, 10, 20, 0.25, 1234.5, "cpu", 1.0, History(), None)
    >>> progress_text(s, epochs=2)
    'epoch 1 of 2 · step 5 of 20 · 1,234 samples/s on cpu'
    """
    epoch = min(snapshot.epoch + 1, epochs)
    return (
        f"epoch {epoch} of {epochs} · step {snapshot.step} of {snapshot.total_steps} · "
        f"{snapshot.samples_per_s:,.0f} samples/s on {snapshot.device}"
    )
