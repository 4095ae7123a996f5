"""Walk PyTorch's autograd graph (`grad_fn.next_functions`) into a plain `Graph`.

The walk is iterative (a stack, no recursion limit) and touches each autograd node and each edge
once. Per-type facts (which `_saved_*` attributes a backward class has) are computed once per
class, not once per node, which is most of why this is faster than calling `dir()` on every node.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch.autograd.function import BackwardCFunction
from torch.autograd.graph import get_gradient_edge

from .attr_text import HOOKED, MAX_ATTR_CHARS, bounded_text, clipped, may_hold_tensors, unavailable
from .gcpause import gc_paused
from .graph import Edge, Graph, Node
from .modules import CALLS_KEY, MODULE_KEY, attribute_by_parameters
from .op_kinds import OP_KINDS, OpKind, op_kind, packed_by_hook
from .tensors import dtype_name, plain_sizes, shape_of
from .variables import name_ops

__all__ = ["capture", "capture_ids", "may_hold_tensors"]

_edge = tuple.__new__  # builds an Edge twice as fast as its NamedTuple constructor


def capture(
    *outputs: torch.Tensor,
    params: Mapping[str, torch.Tensor] | None = None,
    model: torch.nn.Module | None = None,
) -> Graph:
    """Capture the autograd graph that produced `outputs`.

    `params` names tensors (leaves, parameters, outputs); `model` names its parameters and, when
    its forward ran inside `graphlab.track_modules(model)`, attributes each op to the module that
    ran it.

    >>> import torch, graphlab as gl
    >>> w = torch.nn.Parameter(torch.randn(3))
    >>> x = torch.randn(3)
    >>> g = gl.capture((x * w).sum(), params={"w": w})
    >>> [(n.kind, n.name) for n in g.nodes if n.kind != "saved"]
    [('output', 'output'), ('op', 'SumBackward0'), ('op', 'MulBackward0'), ('param', 'w')]
    """
    return capture_ids(*outputs, params=params, model=model)[0]


def capture_ids(
    *outputs: torch.Tensor,
    params: Mapping[str, torch.Tensor] | None = None,
    model: torch.nn.Module | None = None,
    saved_values: dict[object, list[tuple[str, object]]] | None = None,
) -> tuple[Graph, dict[object, str]]:
    """`capture`, and the id in the graph of each autograd node (for tools that hook the real
    nodes, such as the Recorder, or name them, such as the sandbox worker's reply).

    `saved_values`, when given, receives for each op node what its `_saved_*` attributes held
    (`fn -> [(name, value), ...]`), as the walk read them: the Recorder needs the values, and
    reading a saved tensor twice would unpack it twice."""
    if not outputs:
        raise ValueError("capture() needs at least one output tensor")
    for i, out in enumerate(outputs):
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"output {i} is a {type(out).__name__}, not a torch.Tensor")
    names = _names(params, model)
    walk = _Walk(names, with_modules=model is not None, saved_values=saved_values)
    with gc_paused():  # the walk keeps every object it makes (see graphlab.core.gcpause)
        for i, out in enumerate(outputs):
            walk.add_output(out, i, len(outputs))
        walk.run()
        walk.link_views()
    name_ops(walk.graph, walk.ids, params, outputs)
    if model is not None:
        attribute_by_parameters(walk.graph)
    return walk.graph, walk.ids


def _names(
    params: Mapping[str, torch.Tensor] | None, model: torch.nn.Module | None
) -> dict[int, tuple[str, bool]]:
    """id(tensor) -> (name, is_param). Model names win only where `params` says nothing."""
    names: dict[int, tuple[str, bool]] = {}
    if model is not None:
        for name, p in model.named_parameters():
            names[id(p)] = (name, True)
    for name, t in (params or {}).items():
        if isinstance(t, torch.Tensor):
            names[id(t)] = (name, isinstance(t, torch.nn.Parameter) or id(t) in names)
    return names


class _Walk:
    """One traversal. Node ids are assigned in visiting order, so equal graphs get equal ids."""

    def __init__(
        self,
        names: dict[int, tuple[str, bool]],
        with_modules: bool,
        saved_values: dict[object, list[tuple[str, object]]] | None = None,
    ):
        self.names = names
        self.with_modules = with_modules
        self.saved_values = saved_values
        self.graph = Graph(meta={"torch": torch.__version__})
        self.nodes, self.edges = self.graph.nodes, self.graph.edges
        self.ids: dict[object, str] = {}  # autograd node (or leaf tensor id) -> node id
        self.stack: list[object] = []
        self.n_saved = 0
        self.views: list[tuple[torch.Tensor, str]] = []
        # (shape, dtype, device) -> the same with names, worked out once per distinct tensor type;
        # nodes of one shape share one tuple: less memory and less for the cyclic GC to scan.
        self.metas: dict[tuple, tuple[tuple[int, ...], str, str]] = {}

    def node_id(self, fn: object) -> str:
        """Id of `fn`, registering it (and scheduling its visit) the first time it is seen."""
        nid = self.ids.get(fn)
        if nid is None:
            nid = self.ids[fn] = f"n{len(self.ids)}"
            self.stack.append(fn)
        return nid

    def add_output(self, out: torch.Tensor, index: int, count: int) -> None:
        name = self.names.get(id(out), (None, False))[0]
        oid = f"o{index}"
        label = name or ("output" if count == 1 else f"output {index}")
        self.graph.nodes.append(Node(oid, "output", label, *self._tensor_meta(out)))
        if out.requires_grad:
            edge = get_gradient_edge(out)  # its grad_fn, or for a leaf its grad accumulator
            self.edges.append(Edge(self.node_id(edge.node), oid, 0, "data", edge.output_nr))
        if out._is_view() and out._base is not None and out._base.requires_grad:
            self.views.append((out._base, oid))

    def link_views(self) -> None:
        """Join view outputs to the node that made their base, when that node is in the graph."""
        for base, oid in self.views:
            edge = get_gradient_edge(base)
            src = self.ids.get(edge.node)
            if src is not None:
                self.edges.append(Edge(src, oid, 0, "view", edge.output_nr))

    def _leaf_node(self, nid: str, t: torch.Tensor) -> Node:
        name, is_param = self.names.get(id(t), (None, False))
        is_param = is_param or isinstance(t, torch.nn.Parameter)
        module = name.rpartition(".")[0] if (is_param and name and self.with_modules) else None
        label = name or ("parameter" if is_param else "tensor")
        shape, dtype, device = self._tensor_meta(t)
        return Node(nid, "param" if is_param else "leaf", label, shape, dtype, device, module)

    def run(self) -> None:
        edges, stack, ids, kinds = self.edges, self.stack, self.ids, OP_KINDS
        add_node, add_edge, op_node = self.nodes.append, edges.append, self._op_node
        while stack:
            fn = stack.pop()
            nid = ids[fn]
            kind = kinds.get(type(fn)) or op_kind(type(fn))
            if kind.accumulates:  # AccumulateGrad: show the tensor it fills
                add_node(self._leaf_node(nid, fn.variable))
                continue
            add_node(op_node(nid, fn, kind))
            for slot, (nxt, output) in enumerate(fn.next_functions):
                if nxt is not None:
                    src = ids.get(nxt)
                    if src is None:  # first sight: number it and schedule its visit
                        src = ids[nxt] = f"n{len(ids)}"
                        stack.append(nxt)
                    add_edge(_edge(Edge, (src, nid, slot, "data", output)))

    def _op_node(self, nid: str, fn, kind: OpKind) -> Node:
        try:  # what the forward op produced, as its gradient must be
            metas = fn._input_metadata
            meta = metas[0]
            key = (tuple(meta.shape), meta.dtype, meta.device)
            shape, dtype, device = self.metas.get(key) or self._meta(key)
        except (AttributeError, IndexError, RuntimeError, TypeError):  # see `_op_meta`
            metas = getattr(fn, "_input_metadata", ())
            shape, dtype, device = self._op_meta(metas)
        node = Node(nid, "op", kind.name, shape, dtype, device)
        if len(metas) > 1:  # split, unbind, max(dim): each output has its own shape
            node.outputs = tuple([self._op_meta((m,))[0] for m in metas])
        if self.with_modules:
            self._module_of(node, fn)
        if kind.custom:
            self._custom_saved(node, fn)
            return node
        read = kind.read
        if read is None:  # saved nothing
            return node
        try:
            # A hook in force at forward time packed every tensor the op saved: one probe per op.
            if self.saved_values is not None or (kind.hook and kind.hook(fn) is not None):
                raise LookupError  # leave packed tensors packed, and keep the values
            values = read(fn)  # every saved value in one call
        except (LookupError, RuntimeError, AttributeError):  # see `_saved_one_by_one`
            self._saved_one_by_one(node, fn, kind)
            return node
        if len(kind.saved) == 1:
            values = (values,)
        attrs = node.attrs
        for (_, name), value in zip(kind.saved, values, strict=True):
            if isinstance(value, torch.Tensor):  # the commonest case, without a call to _saved
                self._saved_tensor(node, name, value)
            elif value is None:  # this op had no need to save that input
                continue
            elif isinstance(value, (tuple, list)) and may_hold_tensors(value):
                self._saved(node, name, value)
            else:  # the next commonest (a number, a tuple of sizes): `clipped(value)`, inlined
                text = repr(value)
                attrs[name] = text if len(text) <= MAX_ATTR_CHARS else clipped(value)
        return node

    def _module_of(self, node: Node, fn) -> None:
        node.module = module = fn.metadata.get(MODULE_KEY)
        if module is not None and CALLS_KEY in fn.metadata:  # a module instance run again
            calls = fn.metadata[CALLS_KEY].items()
            node.attrs["calls"] = ", ".join(f"{p}={k}" for p, k in calls)

    def _saved_one_by_one(self, node: Node, fn, kind: OpKind) -> None:
        """Each saved attribute read on its own: to say which is unavailable (RuntimeError: freed,
        or changed in place), to leave hook-packed tensors packed, to look closer at a probe
        holding a list (AttributeError), and to hand the values to `saved_values`."""
        kept = None if self.saved_values is None else self.saved_values.setdefault(fn, [])
        hooked = packed_by_hook(fn, kind)  # a hook in force at forward time packed them all
        for attr, name in kind.saved:
            if hooked and name in kind.tensors:
                node.attrs[name] = HOOKED
                continue
            try:
                value = getattr(fn, attr)
            except RuntimeError as err:  # freed by backward, or overwritten in place since saved
                node.attrs[name] = unavailable(err)
                continue
            if kept is not None:
                kept.append((name, value))
            self._saved(node, name, value)

    def _custom_saved(self, node: Node, fn: BackwardCFunction) -> None:
        node.attrs["function"] = fn._forward_cls.__qualname__
        for key, value in vars(fn).items():
            if not key.startswith("_"):
                node.attrs[key] = bounded_text(value)  # a ctx may hold anything: bound the cost
        try:
            value = fn.saved_tensors
        except RuntimeError as err:
            node.attrs["saved_tensors"] = unavailable(err)
        else:
            self._saved(node, "saved_tensors", value)

    def _saved(self, node: Node, name: str, value: object) -> None:
        if isinstance(value, torch.Tensor):
            self._saved_tensor(node, name, value)
        elif value is None:  # this op had no need to save that input
            return
        elif isinstance(value, (tuple, list)) and may_hold_tensors(value):
            for i, v in enumerate(value):
                if isinstance(v, torch.Tensor):
                    self._saved_tensor(node, f"{name}[{i}]", v)
        else:  # the commonest case (a number, a tuple of sizes): `clipped(value)`, inlined
            text = repr(value)
            node.attrs[name] = text if len(text) <= MAX_ATTR_CHARS else clipped(value)

    def _meta(self, key: tuple) -> tuple[tuple[int, ...], str, str]:
        """(shape, dtype, device) as plain data, one shared tuple per distinct key."""
        meta = self.metas.get(key)
        if meta is None:
            shape, dtype, device = key
            meta = self.metas[key] = (plain_sizes(shape), dtype_name(dtype), str(device))
        return meta

    def _tensor_meta(self, t: torch.Tensor) -> tuple[tuple[int, ...], str, str]:
        try:
            key = (t.shape, t.dtype, t.device)  # torch.Size hashes like its tuple
        except RuntimeError:  # a strided nested tensor has no `shape`
            return shape_of(t), dtype_name(t.dtype), str(t.device)
        return self.metas.get(key) or self._meta(key)

    def _op_meta(self, metas) -> tuple[tuple[int, ...] | None, str | None, str | None]:
        """Shape, dtype and device of the first of `metas` (an op's `_input_metadata`: what the
        forward op produced, as its gradient must be)."""
        try:
            meta = metas[0]
            key = (tuple(meta.shape), meta.dtype, meta.device)
            return self.metas.get(key) or self._meta(key)
        except RuntimeError:  # `.shape` of a strided nested tensor: it has no single shape
            return None, dtype_name(meta.dtype), str(meta.device)
        except (AttributeError, IndexError, TypeError):
            return None, None, None

    def _saved_tensor(self, op: Node, name: str, t: torch.Tensor) -> None:
        sid = f"s{self.n_saved}"
        self.n_saved += 1
        try:
            key = (t.shape, t.dtype, t.device)
        except RuntimeError:  # a strided nested tensor has no `shape`
            shape, dtype, device = self._tensor_meta(t)
        else:
            shape, dtype, device = self.metas.get(key) or self._meta(key)
        self.nodes.append(Node(sid, "saved", name, shape, dtype, device, op.module))
        self.edges.append(_edge(Edge, (sid, op.id, 0, "saved", 0)))
