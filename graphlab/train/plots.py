"""Charts of a training run: pure functions from a ``History`` or tensors to a figure.

The two live curves (loss and accuracy) are Altair charts: the page redraws them twice a second
with a constant spec and new data, which Streamlit applies to the existing Vega view, and their
zoom is a selection (``ZOOM``) that the page activates, so the visitor's zoom and pan stay. The
rest are Plotly figures. The loss curve thins a long history to
``max_points`` so a redraw stays small however long the run. Each builder says its words
(``graphlab.train.chart_words``) through ``gettext``: English unless the app passes the visitor's.

>>> from graphlab.train.metrics import History
>>> chart = loss_chart(History(steps=[1, 2, 3], losses=[2.3, 2.1, 1.9], smoothed=[2.3, 2.2, 2.1]))
>>> sorted(set(chart.data["curve"])), len(chart.data)
(['loss', 'smoothed'], 6)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import torch

from . import chart_words as words
from .chart_words import Gettext, progress_text, same
from .gradient_plots import magnitude_axis
from .metrics import History, PredictionSample, thin
from .predictions import RIGHT, WRONG, grid

__all__ = [
    "ZOOM", "accuracy_chart", "confusion_figure", "descent_chart", "descent_loss_chart",
    "loss_chart", "grid_figure", "probability_figure", "progress_text", "thin",
]  # fmt: skip

RAW, LINE, TEST = "#90caf9", "#1565c0", "#ef6c00"
GRID_COLS = 6  # 24 tiles in 4 rows; each label keeps about 60 px even on a 390 px phone
GRID_ROW_PX = 110  # the grid's height per row: the picture scales to fit its width and height
PATHS = ["#ff5252", "#ffd740", "#40c4ff", "#ff80ab"]  # several paths over the viridis heat map
ZOOM = "zoom"  # the name of the live curves' scale-bound selection
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _zoomable(
    chart: alt.Chart, title: str | alt.TitleParams, height: int, legend: str = "top-right"
) -> alt.Chart:
    """Wheel zoom and drag pan on both axes (double-click resets), drawn as SVG at ``height``.

    The zoom is the interval selection ``ZOOM`` bound to the scales. A page that redraws the
    chart with new data keeps it only if it activates that selection (``selection_mode=ZOOM``
    with a ``key``): Streamlit clears any other scale-bound selection when the data change.
    """
    return (
        chart.properties(title=title, height=height, usermeta={"embedOptions": {"renderer": "svg"}})
        .configure_legend(orient=legend, title=None, fillColor="transparent")
        .interactive(name=ZOOM)
    )


def loss_chart(
    history: History, max_points: int = 1500, height: int = 320, gettext: Gettext = same
) -> alt.Chart:
    """The loss of every step (faint) and its smoothed value (bold) against the step.

    >>> chart = loss_chart(History(steps=[1, 2], losses=[2.3, 2.1], smoothed=[2.3, 2.2]))
    >>> chart.data.to_dict("records")[-1]
    {'step': 2, 'loss': 2.2, 'curve': 'smoothed'}
    """
    frames = []
    for curve, ys in (("loss", history.losses), ("smoothed", history.smoothed)):
        xs, ys = thin(history.steps, ys, max_points)
        frames.append(pd.DataFrame({"step": xs, "loss": ys, "curve": curve}))
    data = pd.concat(frames, ignore_index=True).astype({"step": "int64", "loss": "float64"})
    curves = alt.Scale(domain=["loss", "smoothed"], range=[RAW, LINE])
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title=gettext(words.STEP)),
            y=magnitude_axis("loss", data["loss"], gettext(words.LOSS)),  # log when diverging
            color=_legend("curve:N", curves, words.CURVES, gettext),
            strokeWidth=alt.condition("datum.curve == 'smoothed'", alt.value(2.5), alt.value(1)),
        )
    )
    return _zoomable(chart, gettext(words.LOSS_TITLE), height)


def _legend(field: str, scale: alt.Scale, shown: dict, gettext: Gettext) -> alt.Color:
    """The colour of ``field``, its legend entries as ``shown`` in ``gettext``'s language."""
    labels = words.legend_labels(shown, gettext)
    if labels is None:  # English: the spec stays as it always was
        return alt.Color(field, scale=scale)
    return alt.Color(field, scale=scale, legend=alt.Legend(labelExpr=labels))


