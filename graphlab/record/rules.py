r"""Backward rules filled in with the numbers of one recorded step.

The words and symbolic formulas live in :mod:`graphlab.record.formulas` (shared with the Expression Lab);
this module writes the same rule again with the values the step really saw: the gradient that
arrived, the tensors the op saved for backward, and what it sent back. Large tensors show as
their shape. Only numbers and fixed symbols reach the LaTeX, never a name a visitor typed.

>>> import torch
>>> from graphlab.record.recorder import Recorder
>>> with Recorder() as rec:
...     x = torch.tensor([1.0, 2.0], requires_grad=True)
...     y = (x * x).sum()
>>> steps = rec.backward(y)
>>> print(filled(steps[1])[0])
\bar a = \bar z \cdot b = [1, 1] \cdot [1, 2] = [1, 2]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .steps import BackwardStep
from .values import Value

__all__ = ["FILLERS", "filled", "tex"]

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


def filled(step: BackwardStep) -> list[str]:
    """The step's backward rule with its numbers, one LaTeX line per gradient it sent."""
    fill = FILLERS.get(step.name)
    if fill is None:
        return _generic(step)
    return [line for line in fill(_Step(step)) if line]


class _Step:
    """Short names for the parts of a step a rule reads."""

    def __init__(self, step: BackwardStep) -> None:
        self.step = step
        self.go = tex(step.grad_outputs[0]) if step.grad_outputs else tex(None)

    def saved(self, name: str) -> str:
        return tex(self.step.saved.get(name))

    def out(self, slot: int) -> str | None:
        """LaTeX of what went along edge `slot`, or None when nothing did."""
        gi = self.step.grad_inputs
        return tex(gi[slot]) if slot < len(gi) and gi[slot] is not None else None

    def line(self, slot: int, rule: str, numbers: str, spread: bool = False) -> str | None:
        """`rule = numbers = sent`; with `spread`, the numbers give each element of what was
        sent (a sum or a mean copies one number to every input element)."""
        sent = self.out(slot)
        if sent is None:
            return None
        if spread:
            return rf"{rule} = {numbers} \;\Rightarrow\; \bar a = {sent}"
        return f"{rule} = {numbers} = {sent}"


def _generic(step: BackwardStep) -> list[str]:
    s = _Step(step)
    return [f"\\bar z = {s.go}"] + [
        f"\\text{{to input {slot}}}: {s.out(slot)}"
        for slot in range(len(step.grad_inputs))
        if s.out(slot) is not None
    ]


def _accumulate(s: _Step) -> list[str | None]:
    grad = tex(s.step.grad)
    if len(s.step.contributions) > 1:
        parts = " + ".join(tex(v) for _, _, v in s.step.contributions)
        return [f"\\bar x = {parts} = {s.go}", f"x.\\mathrm{{grad}} = {grad}"]
    return [f"\\bar x = {s.go}", f"x.\\mathrm{{grad}} = {grad}"]


def _mean(s: _Step) -> list[str | None]:
    gi, go = s.step.grad_inputs, s.step.grad_outputs
    n = math.prod(gi[0].shape) // max(math.prod(go[0].shape), 1) if gi and gi[0] and go[0] else "n"
    return [s.line(0, r"\bar a_i = \frac{\bar z}{n}", rf"\frac{{{s.go}}}{{{tex(n)}}}", True)]


