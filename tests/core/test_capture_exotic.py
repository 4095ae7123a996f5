"""capture() on tensors beyond dense float ones: nested (strided and jagged), sparse, quantized,
meta and complex. Each graph is checked against an independent walk of grad_fn and must survive a
strict-JSON round trip."""

import json
from collections import Counter

import pytest
import torch

import graphlab as gl
from graphlab.core.tensors import shape_of, tensor_summary
from graphlab.core.walk import capture_ids
from tests.oracle import autograd_nodes, edge_multiset

pytestmark = [  # torch's notes on prototype, beta and deprecated layouts: known, not ours
    pytest.mark.filterwarnings("ignore:.*nested tensors.*:UserWarning"),
    pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*quantized tensor creation functions:UserWarning"),
]


def _pair():
    return torch.randn(2, 3, requires_grad=True), torch.randn(4, 3, requires_grad=True)


class SaveAll(torch.autograd.Function):
    """Saves whatever exotic tensors it is given, so capture has to read them back; `extra` goes
    on the ctx as an attribute (torch cannot save a strided nested tensor for backward, nor take
    one as an argument of `apply`: it travels in a list)."""

    @staticmethod
    def forward(ctx, x, extra, *keep):
        ctx.save_for_backward(*keep)
        ctx.extra = extra
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, None, *([None] * len(ctx.saved_tensors))


def strided_nested():
    a, b = _pair()
    return (torch.nested.as_nested_tensor([a, b]) * 2).to_padded_tensor(0.0).sum(), {"a": a}


def jagged_nested():
    a, b = _pair()
    nt = torch.nested.as_nested_tensor([a, b], layout=torch.jagged)
    return (nt * 2).sin().values().sum(), {"a": a, "b": b}


def sparse_coo():
    s = torch.randn(3, 3).to_sparse().requires_grad_()
    w = torch.randn(3, 2, requires_grad=True)
    return torch.sparse.mm(s * 2, w).sum(), {"s": s, "w": w}


def sparse_csr():
    s = torch.randn(3, 3).to_sparse_csr().requires_grad_()
    w = torch.randn(3, 2, requires_grad=True)
    return (s @ w).sum(), {"s": s, "w": w}


def quantized():
    x = torch.randn(3, requires_grad=True)
    q = torch.quantize_per_tensor(torch.randn(3), 0.1, 0, torch.qint8)
    y = torch.fake_quantize_per_tensor_affine(x, 0.1, 0, -128, 127)
    return SaveAll.apply(y, q.int_repr(), q).sum(), {"x": x}


def meta():
    x = torch.randn(3, 4, device="meta", requires_grad=True)
    return (x * x).sin().sum(), {"x": x}


def complex_():
    x = torch.randn(3, dtype=torch.cfloat, requires_grad=True)
    return (x * x.conj()).abs().sum(), {"x": x}


def custom_saving_exotic():
    x = torch.randn(3, requires_grad=True)
    strided = torch.nested.as_nested_tensor([torch.ones(2), torch.ones(3)])
    jagged = torch.nested.as_nested_tensor([torch.ones(2), torch.ones(3)], layout=torch.jagged)
    keep = (jagged, torch.eye(2).to_sparse(), torch.ones(2, device="meta"), torch.ones(2) * 1j)
    return SaveAll.apply(x, [strided], *keep).sum(), {"x": x}


