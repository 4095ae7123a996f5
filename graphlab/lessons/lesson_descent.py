"""Lesson 6, Gradient descent by hand: fit y = w x + b to eight fixed points with the loop a
learner writes (`loss.backward()`, `w -= lr * w.grad` under `torch.no_grad()`, `w.grad.zero_()`),
run by torch. Everything comes back as plain numbers: the path, the losses, the gradients, and
the loss over a grid of (w, b) for the picture.

>>> run = descend(0.1, 2, 0.0, 0.0)
>>> len(run.ws), len(run.grads), run.went_down
(3, 2, True)
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('w.grad < 0, b.grad > 0', ['0.1706', 'False', 'step2 > step1'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from graphlab.core.messages import msg

from .checks import Question

__all__ = [
    "B_RANGE", "MAX_LR", "MAX_STEPS", "PREDICT", "QUESTIONS", "START", "W_RANGE", "Descent",
    "best_fit", "data", "descend", "number", "saw", "surface",
]  # fmt: skip

POINTS, NOISE, SEED = 8, 0.3, 0  # the data: y = 2 x + 1 plus seeded noise, x in [-1, 1]
W_RANGE, B_RANGE = (-2.0, 6.0), (-3.0, 5.0)  # the grid of the loss surface, and the starts
START = (-1.0, 4.0)  # where Play's loop starts (the Predict question names it)
MAX_LR, MAX_STEPS = 10.0, 200


def data() -> tuple[torch.Tensor, torch.Tensor]:
    """The eight points (x, y) every run fits: always the same (a seeded generator)."""
    x = torch.linspace(-1.0, 1.0, POINTS)
    noise = NOISE * torch.randn(POINTS, generator=torch.Generator().manual_seed(SEED))
    return x, 2 * x + 1 + noise


@dataclass(frozen=True)
class Descent:
    """One run of the loop. `ws`, `bs`, `losses`: each position, the start first (one more than
    the steps taken); `grads`: the (w.grad, b.grad) each step used. A run stops early at the
    first loss that is nan or inf (`blew_up` is then that position's index)."""

    lr: float
    forget_zero_grad: bool
    ws: list[float]
    bs: list[float]
    losses: list[float]
    grads: list[tuple[float, float]]
    blew_up: int | None

    @property
    def steps(self) -> int:
        return len(self.grads)

    @property
    def step_sizes(self) -> list[float]:
        """How far each step moved (w, b): the length of lr * (w.grad, b.grad)."""
        ws, bs = self.ws, self.bs
        return [math.hypot(ws[k + 1] - ws[k], bs[k + 1] - bs[k]) for k in range(len(ws) - 1)]

    @property
    def growing(self) -> bool:
        """Whether the last step raised the loss by more than float rounding (or made it nan or
        inf): with `zero_grad`, a loop whose lr converges lowers it at every step."""
        if len(self.losses) < 2 or not math.isfinite(self.losses[-1]):
            return self.blew_up is not None
        return self.losses[-1] > self.losses[-2] * (1 + 1e-5)

    @property
    def went_down(self) -> bool:
        """`losses[-1] < losses[0]` (False once a loss is nan or inf)."""
        return math.isfinite(self.losses[-1]) and self.losses[-1] < self.losses[0]


def descend(lr: float, steps: int, w0: float, b0: float, forget_zero_grad: bool = False) -> Descent:
    """Gradient descent by hand on the mean squared error of `data()`, as a learner writes it.
    ValueError (the reason) for an lr, a number of steps or a start it does not take."""
    _check(lr, steps, w0, b0)
    x, y = data()
    w = torch.tensor(float(w0), requires_grad=True)
    b = torch.tensor(float(b0), requires_grad=True)
    ws, bs, losses, grads = [], [], [], []
    blew_up = None
    for k in range(steps + 1):
        loss = ((w * x + b - y) ** 2).mean()
        ws.append(w.item())
        bs.append(b.item())
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            blew_up = k
            break
        if k == steps:
            break
        loss.backward()
        grads.append((w.grad.item(), b.grad.item()))
        with torch.no_grad():  # the update itself must not be recorded in the graph
            w -= lr * w.grad
            b -= lr * b.grad
        if not forget_zero_grad:
            w.grad.zero_()
            b.grad.zero_()
    return Descent(float(lr), forget_zero_grad, ws, bs, losses, grads, blew_up)


def _check(lr: float, steps: int, w0: float, b0: float) -> None:
    if not (math.isfinite(lr) and 0 <= lr <= MAX_LR):
        raise ValueError(msg("lr must be a number from 0 to {most:g}, not {lr}",
                             most=MAX_LR, lr=repr(lr)))  # fmt: skip
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise ValueError(msg("steps must be a whole number from 1 to {most}, not {steps}",
                             most=MAX_STEPS, steps=repr(steps)))  # fmt: skip
    for name, value, (low, high) in (("w0", w0, W_RANGE), ("b0", b0, B_RANGE)):
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(msg("{name} must be from {low:g} to {high:g}, not {value}",
                                 name=name, low=low, high=high, value=repr(value)))  # fmt: skip


def surface(n: int = 41) -> tuple[list[float], list[float], list[list[float]]]:
    """The loss at every (w, b) of an n by n grid over W_RANGE x B_RANGE, in one broadcast:
    (ws, bs, grid) with grid[i][j] the mean squared error of the line (ws[i], bs[j])."""
    x, y = data()
    ws, bs = torch.linspace(*W_RANGE, n), torch.linspace(*B_RANGE, n)
    grid = ((ws[:, None, None] * x + bs[None, :, None] - y) ** 2).mean(-1)
    return ws.tolist(), bs.tolist(), grid.tolist()


def best_fit() -> tuple[float, float, float]:
    """The least-squares line, solved directly (no descent): (w, b, its loss)."""
    x, y = data()
    a = torch.stack([x, torch.ones_like(x)], dim=1)
    w, b = torch.linalg.lstsq(a, y[:, None]).solution[:, 0].tolist()
    return w, b, ((w * x + b - y) ** 2).mean().item()


def number(value: float) -> str:
    """A number as the lesson shows it: four significant digits (`nan`, `inf` as they are)."""
    return f"{value:.4g}"


def _signs() -> str:
    gw, gb = descend(0.1, 1, *START).grads[0]
    return f"w.grad {'<' if gw < 0 else '>'} 0, b.grad {'<' if gb < 0 else '>'} 0"


def _one_step() -> str:
    return number(descend(0.1, 1, 0.0, 0.0).ws[1])


def _too_large() -> str:
    return str(descend(1.5, 20, 0.0, 0.0).went_down)


def _forgotten() -> str:
    first, second = descend(0.1, 2, 0.0, 0.0, forget_zero_grad=True).step_sizes
    return "step2 > step1" if second > first else "step2 < step1" if second < first else \
        "step2 == step1"  # fmt: skip


PREDICT = Question(
    "predict",
    ("w.grad > 0, b.grad > 0", "w.grad < 0, b.grad > 0", "w.grad > 0, b.grad < 0",
     "w.grad < 0, b.grad < 0"),
    _signs,
)  # fmt: skip
QUESTIONS = (
    Question("step", (), _one_step, tolerance=1e-3),
    Question("diverge", ("True", "False"), _too_large),
    Question("zero_grad", ("step2 > step1", "step2 == step1", "step2 < step1"), _forgotten),
)


def saw(run: Descent) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the run the learner made."""
    w_best, b_best, loss_best = best_fit()
    grad_w, grad_b = run.grads[0] if run.grads else (math.nan, math.nan)
    return {
        "lr": f"{run.lr:g}",
        "steps": str(run.steps),
        "w0": f"{run.ws[0]:g}",
        "b0": f"{run.bs[0]:g}",
        "zeroed": str(not run.forget_zero_grad),
        "grad_w": number(grad_w),
        "grad_b": number(grad_b),
        "w": number(run.ws[-1]),
        "b": number(run.bs[-1]),
        "loss0": number(run.losses[0]),
        "loss": number(run.losses[-1]),
        "went_down": str(run.went_down),
        "w_best": number(w_best),
        "b_best": number(b_best),
        "loss_best": number(loss_best),
    }
