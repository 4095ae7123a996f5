"""Model Graph's plan and graph of a visitor's spec: made by a sandbox worker, kept for everyone.

The server never builds a visitor's model. A ``"model"`` request (:mod:`graphlab.worker.model_graph`)
plans, builds and captures it in a worker, under the pool's wait and time limit; what comes back
is plain data of a bounded size (the plan's op budget bounds the graph). A spec and a choice of
graph always give the same answer, so answers are kept for every visitor in one bounded cache
(module level: no visitor can clear it), by the size of their graphs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import graphlab as gl
from graphlab.core.cache import BoundedCache
from graphlab.core.messages import Message
from graphlab.models import PlanFigures, SpecError
from graphlab.worker.model_graph import model_request
from widgets import worker_wait

# Nodes and edges of the graphs kept: about six of the biggest a spec may describe (ResNet-152:
# ~10,000 nodes), a few MB each.
SHARED: BoundedCache[Made] = BoundedCache(max_entries=64, max_cost=120_000)


@dataclasses.dataclass(frozen=True)
class Made:
    """What the worker made of a spec: its plan and graph, or the spec's error, or a refusal
    (``failure``: the worker's reply, e.g. busy or past the time limit)."""

    plan: PlanFigures | None = None
    graph: gl.Graph | None = None
    error: SpecError | None = None
    failure: dict[str, Any] | None = None


def made(spec: object, forward: bool, slot: Any) -> Made:
    """The plan and graph of ``spec`` (the forward trace with ``forward``), waiting in ``slot``."""
    source = model_request(spec, "traced" if forward else "captured")
    kept = SHARED.get(source)
    if kept is not None:
        return kept
    reply = worker_wait.run(source, kind="model", slot=slot)
    result = _made(reply)
    if result.failure is None:  # a refusal or a timeout is not the spec's answer: not kept
        nodes = len(result.graph.nodes) + len(result.graph.edges) if result.graph else 0
        SHARED.put(source, result, cost=1 + nodes)
    return result


def _made(reply: dict[str, Any]) -> Made:
    if reply.get("ok"):
        return Made(PlanFigures.from_dict(reply["plan"]), gl.Graph.from_dict(reply["graph"]))
    found = reply.get("spec_error")
    if isinstance(found, dict):
        layer, kind = found.get("layer"), found.get("kind")
        text = Message.from_dict(found["text"])
        return Made(error=SpecError(text, layer if isinstance(layer, int) else None, kind))
    return Made(failure=reply)
