r"""LaTeX for recorded values, and the `Rule` type: a backward formula that a recorded step's
numbers fill in (the rules themselves are in `graphlab.record.rules`). A rule is written again
with the values the step really saw: the gradient that arrived, the tensors the op saved for
backward, and what it sent back. Large tensors show as their shape. Only numbers and fixed
symbols reach the LaTeX, never a name a visitor typed.

>>> import torch
>>> from .recorder import Recorder
>>> from .rules import filled
>>> with Recorder() as rec:
...     x = torch.tensor([1.0, 2.0], requires_grad=True)
...     y = (x * x).sum()
>>> steps = rec.backward(y)
>>> print(filled(steps[1])[0])
\bar a = \bar z \cdot b = [1, 1] \cdot [1, 2] = [1, 2]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from string import Template

import torch

from .steps import BackwardStep
from .values import Value

__all__ = ["Fill", "Rule", "StepTex", "accumulate", "each", "generic", "tex"]

MAX_SHOWN = 8  # tensors with more elements show as their shape


def tex(value: Value | str | float | None) -> str:
    """LaTeX for a value: a number, a short vector, a small matrix, or the tensor's shape."""
    if value is None:
        return r"\text{—}"
    if isinstance(value, (int, float)):
        return _number(float(value))
    if isinstance(value, str):
        try:
            return _number(float(value))
        except ValueError:
            pass
        return r"\text{" + "".join(c for c in value if c.isalnum() or c in " .,-()") + "}"
    t = value.tensor
    shape = r"{\times}".join(map(str, value.shape))
    if t is None or t.numel() > MAX_SHOWN or t.dim() > 2 or t.is_complex():
        return rf"\text{{tensor }}{shape}" if shape else r"\text{scalar}"
    if t.dtype == torch.bool:
        t = t.long()
    if t.dim() == 0:
        return _number(t.item())
    if t.dim() == 1:
        return "[" + ", ".join(_number(v) for v in t.tolist()) + "]"
    rows = r" \\ ".join(" & ".join(_number(v) for v in row) for row in t.tolist())
    return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"


def _number(v: float) -> str:
    if v != v:
        return r"\text{nan}"
    if v in (float("inf"), float("-inf")):
        return r"\infty" if v > 0 else r"-\infty"
    return f"{v:.4g}".replace("e", r"\mathrm{e}")


class StepTex:
    """The parts of one recorded step a rule reads, as LaTeX; a filler's template names them:
    ``$go`` the gradient that arrived, ``$n`` how many input elements share each output
    element (a mean divides by it), any other name a value the node saved for backward."""

    def __init__(self, step: BackwardStep) -> None:
        self.step = step
        self.go = tex(step.grad_outputs[0]) if step.grad_outputs else tex(None)

    def __getitem__(self, name: str) -> str:
        if name == "go":
            return self.go
        if name == "n":
            return tex(self._shared())
        return tex(self.step.saved.get(name))

    def _shared(self) -> int | str:
        gi, go = self.step.grad_inputs, self.step.grad_outputs
        if not (gi and gi[0] and go and go[0]):
            return "n"
        return math.prod(gi[0].shape) // max(math.prod(go[0].shape), 1)

    def out(self, slot: int) -> str | None:
        """What went along edge `slot`, or None when nothing did."""
        gi = self.step.grad_inputs
        return tex(gi[slot]) if slot < len(gi) and gi[slot] is not None else None

    def line(self, slot: int, part: str, numbers: str, spread: bool = False) -> str | None:
        """`part = numbers = sent`; with `spread`, the numbers give each element of what was
        sent (a sum or a mean copies one number to every input element)."""
        sent = self.out(slot)
        if sent is None:
            return None
        if spread:
            return rf"{part} = {numbers} \;\Rightarrow\; \bar a = {sent}"
        return f"{part} = {numbers} = {sent}"


# A rule's filler: given the step and the rule's backward formula cut into one part per input
# edge, the lines to show (None for an edge that carried nothing).
Fill = Callable[[StepTex, Sequence[str]], list[str | None]]


def each(*numbers: str, spread: bool = False) -> Fill:
    """A filler that writes each part of the formula again with the step's numbers, one
    `string.Template` per part (see `StepTex` for the names)."""
    templates = [Template(n) for n in numbers]

    def fill(s: StepTex, parts: Sequence[str]) -> list[str | None]:
        pairs = enumerate(zip(parts, templates, strict=True))
        return [s.line(i, p, t.substitute(s), spread) for i, (p, t) in pairs]

    return fill


def accumulate(s: StepTex, parts: Sequence[str]) -> list[str | None]:
    """A leaf shows what arrived (the sum of its edges when several met) and its `.grad`."""
    grad = tex(s.step.grad)
    if len(s.step.contributions) > 1:
        summed = " + ".join(tex(v) for _, _, v in s.step.contributions)
        return [f"\\bar x = {summed} = {s.go}", f"x.\\mathrm{{grad}} = {grad}"]
    return [f"\\bar x = {s.go}", f"x.\\mathrm{{grad}} = {grad}"]


def generic(step: BackwardStep) -> list[str]:
    """Lines for a node without a filler: what arrived and what went along each edge."""
    s = StepTex(step)
    return [f"\\bar z = {s.go}"] + [
        f"\\text{{to input {slot}}}: {s.out(slot)}"
        for slot in range(len(step.grad_inputs))
        if s.out(slot) is not None
    ]


# A rule joins its inputs' formulas with ", \qquad" (or ", \quad"), so that is where a step's
# numbers are cut apart: one formula per input edge, in the node's edge order.
_EDGES = re.compile(r",\s*\\q?quad\s*")


@dataclass(frozen=True)
class Rule:
    """What a node computed (``forward``), what it sends back (``backward``), and why; ``fill``
    writes ``backward`` again with a recorded step's numbers (None: no numbers for this op)."""

    forward: str
    backward: str
    words: str
    fill: Fill | None = None

    @property
    def parts(self) -> list[str]:
        """``backward`` cut into one formula per input edge, in the node's edge order."""
        return _EDGES.split(self.backward)

    def lines(self, step: BackwardStep) -> list[str]:
        """The rule with `step`'s numbers, one LaTeX line per gradient it sent."""
        if self.fill is None:
            return generic(step)
        return [line for line in self.fill(StepTex(step), self.parts) if line]