def accuracy_chart(history: History, height: int = 320, gettext: Gettext = same) -> alt.Chart:
    """Train and test accuracy after each finished epoch, in percent.

    >>> h = History(epochs=[{"epoch": 1, "train_acc": 0.9, "test_acc": 0.95}])
    >>> accuracy_chart(h).data.to_dict("records")
    [{'epoch': 1, 'accuracy': 90.0, 'split': 'train'}, {'epoch': 1, 'accuracy': 95.0, 'split': 'test'}]
    """
    rows = [
        {"epoch": e["epoch"], "accuracy": 100 * e[f"{split}_acc"], "split": split}
        for e in history.epochs
        for split in ("train", "test")
    ]
    data = pd.DataFrame(rows, columns=["epoch", "accuracy", "split"]).astype(
        {"epoch": "int64", "accuracy": "float64"}
    )
    splits = alt.Scale(domain=["train", "test"], range=[LINE, TEST])
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "epoch:Q", title=gettext(words.EPOCH), axis=alt.Axis(tickMinStep=1, format="d")
            ),
            y=alt.Y("accuracy:Q", title=gettext(words.ACCURACY), scale=alt.Scale(domain=[0, 100])),
            color=_legend("split:N", splits, words.SPLITS, gettext),
        )
    )
    title = gettext(words.ACCURACY_TITLE)
    if not rows:
        title = alt.TitleParams(title, subtitle=gettext(words.ACCURACY_HINT))
    return _zoomable(chart, title, height, legend="bottom-right")


def confusion_figure(matrix: torch.Tensor, height: int = 420, gettext: Gettext = same) -> go.Figure:
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
            hovertemplate=gettext(words.CONFUSION_HOVER) + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=gettext(words.CONFUSION_TITLE),
        xaxis={"title": gettext(words.PREDICTED_DIGIT), "side": "top", "type": "category"},
        yaxis={"title": gettext(words.TRUE_DIGIT), "autorange": "reversed", "type": "category"},
        uirevision="confusion",
        height=height,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig


def grid_figure(sample: PredictionSample, cols: int = GRID_COLS) -> go.Figure:
    """The sample's thumbnails, framed green (right) or red (wrong), the guess above each tile
    in a band of its own (``predictions.grid``), so a label never covers the tile above it.

    >>> s = PredictionSample(torch.arange(2), torch.zeros(2, 28, 28), torch.tensor([3, 5]),
    ...                      torch.tensor([3, 6]))
    >>> [a.text for a in grid_figure(s).layout.annotations]
    ['3', '6 ✗ (5)']
    """
    layout = grid(sample, cols)
    fig = go.Figure(go.Image(z=layout.picture, hoverinfo="skip"))
    for (x, y), text, right in zip(layout.centres, layout.texts, layout.right, strict=True):
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, yanchor="middle",
                           font={"color": RIGHT if right else WRONG, "size": 13})  # fmt: skip
    rows = max(1, -(-len(layout.texts) // cols))
    fig.update_layout(
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "constrain": "domain", "constraintoward": "top"},
        uirevision="predictions",
        height=20 + rows * GRID_ROW_PX,
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
    )
    return fig


def probability_figure(
    probabilities: torch.Tensor, height: int = 280, gettext: Gettext = same
) -> go.Figure:
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
            hovertemplate=gettext(words.PROBABILITY_HOVER) + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=words.prediction_title(best, 100 * float(probs[best]), gettext),
        xaxis={"title": gettext(words.DIGIT), "type": "category"},
        yaxis={"title": gettext(words.PROBABILITY), "range": [0, 100]},
        uirevision="probabilities",
        height=height,
        margin=_MARGIN,
    )
    return fig


