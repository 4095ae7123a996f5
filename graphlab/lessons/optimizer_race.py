"""The race of lesson 11 (Optimizers): SGD, SGD with momentum, RMSprop and Adam on three 2-D loss
surfaces. Every path is torch.optim's own: one 2-parameter tensor, the real optimizer's
`zero_grad()`, `backward()`, `step()`, and after each step its state (`momentum_buffer`,
`square_avg`, `exp_avg`, `exp_avg_sq`) read back, so the page can show each update with the
numbers torch used (`graphlab.lessons.optimizer_steps`).

>>> runs = race("bowl", steps=3)
>>> [len(run.points) for run in runs.values()], runs["adam"].hyper["beta2"]
([4, 4, 4, 4], 0.999)
>>> leader(runs, 3), first_below(runs["sgd"], 100.0)
('sgd', 0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import torch

from graphlab.core.messages import N_, msg

__all__ = [
    "BETA2S", "FRAME", "LABELS", "LRS", "MAX_STEPS", "OPTIMIZERS", "STEPS", "SURFACES", "Run",
    "Surface", "check", "first_below", "grid", "leader", "next_frame", "number", "parse_start",
    "play_from", "race",
]  # fmt: skip

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
LABELS = {"sgd": "SGD", "momentum": "SGD(momentum)", "rmsprop": "RMSprop", "adam": "Adam"}
LRS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
BETA2S = (0.9, 0.99, 0.999, 0.9999)
STEPS, MAX_STEPS = 200, 500  # Play's race; the most one call takes
FRAME = 4  # steps per frame when Play animates the race
STATE = {"sgd": (), "momentum": ("momentum_buffer",), "rmsprop": ("square_avg",),
         "adam": ("exp_avg", "exp_avg_sq")}  # fmt: skip
HYPER = {"sgd": ("lr",), "momentum": ("lr", "momentum"), "rmsprop": ("lr", "alpha", "eps"),
         "adam": ("lr", "beta1", "beta2", "eps")}  # fmt: skip


@dataclass(frozen=True)
class Surface:
    """A loss `f(x, y)` (torch ops, any shapes that broadcast), its formula, the grid drawn,
    where Play starts, the minima, and the lr each optimizer starts with on it."""

    name: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    tex: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lrs: Mapping[str, float]


SURFACES = {
    "bowl": Surface(N_("Ill-conditioned bowl"), lambda x, y: 0.5 * x**2 + 10 * y**2,
                    r"f(x, y) = \tfrac{1}{2}x^2 + 10\,y^2", (-5.0, 5.0), (-2.5, 2.5),
                    (-4.5, 1.5), ((0.0, 0.0),),
                    {"sgd": 0.05, "momentum": 0.05, "rmsprop": 0.05, "adam": 0.2}),
    "rosenbrock": Surface(N_("Rosenbrock's valley"),
                          lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                          r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2", (-2.0, 2.0), (-1.0, 3.0),
                          (-1.2, 1.0), ((1.0, 1.0),),
                          {"sgd": 0.001, "momentum": 0.001, "rmsprop": 0.01, "adam": 0.1}),
    "saddle": Surface(N_("Saddle"), lambda x, y: 0.5 * x**2 + 0.25 * (y**2 - 1) ** 2,
                      r"f(x, y) = \tfrac{1}{2}x^2 + \tfrac{1}{4}(y^2 - 1)^2", (-2.5, 2.5),
                      (-2.0, 2.0), (2.0, 0.001), ((0.0, 1.0), (0.0, -1.0)),
                      dict.fromkeys(OPTIMIZERS, 0.05)),
}  # fmt: skip


@dataclass(frozen=True)
class Run:
    """One optimizer's race, as torch ran it. `points`, `losses`: each position, the start first;
    `grads`: the gradient each step used; `states`: the optimizer's state after each step;
    `hyper`: its settings as torch holds them. A run stops at its first loss that is nan or inf
    (`blew_up` is then that position's index)."""

    optimizer: str
    hyper: dict[str, float]
    points: list[tuple[float, float]]
    losses: list[float]
    grads: list[tuple[float, float]]
    states: list[dict[str, tuple[float, float]]]
    blew_up: int | None

    def at(self, step: int) -> int:
        """The index of the position shown at `step`: the last there is once a run blew up."""
        return min(step, len(self.points) - 1)

    def loss(self, step: int) -> float:
        return self.losses[self.at(step)]


def _optimizer(name: str, p: torch.Tensor, lr: float, momentum: float, betas: tuple) -> object:
    if name == "sgd":
        return torch.optim.SGD([p], lr=lr)
    if name == "momentum":
        return torch.optim.SGD([p], lr=lr, momentum=momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop([p], lr=lr)
    return torch.optim.Adam([p], lr=lr, betas=betas)


def _hyper(name: str, group: dict) -> dict[str, float]:
    """The settings the update rule of `name` names, read from torch's param group."""
    beta1, beta2 = group.get("betas", (None, None))
    named = {**group, "beta1": beta1, "beta2": beta2}
    return {key: float(named[key]) for key in HYPER[name]}


def _run(surface: Surface, name: str, start, lr, momentum, betas, steps) -> Run:
    p = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    opt = _optimizer(name, p, lr, momentum, betas)
    points, losses, grads, states, blew_up = [], [], [], [], None
    for k in range(steps + 1):
        opt.zero_grad()
        loss = surface.fn(p[0], p[1])
        points.append(tuple(p.tolist()))
        losses.append(loss.item())
        if not math.isfinite(losses[-1]) or k == steps:
            blew_up = None if math.isfinite(losses[-1]) else k
            break
        loss.backward()
        grads.append(tuple(p.grad.tolist()))
        opt.step()
        state = opt.state[p]  # SGD with momentum 0 keeps no buffer
        states.append({key: tuple(state[key].tolist()) for key in STATE[name] if key in state})
    return Run(name, _hyper(name, opt.param_groups[0]), points, losses, grads, states, blew_up)


def race(surface: str, start: tuple[float, float] | None = None,
         lrs: Mapping[str, float] | None = None, momentum: float = 0.9,
         betas: tuple[float, float] = (0.9, 0.999), steps: int = STEPS) -> dict[str, Run]:  # fmt: skip
    """The four optimizers from `start` (the surface's own if None), each with its lr (the
    surface's if None), `steps` steps each, on `SURFACES[surface]`. ValueError (the reason) for
    settings it does not take."""
    check(surface, start, lrs, momentum, betas, steps)
    where = SURFACES[surface]
    lrs = {**where.lrs, **(lrs or {})}
    start = tuple(start or where.start)
    return {name: _run(where, name, start, lrs[name], momentum, tuple(betas), steps)
            for name in OPTIMIZERS}  # fmt: skip


def check(surface, start, lrs, momentum, betas, steps) -> None:
    """ValueError, with a sentence saying why, for settings `race` does not take."""
    if surface not in SURFACES:
        raise ValueError(msg("no surface {name}; there are {names}", name=repr(surface),
                             names=", ".join(SURFACES)))  # fmt: skip
    for name, lr in (lrs or {}).items():
        if name not in OPTIMIZERS or not (isinstance(lr, (int, float)) and 0 < lr <= LRS[-1]):
            raise ValueError(msg("the lr of {name} must be a number above 0 and at most {most:g}, "
                                 "not {lr}", name=repr(name), most=LRS[-1], lr=repr(lr)))  # fmt: skip
    for name, value, most in (("momentum", momentum, 0.99), ("beta1", betas[0], 0.99),
                              ("beta2", betas[1], BETA2S[-1])):  # fmt: skip
        if not (isinstance(value, (int, float)) and 0 <= value <= most):
            raise ValueError(msg("{name} must be from 0 to {most:g}, not {value}", name=name,
                                 most=most, value=repr(value)))  # fmt: skip
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise ValueError(msg("steps must be a whole number from 1 to {most}, not {steps}",
                             most=MAX_STEPS, steps=repr(steps)))  # fmt: skip
    if start is not None:
        _inside(SURFACES[surface], *start)


def _inside(where: Surface, x: float, y: float) -> None:
    for name, value, (low, high) in (("x", x, where.x_range), ("y", y, where.y_range)):
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(msg("the start's {name} must be from {low:g} to {high:g}, not {value}",
                                 name=name, low=low, high=high, value=format(value, "g")))  # fmt: skip


def parse_start(text: str, surface: str) -> tuple[float, float]:
    """The start typed as `x, y`, on the surface's grid; ValueError with the reason otherwise.

    >>> parse_start(" -1.2, 1 ", "rosenbrock")
    (-1.2, 1.0)
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2 or len(str(text)) > 40:
        raise ValueError(msg("type the start as two numbers, x and y, with a comma between: "
                             "`-1.2, 1`"))  # fmt: skip
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise ValueError(msg("`{text}` is not two numbers", text=text.strip())) from None
    _inside(SURFACES[surface], x, y)
    return x, y


@cache
def grid(surface: str, n: int = 40) -> tuple[list[float], list[float], list[list[float]]]:
    """The loss at every point of an n by n grid over the surface's ranges, in one broadcast:
    (xs, ys, losses) with losses[i][j] at (xs[i], ys[j]). With n = 40 no point falls on a
    minimum, so every loss is above 0, as the heat map's log colour needs."""
    where = SURFACES[surface]
    xs, ys = torch.linspace(*where.x_range, n), torch.linspace(*where.y_range, n)
    return xs.tolist(), ys.tolist(), where.fn(xs[:, None], ys[None, :]).tolist()


def number(value: float) -> str:
    """A number as the lesson shows it: four significant digits (`nan`, `inf` as they are)."""
    return f"{value:.4g}"


def first_below(run: Run, threshold: float) -> int | None:
    """The first step whose loss is below `threshold` (None: never)."""
    return next((k for k, v in enumerate(run.losses) if v < threshold), None)


def leader(runs: Mapping[str, Run], step: int) -> str:
    """The optimizer with the lowest loss at `step`, of those still finite (the first on a tie;
    the first of all when none is)."""
    finite = [n for n in runs if math.isfinite(runs[n].loss(step))]
    return min(finite, key=lambda n: runs[n].loss(step)) if finite else next(iter(runs))


def play_from(step: int, last: int) -> int:
    """Where Play starts: from the start again once the race is at its end."""
    return 0 if step >= last else step


def next_frame(step: int, last: int, stride: int = FRAME) -> tuple[int, bool]:
    """Play's next frame: (the step to show, whether to keep playing)."""
    step = min(step + stride, last)
    return step, step < last
