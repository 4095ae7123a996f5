"""An independent walk of the autograd graph, written without graphlab, to check capture against."""

from collections import Counter

import torch


def autograd_nodes(*outputs: torch.Tensor) -> list:
    seen, order = set(), []
    queue = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while queue:
        fn = queue.pop(0)
        if fn in seen:
            continue
        seen.add(fn)
        order.append(fn)
        queue.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    return order


def label(fn, names: dict[int, str]) -> str:
    var = getattr(fn, "variable", None)
    if isinstance(var, torch.Tensor):
        default = "parameter" if isinstance(var, torch.nn.Parameter) else "tensor"
        return names.get(id(var), default)
    return type(fn).__name__


def edge_multiset(outputs, names: dict[int, str]) -> Counter:
    return Counter(
        (label(nxt, names), label(fn, names), slot)
        for fn in autograd_nodes(*outputs)
        for slot, (nxt, _) in enumerate(fn.next_functions)
        if nxt is not None
    )
