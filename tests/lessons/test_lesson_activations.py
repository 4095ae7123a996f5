"""Lesson 9, activation functions: autograd's slopes against the derivatives written out by hand
(here only, as the oracle), the fold of two Linear layers against the same product in float64,
the least-squares fit against numpy's, and the dead units against pre-activations and gradients
computed another way."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from graphlab.lessons import lesson
from graphlab.lessons import lesson_activations as la
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load


def by_hand(name: str, x: torch.Tensor, slope: float) -> tuple[torch.Tensor, torch.Tensor]:
    """f and f' from their formulas (GELU: x Φ(x), whose slope is Φ(x) + x φ(x))."""
    s = torch.sigmoid(x)
    phi = torch.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    return {
        "ReLU": (x.clamp(min=0), (x > 0).float()),
        "Sigmoid": (s, s * (1 - s)),
        "Tanh": (torch.tanh(x), 1 - torch.tanh(x) ** 2),
        "GELU": (x * cdf, cdf + x * phi),
        "LeakyReLU": (torch.where(x > 0, x, slope * x), torch.where(x > 0, 1.0, slope)),
    }[name]


@pytest.mark.parametrize("name", la.NAMES)
@pytest.mark.parametrize("slope", [0.01, 0.3])
def test_autograds_slopes_are_the_derivatives(name, slope):
    c = la.curve(name, slope)
    x = torch.tensor(c.xs)
    assert (c.xs[0], c.xs[-1], len(c.xs)) == (*la.X_RANGE, 161)
    f, df = by_hand(name, x, slope)
    assert c.ys == pytest.approx(f.tolist(), abs=1e-5)
    assert c.grads == pytest.approx(df.tolist(), abs=1e-5)


def test_each_slope_is_a_finite_difference_too():
    for name in la.NAMES:
        for x0 in (-1.3, 0.7, 2.2):
            h = 1e-3
            ends = la.curve(name, 0.1, x0 - h, x0 + h, 3)
            numeric = (ends.ys[2] - ends.ys[0]) / (2 * h)
            assert ends.grads[1] == pytest.approx(numeric, abs=2e-3), (name, x0)


@pytest.mark.parametrize("width", [1, 3, 8, 64])
def test_two_linear_layers_fold_into_one(width):
    first, second, x = la.fold_layers(width)
    w1, b1 = first.weight.double(), first.bias.double()
    w2, b2 = second.weight.double(), second.bias.double()
    two = (x.double() @ w1.T + b1) @ w2.T + b2
    one = x.double() @ (w2 @ w1).T + (w2 @ b1 + b2)
    assert torch.allclose(two, one, atol=1e-12)  # exact algebra, in float64
    fold = la.collapse(width, "none")
    assert fold.shape == (la.FOLD_OUT, la.FOLD_IN) and fold.max_diff < 1e-5 and fold.fit_diff < 1e-5
    with torch.no_grad():
        assert fold.scale == pytest.approx(second(first(x)).abs().max().item(), rel=1e-6)


@pytest.mark.parametrize("between", la.NAMES)
def test_an_activation_between_makes_it_not_linear(between):
    fold = la.collapse(8, between, 0.01)
    first, second, x = la.fold_layers(8)
    with torch.no_grad():
        two = second(la.activation(between, 0.01)(first(x))).double().numpy()
    ones = np.hstack([x.double().numpy(), np.ones((len(x), 1))])
    fitted = ones @ np.linalg.lstsq(ones, two, rcond=None)[0]
    assert fold.fit_diff == pytest.approx(np.abs(two - fitted).max(), rel=1e-3)
    assert fold.max_diff > 0.1 and fold.fit_diff > 0.01  # prose: far above float32 rounding


def independent_dead(shift: float, lr: float) -> tuple[int, int, torch.Tensor, torch.Tensor]:
    """Dead units before and after one step taken by hand (p - lr * grad from autograd.grad)."""
    model, x, y = la.dead_network(shift)
    w1, b1, w2, b2 = (p.detach().clone().requires_grad_() for p in model.parameters())

    def loss_of(params):
        a, b, c, d = params
        return F.mse_loss(torch.relu(x @ a.T + b) @ c.T + d, y)

    before = int(((x @ w1.T + b1) <= 0).all(dim=0).sum())
    grads = torch.autograd.grad(loss_of((w1, b1, w2, b2)), (w1, b1, w2, b2))
    stepped = [(p - lr * g).detach().requires_grad_() for p, g in zip((w1, b1, w2, b2), grads, strict=True)]  # fmt: skip
    pre = x @ stepped[0].T + stepped[1]
    dead = (pre <= 0).all(dim=0)
    gw, gb = torch.autograd.grad(loss_of(stepped), stepped[:2])
    return before, int(dead.sum()), dead, torch.cat([gw, gb[:, None]], dim=1).abs().amax(dim=1)


@pytest.mark.parametrize(("shift", "lr"), [(0.0, 0.0), (-1.0, 0.0), (-3.0, 0.0), (3.0, 0.0),
                                           (0.0, 1.0), (0.0, 5.0), (-1.0, 5.0), (0.5, 2.5)])  # fmt: skip
