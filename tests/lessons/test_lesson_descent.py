"""Lesson 6, gradient descent by hand: the loop's path against `torch.optim.SGD`, its gradients
against the formula of the squared error's derivative and `torch.autograd.grad`, the surface
against `F.mse_loss`, the best line against the normal equations, divergence against the
Hessian's largest eigenvalue."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from graphlab.lessons import lesson
from graphlab.lessons import lesson_descent as ld
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load


def _sgd(lr: float, steps: int, w0: float, b0: float, zero_grad: bool = True) -> dict:
    """The same fit with torch.optim.SGD and F.mse_loss: positions and losses, start first."""
    x, y = ld.data()
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=lr)
    ws, bs, losses = [], [], []
    for k in range(steps + 1):
        if zero_grad:
            opt.zero_grad()
        loss = F.mse_loss(w * x + b, y)
        ws.append(w.item())
        bs.append(b.item())
        losses.append(loss.item())
        if k < steps:
            loss.backward()
            opt.step()
    return {"ws": ws, "bs": bs, "losses": losses}


def _hessian_max() -> float:
    x, y = ld.data()
    h = torch.autograd.functional.hessian(
        lambda p: F.mse_loss(p[0] * x + p[1], y), torch.tensor([0.0, 0.0])
    )
    return torch.linalg.eigvalsh(h).max().item()


def test_the_data_is_eight_fixed_points_near_the_line():
    x, y = ld.data()
    assert x.shape == y.shape == (8,)
    assert torch.equal(y, ld.data()[1])  # seeded: the same every time
    assert (y - (2 * x + 1)).abs().max() < 1


@pytest.mark.parametrize(
    ("lr", "steps", "start", "forget"),
    [(0.1, 40, ld.START, False), (0.9, 15, (0.0, 0.0), False), (0.1, 30, (2.0, -1.0), True),
     (1.5, 10, (0.0, 0.0), False)],
)  # fmt: skip
def test_the_loop_by_hand_is_sgds_path(lr, steps, start, forget):
    run = ld.descend(lr, steps, *start, forget_zero_grad=forget)
    sgd = _sgd(lr, steps, *start, zero_grad=not forget)
    assert run.ws == pytest.approx(sgd["ws"], rel=1e-5, abs=1e-6)
    assert run.bs == pytest.approx(sgd["bs"], rel=1e-5, abs=1e-6)
    assert run.losses == pytest.approx(sgd["losses"], rel=1e-5, abs=1e-6)
    assert run.steps == steps and len(run.ws) == steps + 1


def test_each_gradient_is_the_derivative_of_the_squared_error():
    x, y = ld.data()
    run = ld.descend(0.1, 5, *ld.START)
    for k, (gw, gb) in enumerate(run.grads):
        w, b = run.ws[k], run.bs[k]
        r = w * x + b - y
        assert gw == pytest.approx((2 * r * x).mean().item(), rel=1e-5)
        assert gb == pytest.approx((2 * r).mean().item(), rel=1e-5)
        p = torch.tensor([w, b], requires_grad=True)
        (g,) = torch.autograd.grad(F.mse_loss(p[0] * x + p[1], y), p)
        assert [gw, gb] == pytest.approx(g.tolist(), rel=1e-5)


def test_the_answers_are_torchs_computed_another_way():
    x, y = ld.data()
    item = lesson("descent")
    # Predict: the signs of the gradient at Play's start.
    w0, b0 = ld.START
    r = w0 * x + b0 - y
    gw, gb = (2 * r * x).mean().item(), (2 * r).mean().item()
    assert (
        item.predict.answer()
        == f"w.grad {'<' if gw < 0 else '>'} 0, b.grad {'<' if gb < 0 else '>'} 0"
    )
    answers = {q.id: q for q in item.questions}
    # One step from (0, 0): w = 0 - 0.1 * (-2 mean(x y)).
    want = 0.1 * 2 * (x * y).mean().item()
    assert float(answers["step"].answer()) == pytest.approx(want, rel=1e-3)
    assert float(answers["step"].answer()) == pytest.approx(
        _sgd(0.1, 1, 0.0, 0.0)["ws"][1], rel=1e-3
    )
    assert grade(answers["step"], f"{want:.6f}").ok and not grade(answers["step"], "0.2").ok
    # lr = 1.5 is above 2 / (the Hessian's largest eigenvalue): the loss grows.
    assert 2 / _hessian_max() < 1.5
    sgd = _sgd(1.5, 20, 0.0, 0.0)["losses"]
    assert answers["diverge"].answer() == str(sgd[-1] < sgd[0]) == "False"
    # Forgotten zero_grad: SGD without zero_grad, step lengths.
    fw = _sgd(0.1, 2, 0.0, 0.0, zero_grad=False)
    s1, s2 = (
        math.hypot(fw["ws"][k + 1] - fw["ws"][k], fw["bs"][k + 1] - fw["bs"][k]) for k in (0, 1)
    )
    assert s2 > s1 and answers["zero_grad"].answer() == "step2 > step1"
    zw = _sgd(0.1, 2, 0.0, 0.0)
    z1, z2 = (
        math.hypot(zw["ws"][k + 1] - zw["ws"][k], zw["bs"][k + 1] - zw["bs"][k]) for k in (0, 1)
    )
    assert z2 < z1  # with zero_grad the second step is the shorter


def test_what_the_prose_says_about_the_data_holds():
    # Play's "try this": 0.9 zigzags but converges, 1.1 flies off; the limit is 2 / λ = 1.
    limit = 2 / _hessian_max()
    assert limit == pytest.approx(1.0, rel=1e-5)
    assert 0.9 < limit < 1.1
    assert ld.descend(0.9, 40, *ld.START).went_down and not ld.descend(1.1, 40, *ld.START).went_down
    # The b-b entry of the Hessian is 2 (why:diverge).
    x, y = ld.data()
    h = torch.autograd.functional.hessian(lambda p: F.mse_loss(p[0] * x + p[1], y), torch.zeros(2))
    assert h[1, 1].item() == pytest.approx(2.0)
    # Predict names Play's start.
    assert f"`w = {ld.START[0]:g}`, `b = {ld.START[1]:g}`" in load("en", "descent")["predict"]


def test_the_surface_is_the_mse_at_each_point():
    x, y = ld.data()
    ws, bs, grid = ld.surface(n=11)
    assert len(ws) == len(bs) == len(grid) == 11 and (ws[0], ws[-1]) == ld.W_RANGE
    for i, j in [(0, 0), (3, 7), (10, 10), (5, 2)]:
        want = F.mse_loss(ws[i] * x + bs[j], y).item()
        assert grid[i][j] == pytest.approx(want, rel=1e-5)


def test_the_best_line_solves_the_normal_equations():
    x, y = ld.data()
    xd = x.double()
    yd = y.double()
    slope = ((xd - xd.mean()) * (yd - yd.mean())).sum() / ((xd - xd.mean()) ** 2).sum()
    intercept = yd.mean() - slope * xd.mean()
    w, b, loss = ld.best_fit()
    assert (w, b) == pytest.approx((slope.item(), intercept.item()), rel=1e-4)
    assert loss == pytest.approx(
        F.mse_loss(slope.float() * x + intercept.float(), y).item(), rel=1e-4
    )
    assert ld.descend(0.3, 200, 0.0, 0.0).losses[-1] == pytest.approx(loss, rel=1e-4)


def test_a_large_lr_blows_up_and_stops_at_the_first_nonfinite_loss():
    run = ld.descend(3.0, 200, 0.0, 0.0)
    assert run.blew_up is not None and not math.isfinite(run.losses[-1])
    assert all(math.isfinite(v) for v in run.losses[:-1]) and not run.went_down
    sgd = _sgd(3.0, run.blew_up, 0.0, 0.0)["losses"]
    assert not math.isfinite(sgd[-1])


@pytest.mark.parametrize(
    "args",
    [(-0.1, 10, 0.0, 0.0), (math.nan, 10, 0.0, 0.0), (ld.MAX_LR * 2, 10, 0.0, 0.0),
     (0.1, 0, 0.0, 0.0), (0.1, ld.MAX_STEPS + 1, 0.0, 0.0), (0.1, 10, 99.0, 0.0),
     (0.1, 10, 0.0, math.inf)],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(args):
    with pytest.raises(ValueError, match="must be"):
        ld.descend(*args)


def test_saw_quotes_the_run_and_the_best_line():
    run = ld.descend(0.1, 40, *ld.START)
    sgd = _sgd(0.1, 40, *ld.START)
    numbers = ld.saw(run)
    assert numbers["steps"] == "40" and numbers["lr"] == "0.1" and numbers["zeroed"] == "True"
    assert (numbers["w0"], numbers["b0"]) == (f"{ld.START[0]:g}", f"{ld.START[1]:g}")
    assert float(numbers["w"]) == pytest.approx(sgd["ws"][-1], rel=1e-3)
    assert float(numbers["loss"]) == pytest.approx(sgd["losses"][-1], rel=1e-3)
    assert float(numbers["loss0"]) == pytest.approx(sgd["losses"][0], rel=1e-3)
    assert numbers["went_down"] == "True"
    assert float(numbers["w_best"]) == pytest.approx(ld.best_fit()[0], rel=1e-3)
    x, y = ld.data()
    r = ld.START[0] * x + ld.START[1] - y
    assert float(numbers["grad_w"]) == pytest.approx((2 * r * x).mean().item(), rel=1e-3)
    assert ld.saw(ld.descend(0.1, 3, 0.0, 0.0, forget_zero_grad=True))["zeroed"] == "False"


@pytest.mark.parametrize("start", [ld.START, (0.0, 0.0), (6.0, 5.0), (-2.0, -3.0)])
def test_a_converging_lr_lowers_the_loss_at_every_step_and_a_larger_one_does_not(start):
    limit = 2 / _hessian_max()
    for lr in (0.05, 0.3, 0.6, 0.95):
        assert lr < limit
        for steps in (1, 10, 200):
            run = ld.descend(lr, steps, *start)
            assert run.went_down and not run.growing, (lr, steps)
    for lr in (1.01, 1.5, 3.0):
        assert lr > limit
        assert ld.descend(lr, 40, *start).growing
