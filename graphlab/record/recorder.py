"""Record PyTorch's forward ops in execution order and its backward nodes in the engine's order.

`Recorder` is a `torch.overrides.TorchFunctionMode`: while its `with` block runs, every torch
function and tensor method called from Python passes through it (nothing in torch is patched).
Each call that returns a tensor becomes a `ForwardStep`. Which autograd nodes a step created is
found by walking back from its outputs over nodes created since the block started (autograd
sequence numbers only grow within a thread), so an op such as `F.cross_entropy`, which builds
two nodes in one call, owns both.

`Recorder.backward` captures the graph (`rec.graph`), puts a hook on every node
(`Node.register_hook`, see `graphlab.record.backward`), runs the real backward pass and removes
the hooks again, also when backward raises. A node's hook runs right after the node, so the
hooks see the engine's real execution order, what arrives at each node and what it sends along
each input edge.

The cyclic garbage collector pauses while the `with` block and `backward` run (`gc_paused`): a
recording keeps every object it makes, and the collector would scan them again and again.

>>> import torch
>>> from graphlab.record.recorder import Recorder
>>> with Recorder() as rec:
...     x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
...     y = (x * x).sum()
>>> [s.op for s in rec.forward]
['torch.tensor', 'Tensor.mul', 'Tensor.sum']
>>> steps = rec.backward(y, params={"x": x})
>>> [rec.graph.node(s.node).name for s in steps]
['SumBackward0', 'MulBackward0', 'x']
>>> steps[-1].grad.tensor.tolist(), x.grad.tolist()
([2.0, 4.0, 6.0], [2.0, 4.0, 6.0])
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Mapping, Sequence

import torch
from torch.autograd.graph import get_gradient_edge
from torch.overrides import TorchFunctionMode

from graphlab.core.gcpause import gc_paused
from graphlab.core.graph import Graph
from graphlab.core.modules import NO_SEQUENCE, next_sequence
from graphlab.core.walk import capture_ids, may_hold_tensors

from .backward import HookedPass
from .ops import arg_texts, op_name, op_names, short, tensors_in
from .reasons import OFF_PATH, no_node_reason
from .steps import BackwardStep, ForwardStep, LeafGrad, leaf_totals, root_grads
from .values import MAX_VALUES, Value, snapshot

__all__ = ["MAX_STEPS", "BackwardStep", "ForwardStep", "LeafGrad", "Recorder"]

MAX_STEPS = 1_000  # forward ops recorded: a 12 MB recording froze a learner's tab for 86 s


class Recorder(TorchFunctionMode):
    """Records forward ops while its block runs; `backward()` records the backward pass.

    `max_values`: tensors up to this many elements are copied into the steps, larger ones
    summarized. `line_of`: a function returning the current source line (see
    `graphlab.worker.record`), called once per recorded op. `max_steps`: past this many
    forward ops recording stops and `truncated` is set.
    """

    def __init__(
        self,
        *,
        max_values: int = MAX_VALUES,
        line_of: Callable[[], int | None] | None = None,
        max_steps: int = MAX_STEPS,
    ) -> None:
        super().__init__()
        self.max_values = max_values
        self.max_steps = max_steps
        self.truncated = False
        self.line_of = line_of
        self.forward: list[ForwardStep] = []
        self.backward_steps: list[BackwardStep] = []
        self.leaves: list[LeafGrad] = []
        self.graph: Graph | None = None
        self.ids: dict[object, str] = {}  # autograd node -> id in self.graph
        self._start = 0  # sequence number of the first node made while recording
        self._next = 0  # sequence number of the first node the next step may make
        self._ends: list[int] = []  # for steps that made op nodes: the last one's number
        self._enders: list[int] = []  # ... and the step's index
        self._leaf_made: dict[object, int] = {}  # grad accumulator -> step that made its leaf
        self._primary: list[object | None] = []  # per step: the node made for its first output
        self._values: dict[int, tuple[weakref.ref, int, Value | None]] = {}

    # -- forward ------------------------------------------------------------------------------
    def __enter__(self) -> Recorder:
        self._start = self._next = next_sequence()
        self._gc_pause = gc_paused()  # see gc_paused: a recording keeps all it allocates
        self._gc_pause.__enter__()
        try:
            super().__enter__()
        except BaseException:
            self._gc_pause.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        try:
            super().__exit__(exc_type, exc_value, traceback)
        finally:
            self._gc_pause.__exit__(None, None, None)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        # The hot path of a recording: it runs for every torch call, so it stays flat.
        name = op_names.get(func)
        if name is None:
            name = op_name(func)
        if kwargs is None:
            kwargs = {}
        if not name or self.truncated:  # x.grad, x.shape, ...: not an op; or recording ended
            return func(*args, **kwargs)
        tensors = tensors_in(args, kwargs)
        if tensors and tensors[0].is_meta:  # a dry run (see graphlab.sandbox)
            return func(*args, **kwargs)
        value = self._value
        inputs = [value(t) for t in tensors]
        out = func(*args, **kwargs)
        if name == "Tensor.__setitem__":
            results = tensors[:1]  # writes into its first argument
        elif isinstance(out, torch.Tensor):
            results = [out]
        else:
            results = tensors_in((out,), {})
            if not results:
                return out
        if results[0].is_meta:
            return out
        index = len(self.forward)
        if index >= self.max_steps:
            self.truncated = True
            return out
        step = ForwardStep(
            index,
            name,
            inputs,
            [value(t) for t in results],
            arg_texts(args, kwargs),
            torch.is_grad_enabled(),
            self.line_of() if self.line_of is not None else None,
        )
        self.forward.append(step)
        primary = self._made_by(index, name, results, tensors[0] if tensors else None)
        self._primary.append(primary)
        if primary is None:
            step.reason = no_node_reason(step.grad_enabled, tensors, results)
        return out

    def _made_by(self, index: int, name: str, results: list, first: torch.Tensor | None):
        """Note which nodes step `index` made; return the node made for its first output.
        Autograd numbers a thread's nodes in creation order: this step made those from
        `self._next` to the newest among its outputs (a new leaf: its grad accumulator)."""
        if len(results) == 1 and not name.endswith("_"):  # the common case, made short
            fn = results[0].grad_fn
            if fn is not None:
                seq = fn._sequence_nr()
                if self._next <= seq < NO_SEQUENCE:
                    self._ends.append(seq)
                    self._enders.append(index)
                    self._next = seq + 1
                    return fn
                return None
        primary, last = None, -1
        if first is not None and name.endswith("_") and first.grad_fn is not None:
            results = [*results, first]  # in place: the input's history changed
        for t in results:
            fn = t.grad_fn
            if fn is None:
                if t.requires_grad and (t is not first or name.endswith("grad_")):
                    fn = get_gradient_edge(t).node
                    self._leaf_made.setdefault(fn, index)
                    primary = primary or fn
                continue
            seq = fn._sequence_nr()
            if self._next <= seq < NO_SEQUENCE:
                last = max(last, seq)
                primary = primary or fn
        if last >= 0:
            self._ends.append(last)
            self._enders.append(index)
            self._next = last + 1
        return primary

    def _value(self, t: torch.Tensor) -> Value | None:
        """A snapshot of `t`, shared with earlier ones while `t` has not changed in place."""
        value = self._known(t)
        if value is None:
            value = snapshot(t, self.max_values)
            self._values[id(t)] = (weakref.ref(t), t._version, value)
        return value

    def _known(self, t: torch.Tensor) -> Value | None:
        """The snapshot taken of this very tensor, unless it has changed in place since."""
        entry = self._values.get(id(t))
        if entry is not None and entry[0]() is t and entry[1] == t._version:
            return entry[2]
        return None

    def _saved(self, values: list[tuple[str, object]]) -> dict[str, Value | str]:
        """What one node saved for backward, as `capture` read it, shown as values and text."""
        saved: dict[str, Value | str] = {}
        for key, value in values:
            if "_sym_" in key:  # sizes and strides of inputs are bookkeeping, not values
                continue
            if isinstance(value, torch.Tensor):
                saved[key] = self._known(value) or snapshot(value, self.max_values)
            elif isinstance(value, (tuple, list)) and may_hold_tensors(value):
                for i, v in enumerate(value):
                    if isinstance(v, torch.Tensor):
                        saved[f"{key}[{i}]"] = self._known(v) or snapshot(v, self.max_values)
            elif value is not None:
                saved[key] = short(value)
        return saved

    def _step_of(self, fn: object) -> int | None:
        """The forward step that made autograd node `fn` (None: made before or outside)."""
        index = self._leaf_made.get(fn)
        if index is not None:
            return index
        seq = fn._sequence_nr()
        if not self._start <= seq < NO_SEQUENCE:
            return None
        k = bisect.bisect_left(self._ends, seq)
        return self._enders[k] if k < len(self._ends) else None

    # -- the graph ----------------------------------------------------------------------------
    def capture(
        self,
        *outputs: torch.Tensor,
        params: Mapping[str, torch.Tensor] | None = None,
        model: torch.nn.Module | None = None,
    ) -> Graph:
        """Capture the graph of `outputs` into `self.graph` and name the forward steps' nodes."""
        return self._capture(outputs, params, model)

    def _capture(self, outputs, params, model, saved_values=None) -> Graph:
        self.graph, self.ids = capture_ids(
            *outputs, params=params, model=model, saved_values=saved_values
        )
        forward = self.forward
        for step in forward:
            step.node, step.nodes = None, ()
        for fn, nid in self.ids.items():
            index = self._step_of(fn)
            if index is not None:
                step = forward[index]
                if step.nodes:
                    step.nodes.append(nid)
                else:
                    step.nodes = [nid]
        for step, fn in zip(self.forward, self._primary, strict=True):
            step.node = self.ids.get(fn) if fn is not None else None
            if step.node is None and step.nodes:
                step.node = step.nodes[0]
            if fn is not None:  # it made a node: in the graph, or off the output's path
                step.reason = None if step.nodes else OFF_PATH
        return self.graph

    # -- backward -----------------------------------------------------------------------------
    def backward(
        self,
        *outputs: torch.Tensor,
        grad_outputs: Sequence[torch.Tensor | None] | None = None,
        retain_graph: bool = False,
        params: Mapping[str, torch.Tensor] | None = None,
        model: torch.nn.Module | None = None,
    ) -> list[BackwardStep]:
        """Run backward from `outputs` with every node hooked; return the steps in the engine's
        order (also in `self.backward_steps`, leaf totals in `self.leaves`). An output that
        `grad_outputs` leaves None starts from `torch.ones_like(output)`, as a learner passes
        it (the 1 of a scalar; for any other output, the gradients of `output.sum()`).
        """
        roots = [
            (o, g)
            for o, g in zip(outputs, root_grads(outputs, grad_outputs), strict=True)
            if o.requires_grad
        ]
        if not roots:
            raise ValueError("backward() needs an output that requires grad")
        with gc_paused():
            raw: dict[object, list[tuple[str, object]]] = {}
            self._capture(outputs, params, model, saved_values=raw)
            saved = {fn: self._saved(values) for fn, values in raw.items()}
            del raw  # it holds tensors the engine frees as it goes
            hooked = HookedPass(self.graph, self.ids, saved, self.max_values)
            self.backward_steps = steps = hooked.run(
                [o for o, _ in roots], [g for _, g in roots], retain_graph
            )
            names = {n.id: n.name for n in self.graph.nodes}
            self.leaves = leaf_totals(
                steps, self.ids, hooked.before, hooked.sums, names, self.max_values
            )
        return steps
