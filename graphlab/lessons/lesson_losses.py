"""Lesson 10, Losses: cross-entropy and the mean squared error on a small batch of logits, run by
torch. The gradient of `nn.CrossEntropyLoss` with respect to the logits comes from autograd and
is set beside `(softmax - onehot) / N`; the same batch goes to the loss with each kind of target
(class indices, float labels, probabilities), and what torch says is kept, errors included.

Row 0 of the batch is the learner's (its logits and class); the other N - 1 rows are seeded, so
the same settings always give the same numbers.

>>> run = gradient((2.0, 1.0, 0.1), 0, 4)
>>> len(run.probs), run.n, run.max_diff < 1e-6
(3, 4, True)
>>> target_run("float", (2.0, 1.0, 0.1), 0, 4).error.split(":")[0]
'RuntimeError'
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('(softmax(z[0]) - onehot(y[0])) / 4', ['RuntimeError', 'True', '-0.1674'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from graphlab.core.messages import msg

from .checks import Question

__all__ = [
    "CLASSES", "LOGIT_RANGE", "MAX_N", "PREDICT", "QUESTIONS", "START", "TARGETS", "Gradient",
    "TargetRun", "batch", "gradient", "number", "saw", "target_run",
]  # fmt: skip

CLASSES = (3, 4)  # how many classes Play offers
MAX_N, SEED = 8, 0
LOGIT_RANGE = (-8.0, 8.0)
START = (2.0, 1.0, 0.1, -1.0)  # row 0's logits when Play opens (the first C of them)
# The targets a learner may hand to nn.CrossEntropyLoss, as code (`{c}`: the number of classes).
TARGETS = {
    "indices": "y",
    "float": "y.float()",
    "onehot": "F.one_hot(y, {c}).float()",
    "smooth": "0.9 * F.one_hot(y, {c}) + 0.1 / {c}",
}


def _check(logits0: Sequence[float], target0: int, n: int) -> None:
    if len(logits0) not in CLASSES:
        raise ValueError(msg("give {choices} logits, not {n}",
                             choices=" or ".join(map(str, CLASSES)), n=len(logits0)))  # fmt: skip
    low, high = LOGIT_RANGE
    for value in logits0:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
            raise ValueError(msg("a logit must be a number from {low:g} to {high:g}, not {value}",
                                 low=low, high=high, value=repr(value)))  # fmt: skip
    if not (isinstance(target0, int) and 0 <= target0 < len(logits0)):
        raise ValueError(msg("the class must be a whole number from 0 to {most}, not {value}",
                             most=len(logits0) - 1, value=repr(target0)))  # fmt: skip
    if not (isinstance(n, int) and 1 <= n <= MAX_N):
        raise ValueError(msg("N must be a whole number from 1 to {most}, not {value}",
                             most=MAX_N, value=repr(n)))  # fmt: skip


def batch(logits0: Sequence[float], target0: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch (z, y): logits (N, C) float32 and classes (N,) int64. Row 0 is
    (`logits0`, `target0`); rows 1 to N - 1 are drawn from a seeded generator. ValueError (the
    reason) for settings Play does not offer."""
    _check(logits0, target0, n)
    c = len(logits0)
    g = torch.Generator().manual_seed(SEED)
    others = 2 * torch.randn(MAX_N - 1, c, generator=g)
    classes = torch.randint(c, (MAX_N - 1,), generator=g)
    z = torch.cat([torch.tensor([list(logits0)], dtype=torch.float32), others[: n - 1]])
    y = torch.cat([torch.tensor([target0]), classes[: n - 1]])
    return z, y


@dataclass(frozen=True)
class Gradient:
    """Row 0 of one batch: its logits, softmax, one-hot class, `z.grad[0]` after
    `nn.CrossEntropyLoss()(z, y).backward()` (autograd), `(softmax - onehot) / N` (the formula),
    and `z.grad[0]` after `nn.MSELoss()(z.softmax(1), onehot).backward()`; the batch's losses."""

    n: int
    target: int
    logits: list[float]
    probs: list[float]
    onehot: list[float]
    grad: list[float]
    formula: list[float]
    mse_grad: list[float]
    ce: float  # the batch's mean cross-entropy
    ce0: float  # row 0's own: -log softmax(z[0])[y[0]]
    mse: float

    @property
    def max_diff(self) -> float:
        """The largest |autograd - formula| over row 0."""
        return max(abs(a - b) for a, b in zip(self.grad, self.formula, strict=True))


def gradient(logits0: Sequence[float], target0: int, n: int) -> Gradient:
    """Both losses on the batch, each differentiated by autograd with respect to the logits."""
    z, y = batch(logits0, target0, n)
    onehot = F.one_hot(y, z.shape[1]).float()
    z_ce = z.clone().requires_grad_()
    ce = nn.CrossEntropyLoss()(z_ce, y)
    ce.backward()
    z_mse = z.clone().requires_grad_()
    mse = nn.MSELoss()(z_mse.softmax(1), onehot)
    mse.backward()
    probs = z.softmax(1)
    return Gradient(
        n=n, target=target0, logits=z[0].tolist(), probs=probs[0].tolist(),
        onehot=onehot[0].tolist(), grad=z_ce.grad[0].tolist(),
        formula=((probs[0] - onehot[0]) / n).tolist(), mse_grad=z_mse.grad[0].tolist(),
        ce=ce.item(), ce0=-z[0].log_softmax(0)[target0].item(), mse=mse.item(),
    )  # fmt: skip


