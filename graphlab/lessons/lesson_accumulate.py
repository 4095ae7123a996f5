"""Lesson 4, Gradients accumulate: `backward()` adds into `.grad`, `zero_grad` empties it, and
`retain_graph` decides whether the graph survives a backward pass.

The Play widget keeps only the learner's presses (plain strings); `replay` runs our own fixed
program through them in torch on every rerun, so every number shown is torch's.

>>> steps = replay(["backward", "backward", "zero", "free", "free"])
>>> [(s.grad, s.passes) for s in steps]  # doctest: +NORMALIZE_WHITESPACE
[('tensor([2., 4.])', 1), ('tensor([4., 8.])', 2), ('tensor([0., 0.])', 2),
 ('tensor([2., 4.])', 3), ('tensor([2., 4.])', 3)]
>>> steps[-1].error.split(" (")[0]
'RuntimeError: Trying to backward through the graph a second time'
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('tensor([4., 8.])', ['18.0', 'RuntimeError', 'None'])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .checks import Question

__all__ = [
    "ACTIONS", "MAX_PRESSES", "PREDICT", "PROGRAM", "QUESTIONS", "W0", "Step", "one_pass",
    "replay", "saw",
]  # fmt: skip

W0 = (1.0, 2.0)
PROGRAM = """w = torch.tensor([1.0, 2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
loss = (w * w).sum()
"""
# What each press runs, as the learner would type it.
ACTIONS = {
    "backward": "loss.backward(retain_graph=True)",
    "free": "loss.backward()",
    "zero": "w.grad.zero_()",
    "none": "opt.zero_grad()",
    "forward": "loss = (w * w).sum()",
}
MAX_PRESSES = 40  # a replay runs every press again: keep it short


@dataclass(frozen=True)
class Step:
    """One press and what it left: `w.grad` as torch prints it, the backward passes that ran so
    far, those since `.grad` was last emptied, whether the current graph was freed, and the
    error torch (or Python) raised, if any."""

    action: str
    grad: str
    passes: int
    since_zero: int
    freed: bool
    error: str | None


def replay(actions: list[str]) -> list[Step]:
    """Run PROGRAM, then each action in turn (a key of ACTIONS); one Step per action."""
    w = torch.tensor(W0, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    passes = since_zero = 0
    freed = False
    steps = []
    for action in actions:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; there are {', '.join(ACTIONS)}")
        error = None
        try:
            if action in ("backward", "free"):
                loss.backward(retain_graph=action == "backward")
                passes, since_zero = passes + 1, since_zero + 1
                freed = action == "free"
            elif action == "zero":
                w.grad.zero_()  # an AttributeError while w.grad is None, as in plain PyTorch
                since_zero = 0
            elif action == "none":
                opt.zero_grad()  # set_to_none=True by default: w.grad becomes None
                since_zero = 0
            else:
                loss, freed = (w * w).sum(), False
        except (RuntimeError, AttributeError) as err:
            error = f"{type(err).__name__}: {err}"
        steps.append(Step(action, str(w.grad), passes, since_zero, freed, error))
    return steps


def one_pass() -> str:
    """The gradient one backward pass of PROGRAM adds to `w.grad`, as torch prints it."""
    w = torch.tensor(W0, requires_grad=True)
    (grad,) = torch.autograd.grad((w * w).sum(), w)
    return str(grad)


def _predicted() -> str:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    return str(w.grad)


def _after_three() -> str:
    w = torch.tensor([3.0, -1.0], requires_grad=True)
    loss = (w * w).sum()
    for _ in range(3):
        loss.backward(retain_graph=True)
    return str(float(w.grad[0]))


def _second_without_retain() -> str:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    try:
        loss.backward()
    except RuntimeError:
        return "RuntimeError"
    return str(w.grad)


def _set_to_none() -> str:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=True)
    return str(w.grad)


PREDICT = Question(
    "predict",
    ("tensor([2., 4.])", "tensor([4., 8.])", "tensor([0., 0.])", "RuntimeError"),
    _predicted,
)
QUESTIONS = (
    Question("three", (), _after_three),
    Question(
        "second", ("tensor([2., 4.])", "tensor([4., 8.])", "RuntimeError"), _second_without_retain
    ),
    Question("none", ("None", "tensor([0., 0.])", "tensor([2., 4.])"), _set_to_none),
)


def saw(actions: list[str]) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the presses made so far."""
    steps = replay(actions)
    last = steps[-1] if steps else Step("", "None", 0, 0, False, None)
    return {
        "presses": str(len(steps)),
        "passes": str(last.passes),
        "grad": last.grad,
        "since_zero": str(last.since_zero),
        "per_pass": one_pass(),
        "errors": str(sum(s.error is not None for s in steps)),
    }