def test_dead_units_are_counted_as_torch_counts_them(shift, lr):
    dead = la.dead_relus(shift, lr)
    before, after, mask, grads = independent_dead(shift, lr)
    assert dead.dead_before == before and len(dead.dead) == after
    assert dead.dead == mask.nonzero().flatten().tolist()
    assert dead.dead_grad == 0.0 == (grads[mask].max().item() if mask.any() else 0.0)
    if (~mask).any():
        assert dead.live_grad == pytest.approx(grads[~mask].max().item(), rel=1e-4)
        assert dead.live_grad > 0
    model, x, y = la.dead_network(shift)
    assert dead.losses[0] == pytest.approx(F.mse_loss(model(x), y).item(), rel=1e-6)


def test_what_the_prose_says_about_dead_units_holds():
    assert la.dead_relus(-3.0, 0.0).dead_before == la.UNITS  # every unit below 0 everywhere
    assert la.dead_relus(3.0, 0.0).dead_before == 0
    start = len(la.dead_relus(0.0, 0.0).dead)
    assert len(la.dead_relus(-1.0, 0.0).dead) > start  # try this: a bias shift of -1 kills
    assert len(la.dead_relus(0.0, 5.0).dead) > start  # and so does one step with lr 5
    counts = [la.dead_relus(s, 0.0).dead_before for s in (-3, -2, -1, 0, 1, 2, 3)]
    assert counts == sorted(counts, reverse=True)


def test_what_the_prose_says_about_the_curves_holds():
    sig = la.curve("Sigmoid")
    assert max(sig.grads) == pytest.approx(0.25) and sig.grads[80] == pytest.approx(0.25)
    # Ten sigmoid layers: the slope of the composition is at most 0.25 ** 10 everywhere.
    x = torch.linspace(-4, 4, 81, requires_grad=True)
    y = x
    for _ in range(10):
        y = torch.sigmoid(y)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert g.max().item() <= 0.25**10
    assert la.curve("Tanh", lo=0.0, hi=0.0, n=1).grads == [1.0]
    for name in ("ReLU", "GELU"):
        assert la.curve(name, lo=4.0, hi=4.0, n=1).grads[0] == pytest.approx(1.0, abs=1e-3)


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("activations")
    x = torch.tensor(0.0, requires_grad=True)
    torch.relu(x).backward()
    assert item.predict.answer() == f"{x.grad.item():g}" == "0"
    answers = {q.id: q for q in item.questions}
    s = torch.sigmoid(torch.tensor(0.0))
    assert float(answers["sigmoid"].answer()) == pytest.approx((s * (1 - s)).item())
    assert grade(answers["sigmoid"], "0.25").ok and not grade(answers["sigmoid"], "0.5").ok
    w1, w2 = torch.nn.Linear(4, 8).weight, torch.nn.Linear(8, 3).weight
    assert answers["fold"].answer() == str(tuple((w2 @ w1).shape))
    assert answers["dead_grad"].answer() == "0"
    assert la.dead_relus(-1.0, 0.0).dead  # the question's network does have dead units
    assert not grade(answers["dead_grad"], "1e-8").ok and grade(answers["dead_grad"], "0.0").ok


def test_play_and_predict_name_the_same_network():
    play = " ".join(load("en", "activations")["play"].split())
    assert f"{la.UNITS} hidden ReLU units" in play and f"batch of {la.DEAD_BATCH} inputs" in play
    assert f"batch of {256} inputs" in play and la.FOLD_BATCH == 256
    assert "from -4 to 4" in play and la.X_RANGE == (-4.0, 4.0)


@pytest.mark.parametrize(
    ("call", "args"),
    [(la.activation, ("Swish",)), (la.activation, ("LeakyReLU", -0.1)),
     (la.curve, ("ReLU", math.nan)), (la.collapse, (0, "none")), (la.collapse, (8, "Swish")),
     (la.collapse, (65, "ReLU")), (la.dead_relus, (9.0, 0.0)), (la.dead_relus, (0.0, -1.0)),
     (la.dead_relus, (0.0, math.inf))],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(call, args):
    with pytest.raises(ValueError, match="must be|no activation"):
        call(*args)


def test_saw_quotes_the_three_experiments():
    numbers = la.saw(1.5, 0.2, la.collapse(8, "ReLU", 0.2), la.dead_relus(-1.0, 5.0))
    x = torch.tensor(1.5)
    for name in la.NAMES:
        f, df = by_hand(name, x, 0.2)
        assert float(numbers[f"{name}_y"]) == pytest.approx(f.item(), rel=1e-3)
        assert float(numbers[f"{name}_d"]) == pytest.approx(df.item(), rel=1e-3)
    _, after, _, _ = independent_dead(-1.0, 5.0)
    assert numbers["dead"] == str(after) and numbers["dead_before"] == "6"
    assert numbers["between"] == "ReLU" and numbers["shape"] == "(3, 4)"
    assert (numbers["x"], numbers["slope"], numbers["lr"], numbers["shift"]) == (
        "1.5",
        "0.2",
        "5",
        "-1",
    )
    assert float(numbers["max_diff"]) > 0.1 and numbers["dead_grad"] == "0"
