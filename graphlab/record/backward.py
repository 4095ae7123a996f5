"""The hooked backward pass of `graphlab.record.recorder.Recorder`: one hook per autograd node.

A node's hook (`Node.register_hook`) runs right after the engine has run that node and sees
both what arrived (`grad_outputs`) and what leaves along each input edge (`grad_inputs`), so the
order of the calls is the engine's real execution order. What a node saved for backward is read
before the pass starts, because the engine frees it as soon as the node has run.

>>> import torch
>>> from graphlab.core.walk import capture_ids
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x).sum()
>>> graph, ids = capture_ids(y)
>>> hooked = HookedPass(graph, ids, saved={}, limit=64)
>>> steps = hooked.run([y], [torch.tensor(1.0)])
>>> [s.name for s in steps], hooked.sums["n2"].tolist()
(['SumBackward0', 'MulBackward0', 'AccumulateGrad'], [2.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from graphlab.core.graph import Graph

from .steps import BackwardStep, clone, grad_of, leaves
from .values import Value, snapshot

__all__ = ["HookedPass"]


class HookedPass:
    """Runs one backward pass over the nodes of `ids` (autograd node -> id in `graph`) with a
    hook on each; `saved` holds what each node saved for backward, read before the pass.

    After `run`: `steps` in the engine's order, `before` (each leaf's `.grad` before the pass,
    copied) and `sums` (each leaf's contributions, added up in full)."""

    def __init__(
        self,
        graph: Graph,
        ids: dict[object, str],
        saved: Mapping[object, dict[str, Value | str]],
        limit: int,
    ) -> None:
        self.ids, self.saved, self.limit = ids, saved, limit
        self.steps: list[BackwardStep] = []
        self.leaf_tensors = {fn: fn.variable for fn, _ in leaves(ids)}
        self.before = {nid: clone(grad_of(fn.variable)) for fn, nid in leaves(ids)}
        self.sums: dict[str, torch.Tensor] = {}
        self.values: dict[int, tuple[torch.Tensor, Value]] = {}  # id(gradient) -> its snapshot
        # Per node, worked out once here and not per call: where each input edge leads (None:
        # no edge), and the (slot, leaf) pairs of the edges that end at a leaf.
        self.targets: dict[str, list[str | None]] = {}
        self.to_leaves: dict[str, list[tuple[int, str]]] = {}
        for src, dst, slot, kind, _ in graph.edges:
            if kind != "data":
                continue
            targets = self.targets.setdefault(dst, [])
            if len(targets) <= slot:
                targets.extend([None] * (slot + 1 - len(targets)))
            targets[slot] = src
            if src in self.before:
                self.to_leaves.setdefault(dst, []).append((slot, src))

    def run(self, outputs: list[torch.Tensor], grads: list[torch.Tensor], retain_graph=False):
        """Hook every node, run the real backward pass, remove the hooks (also when it raises)."""
        handles = []
        try:
            for fn, nid in self.ids.items():
                handles.append(fn.register_hook(self._hook(fn, nid)))
            torch.autograd.backward(outputs, grads, retain_graph=retain_graph)
        finally:
            for h in handles:
                h.remove()
        return self.steps

    def _hook(self, fn, nid: str):
        steps, sums, limit, value = self.steps, self.sums, self.limit, self._value
        saved = self.saved.get(fn) or {}
        slots = self.targets.get(nid) or []
        to_leaves = self.to_leaves.get(nid, ())
        leaf = self.leaf_tensors.get(fn)
        name = type(fn).__name__

        def hook(grad_inputs, grad_outputs):
            targets = slots
            if len(targets) < len(grad_inputs):  # trailing inputs that need no gradient
                targets = targets + [None] * (len(grad_inputs) - len(targets))
            step = BackwardStep(
                len(steps),
                nid,
                name,
                [value(g) for g in grad_outputs],
                [value(g) for g in grad_inputs],
                targets,
                saved,
            )
            steps.append(step)
            for slot, target in to_leaves:
                g = grad_inputs[slot]
                if g is not None:
                    total = sums.get(target)
                    sums[target] = g if total is None else total + g
            if leaf is not None:
                step.grad = snapshot(grad_of(leaf), limit)

        return hook

    def _value(self, g: torch.Tensor | None) -> Value | None:
        """A snapshot of gradient `g`, shared by the node that sent it and the one it reaches.

        Not copied: the engine never changes a gradient in place while another reference to it
        exists (it accumulates in place only into its own buffers). Small gradients are held
        by their snapshot anyway, so holding them here until the pass ends costs nothing.
        """
        if g is None:
            return None
        known = self.values.get(id(g))
        if known is not None and known[0] is g:
            return known[1]
        value = snapshot(g, self.limit, copy=False)
        if value.tensor is not None:
            self.values[id(g)] = (g, value)
        return value