CASES = {
    f.__name__: f
    for f in (
        strided_nested, jagged_nested, sparse_coo, sparse_csr, quantized, meta, complex_,
        custom_saving_exotic,
    )
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_capture_matches_independent_walk_and_round_trips(name):
    out, params = CASES[name]()
    graph = gl.capture(out, params=params)
    assert len(graph.of_kind("op", "leaf", "param")) == len(autograd_nodes(out))
    ours = Counter(
        (graph.node(e.src).name, graph.node(e.dst).name, e.slot)
        for e in graph.edges
        if e.kind == "data" and graph.node(e.dst).kind != "output"
    )
    assert ours == edge_multiset([out], {id(t): n for n, t in params.items()})
    text = graph.to_json()
    json.loads(text, parse_constant=pytest.fail)  # strict JSON: no NaN, no Infinity
    assert gl.Graph.from_json(text) == graph


def test_strided_nested_sizes_show_the_ragged_range():
    out, _ = strided_nested()
    graph = gl.capture(out)
    saved = [n for n in graph.of_kind("saved") if isinstance(n.shape, tuple) and "2..4" in n.shape]
    assert saved and saved[0].shape == (2, "2..4", 3)


def test_jagged_nested_sizes_are_text_where_symbolic():
    out, _ = jagged_nested()
    shapes = [n.shape for n in gl.capture(out).nodes if n.shape and str in map(type, n.shape)]
    assert shapes, "the jagged dim shows as text"
    for shape in shapes:
        assert shape[0] == 2 and shape[2] == 3 and shape[1].startswith("j")


def test_custom_function_saved_exotic_tensors_keep_their_metadata():
    out, _ = custom_saving_exotic()
    graph = gl.capture(out)
    saved = graph.of_kind("saved")
    assert [(s.shape, s.dtype, s.device) for s in saved] == [
        (
            shape_of(t),
            str(t.dtype).removeprefix("torch."),
            str(t.device),
        )
        for t in out.grad_fn.next_functions[0][0].saved_tensors
    ]
    assert saved[0].shape[0] == 2 and saved[0].shape[1].startswith("j")
    node = next(n for n in graph.of_kind("op") if n.name == "SaveAllBackward")
    assert node.attrs["extra"] == "[tensor(shape=(2, '2..3'), dtype=float32)]"


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.nested.as_nested_tensor([torch.ones(2, 3), torch.ones(4, 3)]),
        lambda: torch.nested.as_nested_tensor([torch.ones(2), torch.ones(3)], layout=torch.jagged),
        lambda: torch.randn(3, 3).to_sparse(),
        lambda: torch.randn(30, 30).to_sparse_csr(),
        lambda: torch.quantize_per_tensor(torch.randn(3), 0.1, 0, torch.qint8),
        lambda: torch.quantize_per_tensor(torch.randn(300), 0.1, 0, torch.qint8),
        lambda: torch.randn(300, device="meta"),
        lambda: torch.randn(3, dtype=torch.cfloat),
    ],
)
def test_tensor_summary_is_strict_json_for_any_tensor(make):
    t = make()
    info = json.loads(json.dumps(tensor_summary(t), allow_nan=False))
    assert info["dtype"] == str(t.dtype).removeprefix("torch.")
    assert info["shape"] == list(shape_of(t))
    if "value" in info and not t.is_complex():  # readable values equal torch's own
        dense = t.dequantize() if t.is_quantized else t.to_dense()
        assert info["value"] == dense.tolist()


def test_tensor_summary_of_a_small_complex_tensor_gives_its_values_as_text():
    t = torch.tensor([1 + 2j, -0.5j])
    assert tensor_summary(t)["value"] == [str(v) for v in t.tolist()]


@pytest.mark.parametrize("layout", [torch.strided, torch.jagged])
def test_nested_outputs_capture_round_trip_and_draw(layout):
    a, b = _pair()
    nt = torch.nested.as_nested_tensor([a, b], layout=layout)
    y = (nt * 2).relu()
    outputs = (y, y.unbind()[0] if layout == torch.strided else y.values())
    graph = gl.capture(*outputs, params={"a": a, "b": b})
    assert len(graph.of_kind("op", "leaf", "param")) == len(autograd_nodes(*outputs))
    assert graph.node("o0").shape == shape_of(y)
    relu = next(n for n in graph.of_kind("op") if n.name.startswith("Relu"))
    assert (relu.dtype, relu.device) == ("float32", "cpu")  # even without a single shape
    assert gl.Graph.from_json(graph.to_json()) == graph
    assert str(shape_of(y)[1]) in gl.to_dot(graph)  # the ragged size is drawn as text


def test_edges_keep_which_output_of_a_multi_output_op_they_carry():
    x = torch.randn(6, 4, requires_grad=True)
    parts = x.split([1, 2, 3])
    outputs = (parts[2].sum() + parts[0].exp().sum() * parts[1].sum(),)
    graph, ids = capture_ids(*outputs)
    expected = Counter(
        (ids[nxt], ids[fn], slot, output)
        for fn in autograd_nodes(*outputs)
        for slot, (nxt, output) in enumerate(fn.next_functions)
        if nxt is not None
    )
    inner = [e for e in graph.edges if e.kind == "data" and e.dst != "o0"]
    ours = Counter((e.src, e.dst, e.slot, e.output) for e in inner)
    assert ours == expected and {o for *_, o in expected} == {0, 1, 2}
    split = graph.node(ids[parts[0].grad_fn])
    assert split.outputs == tuple(tuple(p.shape) for p in parts) and split.shape == (1, 4)
    assert graph.node(ids[outputs[0].grad_fn]).outputs is None  # one output: nothing more to say