@dataclass(frozen=True)
class TargetRun:
    """What `nn.CrossEntropyLoss()(z, target)` did with one kind of target: the loss, or the
    error torch raised (`"RuntimeError: ..."`, torch's own words), and the loss computed by hand
    from its definition where the target is one torch reads (None otherwise)."""

    form: str
    code: str
    dtype: str
    shape: str
    tensor: str
    loss: float | None
    by_hand: float | None
    error: str | None


def _target(form: str, y: torch.Tensor, c: int) -> torch.Tensor:
    onehot = F.one_hot(y, c)
    return {"indices": y, "float": y.float(), "onehot": onehot.float(),
            "smooth": 0.9 * onehot + 0.1 / c}[form]  # fmt: skip


def target_run(form: str, logits0: Sequence[float], target0: int, n: int) -> TargetRun:
    """Hand the batch's classes to `nn.CrossEntropyLoss` as `TARGETS[form]` and keep what
    happened."""
    if form not in TARGETS:
        raise ValueError(msg("no target {form}; there are {forms}", form=repr(form),
                             forms=", ".join(TARGETS)))  # fmt: skip
    z, y = batch(logits0, target0, n)
    c = z.shape[1]
    target = _target(form, y, c)
    logp = z.log_softmax(1)
    try:
        loss, error = nn.CrossEntropyLoss()(z, target).item(), None
    except (RuntimeError, ValueError, IndexError) as err:  # torch's refusal is the lesson
        loss, error = None, f"{type(err).__name__}: {err}"
    if target.dtype == torch.int64:
        by_hand = -logp[torch.arange(n), target].mean().item()
    elif target.shape == z.shape:  # probabilities: -sum_c t * log p, averaged over the rows
        by_hand = -(target * logp).sum(1).mean().item()
    else:
        by_hand = None
    return TargetRun(form, TARGETS[form].format(c=c), str(target.dtype).removeprefix("torch."),
                     str(tuple(target.shape)), str(target), loss, by_hand, error)  # fmt: skip


def number(value: float) -> str:
    """A number as the lesson shows it: four significant digits."""
    return f"{value:.4g}"


def _grad_rule() -> str:
    """Which rule autograd's z.grad[0] follows for a seeded batch of 4 (Predict's options)."""
    z, y = batch(START[:3], 0, 4)
    z.requires_grad_()
    nn.CrossEntropyLoss()(z, y).backward()
    diff = z.softmax(1)[0].detach() - F.one_hot(y, 3)[0]
    rules = dict(zip(PREDICT_OPTIONS, (diff, diff / 4, -diff, -diff / 4), strict=True))
    return next(name for name, rule in rules.items() if torch.allclose(z.grad[0], rule, atol=1e-6))


def _float_labels() -> str:
    logits = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([0.0, 2.0, 1.0])
    try:
        return type(nn.CrossEntropyLoss()(logits, labels)).__name__
    except (RuntimeError, ValueError, TypeError) as err:
        return type(err).__name__


def _onehot_same() -> str:
    logits = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([0, 2, 1])
    criterion = nn.CrossEntropyLoss()
    same = torch.allclose(
        criterion(logits, labels), criterion(logits, F.one_hot(labels, 4).float())
    )
    return str(same)


def _grad_entry() -> str:
    z = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], requires_grad=True)
    nn.CrossEntropyLoss()(z, torch.tensor([2, 0])).backward()
    return number(z.grad[0, 2].item())


PREDICT_OPTIONS = (
    "softmax(z[0]) - onehot(y[0])", "(softmax(z[0]) - onehot(y[0])) / 4",
    "onehot(y[0]) - softmax(z[0])", "(onehot(y[0]) - softmax(z[0])) / 4",
)  # fmt: skip
PREDICT = Question("predict", PREDICT_OPTIONS, _grad_rule)
QUESTIONS = (
    Question("float_labels", ("Tensor", "RuntimeError", "ValueError", "TypeError"), _float_labels),
    Question("onehot", ("True", "False"), _onehot_same),
    Question("grad", (), _grad_entry, tolerance=1e-3),
)


def saw(run: Gradient, target: TargetRun) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the batch and the target the learner chose."""
    k = run.target
    outcome = number(target.loss) if target.loss is not None else (target.error or "").split(":")[0]
    return {
        "n": str(run.n),
        "c": str(len(run.logits)),
        "y0": str(k),
        "p": number(run.probs[k]),
        "grad": number(run.grad[k]),
        "formula": number(run.formula[k]),
        "max_diff": f"{run.max_diff:.1e}",
        "ce": number(run.ce),
        "ce0": number(run.ce0),
        "mse": number(run.mse),
        "mse_grad": number(run.mse_grad[k]),
        "target": target.code,
        "outcome": outcome,
    }
