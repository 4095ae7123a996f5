"""Charts of the gradient views (``graphlab.train.gradients`` samples): per-layer curves of the
gradient norm, the update/weight ratio and the dead ReLU units, and a heat map per layer of the
histograms of its weights or gradients over time. Axes of magnitudes turn logarithmic when the
values span decades (``magnitude_axis``), as the loss axis does.

>>> from graphlab.train.gradients import GradientSample
>>> s = GradientSample(10, ("2 Linear",), (0.5,), (3.0,), (1e-3,), ((1,) * 24,), ((2,) * 24,),
...                    ("3 ReLU",), (0.25,))
>>> norm_chart([s]).data.to_dict("records")
[{'step': 10, 'layer': '2 Linear', 'value': 0.5}]
>>> len(histogram_chart([s], "2 Linear", "weight").data)
24
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from graphlab.core.messages import N_, msg

from .chart_words import Gettext, same
from .divergence import LABELS, log_axis
from .gradients import EDGES, GradientSample

__all__ = ["dead_chart", "histogram_chart", "magnitude_axis", "norm_chart", "ratio_chart"]

STEP, LAYER, COUNT = N_("step"), N_("layer"), N_("count")
NORM_TITLE, NORM = N_("Gradient norm per layer"), N_("gradient norm")
RATIO_TITLE, RATIO = N_("Update/weight ratio per layer"), N_("|Δw| / |w|")
RATIO_HINT = N_("dashed: 0.001, a healthy step; far above it explodes, far below it stalls")
HEALTHY = N_("0.001 (healthy)")
DEAD_TITLE, DEAD = N_("Dead ReLU units per layer"), N_("dead units (%)")
MAGNITUDE = N_("log10 |value|")
HISTOGRAM = {"grad": N_("Gradients of {layer} over time"),
             "weight": N_("Weights of {layer} over time")}  # fmt: skip
HEATMAP_SAMPLES = 150  # columns of a heat map: enough to see a trend, small enough to redraw


def magnitude_axis(field: str, values: Sequence[float], title: str) -> alt.Y:
    """A y axis of ``field`` that turns logarithmic when ``values`` span decades, with labels
    like ``1.8e10`` instead of ``18,000,000,000``."""
    values = list(values)
    if log_axis(values):
        return alt.Y(f"{field}:Q", title=title, scale=alt.Scale(type="log"),
                     axis=alt.Axis(labelExpr=LABELS))  # fmt: skip
    finite = [abs(v) for v in values if math.isfinite(v)]
    if finite and max(finite) >= 1e4:  # 800,000,000,000 is unreadable: 8e11
        return alt.Y(f"{field}:Q", title=title, axis=alt.Axis(labelExpr=LABELS))
    return alt.Y(f"{field}:Q", title=title)  # Vega's own labels (a zoom keeps them as they were)


def _per_layer(samples: Sequence[GradientSample], names: str, field: str, scale: float = 1.0):
    rows = [{"step": s.step, "layer": name, "value": scale * value}
            for s in samples for name, value in zip(getattr(s, names), getattr(s, field), strict=True)
            if math.isfinite(value)]  # fmt: skip
    return pd.DataFrame(rows, columns=["step", "layer", "value"])


def _lines(data: pd.DataFrame, y: alt.Y, title, gettext: Gettext, height: int) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_line(point=len(data) < 60)
        .encode(
            x=alt.X("step:Q", title=gettext(STEP)),
            y=y,
            color=alt.Color("layer:N", title=gettext(LAYER), legend=alt.Legend(orient="bottom")),
            tooltip=["step:Q", "layer:N", alt.Tooltip("value:Q", format=".3~g")],
        )
        .properties(height=height, **({"title": title} if title else {}))
    )


def norm_chart(samples, height: int = 260, gettext: Gettext = same) -> alt.Chart:
    """The norm of each layer's weight gradient at each sampled step."""
    data = _per_layer(samples, "layers", "grad_norm")
    y = magnitude_axis("value", data["value"], gettext(NORM))
    return _lines(data, y, gettext(NORM_TITLE), gettext, height)


def ratio_chart(samples, height: int = 260, gettext: Gettext = same) -> alt.Chart:
    """How far one step moved each layer's weights, relative to their size; a dashed line at
    0.001, the rule of thumb for a healthy learning rate (explained by RATIO_HINT, which the
    page shows below the chart)."""
    data = _per_layer(samples, "layers", "update_ratio")
    data = data[data["value"] > 0]  # a step that did not move (a NaN stopped it) has no log
    y = magnitude_axis("value", [*data["value"], 1e-3], gettext(RATIO))
    # The healthy line is one more series of the same chart, not a layer: a layered chart's
    # title was drawn half outside its frame by Streamlit.
    healthy = gettext(HEALTHY)
    steps = [data["step"].min(), data["step"].max()] if len(data) else [0, 1]
    line = pd.DataFrame({"step": steps, "layer": healthy, "value": 1e-3})
    chart = _lines(pd.concat([data, line], ignore_index=True), y, gettext(RATIO_TITLE), gettext,
                   height)  # fmt: skip
    dash = alt.condition(alt.datum.layer == healthy, alt.value([4, 4]), alt.value([1, 0]))
    names = sorted(set(data["layer"]))  # the legend names the layers; the caption the line
    legend = alt.Legend(orient="bottom", values=names)
    scale = alt.Scale(domain=[*names, healthy])  # the layers keep the other charts' colours
    color = alt.Color("layer:N", title=gettext(LAYER), legend=legend, scale=scale)
    return chart.encode(strokeDash=dash, color=color)


def dead_chart(samples, height: int = 260, gettext: Gettext = same) -> alt.Chart:
    """The percentage of each ReLU's units that gave zero for every image of the batch."""
    data = _per_layer(samples, "relus", "dead", scale=100.0)
    y = alt.Y("value:Q", title=gettext(DEAD), scale=alt.Scale(domain=[0, 100]))
    return _lines(data, y, gettext(DEAD_TITLE), gettext, height)


def histogram_chart(
    samples: Sequence[GradientSample], layer: str, kind: str, height: int = 260,
    gettext: Gettext = same,
) -> alt.Chart:  # fmt: skip
    """A heat map: x the step, y the bins of ``log10|value|`` of ``layer``'s weights
    (``kind="weight"``) or gradients (``"grad"``), colour how many values fall there."""
    shown = list(samples)[:: max(1, math.ceil(len(samples) / HEATMAP_SAMPLES))]
    rows = []
    for before, s in zip([None, *shown], shown, strict=False):
        if layer not in s.layers:
            continue
        counts = getattr(s, f"{kind}_hist")[s.layers.index(layer)]
        start = before.step if before is not None else s.step - 1
        rows += [{"start": start, "step": s.step, "low": EDGES[b], "high": EDGES[b + 1],
                  "count": n} for b, n in enumerate(counts) if n]  # fmt: skip
    data = pd.DataFrame(rows, columns=["start", "step", "low", "high", "count"])
    title = msg(HISTOGRAM[kind], layer=layer).render(gettext)
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("start:Q", title=gettext(STEP)), x2="step:Q",
            y=alt.Y("low:Q", title=gettext(MAGNITUDE)), y2="high:Q",
            color=alt.Color("count:Q", title=gettext(COUNT),
                            scale=alt.Scale(type="log", scheme="viridis")),
            tooltip=["step:Q", "low:Q", "high:Q", "count:Q"],
        )
        .properties(title=title, height=height)
    )  # fmt: skip
