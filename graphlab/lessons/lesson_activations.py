"""Lesson 9, activation functions: ReLU, Sigmoid, Tanh, GELU and LeakyReLU with their derivatives
taken by autograd (never written by hand); two Linear layers with nothing between them folded
into one; and dead ReLUs counted on a small seeded network after a bias shift and an SGD step.

>>> curve("ReLU", n=5).grads
[0.0, 0.0, 0.0, 1.0, 1.0]
>>> fold = collapse(8, "none")
>>> fold.shape, fold.max_diff < 1e-5
((3, 4), True)
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('0', ['0.25', '(3, 4)', '0'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from graphlab.core.messages import msg

from .checks import Question

__all__ = [
    "BETWEEN", "DEAD_BATCH", "FOLD_IN", "FOLD_OUT", "LRS", "NAMES", "PREDICT", "QUESTIONS",
    "SHIFTS", "SLOPES", "UNITS", "WIDTHS", "X_RANGE", "Collapse", "Curve", "Dead",
    "activation", "collapse", "curve", "dead_network", "dead_relus", "fold_layers", "number",
    "saw",
]  # fmt: skip

NAMES = ("ReLU", "Sigmoid", "Tanh", "GELU", "LeakyReLU")
BETWEEN = ("none", *NAMES)  # what may sit between the two Linear layers
X_RANGE, SLOPES = (-4.0, 4.0), (0.0, 1.0)
FOLD_IN, FOLD_OUT, FOLD_BATCH, WIDTHS = 4, 3, 256, (1, 64)
UNITS, DEAD_BATCH = 16, 64  # the dead-ReLU network: 2 -> UNITS -> 1, on a batch of DEAD_BATCH
SHIFTS, LRS = (-3.0, 3.0), (0.0, 5.0)


def _check(name: str, value: object, low: float, high: float) -> None:
    ok = isinstance(value, int | float) and math.isfinite(value) and low <= value <= high
    if not ok:
        raise ValueError(msg("{name} must be from {low:g} to {high:g}, not {value}",
                             name=name, low=low, high=high, value=repr(value)))  # fmt: skip


def activation(name: str, slope: float = 0.01) -> nn.Module:
    """The nn module called `name` (one of NAMES); `slope` is LeakyReLU's negative slope."""
    if name not in NAMES:
        raise ValueError(msg("no activation {name}; there are {names}", name=repr(name),
                             names=", ".join(NAMES)))  # fmt: skip
    _check("negative_slope", slope, *SLOPES)
    return nn.LeakyReLU(slope) if name == "LeakyReLU" else getattr(nn, name)()


@dataclass(frozen=True)
class Curve:
    """`ys[i]` = f(xs[i]) and `grads[i]` = f'(xs[i]), the latter from autograd."""

    name: str
    xs: list[float]
    ys: list[float]
    grads: list[float]


def curve(
    name: str, slope: float = 0.01, lo: float = X_RANGE[0], hi: float = X_RANGE[1], n: int = 161
) -> Curve:
    """f over n points from lo to hi and its derivative, by `torch.autograd.grad`."""
    x = torch.linspace(lo, hi, n, requires_grad=True)
    y = activation(name, slope)(x)
    # Each y[i] depends on x[i] alone, so the gradient of y.sum() is f' at every point at once.
    (grad,) = torch.autograd.grad(y.sum(), x)
    return Curve(name, x.tolist(), y.tolist(), grad.tolist())


def _linear(fan_in: int, fan_out: int, g: torch.Generator) -> nn.Linear:
    """An nn.Linear with Linear's own initial distribution, U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    drawn from `g`: made on `meta` first, so the generator every thread shares is left alone."""
    layer = nn.Linear(fan_in, fan_out, device="meta").to_empty(device="cpu")
    bound = 1 / math.sqrt(fan_in)
    with torch.no_grad():
        for p in layer.parameters():
            p.uniform_(-bound, bound, generator=g)
    return layer


def fold_layers(width: int) -> tuple[nn.Linear, nn.Linear, torch.Tensor]:
    """The seeded `Linear(FOLD_IN, width)`, `Linear(width, FOLD_OUT)` and the batch they run on."""
    g = torch.Generator().manual_seed(0)
    first, second = _linear(FOLD_IN, width, g), _linear(width, FOLD_OUT, g)
    return first, second, torch.randn(FOLD_BATCH, FOLD_IN, generator=g)


@dataclass(frozen=True)
class Collapse:
    """Two seeded Linear layers, FOLD_IN -> width -> FOLD_OUT, with `between` in between, against
    one Linear layer: W = W2 W1, b = W2 b1 + b2 (`max_diff`), and the best one layer can do,
    fitted by least squares on the batch (`fit_diff`). Both are max |difference| on the batch."""

    width: int
    between: str
    shape: tuple[int, int]
    max_diff: float
    fit_diff: float
    scale: float  # max |output| of the two layers, to read the differences against


