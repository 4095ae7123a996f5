"""The forward graph of a function or model: every tensor op it ran, with or without gradients.

`gl.capture` walks autograd's graph, so a model run under `torch.no_grad()`, in inference mode
or on integers leaves nothing to walk (an identity model is a single node). `trace_forward`
runs the forward pass inside a `Recorder`, the TorchFunctionMode that sees every torch call,
and joins each op to the ops whose results it read, by tensor identity: non-differentiable ops
(argmax, comparisons, integer arithmetic) and buffers (BatchNorm's running statistics) are in
it too.

>>> import torch, graphlab as gl
>>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Softmax(-1))
>>> with torch.no_grad():
...     g = gl.trace_forward(lambda x: model(x).argmax(-1), torch.ones(1, 3), model=model)
>>> [n.name for n in g.of_kind("op")]
['torch.linear', 'F.softmax', 'Tensor.argmax']
>>> [n.name for n in g.of_kind("param")], g.of_kind("output")[0].dtype
(['0.weight', '0.bias'], 'int64')
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from graphlab.core.graph import Edge, Graph, Node
from graphlab.core.modules import tensors_in
from graphlab.core.tensors import dtype_name

from .recorder import Recorder
from .steps import ForwardStep
from .values import Value

__all__ = ["trace_forward"]

# How a tensor that no traced op produced is drawn: (kind, name, role); role goes in attrs.
_Origin = tuple[str, str, str]


def trace_forward(
    fn: Callable | torch.nn.Module, *inputs: object, model: torch.nn.Module | None = None
) -> Graph:
    """Run `fn(*inputs)` and return the graph of the tensor ops it ran, in the order they ran.

    Op nodes are named as the Recorder names them (`torch.conv2d`, `Tensor.argmax`), with their
    arguments in `attrs["args"]` (`t0` is the first tensor input); tensors no op produced are
    nodes too: inputs and constants (`leaf`), parameters (`param`) and buffers (`leaf` with
    `attrs["role"] == "buffer"`). When `fn` is a module, or `model` is given, each op is
    attributed to the innermost module running when it ran (forward hooks), parameters and
    buffers are named by their path, and `meta["modules"]` lets `to_dot(..., modules=True)`
    draw clusters.

    What a torch call does inside (a kernel's own steps) is one op, as the Recorder sees it. An
    in-place write into a view also writes its base (later reads of the base come from it); a
    write into a base is not followed to views taken before it.
    """
    model = fn if model is None and isinstance(fn, torch.nn.Module) else model
    stack: list[str] = []
    tracer = _Tracer(stack)
    origins = _origins(tracer, model, inputs)
    with _module_stack(model, stack), tracer:
        out = fn(*inputs)
    graph = _build(tracer, origins, list(tensors_in(out)))
    if model is not None:
        graph.meta["modules"] = json.dumps({n: type(m).__name__ for n, m in model.named_modules()})
    return graph


class _Tracer(Recorder):
    """A Recorder that keeps, for each value, the tensor it was taken of (as a token), not its
    numbers: the graph needs identities, shapes and devices, and copying or summarizing every
    tensor of a large model would cost more than running it."""

    def __init__(self, stack: list[str]) -> None:
        super().__init__(max_steps=2**62)  # a trace is summarized, not sent step by step
        self.stack = stack  # the module paths running now, innermost last
        self.modules: list[str | None] = []  # per step: the module running when it ran
        self.bases: dict[int, int] = {}  # step -> token of the base of the view it wrote into
        self.of_value: dict[int, tuple[int, str]] = {}  # id(Value) -> (token, device)
        self._tokens: dict[int, tuple[weakref.ref, int]] = {}  # id(tensor) -> (ref, token)
        self._count = 0

    def __enter__(self) -> _Tracer:
        # The Recorder reads autograd's next sequence number, which inference mode has none of.
        with torch.inference_mode(False):
            super().__enter__()
        return self

    def __torch_function__(self, func, types, args=(), kwargs=None):
        count = len(self.forward)
        out = super().__torch_function__(func, types, args, kwargs)
        if len(self.forward) > count:
            self.modules.append(self.stack[-1] if self.stack else None)
            step = self.forward[-1]
            if step.op.endswith(("_", "__setitem__")) and step.inputs:
                self._wrote(step.index, args[0] if args else None)
        return out

    def _wrote(self, index: int, target: object) -> None:
        """An in-place op on a view (`h[0].add_(1)`) writes its base too: later reads of the
        base come from it."""
        base = getattr(target, "_base", None) if isinstance(target, torch.Tensor) else None
        if base is not None:
            self.bases[index] = self.token(base)

    def token(self, t: torch.Tensor) -> int:
        """A number naming this tensor object for as long as it lives (ids are reused)."""
        entry = self._tokens.get(id(t))
        if entry is not None and entry[0]() is t:
            return entry[1]
        token = self._count
        self._count += 1
        self._tokens[id(t)] = (weakref.ref(t), token)
        return token

    def _value(self, t: torch.Tensor) -> Value:
        value = Value(_shape(t), dtype_name(t.dtype))
        self.of_value[id(value)] = (self.token(t), str(t.device))
        return value


def _shape(t: torch.Tensor) -> tuple[int, ...] | None:
    try:
        return tuple(int(s) for s in t.shape)
    except (RuntimeError, TypeError, ValueError):  # nested or symbolic sizes
        return None


def _origins(tracer: _Tracer, model, inputs: tuple) -> dict[int, _Origin]:
    """token -> how to draw it, for the inputs, parameters and buffers the trace may read."""
    origins: dict[int, _Origin] = {}
    tensors = list(tensors_in(inputs))
    for i, t in enumerate(tensors):
        name = "input" if len(tensors) == 1 else f"input {i}"
        origins[tracer.token(t)] = ("leaf", name, "input")
    if model is not None:
        for name, p in model.named_parameters():
            origins.setdefault(tracer.token(p), ("param", name, "parameter"))
        for name, b in model.named_buffers():
            origins.setdefault(tracer.token(b), ("leaf", name, "buffer"))
    return origins


@contextmanager
def _module_stack(model: torch.nn.Module | None, stack: list[str]) -> Iterator[None]:
    """Keep `stack` = the paths of the modules whose forward is running, innermost last."""
    if model is None:
        yield
        return

    def pop(*_) -> None:  # a forward hook's return value would replace the module's output
        stack.pop()

    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(lambda *_, n=name: stack.append(n)))
        # always_call: a forward that raises still pops its module.
        handles.append(module.register_forward_hook(pop, always_call=True))
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _build(tracer: _Tracer, origins: dict[int, _Origin], outputs: list[torch.Tensor]) -> Graph:
    """Op nodes in the order they ran, then one output node per tensor `fn` returned."""
    build = _Builder(tracer.of_value, origins)
    for step, module in zip(tracer.forward, tracer.modules, strict=True):
        build.op(step, module)
        if step.index in tracer.bases:
            build.writer[tracer.bases[step.index]] = f"op{step.index}"
    for i, t in enumerate(outputs):
        shape, dtype, device = _shape(t), dtype_name(t.dtype), str(t.device)
        src = build.source(tracer.token(t), shape, dtype, device)
        name = "output" if len(outputs) == 1 else f"output {i}"
        build.graph.nodes.append(Node(f"o{i}", "output", name, shape, dtype, device))
        build.graph.edges.append(Edge(src, f"o{i}"))
    return build.graph


class _Builder:
    """Each input edge comes from the op that last wrote that tensor (an in-place op writes its
    first argument), else from a node for the tensor itself, made when first read."""

    def __init__(self, of_value: dict[int, tuple[int, str]], origins: dict[int, _Origin]):
        self.graph = Graph(meta={"trace": "forward"})
        self.of_value, self.origins = of_value, origins
        self.writer: dict[int, str] = {}  # token -> id of the node whose result it now holds

    def source(self, token: int, shape, dtype: str, device: str) -> str:
        nid = self.writer.get(token)
        if nid is None:
            kind, name, role = self.origins.get(token, ("leaf", "tensor", "constant"))
            owner = name.rpartition(".")[0] if role in ("parameter", "buffer") else None
            nid = self.writer[token] = f"t{token}"
            node = Node(nid, kind, name, shape, dtype, device, owner, {"role": role})
            self.graph.nodes.append(node)
        return nid

    def op(self, step: ForwardStep, module: str | None) -> None:
        oid, of_value = f"op{step.index}", self.of_value
        edges = []
        for slot, v in enumerate(step.inputs):
            token, device = of_value[id(v)]
            edges.append(Edge(self.source(token, v.shape, v.dtype, device), oid, slot))
        first = step.outputs[0]
        attrs = {"args": ", ".join(step.args)}
        device = of_value[id(first)][1]
        self.graph.nodes.append(
            Node(oid, "op", step.op, first.shape, first.dtype, device, module, attrs)
        )
        self.graph.edges.extend(edges)
        for v in step.outputs:
            self.writer[of_value[id(v)][0]] = oid
