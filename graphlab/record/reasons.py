"""Why a forward op has no node in the captured graph, decided as PyTorch decides it.

An op records a backward node only when grad mode is on, one of its inputs requires grad, and
its output can carry a gradient (a floating-point or complex tensor). Even then the node is in
the captured graph only when the output's history reaches it. :func:`no_node_reason` names the
first of these that fails for an op that made no node; `Recorder.capture` adds `OFF_PATH` for
an op whose node was made but is not on the path back from the output.

>>> import torch
>>> x = torch.tensor([1.0, -2.0], requires_grad=True)
>>> no_node_reason(True, [x], [x > 0]), no_node_reason(True, [x], [x.detach()])
('not_differentiable', 'cut')
>>> with torch.no_grad():
...     no_node_reason(torch.is_grad_enabled(), [x], [x * 2])
'no_grad'
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = [
    "CUT", "FACTORY", "NOT_DIFFERENTIABLE", "NO_GRAD", "NO_INPUT", "OFF_PATH", "REASONS",
    "UNCHANGED", "differentiable", "no_node_reason",
]  # fmt: skip

NO_GRAD = "no_grad"  # grad mode was off: torch.no_grad(), inference_mode, a model's init
FACTORY = "factory"  # no tensor input at all: torch.tensor, torch.zeros, torch.arange, ...
NO_INPUT = "no_input"  # tensor inputs, none requires grad (constants, detached tensors)
NOT_DIFFERENTIABLE = "not_differentiable"  # integer or bool outputs: x > 0, argmax, ...
UNCHANGED = "unchanged"  # returned a tensor that already existed: x.float() of a float x, ...
CUT = "cut"  # an input requires grad, the output does not: detach, zeros_like, ...
OFF_PATH = "off_path"  # made a node, but the output's history does not reach it
REASONS = (NO_GRAD, FACTORY, NO_INPUT, NOT_DIFFERENTIABLE, UNCHANGED, CUT, OFF_PATH)


def differentiable(t: torch.Tensor) -> bool:
    """Whether `t` can require grad at all: only floating-point and complex tensors can."""
    return t.is_floating_point() or t.is_complex()


def no_node_reason(
    grad_enabled: bool, inputs: Sequence[torch.Tensor], outputs: Sequence[torch.Tensor]
) -> str:
    """Why an op that made no autograd node made none, given the grad mode it ran in, its tensor
    inputs and its tensor outputs (taken right after it ran)."""
    if not grad_enabled:
        return NO_GRAD
    if not inputs:
        return FACTORY
    if not any(t.requires_grad for t in inputs):
        return NO_INPUT
    if not any(differentiable(t) for t in outputs):
        return NOT_DIFFERENTIABLE
    if any(t.requires_grad for t in outputs):
        return UNCHANGED
    return CUT