def collapse(width: int, between: str, slope: float = 0.01) -> Collapse:
    """Fold `Linear(FOLD_IN, width)`, `between`, `Linear(width, FOLD_OUT)` into one W, b."""
    _check("width", width, *WIDTHS)
    if between not in BETWEEN:
        raise ValueError(msg("no activation {name}; there are {names}", name=repr(between),
                             names=", ".join(BETWEEN)))  # fmt: skip
    first, second, x = fold_layers(width)
    middle = nn.Identity() if between == "none" else activation(between, slope)
    with torch.no_grad():
        two = second(middle(first(x)))
        w = second.weight @ first.weight  # (FOLD_OUT, FOLD_IN)
        b = second.weight @ first.bias + second.bias
        one = F.linear(x, w, b)
        # The best W, b for this batch, solved in float64 so that its own rounding stays out.
        ones = torch.cat([x, torch.ones(FOLD_BATCH, 1)], dim=1).double()
        fit = (ones @ torch.linalg.lstsq(ones, two.double()).solution).float()
    return Collapse(width, between, tuple(w.shape), (two - one).abs().max().item(),
                    (two - fit).abs().max().item(), two.abs().max().item())  # fmt: skip


@dataclass(frozen=True)
class Dead:
    """The dead-ReLU network after a bias shift and one SGD step with `lr`: each hidden unit's
    share of the batch where its ReLU is above 0 (`active`; 0 means dead), the units dead before
    the step, the loss before and after it, and the largest |gradient| that reaches the incoming
    weights and bias of a dead unit and of a live one, on the batch, after the step."""

    shift: float
    lr: float
    active: list[float]
    dead_before: int
    losses: tuple[float, float]
    dead_grad: float
    live_grad: float

    @property
    def dead(self) -> list[int]:
        return [i for i, share in enumerate(self.active) if share == 0]


def dead_network(shift: float) -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    """The seeded network 2 -> UNITS (ReLU) -> 1 with every hidden bias shifted by `shift`, its
    batch `x` (DEAD_BATCH, 2) and target `y` (DEAD_BATCH, 1)."""
    _check("shift", shift, *SHIFTS)
    g = torch.Generator().manual_seed(0)
    model = nn.Sequential(_linear(2, UNITS, g), nn.ReLU(), _linear(UNITS, 1, g))
    with torch.no_grad():
        model[0].bias += shift
    x = torch.randn(DEAD_BATCH, 2, generator=torch.Generator().manual_seed(1))
    return model, x, 3 + x.sum(dim=1, keepdim=True)  # a target above what the start predicts


def dead_relus(shift: float, lr: float) -> Dead:
    """Shift every hidden bias by `shift`, take one full-batch SGD step on the mean squared error
    with `lr`, and count the hidden units whose ReLU is 0 on every input of the batch."""
    _check("lr", lr, *LRS)
    model, x, y = dead_network(shift)
    dead_before = int((model[:2](x) == 0).all(dim=0).sum())
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(2):  # the step, then a second pass that only measures: loss and gradients
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        losses.append(loss.item())
        if len(losses) == 1:
            opt.step()
    active = (model[:2](x) > 0).float().mean(dim=0).tolist()  # (UNITS,)
    weights, bias = model[0].weight.grad, model[0].bias.grad  # (UNITS, 2), (UNITS,)
    grads = torch.cat([weights, bias[:, None]], dim=1).abs().amax(dim=1).tolist()
    dead = [g for g, share in zip(grads, active, strict=True) if share == 0]
    live = [g for g, share in zip(grads, active, strict=True) if share > 0]
    return Dead(float(shift), float(lr), active, dead_before, tuple(losses),
                max(dead, default=0.0), max(live, default=0.0))  # fmt: skip


def number(value: float) -> str:
    """Four significant digits, as the lesson shows numbers."""
    return f"{value:.4g}"


def _relu_at_zero() -> str:
    x = torch.zeros((), requires_grad=True)
    (grad,) = torch.autograd.grad(torch.relu(x), x)
    return f"{grad.item():g}"


def _sigmoid_at_zero() -> str:
    return f"{curve('Sigmoid', lo=0.0, hi=0.0, n=1).grads[0]:g}"


PREDICT = Question("predict", ("0", "0.5", "1", "nan"), _relu_at_zero)
QUESTIONS = (
    Question("sigmoid", (), _sigmoid_at_zero),
    Question("fold", ("(3, 4)", "(4, 3)", "(8, 4)", "(3, 8)"),
             lambda: str(collapse(8, "none").shape)),
    Question("dead_grad", (), lambda: f"{dead_relus(-1.0, 0.0).dead_grad:g}", tolerance=1e-12),
)  # fmt: skip


def saw(at: float, slope: float, fold: Collapse, dead: Dead) -> dict[str, str]:
    """The numbers 'What you saw' quotes: each activation and its derivative at x = `at`, the
    fold of two Linear layers, and the dead units."""
    numbers = {"x": f"{at:g}", "slope": f"{slope:g}"}
    for name in NAMES:
        point = curve(name, slope, at, at, 1)
        numbers[f"{name}_y"], numbers[f"{name}_d"] = number(point.ys[0]), number(point.grads[0])
    numbers.update({
        "width": str(fold.width), "between": fold.between, "shape": str(fold.shape),
        "max_diff": f"{fold.max_diff:.2g}", "fit_diff": f"{fold.fit_diff:.2g}",
        "scale": number(fold.scale), "shift": f"{dead.shift:g}", "lr": f"{dead.lr:g}",
        "loss_before": number(dead.losses[0]), "loss_after": number(dead.losses[1]), "units": str(UNITS), "dead": str(len(dead.dead)),
        "dead_before": str(dead.dead_before), "dead_grad": f"{dead.dead_grad:g}",
        "live_grad": number(dead.live_grad), "batch": str(DEAD_BATCH),
    })  # fmt: skip
    return numbers
