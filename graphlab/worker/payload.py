"""What the sandbox worker sends back for a program that ran: plain, strict-JSON data.

Runs in the worker process (:mod:`graphlab.worker`), never in the server: it touches the
visitor's tensors. The reply holds each named tensor (value or statistics, gradient), the graph
as plain data, which graph node produced which variable, and whether gradients were computed.

>>> from graphlab.sandbox import evaluate
>>> reply = build_payload(evaluate("x = torch.ones(2, requires_grad=True)\\ny = (x * x).sum()"))
>>> reply["backward"], reply["tensors"]["x"]["grad"]["value"], reply["names"]["o0"]
('auto', [2.0, 2.0], 'y')
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.graph import get_gradient_edge

from graphlab.core.messages import msg
from graphlab.core.summary import MAX_NODES, summarize_mapped
from graphlab.core.tensors import tensor_summary
from graphlab.core.walk import capture_ids

__all__ = ["REPLY_NODES", "build_payload", "node_names", "ran_backward"]

# Graphs up to this many nodes travel whole; a bigger one (a 20,000-op program's reply was 8 MB
# and never drew) is summarized here, in the worker, to what a page draws.
REPLY_NODES = 2_000


def build_payload(evaluation: Any) -> dict[str, Any]:
    """The reply for a successful evaluation: tensors, and the graph as JSON (pages draw it).

    The graph is captured from the last assigned tensor, with every named tensor as a parameter
    name, so leaves show as the variables the visitor typed. Then, if the program did not call
    ``.backward()`` itself and that tensor is a scalar that requires grad, backward runs here
    (``"backward": "auto"``) so the page can show gradients; ``"program"`` when the program
    computed them, None when there are none.
    """
    named = evaluation.tensors
    payload: dict[str, Any] = {"ok": True, "lines": evaluation.lines, "backward": None}
    output = evaluation.output
    if output is not None:
        graph, ids = capture_ids(output, params=dict(named))
        names = node_names(ids, output, named)
        if len(graph.nodes) > REPLY_NODES:
            payload["summary"] = msg(
                "This graph has {n:,} nodes: it is shown summarized to at most {most} (long "
                "chains and repeated steps folded into one box each).",
                n=len(graph.nodes), most=MAX_NODES,
            ).to_dict()  # fmt: skip
            graph, shown_as = summarize_mapped(graph, MAX_NODES)
            names = {nid: name for nid, name in names.items() if shown_as.get(nid) == nid}
        payload["graph"] = graph.to_dict()
        payload["names"] = names
        payload["output"] = evaluation.output_name
        payload["backward"] = _backward(output, named)
    payload["tensors"] = {name: tensor_summary(t) for name, t in named.items()}
    return payload


def ran_backward(named: dict[str, torch.Tensor]) -> bool:
    """Whether the program ran backward itself: a named leaf already holds a gradient."""
    return any(t.is_leaf and t.grad is not None for t in named.values())


def _backward(output: torch.Tensor, named: dict[str, torch.Tensor]) -> str | None:
    """Run ``output.backward()`` unless the program already did; say where grads came from."""
    if ran_backward(named):
        return "program"
    if output.numel() != 1 or output.grad_fn is None or not output.is_floating_point():
        return None
    try:
        output.backward()
    except RuntimeError:  # e.g. the program freed this graph with its own backward of a part
        return None
    return "auto"


def node_names(
    ids: dict[object, str], output: torch.Tensor, named: dict[str, torch.Tensor]
) -> dict[str, str]:
    """Graph node id -> the variable holding the tensor that node produced (or accumulates),
    from `capture_ids`' map of autograd nodes. The last name assigned wins."""
    names: dict[str, str] = {}
    for name, t in named.items():
        if t is output:
            names["o0"] = name
        nid = ids.get(get_gradient_edge(t).node) if t.requires_grad else None
        if nid is not None:
            names[nid] = name
    return names
