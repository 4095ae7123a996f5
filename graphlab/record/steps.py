"""The steps a `graphlab.record.recorder.Recorder` records, and the bookkeeping of its backward pass.

>>> import torch
>>> from graphlab.record.recorder import Recorder
>>> with Recorder() as rec:
...     x = torch.tensor([1.0, 2.0], requires_grad=True)
...     y = (x * x).sum()
>>> steps = rec.backward(y)
>>> [(leaf.name, leaf.equal) for leaf in rec.leaves]
[('tensor', True)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from .values import Value, snapshot

__all__ = [
    "BackwardStep", "ForwardStep", "LeafGrad", "clone", "grad_of", "leaf_totals", "leaves",
    "root_grads",
]  # fmt: skip


@dataclass(slots=True)
class ForwardStep:
    """One forward op. `node` is the id in `Recorder.graph` of the node this op created for its
    output, `nodes` every node it created that is in the graph (a fused op such as
    cross_entropy creates several, and a leaf made with requires_grad=True counts as its leaf
    node). Where there is none, `reason` says why (see `graphlab.record.reasons`: grad mode
    off, no input requiring grad, an integer or bool output, ... or a node made off the path
    back from the output). `line` is the line of the `gl.evaluate` program that ran it."""

    index: int
    op: str
    inputs: list[Value]
    outputs: list[Value]
    args: list[str]
    grad_enabled: bool
    line: int | None = None
    node: str | None = None
    nodes: Sequence[str] = ()  # filled in by `Recorder.capture`
    reason: str | None = None  # why `nodes` is empty; OFF_PATH is set by `Recorder.capture`


@dataclass(slots=True)
class BackwardStep:
    """One node run by the backward engine. `grad_outputs`: the gradients arriving (one per
    output of the forward op); `grad_inputs`: what it sends along each input edge, to the node
    `targets[i]` of `Recorder.graph` (None where no gradient flows); `saved`: the tensors and
    values its backward formula read. For a leaf (AccumulateGrad), `grad` is its `.grad` after
    this step and `contributions` what each edge into it delivered."""

    index: int
    node: str
    name: str
    grad_outputs: list[Value | None]
    grad_inputs: list[Value | None] = field(default_factory=list)
    targets: list[str | None] = field(default_factory=list)
    saved: dict[str, Value | str] = field(default_factory=dict)
    grad: Value | None = None
    contributions: Sequence[tuple[str, int, Value | None]] = ()  # a list on leaf steps


@dataclass(slots=True)
class LeafGrad:
    """A leaf's gradient from the recorded steps (its `.grad` before backward plus every
    contribution) beside the `.grad` PyTorch left on it; `equal` when they agree."""

    node: str
    name: str
    from_steps: Value | None
    grad: Value | None
    equal: bool


def leaves(ids: dict[object, str]):
    for fn, nid in ids.items():
        if isinstance(getattr(fn, "variable", None), torch.Tensor):
            yield fn, nid


def grad_of(t: torch.Tensor) -> torch.Tensor | None:
    return t.grad if (t.is_leaf or t.retains_grad) else None


def leaf_totals(
    steps: list[BackwardStep],
    ids: dict[object, str],
    before: dict[str, torch.Tensor | None],
    sums: dict[str, torch.Tensor],
    names: dict[str, str],
    limit: int,
) -> list[LeafGrad]:
    """Each leaf's .grad before backward plus what the steps delivered, against its .grad."""
    leaf_steps = {s.node: s for s in steps if s.node in before}
    for step in leaf_steps.values():
        step.contributions = []
    for step in steps:
        for slot, (target, value) in enumerate(zip(step.targets, step.grad_inputs, strict=True)):
            if target in leaf_steps and value is not None:
                leaf_steps[target].contributions.append((step.node, slot, value))
    totals = []
    for fn, nid in leaves(ids):
        if nid not in leaf_steps:
            continue
        total, prior, actual = sums.get(nid), before.get(nid), grad_of(fn.variable)
        if total is not None and prior is not None:
            total = total + prior
        equal = (
            total is not None
            and actual is not None
            and total.shape == actual.shape
            and (
                torch.equal(total, actual)  # one kernel; usually exact (same order of sums)
                or torch.allclose(total.to(actual.dtype), actual, rtol=1e-4, atol=1e-6)
            )
        )
        # `.grad` as the leaf's own step left it: AccumulateGrad runs once per leaf.
        value = snapshot(total, limit, copy=False)
        totals.append(LeafGrad(nid, names[nid], value, leaf_steps[nid].grad, bool(equal)))
    return totals


def clone(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().clone()


def root_grads(outputs, grad_outputs) -> list[torch.Tensor]:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    return [
        torch.ones_like(o) if g is None and o.requires_grad else g
        for o, g in zip(outputs, grad_outputs, strict=True)
    ]
