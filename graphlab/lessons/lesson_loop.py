"""Lesson 12, The training loop: its five lines on one real MNIST batch with the MNIST MLP, run by
torch one line at a time (what each line changed), and the same loop with one line left out.

Every run starts from the same model (seeded) on the same batch (the first `BATCH` training
images), so a run is a function of its settings alone.

>>> frames = walk(2)
>>> [f.line for f in frames]
['zero_grad', 'forward', 'loss', 'backward', 'step']
>>> frames[0].grads["6.bias"], frames[3].grads["6.bias"], frames[2].loss is not None
('None', 'filled', True)
>>> run = run_lines(without("backward"))
>>> run.grad_norms[1:], sum(run.moved[1:]), verdict(run)
([None, None, None, None, None], 0.0, 'no_grad')
>>> PREDICT.answer(), QUESTIONS[0].answer(), QUESTIONS[2].answer()
('0', 'None', 'False')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from graphlab.core.messages import msg
from graphlab.core.modules import track_modules
from graphlab.data import load_mnist
from graphlab.models import BUILTINS, build_model
from graphlab.record.recorder import Recorder
from graphlab.record.serialize import to_data
from graphlab.render.frames import Frame

from .checks import Question

__all__ = [
    "BATCH", "CODE", "LINES", "LR", "MAX_ITERATION", "PREDICT", "QUESTIONS", "STEPS", "Run",
    "Snapshot", "batch", "frame_of", "number", "recording", "run_lines", "saw", "short_error",
    "verdict", "walk", "without",
]  # fmt: skip

BATCH, LR, STEPS, SEED, MODEL = 32, 0.1, 6, 0, "mlp"
MAX_ITERATION = 3  # Play steps through the first, second or third pass of the loop
LINES = ("zero_grad", "forward", "loss", "backward", "step")
CODE = {
    "zero_grad": "optimizer.zero_grad()",
    "forward": "output = model(images)",
    "loss": "loss = F.cross_entropy(output, labels)",
    "backward": "loss.backward()",
    "step": "optimizer.step()",
}


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """The batch every run trains on: the first `BATCH` MNIST training images and labels."""
    images, labels = load_mnist("train", copy=False)  # shared, read-only: we copy our slice
    return images[:BATCH].clone(), labels[:BATCH].clone()  # (32, 1, 28, 28), (32,)


@dataclass
class _Loop:
    """The variables of the learner's loop: a left-out line leaves its variable as it was."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    images: torch.Tensor
    labels: torch.Tensor
    set_to_none: bool = True
    output: torch.Tensor | None = None
    loss: torch.Tensor | None = None

    def run(self, line: str) -> None:
        if line == "zero_grad":
            self.optimizer.zero_grad(set_to_none=self.set_to_none)
        elif line == "forward":
            self.output = self.model(self.images)
        elif line == "loss":
            self.loss = F.cross_entropy(self.output, self.labels)
        elif line == "backward":
            self.loss.backward()
        else:
            self.optimizer.step()

    def flat(self) -> torch.Tensor:
        return torch.cat([p.detach().flatten() for p in self.model.parameters()])

    def grad_norm(self) -> float | None:
        """The norm of every `.grad` together; None when every `.grad` is None."""
        grads = [p.grad.flatten() for p in self.model.parameters() if p.grad is not None]
        return torch.cat(grads).norm().item() if grads else None


def _loop(set_to_none: bool = True) -> _Loop:
    model = build_model(MODEL, torch.Generator().manual_seed(SEED))
    images, labels = batch()
    return _Loop(model, torch.optim.SGD(model.parameters(), lr=LR), images, labels, set_to_none)


@dataclass(frozen=True)
class Snapshot:
    """The loop right after `line` ran in pass `iteration`: each parameter's `.grad` ("None",
    "zeros" or "filled") and norm, the loss and output shape (None until this pass computed
    them), each parameter's first entry, and the norm of the change of all of them this pass."""

    iteration: int
    line: str
    grads: dict[str, str]
    grad_norms: dict[str, float | None]
    loss: float | None
    output: tuple[int, ...] | None
    first: dict[str, float]
    moved: float


