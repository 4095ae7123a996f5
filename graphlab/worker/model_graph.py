"""Model Graph's work on a visitor's spec, done in the worker: plan it, build it, capture it.

The request's source is the JSON text ``{"spec": ..., "graph": "captured" | "traced" | null}``.
The reply holds the plan's figures (each layer's output shape, parameter and activation counts)
and, when asked, the graph of one forward pass: autograd's (``captured``) or the ops it ran in
inference (``traced``). A spec that cannot be built comes back as its ``SpecError`` (the layer,
the layer type and the sentence), so the page says exactly what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import torch

from graphlab import models
from graphlab.core.graph import Graph
from graphlab.core.messages import msg
from graphlab.record.forward import trace_forward

from .protocol import failure

__all__ = ["GRAPHS", "model_reply", "model_request"]

GRAPHS = ("captured", "traced")


def model_request(spec: object, graph: str | None) -> str:
    """The source of a ``"model"`` request (canonical JSON: equal specs, equal requests)."""
    return json.dumps({"spec": spec, "graph": graph}, sort_keys=True)


def model_reply(source: object, limits: object = None) -> dict[str, Any]:
    """``{"ok": True, "plan": {...}, "graph": {...}}``, ``{"ok": False, "spec_error": ...}``."""
    try:
        request = json.loads(source) if isinstance(source, str) else None
    except ValueError:
        request = None
    if not isinstance(request, dict) or request.get("graph") not in (*GRAPHS, None):
        return failure(msg("a model request is a spec and which graph to draw"))
    spec = request.get("spec")
    try:
        plan = models.plan(spec)
    except models.SpecError as err:
        reply = failure(err.full_text)
        reply["spec_error"] = {"text": err.text.to_dict(), "layer": err.layer, "kind": err.kind}
        return reply
    reply: dict[str, Any] = {"ok": True, "plan": plan.figures().to_dict()}
    if request["graph"] is not None:
        reply["graph"] = _graph(spec, request["graph"]).to_dict()  # type: ignore[arg-type]
    return reply


def _graph(spec: dict, which: str) -> Graph:
    if which == "captured":
        return models.graph(spec)
    # The same seeded build and input as `models.graph`, in inference: eval mode, no grad.
    model = models.build(spec).eval()
    x = torch.randn(tuple(spec["input"]), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return trace_forward(model, x)
