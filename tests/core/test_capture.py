"""capture() checked against an independent walk of grad_fn.next_functions."""

import threading
import time
from collections import Counter

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import graphlab as gl
import graphlab.core.modules
from graphlab.lessons import gallery
from tests.oracle import autograd_nodes, edge_multiset


def _extra_models():
    """Models beyond the gallery, each as (outputs, params, model)."""

    def regression():
        model = nn.Linear(3, 1)
        x, y = torch.randn(8, 3), torch.randn(8, 1)
        return (F.mse_loss(model(x), y),), {}, model

    def lstm():
        model = nn.LSTMCell(3, 5)
        h, c = model(torch.randn(2, 3))
        return (h.sum() + c.mean(),), {}, model

    def embedding():
        model = nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4), nn.GELU())
        return (model(torch.tensor([[1, 2, 3]])).sum(),), {}, model

    def two_outputs():
        x = torch.randn(4, requires_grad=True)
        h = x.exp()
        return (h.sum(), (h * 2).mean()), {"x": x}, None

    def detach_and_no_grad():
        x = torch.randn(3, requires_grad=True)
        with torch.no_grad():
            scale = x.abs().max()
        y = (x * scale + x.detach()).sum()
        return (y,), {"x": x}, None

    def batchnorm_cnn():
        model = nn.Sequential(
            nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2)
        )
        return (model(torch.randn(3, 1, 4, 4)).logsumexp(1).sum(),), {}, model

    return {
        f.__name__: f
        for f in (regression, lstm, embedding, two_outputs, detach_and_no_grad, batchnorm_cnn)
    }


EXTRA = _extra_models()


def _case(name):
    if name in gallery.EXAMPLES:
        built = gallery.build(name)
        return built.outputs, built.params, built.model
    return EXTRA[name]()


def _names(params, model):
    names = {id(p): n for n, p in (model.named_parameters() if model else [])}
    names.update({id(t): n for n, t in params.items()})
    return names


ALL_CASES = list(gallery.EXAMPLES) + list(EXTRA)


@pytest.mark.parametrize("name", ALL_CASES)
def test_capture_matches_independent_walk(name):
    outputs, params, model = _case(name)
    graph = gl.capture(*outputs, params=params, model=model)
    expected_nodes = autograd_nodes(*outputs)
    graph_nodes = graph.of_kind("op", "leaf", "param")
    assert len(graph_nodes) == len(expected_nodes)
    assert len({n.id for n in graph.nodes}) == len(graph.nodes), "node ids must be unique"
    ours = Counter(
        (graph.node(e.src).name, graph.node(e.dst).name, e.slot)
        for e in graph.edges
        if e.kind == "data" and graph.node(e.dst).kind != "output"
    )
    assert ours == edge_multiset(outputs, _names(params, model))
    assert len(graph.of_kind("output")) == len(outputs)


@pytest.mark.parametrize("name", [n for n in ALL_CASES if _case(n)[2] is not None])
def test_parameter_names_come_from_the_model(name):
    outputs, params, model = _case(name)
    graph = gl.capture(*outputs, params=params, model=model)
    used = {
        id(fn.variable)
        for fn in autograd_nodes(*outputs)
        if isinstance(getattr(fn, "variable", None), nn.Parameter)
    }
    expected = {n for n, p in model.named_parameters() if id(p) in used}
    assert {n.name for n in graph.of_kind("param")} == expected
    assert expected


def test_each_op_is_attributed_to_the_module_that_ran_it():
    model = gallery.build("attention").model
    made_by = {}

    def remember(name):
        def hook(module, args, out):
            out = out[0] if isinstance(out, tuple) else out
            passed_through = any(out.grad_fn is a.grad_fn for a in args)  # e.g. dropout p=0
            if out.grad_fn is not None and not passed_through:
                made_by[out.grad_fn] = name

        return hook

    handles = [
        m.register_forward_hook(remember(n))
        for n, m in model.named_modules()
        if not list(m.children())  # leaf modules: their output node is surely their own
    ]
    with gl.track_modules(model):
        out = model(torch.randn(3, 1, 8)).sum()
    for h in handles:
        h.remove()
    for fn, name in made_by.items():
        assert fn.metadata.get(gl.core.MODULE_KEY) == name
    graph = gl.capture(out, model=model)
    tags = Counter(fn.metadata.get(gl.core.MODULE_KEY) for fn in autograd_nodes(out))
    tags.pop(None, None)  # AccumulateGrad nodes: shown as params with their own module
    ours = Counter(n.module for n in graph.of_kind("op") if n.module is not None)
    assert ours == tags
    assert {"linear1", "linear2", "norm1", "norm2", "self_attn"} <= set(ours)


