"""Lesson 11, Optimizers: SGD, SGD with momentum, RMSprop and Adam race on 2-D loss surfaces
(`graphlab.lessons.optimizer_race`), each update shown with its numbers
(`graphlab.lessons.optimizer_steps`). Here: the prediction, the questions (answers computed by
torch.optim) and the numbers "What you saw" quotes.

>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('SGD', ['SGD(momentum)', '0.1', '0.1'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from .checks import Question
from .optimizer_race import LABELS, OPTIMIZERS, SURFACES, Run, first_below, leader, number, race

__all__ = ["PREDICT", "QUESTIONS", "SCALED", "SCALES", "THRESHOLD", "first_step", "saw"]

THRESHOLD = 0.01  # "first below": the loss each optimizer races to
SCALED, SCALES = 1000.0, ("0.0001", "0.1", "100")  # the bowl's loss times SCALED; the options


def _stalled() -> str:
    """On the saddle, every lr 0.05: who is highest after 100 steps (still near the saddle)."""
    runs = race("saddle", steps=100)
    return LABELS[max(OPTIMIZERS, key=lambda n: runs[n].losses[-1])]


def _first() -> str:
    """On the bowl with Play's lrs: who first gets the loss below THRESHOLD."""
    runs = race("bowl")
    reached = {n: first_below(r, THRESHOLD) for n, r in runs.items()}
    return LABELS[min((n for n in OPTIMIZERS if reached[n] is not None), key=reached.get)]


def first_step(name: str, lr: float, scale: float = 1.0) -> tuple[float, float]:
    """How far (|dx|, |dy|) optimizer `name`'s first step moves on the bowl's loss times `scale`
    from the bowl's start: torch.optim, one step."""
    p = torch.tensor(SURFACES["bowl"].start, requires_grad=True)
    opt = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name]
    opt = opt([p], lr=lr)
    (scale * SURFACES["bowl"].fn(p[0], p[1])).backward()
    before = p.detach().clone()
    opt.step()
    return tuple((p.detach() - before).abs().tolist())


def _adam_scaled() -> str:
    """The option nearest (on a log scale) to Adam's first x step on the bowl times SCALED."""
    dx = first_step("adam", 0.1, SCALED)[0]
    return min(SCALES, key=lambda option: abs(math.log10(float(option) / dx)))


def _momentum_step() -> str:
    """SGD(momentum=0.9), lr 0.01, on f(x, y) = x (gradient 1 everywhere): step 100's length."""
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.01, momentum=0.9)
    for _ in range(100):
        before = p.detach().clone()
        opt.zero_grad()
        p[0].backward()
        opt.step()
    return number((p.detach() - before)[0].abs().item())


PREDICT = Question("stall", tuple(LABELS.values()), _stalled)
QUESTIONS = (
    Question("first", tuple(LABELS.values()), _first),
    Question("scale", SCALES, _adam_scaled),
    Question("momentum", (), _momentum_step, tolerance=1e-3),
)


def _pair(values) -> str:
    return f"({number(values[0])}, {number(values[1])})"


def _moved(run: Run) -> tuple[float, float]:
    """How far the first step moved each coordinate (nan, nan if there was none)."""
    if len(run.points) < 2:
        return math.nan, math.nan
    (x0, y0), (x1, y1) = run.points[:2]
    return abs(x1 - x0), abs(y1 - y0)


def saw(surface: str, runs: Mapping[str, Run], step: int) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the race the learner set up, at `step`."""
    best = leader(runs, step)
    reached = {n: first_below(r, THRESHOLD) for n, r in runs.items()}
    firsts = [n for n in OPTIMIZERS if reached[n] is not None]
    first = min(firsts, key=reached.get) if firsts else None
    numbers = {
        "surface": surface,
        "step": str(step),
        "leader": LABELS[best],
        "best": number(runs[best].loss(step)),
        "threshold": f"{THRESHOLD:g}",
        "first": LABELS[first] if first else "—",
        "first_step": str(reached[first]) if first else "—",
        "diverged": ", ".join(LABELS[n] for n in OPTIMIZERS if runs[n].blew_up is not None) or "—",
        "grad": _pair(runs["sgd"].grads[0]) if runs["sgd"].grads else "—",
        "momentum": f"{runs['momentum'].hyper['momentum']:g}",
        "beta1": f"{runs['adam'].hyper['beta1']:g}",
        "beta2": f"{runs['adam'].hyper['beta2']:g}",
    }
    for n, run in runs.items():
        numbers[f"loss_{n}"] = number(run.loss(step))
        numbers[f"lr_{n}"] = f"{run.hyper['lr']:g}"
        numbers[f"moved_{n}"] = _pair(_moved(run))
    return numbers