def descent_chart(
    surface, path, best=(), title: str = "", height: int = 360, gettext: Gettext = same,
    axes: tuple[str, str] = ("w", "b"),
) -> alt.LayerChart:  # fmt: skip
    """A loss surface ``(ws, bs, grid)``, ``grid[i][j]`` at ``(ws[i], bs[j])``, as a heat map (log
    colour); a descent's ``path`` of ``axes`` (nan/inf left out) or several, ``{name: path}``,
    each in a colour with its last point ringed; a white cross at each point of ``best``.

    >>> c = descent_chart(([0.0, 1.0], [0.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]), [(0, 0), (1, 2)])
    >>> c.layer[0].data.iloc[1].to_dict(), len(c.layer[1].data)
    ({'w': -0.5, 'w2': 0.5, 'b': 1.0, 'b2': 3.0, 'loss': 2.0}, 2)
    """
    (u, v), (ws, bs, grid) = axes, surface
    paths = path if isinstance(path, Mapping) else {"": path}  # one path: no legend
    du, dv = (ws[1] - ws[0]) / 2, (bs[1] - bs[0]) / 2
    cells = pd.DataFrame([{u: w - du, f"{u}2": w + du, v: b - dv, f"{v}2": b + dv, "loss": grid[i][j]}
                          for i, w in enumerate(ws) for j, b in enumerate(bs)])  # fmt: skip
    steps = pd.DataFrame([(n, k, w, b) for n, p in paths.items() for k, (w, b) in enumerate(p)
                          if math.isfinite(w + b)], columns=["path", "step", u, v])  # fmt: skip
    x = alt.X(f"{u}:Q", title=u, scale=alt.Scale(domain=[ws[0] - du, ws[-1] + du], nice=False))
    y = alt.Y(f"{v}:Q", title=v, scale=alt.Scale(domain=[bs[0] - dv, bs[-1] + dv], nice=False))
    log = alt.Color("loss:Q", title=gettext(words.LOSS),
                    scale=alt.Scale(type="log", scheme="viridis"))  # fmt: skip
    hue = alt.value(WRONG) if len(paths) == 1 else alt.Color("path:N", title=None, legend=alt.Legend(
        orient="bottom", columns=2), scale=alt.Scale(domain=list(paths), range=PATHS))  # fmt: skip
    line = (alt.Chart(steps if len(paths) > 1 else steps.drop(columns="path"))
            .mark_line(point=True, clip=True)
            .encode(x=x, y=y, color=hue, order="step:Q", tooltip=_tips(gettext, "step", u, v)))  # fmt: skip
    ends = alt.Chart(steps.groupby("path").tail(1)).mark_point(size=220, strokeWidth=3, clip=True)
    layers = [alt.Chart(cells).mark_rect().encode(x=x, x2=f"{u}2", y=y, y2=f"{v}2", color=log,
                                                  tooltip=_tips(gettext, u, v, "loss")),
              alt.layer(line, ends.encode(x=x, y=y, color=hue)) if len(paths) > 1 else line,
              alt.Chart(pd.DataFrame(list(best), columns=[u, v]))
              .mark_point(shape="cross", size=160, color="white", filled=True).encode(x=x, y=y)]  # fmt: skip
    return alt.layer(*layers, title=title, height=height).resolve_scale(color="independent")


def descent_loss_chart(
    losses: Sequence[float], title: str = "", height: int = 360, gettext: Gettext = same
) -> alt.Chart:
    """The loss at each step of a descent on a log scale (nan/inf left out).

    >>> descent_loss_chart([4.0, 1.0, float("nan")]).data.to_dict("records")
    [{'step': 0, 'loss': 4.0}, {'step': 1, 'loss': 1.0}]
    """
    rows = [(k, v) for k, v in enumerate(losses) if math.isfinite(v) and v > 0]
    y = alt.Y("loss:Q", title=gettext(words.LOSS), scale=alt.Scale(type="log"))
    x = alt.X("step:Q", title=gettext(words.STEP))
    return (alt.Chart(pd.DataFrame(rows, columns=["step", "loss"])).mark_line(point=True, color=LINE)
            .encode(x=x, y=y, tooltip=_tips(gettext, "step", "loss"))
            .properties(title=title, height=height))  # fmt: skip


def _tips(gettext: Gettext, *names: str) -> list[alt.Tooltip]:
    """Tooltips of these numeric fields, named in ``gettext``'s language (``w`` and ``b`` stay)."""
    said = {"loss": words.LOSS, "step": words.STEP}
    return [alt.Tooltip(f"{n}:Q", title=gettext(said[n]) if n in said else n) for n in names]