_Fill = Callable[[_Step], list[str | None]]
FILLERS: dict[str, _Fill] = {
    "AccumulateGrad": _accumulate,
    "MulBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z \cdot b", rf"{s.go} \cdot {s.saved('other')}"),
        s.line(1, r"\bar b = \bar z \cdot a", rf"{s.go} \cdot {s.saved('self')}"),
    ],
    "DivBackward0": lambda s: [
        s.line(0, r"\bar a = \frac{\bar z}{b}", rf"\frac{{{s.go}}}{{{s.saved('other')}}}"),
        s.line(
            1,
            r"\bar b = -\frac{\bar z\, a}{b^{2}}",
            rf"-\frac{{{s.go} \cdot {s.saved('self')}}}{{{s.saved('other')}^{{2}}}}",
        ),
    ],
    "AddBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z", s.go),
        s.line(1, r"\bar b = \alpha\, \bar z", rf"{s.saved('alpha')} \cdot {s.go}"),
    ],
    "SubBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z", s.go),
        s.line(1, r"\bar b = -\alpha\, \bar z", rf"-{s.saved('alpha')} \cdot {s.go}"),
    ],
    "RsubBackward1": lambda s: [s.line(0, r"\bar a = -\bar z", f"-{s.go}")],
    "NegBackward0": lambda s: [s.line(0, r"\bar a = -\bar z", f"-{s.go}")],
    "SumBackward0": lambda s: [s.line(0, r"\bar a_i = \bar z", s.go, spread=True)],
    "MeanBackward0": _mean,
    "PowBackward0": lambda s: [
        s.line(
            0,
            r"\bar a = \bar z \cdot p\, a^{p-1}",
            rf"{s.go} \cdot {s.saved('exponent')} \cdot {s.saved('self')}^{{{s.saved('exponent')} - 1}}",
        )
    ],
    "ExpBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z \cdot z", rf"{s.go} \cdot {s.saved('result')}")
    ],
    "LogBackward0": lambda s: [
        s.line(0, r"\bar a = \frac{\bar z}{a}", rf"\frac{{{s.go}}}{{{s.saved('self')}}}")
    ],
    "SqrtBackward0": lambda s: [
        s.line(
            0, r"\bar a = \frac{\bar z}{2 z}", rf"\frac{{{s.go}}}{{2 \cdot {s.saved('result')}}}"
        )
    ],
    "SinBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z \cdot \cos a", rf"{s.go} \cdot \cos {s.saved('self')}")
    ],
    "CosBackward0": lambda s: [
        s.line(0, r"\bar a = -\bar z \cdot \sin a", rf"-{s.go} \cdot \sin {s.saved('self')}")
    ],
    "TanhBackward0": lambda s: [
        s.line(
            0, r"\bar a = \bar z\, (1 - z^{2})", rf"{s.go} \cdot (1 - {s.saved('result')}^{{2}})"
        )
    ],
    "SigmoidBackward0": lambda s: [
        s.line(
            0,
            r"\bar a = \bar z\, z\, (1 - z)",
            rf"{s.go} \cdot {s.saved('result')} \cdot (1 - {s.saved('result')})",
        )
    ],
    "ReluBackward0": lambda s: [
        s.line(
            0,
            r"\bar a = \bar z \cdot \mathbf{1}[z > 0]",
            rf"{s.go} \cdot \mathbf{{1}}[{s.saved('result')} > 0]",
        )
    ],
    "MmBackward0": lambda s: [
        s.line(0, r"\bar A = \bar Z\, B^{\top}", rf"{s.go}\, {s.saved('mat2')}^{{\top}}"),
        s.line(1, r"\bar B = A^{\top} \bar Z", rf"{s.saved('self')}^{{\top}}\, {s.go}"),
    ],
    "MvBackward0": lambda s: [
        s.line(0, r"\bar A = \bar z\, v^{\top}", rf"{s.go}\, {s.saved('vec')}^{{\top}}"),
        s.line(1, r"\bar v = A^{\top} \bar z", rf"{s.saved('self')}^{{\top}}\, {s.go}"),
    ],
    "DotBackward0": lambda s: [
        s.line(0, r"\bar a = \bar z\, b", rf"{s.go} \cdot {s.saved('tensor')}"),
        s.line(1, r"\bar b = \bar z\, a", rf"{s.go} \cdot {s.saved('self')}"),
    ],
    "AddmmBackward0": lambda s: [
        s.line(
            0,
            r"\bar C = \beta \textstyle\sum_{\text{batch}} \bar Z",
            rf"{s.saved('beta')} \cdot \textstyle\sum {s.go}",
        ),
        s.line(
            1,
            r"\bar A = \alpha\, \bar Z B^{\top}",
            rf"{s.saved('alpha')} \cdot {s.go}\, {s.saved('mat2')}^{{\top}}",
        ),
        s.line(
            2,
            r"\bar B = \alpha\, A^{\top} \bar Z",
            rf"{s.saved('alpha')} \cdot {s.saved('mat1')}^{{\top}} {s.go}",
        ),
    ],
}