def walk(iteration: int, set_to_none: bool = True) -> tuple[Snapshot, ...]:
    """Run `iteration - 1` whole passes, then pass `iteration` line by line: what each line left.
    ValueError for a pass Play does not show."""
    if not (isinstance(iteration, int) and 1 <= iteration <= MAX_ITERATION):
        raise ValueError(msg("the pass must be a whole number from 1 to {most}, not {given}",
                             most=MAX_ITERATION, given=repr(iteration)))  # fmt: skip
    loop = _loop(set_to_none)
    for _ in range(iteration - 1):
        for line in LINES:
            loop.run(line)
    start, shots = loop.flat().clone(), []
    loop.output = loop.loss = None  # this pass has computed nothing yet
    for line in LINES:
        loop.run(line)
        shots.append(_snapshot(loop, iteration, line, start))
    return tuple(shots)


def _snapshot(loop: _Loop, iteration: int, line: str, start: torch.Tensor) -> Snapshot:
    named = dict(loop.model.named_parameters())
    grads = {n: p.grad for n, p in named.items()}
    return Snapshot(
        iteration, line,
        grads={n: "None" if g is None else "zeros" if not g.any() else "filled"
               for n, g in grads.items()},
        grad_norms={n: None if g is None else g.norm().item() for n, g in grads.items()},
        loss=None if loop.loss is None else loop.loss.item(),
        output=None if loop.output is None else tuple(loop.output.shape),
        first={n: p.detach().flatten()[0].item() for n, p in named.items()},
        moved=(loop.flat() - start).norm().item(),
    )  # fmt: skip


@dataclass
class Run:
    """`STEPS` passes on the batch: the first runs all five lines, the rest run `body`. Per pass:
    the loss, the norm of `.grad` when `step()` ran (or where it would have), the norm of the
    gradient of that pass's own loss, and how far the parameters moved. A pass that raised
    ends the run: `error` is torch's message and `error_step` that pass (1-based)."""

    body: tuple[str, ...]
    losses: list[float] = field(default_factory=list)
    grad_norms: list[float | None] = field(default_factory=list)
    own_norms: list[float] = field(default_factory=list)
    moved: list[float] = field(default_factory=list)
    error: str | None = None
    error_step: int | None = None

    @property
    def left_out(self) -> tuple[str, ...]:
        return tuple(line for line in LINES if line not in self.body)


def without(line: str | None) -> tuple[str, ...]:
    """The loop's lines with `line` left out (all five for None); ValueError for no such line."""
    if line is not None and line not in LINES:
        raise ValueError(msg("there is no line {line}; the lines are {lines}",
                             line=repr(line), lines=", ".join(LINES)))  # fmt: skip
    return tuple(x for x in LINES if x != line)


def run_lines(body: Sequence[str], first: Sequence[str] = LINES, steps: int = STEPS) -> Run:
    """Pass 1 runs `first`, passes 2 to `steps` run `body`, in that order, on a fresh model."""
    loop, run = _loop(), Run(tuple(body))
    for k in range(steps):
        before, lines, held = loop.flat().clone(), first if k == 0 else body, None
        own = _own_gradient_norm(loop.model, loop.images, loop.labels)
        try:
            for line in lines:
                if line == "step":
                    held = loop.grad_norm()
                loop.run(line)
        except RuntimeError as err:  # e.g. backward through a graph already freed
            run.error, run.error_step = str(err), k + 1
            return run
        run.losses.append(loop.loss.item())
        run.grad_norms.append(held if "step" in lines else loop.grad_norm())
        run.own_norms.append(own)
        run.moved.append((loop.flat() - before).norm().item())
    return run


