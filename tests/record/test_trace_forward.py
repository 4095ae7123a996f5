"""`gl.trace_forward` against an independent TorchFunctionMode: the same ops in the same order,
each op's inputs coming from the op that produced that very tensor (checked with `is`)."""

import shutil

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

import graphlab as gl


class Observe(TorchFunctionMode):
    """Every torch call that returns tensors, with its tensor arguments and results kept alive
    (so that `is` is a fair test of identity). Property reads (`x.shape`) are not ops."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[torch.Tensor], list[torch.Tensor]]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        results = _flat((out,)) if func.__name__ != "__get__" else []
        if func.__name__ == "__setitem__":
            results = _flat(args)[:1]
        if results:
            self.calls.append((func.__name__, _flat((*args, *kwargs.values())), results))
        return out


def _flat(values) -> list[torch.Tensor]:
    found = []
    for v in values:
        if isinstance(v, torch.Tensor):
            found.append(v)
        elif isinstance(v, (tuple, list)):
            found.extend(t for t in v if isinstance(t, torch.Tensor))
    return found


def _expected(calls, named: dict[str, torch.Tensor]):
    """Per call: its name and, per tensor input, ("op", k) for the latest call k that returned
    that tensor, else ("tensor", name) for an input, parameter or buffer."""
    rows = []
    for j, (name, inputs, _) in enumerate(calls):
        sources = []
        for t in inputs:
            k = next((k for k in range(j - 1, -1, -1) if any(r is t for r in calls[k][2])), None)
            if k is not None:
                sources.append(("op", k))
            else:
                sources.append(("tensor", next(n for n, v in named.items() if v is t)))
        rows.append((name, sources))
    return rows


def _traced(graph: gl.Graph):
    """The same rows read from the graph: op names without their prefix, sources by slot."""
    ops = graph.of_kind("op")
    position = {op.id: i for i, op in enumerate(ops)}
    rows = []
    for op in ops:
        sources = []
        for e in graph.inputs(op.id):
            src = graph.node(e.src)
            sources.append(("op", position[src.id]) if src.kind == "op" else ("tensor", src.name))
        rows.append((op.name.rsplit(".", 1)[-1], sources))
    return rows


class Net(nn.Module):
    """BatchNorm (buffers), argmax, integer and comparison ops, an in-place op, a two-output op."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(4, 3)

    def forward(self, x, k):
        h = self.bn(self.conv(x)).relu()
        h = self.fc(h.flatten(1))
        h.mul_(2)  # later reads of h come from mul_
        values, idx = h.max(1)
        label = (h.argmax(1) * 2 + k) % 3
        return label, values > 0, idx


def _named(model, *inputs):
    names = {"input 0": inputs[0], "input 1": inputs[1]}
    names.update(model.named_parameters())
    names.update(model.named_buffers())
    return names


def _inputs():
    x = torch.randn(2, 1, 4, 3, generator=torch.Generator().manual_seed(0))
    return x, torch.tensor([1, 2])


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
@pytest.mark.parametrize("train", [False, True])
def test_ops_and_edges_match_an_independent_mode(mode, train):
    model = Net().train(train)
    x, k = _inputs()
    with mode(), Observe() as seen:
        model(x, k)
    with mode():
        graph = gl.trace_forward(model, x, k)
    expected = _expected(seen.calls, _named(model, x, k))
    assert _traced(graph) == expected
    names = [name for name, _ in expected]
    assert {"batch_norm", "argmax", "remainder", "gt", "mul_", "max"} <= set(names)
    assert ("add_" in names) == train  # BatchNorm counts its batches in training only


def test_tensor_nodes_are_the_inputs_parameters_buffers_and_outputs():
    model = Net().eval()
    x, k = _inputs()
    with torch.no_grad():
        graph = gl.trace_forward(model, x, k)
        label, positive, idx = model(x, k)
    by_name = {n.name: n for n in graph.nodes if n.kind != "op"}
    assert by_name["input 0"].kind == "leaf" and by_name["input 0"].shape == (2, 1, 4, 3)
    assert by_name["input 1"].dtype == "int64"
    for name, p in model.named_parameters():
        assert (by_name[name].kind, by_name[name].shape) == ("param", tuple(p.shape))
    for name in ("bn.running_mean", "bn.running_var"):
        assert by_name[name].kind == "leaf" and by_name[name].attrs["role"] == "buffer"
        assert by_name[name].module == "bn"
    outs = graph.of_kind("output")
    assert [(o.shape, o.dtype) for o in outs] == [
        ((2,), "int64"),
        (tuple(positive.shape), "bool"),
        ((2,), "int64"),
    ]
    makers = [graph.node(graph.inputs(o.id)[0].src).name for o in outs]
    assert makers == ["Tensor.remainder", "Tensor.gt", "Tensor.max"]


