"""Lesson 2, The graph: `requires_grad`, leaves and non-leaves, `grad_fn`, and why a `.grad` is
None. The questions' answers run our own fixed programs in torch; what the learner types runs in
the sandbox, and `saw` reads its reply.

>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('x', ['False', '3.0', 'False'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .checks import Question

__all__ = ["PREDICT", "PROGRAM", "QUESTIONS", "grads_after_backward", "saw"]

PROGRAM = """x = torch.tensor(2.0, requires_grad=True)
h = x * 3
y = h ** 2
y.backward()
"""


def grads_after_backward(retain: bool = False) -> list[str]:
    """The tensors of PROGRAM that hold a `.grad` after `y.backward()` (asked of torch)."""
    x = torch.tensor(2.0, requires_grad=True)
    h = x * 3
    if retain:
        h.retain_grad()
    y = h**2
    y.backward()
    named = {"x": x, "h": h, "y": y}
    return [n for n, t in named.items() if (t.is_leaf or t.retains_grad) and t.grad is not None]


def _predicted() -> str:
    held = grads_after_backward()
    return ", ".join(held) or "∅"


def _is_leaf() -> str:
    a = torch.ones(2, requires_grad=True)
    return str((a * 2).is_leaf)


def _grad_of_w() -> str:
    w = torch.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    return str(float(w.grad[0]))


def _detached() -> str:
    x = torch.ones(2, requires_grad=True)
    return str((x.detach() * 2).requires_grad)


PREDICT = Question("predict", ("x", "x, h", "x, h, y", "∅"), _predicted)
QUESTIONS = (
    Question("leaf", ("True", "False"), _is_leaf),
    Question("grad", (), _grad_of_w),
    Question("detach", ("True", "False"), _detached),
)


def saw(reply: Mapping[str, Any]) -> dict[str, str]:
    """The numbers 'What you saw' quotes, from the sandbox's reply for the learner's program:
    which tensors are leaves, which hold a `.grad`, and which lost theirs (non-leaves)."""
    tensors: Mapping[str, Mapping[str, Any]] = reply.get("tensors", {})
    leaves = [n for n, t in tensors.items() if t.get("is_leaf") and t.get("requires_grad")]
    with_grad = [n for n, t in tensors.items() if "grad" in t]
    inner = [n for n, t in tensors.items() if not t.get("is_leaf") and "grad" not in t]
    return {
        "leaves": _names(leaves),
        "with_grad": _names(with_grad),
        "no_grad": _names(inner),
        "count": str(len(tensors)),
    }


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "—"
