"""Tag each autograd node with the module whose forward created it.

`track_modules(model)` installs a pre- and post-hook on every submodule for the duration of a
`with` block. The post-hook walks back from the module's outputs over the nodes created since its
pre-hook (autograd sequence numbers only grow within a thread) and tags those not yet tagged.
Children finish before their parents, so the innermost module wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from .graph import Graph

__all__ = [
    "CALLS_KEY",
    "MODULE_KEY",
    "NO_SEQUENCE",
    "attribute_by_parameters",
    "next_sequence",
    "tag_new_nodes",
    "tensors_in",
    "track_modules",
]

MODULE_KEY = "graphlab.module"
CALLS_KEY = "graphlab.module_calls"  # {path: call} when a module instance ran more than once
NO_SEQUENCE = 2**63  # AccumulateGrad and friends report a huge or odd sequence number


@contextmanager
def track_modules(model: torch.nn.Module) -> Iterator[None]:
    """Attribute the ops of forward passes run inside this block to the modules that ran them.

    >>> import torch, graphlab as gl
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    >>> with gl.track_modules(model):
    ...     out = model(torch.randn(1, 2))
    >>> g = gl.capture(out, model=model)
    >>> sorted({n.module for n in g.of_kind("op")})
    ['0', '1']
    """
    starts: list[int] = []
    counts: dict[str, int] = {}  # calls so far per module: a reused one is drawn once per call
    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(lambda *_: starts.append(next_sequence())))
        handles.append(module.register_forward_hook(_tagger(name, starts, counts)))
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _tagger(name: str, starts: list[int], counts: dict[str, int]):
    def hook(module, args, output) -> None:
        call = counts[name] = counts.get(name, 0) + 1
        again = (name, call) if call > 1 else None  # first calls, the usual case, cost nothing
        tag_new_nodes(tensors_in(output), starts.pop(), MODULE_KEY, name, again)

    return hook


def tag_new_nodes(
    tensors, start: int, key: str, value: object, call: tuple[str, int] | None = None
) -> None:
    """Set `metadata[key] = value` on the autograd nodes behind `tensors` that were created
    since sequence number `start` (and on none that already have the key). `call`: (module
    path, call number) recorded in `metadata[CALLS_KEY]` on all of them, inner modules' too."""
    stack = [t.grad_fn for t in tensors if isinstance(t, torch.Tensor) and t.grad_fn is not None]
    seen = set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen or not start <= fn._sequence_nr() < NO_SEQUENCE:
            continue
        seen.add(fn)
        fn.metadata.setdefault(key, value)
        if call is not None:
            fn.metadata.setdefault(CALLS_KEY, {})[call[0]] = call[1]
        stack.extend(n for n, _ in fn.next_functions)


def next_sequence() -> int:
    """The sequence number the next autograd node of this thread will get.

    The probe is graphlab's bookkeeping, not the learner's code: it runs with torch-function
    modes off, so a `Recorder` watching the forward pass never lists it as a step."""
    with torch.enable_grad(), torch._C.DisableTorchFunction():
        probe = torch.zeros((), requires_grad=True) * 1
        return probe.grad_fn._sequence_nr() + 1


def tensors_in(value: object) -> Iterator[torch.Tensor]:
    """The tensors in a result or argument list: also inside tuples, lists and dicts."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from tensors_in(v)


def attribute_by_parameters(graph: Graph) -> None:
    """Ops no module hook tagged but that read a parameter directly belong to its module."""
    ops = {n.id: n for n in graph.nodes if n.kind == "op"}
    if any(op.module is not None for op in ops.values()):
        return
    param_module = {n.id: n.module for n in graph.nodes if n.kind == "param" and n.module}
    for e in graph.edges:
        module = param_module.get(e.src)
        op = ops.get(e.dst) if module is not None else None
        if op is not None and op.module is None:
            op.module = module