def test_ops_are_attributed_to_the_innermost_module():
    model = Net().eval()
    with torch.no_grad():
        graph = gl.trace_forward(model, *_inputs())
    modules = {op.name: op.module for op in graph.of_kind("op")}
    assert modules["torch.conv2d"] == "conv" and modules["F.batch_norm"] == "bn"
    assert modules["torch.linear"] == "fc" and modules["Tensor.argmax"] == ""
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_capture_without_gradients_is_one_node_the_trace_is_the_forward():
    model = Net().eval()
    with torch.no_grad():
        label = model(*_inputs())[0]
        graph = gl.trace_forward(model, *_inputs())
    assert len(gl.capture(label).nodes) == 1  # what capture can see: no autograd graph
    inputs = _inputs()
    with torch.no_grad(), Observe() as seen:
        model(*inputs)
    assert len(graph.of_kind("op")) == len(seen.calls) == 12


def test_identity_model_joins_input_to_output():
    x = torch.ones(3)
    graph = gl.trace_forward(nn.Identity(), x)
    assert [n.kind for n in graph.nodes] == ["leaf", "output"]
    assert graph.edges == [gl.Edge(graph.nodes[0].id, graph.nodes[1].id)]


def test_a_function_with_integers_and_a_named_model():
    lin = nn.Linear(2, 2)
    graph = gl.trace_forward(lambda i: lin(i.float() // 2).sum(), torch.arange(4).view(2, 2),
                             model=lin)  # fmt: skip
    assert [op.name for op in graph.of_kind("op")] == [
        "Tensor.float",
        "Tensor.__floordiv__",
        "torch.linear",
        "Tensor.sum",
    ]
    assert {n.name for n in graph.of_kind("param")} == {"weight", "bias"}
    assert graph.node("op2").module == ""  # the root of `model`; the lambda is no module
    assert graph.node("op3").module is None
    assert graph.node(graph.inputs("op0")[0].src).attrs["role"] == "input"


def test_a_constant_the_function_closes_over_is_a_tensor_node():
    c = torch.tensor([1.0, 2.0])
    graph = gl.trace_forward(lambda x: x * c + c, torch.ones(2))
    constants = [n for n in graph.nodes if n.attrs.get("role") == "constant"]
    assert len(constants) == 1 and constants[0].shape == (2,)
    assert sorted(e.dst for e in graph.edges if e.src == constants[0].id) == ["op0", "op1"]


def test_a_forward_that_raises_leaves_no_hooks():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(RuntimeError):
        gl.trace_forward(model, torch.ones(3, 5))
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks


def test_json_round_trip_and_drawing():
    model = Net().eval()
    with torch.no_grad():
        graph = gl.trace_forward(model, *_inputs())
    assert gl.Graph.from_json(graph.to_json()) == graph
    dot = gl.to_dot(graph, legend=False)
    assert dot.startswith("digraph") and "F.batch_norm" in dot and "bn.running_mean" in dot
    assert dot.count(" -> ") == len(graph.edges)
    assert "cluster" in gl.to_dot(graph, modules=True)
    if shutil.which("dot"):
        assert "<svg" in gl.to_svg(graph, modules=True)


def test_an_in_place_op_on_a_view_writes_its_base():
    def f(x):
        h = x * 2
        h[0].add_(1)  # later reads of h see the add
        h[1][0] = 5.0
        return h.sum()

    graph = gl.trace_forward(f, torch.ones(2, 2))
    names = {op.id: op.name for op in graph.of_kind("op")}
    assert list(names.values()) == [
        "Tensor.mul", "Tensor.__getitem__", "Tensor.add_", "Tensor.__getitem__",
        "Tensor.__setitem__", "Tensor.sum",
    ]  # fmt: skip
    assert [e.src for e in graph.inputs("op5")] == ["op4"]
    assert [e.src for e in graph.inputs("op3")] == ["op2"]  # h after the add
    assert [e.src for e in graph.inputs("op1")] == ["op0"]
