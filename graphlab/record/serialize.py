"""A recording (:class:`graphlab.record.Recorder`) as plain, strict-JSON data.

This is what the Step Through view reads, whether the recording was made in the server (a
gallery example) or in the sandbox worker (a visitor's program).
"""

from __future__ import annotations

from typing import Any

from .recorder import Recorder
from .rules import filled
from .steps import BackwardStep, ForwardStep
from .values import to_plain

__all__ = ["to_data"]


def to_data(rec: Recorder, *, title: str = "", source: str | None = None, note=None) -> dict:
    """A recording as plain data: the graph, the forward and backward steps, leaf totals."""
    return {
        "ok": True,
        "title": title,
        "source": source,
        "note": note,
        "graph": rec.graph.to_dict() if rec.graph is not None else None,
        "forward": [_forward(s) for s in rec.forward],
        "backward": [_backward(s) for s in rec.backward_steps],
        "leaves": [
            {
                "node": leaf.node,
                "name": leaf.name,
                "from_steps": to_plain(leaf.from_steps),
                "grad": to_plain(leaf.grad),
                "equal": leaf.equal,
            }
            for leaf in rec.leaves
        ],
    }


def _forward(s: ForwardStep) -> dict[str, Any]:
    return {
        "index": s.index,
        "op": s.op,
        "node": s.node,
        "nodes": list(s.nodes),
        "line": s.line,
        "grad_enabled": s.grad_enabled,
        "reason": s.reason,
        "args": s.args,
        "inputs": [to_plain(v) for v in s.inputs],
        "outputs": [to_plain(v) for v in s.outputs],
    }


def _backward(s: BackwardStep) -> dict[str, Any]:
    return {
        "index": s.index,
        "node": s.node,
        "name": s.name,
        "grad_outputs": [to_plain(v) for v in s.grad_outputs],
        "grad_inputs": [to_plain(v) for v in s.grad_inputs],
        "targets": list(s.targets),
        "saved": {k: v if isinstance(v, str) else to_plain(v) for k, v in s.saved.items()},
        "grad": to_plain(s.grad),
        "contributions": [
            {"node": node, "slot": slot, "value": to_plain(v)} for node, slot, v in s.contributions
        ],
        "filled": filled(s),
    }
