"""Name the op nodes whose results a program kept in variables (`h = x * w` labels that op "h").

Leaves and outputs already carry their names (see `graphlab.core.walk`); an intermediate tensor
is known to the graph only through the op that made it, so its variable goes into that node's
`attrs[VARIABLE]`, which labels, tooltips and inspectors read.

>>> import torch, graphlab as gl
>>> x = torch.ones(2, requires_grad=True)
>>> h = x * 2
>>> y = h.sum()
>>> g = gl.capture(y, params={"x": x, "h": h, "y": y})
>>> [(n.name, n.attrs.get(VARIABLE)) for n in g.of_kind("op")]
[('SumBackward0', None), ('MulBackward0', 'h')]
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .graph import Graph

__all__ = ["VARIABLE", "name_ops"]

VARIABLE = "variable"
_MAX_NAMES = 3  # `a = b = h` names one node three times; more would crowd its box


def name_ops(
    graph: Graph,
    ids: Mapping[object, str],
    params: Mapping[str, object] | None,
    outputs: tuple[torch.Tensor, ...],
) -> None:
    """Put into each op node the variable(s) in `params` holding the tensor it made (`ids`:
    autograd node -> graph node id). An output's op is left alone: its output node says it."""
    if not params:
        return
    skip = {id(o) for o in outputs}
    held: dict[str, list[str]] = {}
    for name, t in params.items():
        if isinstance(t, torch.Tensor) and t.grad_fn is not None and id(t) not in skip:
            nid = ids.get(t.grad_fn)
            if nid is not None and len(held.setdefault(nid, [])) < _MAX_NAMES:
                held[nid].append(name)
    if not held:
        return
    for node in graph.nodes:
        names = held.get(node.id)
        if names is not None and node.kind == "op":
            node.attrs[VARIABLE] = ", ".join(names)
