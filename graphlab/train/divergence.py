"""Divergence as it happens: whether the loss is running away, a loss axis that stays readable
when the values span decades, and numbers short enough to read (``1.8e10``, not
``17778637137.000``).

>>> readable(17778637137.0), readable(0.1234), readable(float("nan"))
('1.78e10', '0.123', 'NaN')
>>> diverging([2.3, 2.2, 2.1], [2.3, 2.25, 2.2])
False
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from graphlab.core.messages import Message, msg

__all__ = ["LABELS", "RISES", "diverging", "log_axis", "readable", "warning"]

RISES = 10  # this many rises in a row of the smoothed loss: running away, not noise
GROWTH = 1.1  # ... and grew by this factor over them
RUNAWAY = 1.5  # ... to this many times its lowest so far (a noisy small batch bumps 10% up)
FAR = 2.0  # a loss this many times the first one: worse than the untrained model
DECADES = 2.0  # values spanning this many powers of ten get a logarithmic axis
# Vega axis labels: 3 significant digits, exponents as 1.8e10 (d3 writes 1.8e+10).
LABELS = "replace(format(datum.value, '.3~g'), 'e+', 'e')"


def readable(value: float) -> str:
    """A loss in at most 3 significant digits; an exponent when it is huge or tiny."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if value != 0 and not 1e-3 <= abs(value) < 1e4:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


def diverging(losses: Sequence[float], smoothed: Sequence[float], rises: int = RISES) -> bool:
    """True when the last loss is not finite, the smoothed loss rose at each of the last
    ``rises`` steps (by ``GROWTH`` in all), or it stands ``FAR`` times above the first loss
    (where an untrained model starts)."""
    if not losses:
        return False
    if not math.isfinite(losses[-1]) or (smoothed and not math.isfinite(smoothed[-1])):
        return True
    if smoothed and smoothed[-1] > FAR * losses[0]:
        return True
    tail = smoothed[-rises - 1 :]
    if len(tail) <= rises or tail[-1] < GROWTH * tail[0]:
        return False  # noise on a plateau nudges it up for a few steps, but not by much
    if tail[-1] < RUNAWAY * min(smoothed):
        return False  # a bump on a noisy small-batch run, not a runaway
    return all(b > a for a, b in zip(tail, tail[1:], strict=False))


def warning(losses: Sequence[float], smoothed: Sequence[float], lr: float) -> Message | None:
    """What to say while the loss diverges (``None`` while it does not)."""
    if not diverging(losses, smoothed):
        return None
    return msg(
        "The loss is {loss}, up from {first} at the start: training is diverging. Stop and "
        "try a smaller learning rate than {lr:g}.",
        loss=readable(smoothed[-1] if smoothed else losses[-1]), first=readable(losses[0]), lr=lr,
    )  # fmt: skip


def log_axis(values: Sequence[float]) -> bool:
    """Whether positive ``values`` span ``DECADES`` powers of ten or more (then a log axis shows
    them all; a linear one squashes all but the largest onto zero)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite or min(finite) <= 0:
        return False
    return math.log10(max(finite) / min(finite)) >= DECADES