def _own_gradient_norm(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    # What a correct pass would step with: the gradient of this pass's loss alone, computed
    # beside the loop (autograd.grad adds into no .grad).
    grads = torch.autograd.grad(F.cross_entropy(model(images), labels), list(model.parameters()))
    return torch.cat([g.flatten() for g in grads]).norm().item()


def verdict(run: Run) -> str:
    """What went wrong, read from the numbers: "error", "no_grad" (nothing moved and every
    `.grad` was None), "no_step" (nothing moved though `.grad` was filled), "accumulates" (`.grad`
    grew past the pass's own gradient), "learns" (the loss went down) or "stuck"."""
    if run.error is not None:
        return "error"
    if all(m == 0 for m in run.moved[1:]):
        return "no_grad" if all(g is None for g in run.grad_norms[1:]) else "no_step"
    if run.grad_norms[-1] is not None and run.grad_norms[-1] > 1.5 * run.own_norms[-1]:
        return "accumulates"
    return "learns" if run.losses[-1] < run.losses[0] else "stuck"


def recording() -> dict:
    """The first pass's forward, loss and backward, recorded as Step Through records them."""
    loop = _loop()
    with Recorder() as rec, track_modules(loop.model):
        loss = F.cross_entropy(loop.model(loop.images), loop.labels)
    rec.backward(loss, params={"images": loop.images, "loss": loss}, model=loop.model)
    return to_data(rec, title=BUILTINS[MODEL].title)


def frame_of(line: str, data: dict) -> Frame | None:
    """The Step Through frame of the graph as `line` left it (the forward pass, the loss, the
    leaves holding `.grad`); None for zero_grad and step, which touch no graph."""
    steps = [s["index"] for s in data["forward"] if s["nodes"]]
    ops = [s["index"] for s in data["forward"] if s["nodes"] and s["op"] != "F.cross_entropy"]
    return {"forward": Frame("forward", ops[-1]), "loss": Frame("forward", steps[-1]),
            "backward": Frame("final")}.get(line)  # fmt: skip


def number(value: float | None) -> str:
    """A number as the lesson shows it (four significant digits); None as `None`."""
    return "None" if value is None else f"{value:.4g}"


def _frozen_without_backward() -> str:
    run = run_lines(without("backward"))
    return "RuntimeError" if run.error else "0" if sum(run.moved[1:]) == 0 else "> 0"


def _after_zero_grad() -> str:
    state = walk(2)[0].grads["6.bias"]  # after zero_grad, in a pass where .grad was filled
    return {"None": "None", "zeros": "torch.zeros(10)"}.get(state, "RuntimeError")


def _first_loss() -> str:
    return number(walk(1)[2].loss)


def _misplaced() -> str:
    order = ("forward", "loss", "backward", "zero_grad", "step")
    run = run_lines(order, first=order)
    return str(run.losses[-1] < run.losses[0])


PREDICT = Question("predict", ("RuntimeError", "0", "> 0"), _frozen_without_backward)
QUESTIONS = (
    Question("zeroed", ("None", "torch.zeros(10)", "RuntimeError"), _after_zero_grad),
    Question("loss1", (), _first_loss, tolerance=1e-3),
    Question("order", ("True", "False"), _misplaced),
)


def saw(shots: Sequence[Snapshot], run: Run) -> dict[str, str]:
    """The numbers 'What you saw' quotes: the pass stepped through and the run with a line out."""
    after_zero, after_backward, after_step = shots[0], shots[3], shots[4]
    total = (sum(v**2 for v in after_backward.grad_norms.values() if v is not None)) ** 0.5
    return {
        "iteration": str(after_step.iteration),
        "loss": number(after_step.loss),
        "zeroed": after_zero.grads["6.bias"],
        "bias_norm": number(after_backward.grad_norms["6.bias"]),
        "grad_norm": number(total),
        "lr": f"{LR:g}",
        "moved": number(after_step.moved),
        "left_out": ", ".join(CODE[x] for x in run.left_out) or "None",
        "losses": _numbers(run.losses),
        "norms": _numbers(run.grad_norms),
        "own": _numbers(run.own_norms),
        "moves": _numbers(run.moved),
        "error": short_error(run.error),
        "steps": str(STEPS),
    }


def _numbers(values: Sequence[float | None]) -> str:
    return "[" + ", ".join(number(v) for v in values) + "]"


def short_error(error: str | None) -> str:
    """Torch's message up to its first parenthesis or full stop (its first clause)."""
    return "None" if error is None else error.split(" (")[0].split(". ")[0]