def test_module_attribution_falls_back_to_parameters_without_tracking():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    graph = gl.capture(model(torch.randn(4, 2)).sum(), model=model)
    addmm = [n for n in graph.of_kind("op") if n.name == "AddmmBackward0"]
    assert sorted(n.module for n in addmm) == ["0", "2"]


def test_saved_tensors_and_attributes():
    x = torch.randn(3, requires_grad=True)
    y = (x.pow(3) * 2).sum()
    graph = gl.capture(y, params={"x": x})
    pow_node = next(n for n in graph.nodes if n.name == "PowBackward0")
    saved = graph.saved(pow_node.id)
    assert [(s.name, s.shape, s.dtype) for s in saved] == [("self", (3,), "float32")]
    assert pow_node.attrs["exponent"] == "3"
    sum_node = next(n for n in graph.nodes if n.name == "SumBackward0")
    assert sum_node.attrs["self_sym_sizes"] == "(3,)"


def test_saved_tensors_freed_by_backward_are_reported_not_fatal():
    x = torch.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    graph = gl.capture(y, params={"x": x})
    mul = next(n for n in graph.nodes if n.name == "MulBackward0")
    assert mul.attrs["self"] == "<freed by backward>"


def test_custom_function_node_carries_its_context():
    graph = gallery.graph("custom")
    node = next(n for n in graph.of_kind("op") if n.name == "ScaledReLUBackward")
    assert node.attrs == {"function": "ScaledReLU", "scale": "2.0"}
    assert [s.name for s in graph.saved(node.id)] == ["saved_tensors[0]"]


def test_double_backward_graph_contains_backward_of_backward_ops():
    graph = gallery.graph("double_backward")
    names = Counter(n.name for n in graph.of_kind("op"))
    assert names["PowBackward0"] >= 1 and names["MulBackward0"] >= 1
    assert [n.name for n in graph.of_kind("leaf")] == ["x"]


def test_view_output_is_linked_to_its_base_without_an_extra_node():
    graph = gallery.graph("view_inplace")
    (view_edge,) = [e for e in graph.edges if e.kind == "view"]
    assert graph.node(view_edge.dst).name == "v"
    assert graph.node(view_edge.src).name == "CopySlices"


def test_leaf_output_and_tensor_without_grad():
    x = torch.ones(2, requires_grad=True)
    c = torch.ones(2)
    graph = gl.capture(x, c, params={"x": x, "c": c})
    assert [n.kind for n in graph.nodes] == ["output", "output", "leaf"]
    assert [(e.src, e.dst) for e in graph.edges] == [(graph.nodes[2].id, "o0")]


def test_shared_input_gives_two_edges():
    graph = gallery.graph("shared")
    mul = next(n for n in graph.nodes if n.name == "MulBackward0")
    assert [(graph.node(e.src).name, e.slot) for e in graph.inputs(mul.id)] == [("x", 0), ("x", 1)]


def test_op_nodes_know_their_output_shape_and_dtype():
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    graph = gl.capture(x.t().exp())
    exp = next(n for n in graph.nodes if n.name == "ExpBackward0")
    assert (exp.shape, exp.dtype, exp.device) == ((3, 2), "float64", "cpu")


def test_capture_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least one"):
        gl.capture()
    with pytest.raises(TypeError, match="not a torch.Tensor"):
        gl.capture([1, 2])


def _chain_capture(length: int, result: dict) -> None:
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(length):
        y = y * 1.0
    start = time.perf_counter()
    graph = gl.capture(y, params={"x": x})
    result["seconds"] = time.perf_counter() - start
    result["graph"] = graph
    result["dot"] = gl.to_dot(graph, show_saved=False)


def test_deep_chain_of_50k_nodes_is_captured_iteratively():
    # PyTorch itself frees a deep graph whose nodes have had Python wrappers (any grad_fn walk,
    # torchviz's too) recursively in C++, so the chain lives and dies on a thread with a big stack.
    result: dict = {}
    threading.stack_size(256 * 1024 * 1024)
    try:
        worker = threading.Thread(target=_chain_capture, args=(50_000, result))
        worker.start()
        worker.join()
    finally:
        threading.stack_size(0)
    graph = result["graph"]
    assert len(graph.of_kind("op")) == 50_000
    assert len(graph.of_kind("leaf")) == 1
    assert len([e for e in graph.edges if e.kind == "data"]) == 50_001
    assert result["dot"].count('label="MulBackward0"') == 50_000
    assert result["seconds"] < 30


def test_capture_does_not_change_gradients():
    x = torch.randn(4, requires_grad=True)
    y = (x.sin() * x).sum()
    gl.capture(y, params={"x": x})
    y.backward()
    assert torch.allclose(x.grad, x.cos() * x + x.sin())


def test_same_program_gives_the_same_graph():
    assert gallery.graph("small_cnn") == gallery.graph("small_cnn")
