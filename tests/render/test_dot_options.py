"""`to_dot(show_attrs=..., max_attr_chars=..., edge_shapes=...)`: attributes in op boxes as
torchviz's `make_dot(show_attrs=True)` shows them, read back from the grad_fn independently, and
tensor shapes on the data edges, checked against the tensors themselves."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import torch
import torch.nn.functional as F

import graphlab as gl
from graphlab.core.walk import capture_ids
from graphlab.render.text import quote

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
SVG = "{http://www.w3.org/2000/svg}"


def _label(dot: str, node_id: str) -> str:
    """The label text (DOT-escaped, without its quotes) of one node line."""
    line = next(x for x in dot.splitlines() if x.startswith(f'  "{node_id}" ['))
    return re.match(r'\s*"[^"]*" \[label="((?:[^"\\]|\\.)*)"', line).group(1)


def _saved_non_tensors(fn) -> dict[str, object]:
    """What torchviz lists for `fn`: its `_saved_*` attributes that are not tensors, by dir()."""
    found = {}
    for attr in dir(fn):
        if attr.startswith("_saved_"):
            value = getattr(fn, attr)
            many = value if isinstance(value, (tuple, list)) else [value]
            if value is not None and not any(torch.is_tensor(v) for v in many):
                found[attr.removeprefix("_saved_")] = value
    return found


def _conv_net() -> torch.Tensor:
    torch.manual_seed(0)
    x = torch.randn(2, 3, 6, 6, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    y = F.gelu(F.conv2d(x, w, stride=2, padding=1, dilation=1), approximate="tanh")
    return y.sum(dim=1, keepdim=True).mean()


def test_each_op_box_lists_the_attributes_its_grad_fn_saved():
    out = _conv_net()
    graph, ids = capture_ids(out)
    dot = gl.to_dot(graph, show_attrs=True)
    checked = 0
    for fn, node_id in ids.items():
        for name, value in _saved_non_tensors(fn).items():
            assert quote(f"{name}: {value!r}")[1:-1] in _label(dot, node_id), (fn, name)
            checked += 1
    assert checked >= 10  # stride, padding, dilation, groups, approximate, dim, keepdim, ...
    assert "approximate: 'tanh'" in dot and "stride: (2, 2)" in dot
    plain = gl.to_dot(graph)  # off by default: the attributes stay in the tooltip only
    assert "stride: (2, 2)" not in plain and "stride = (2, 2)" in plain


def test_saved_tensors_are_not_repeated_as_attributes():
    x = torch.ones(3, requires_grad=True)
    graph, ids = capture_ids((x * x).sum())
    dot = gl.to_dot(graph, show_attrs=True)
    mul = next(nid for fn, nid in ids.items() if type(fn).__name__ == "MulBackward0")
    assert _label(dot, mul) == "MulBackward0"  # self and other are saved-tensor nodes


def test_long_values_are_cut_to_max_attr_chars():
    x = torch.ones([1] * 20 + [2], requires_grad=True)
    graph, ids = capture_ids(x.sum())
    (sizes,) = (fn._saved_self_sym_sizes for fn in ids if type(fn).__name__ == "SumBackward0")
    text = repr(sizes)
    assert len(text) > 50
    for limit in (1, 12, 40):
        dot = gl.to_dot(graph, show_attrs=True, max_attr_chars=limit)
        assert f"self_sym_sizes: {text[: limit - 1]}…" in dot
        assert f"self_sym_sizes: {text[:limit]}" not in dot
    with pytest.raises(ValueError, match="max_attr_chars"):
        gl.to_dot(graph, show_attrs=True, max_attr_chars=0)


class _Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, note):
        ctx.note = note
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, None


def test_custom_function_ctx_attributes_are_listed_and_escaped():
    x = torch.ones(2, requires_grad=True)
    note = 'a"b\\n<i>&amp;'
    graph = gl.capture(_Scale.apply(x, note).sum())
    dot = gl.to_dot(graph, show_attrs=True)
    assert quote(f"note: {note!r}")[1:-1] in dot
    assert quote(f"function: {_Scale.__qualname__}")[1:-1] in dot


def test_edge_shapes_match_the_tensors_that_flow():
    torch.manual_seed(0)
    x = torch.randn(4, 5, requires_grad=True)
    w = torch.randn(5, 3, requires_grad=True)
    a = x @ w
    b = a.relu()
    c = b.t().reshape(12)
    out = c.sum()
    graph, ids = capture_ids(out, params={"x": x, "w": w})
    dot = gl.to_dot(graph, edge_shapes=True)
    lines = set(dot.splitlines())
    for made, used in [(a, b), (c, out)]:  # `made`'s grad_fn feeds `used`'s
        src, dst = ids[made.grad_fn], ids[used.grad_fn]
        shape = "(" + ", ".join(str(d) for d in made.shape) + ")"
        assert f'  "{src}" -> "{dst}" [label="{shape}"];' in lines
    leaf = next(nid for fn, nid in ids.items() if getattr(fn, "variable", None) is x)
    assert f'  "{leaf}" -> "{ids[a.grad_fn]}" [label="(4, 5)"];' in lines
    data = sum(e.kind == "data" for e in graph.edges)  # no parallel edges here: all labelled
    assert sum(" -> " in line and "label=" in line for line in lines) == data


def test_edges_leaving_a_multi_output_op_carry_their_own_outputs_shape():
    x = torch.randn(3, 4, requires_grad=True)
    a, b = x.split([1, 2])
    graph, ids = capture_ids(a.sum() + b.exp().sum())
    dot = gl.to_dot(graph, edge_shapes=True)
    split = ids[b.grad_fn]  # b is split's second output, (2, 4); a, its first, is (1, 4)
    exp = next(nid for fn, nid in ids.items() if type(fn).__name__ == "ExpBackward0")
    assert f'  "{split}" -> "{exp}" [label="(2, 4)"];' in dot.splitlines()


def test_an_output_that_is_a_later_output_of_its_op_is_labelled_with_its_own_shape():
    x = torch.randn(5, 2, requires_grad=True)
    _, b = x.split([2, 3])  # captured itself: the output node hangs off split's output 1
    graph, ids = capture_ids(b)
    (edge,) = [e for e in graph.edges if e.dst == "o0" and e.kind == "data"]
    assert (edge.src, edge.output) == (ids[b.grad_fn], 1)
    assert f'  "{edge.src}" -> "o0" [label="(3, 2)"];' in gl.to_dot(graph, edge_shapes=True)


def test_edge_shapes_is_the_show_shapes_switch_and_wins_over_it():
    x = torch.ones(2, 3, requires_grad=True)
    graph = gl.capture((x * 2).sum())
    assert gl.to_dot(graph, edge_shapes=True) == gl.to_dot(graph, show_shapes=True)
    assert gl.to_dot(graph, edge_shapes=False, show_shapes=True) == gl.to_dot(graph)
    assert gl.to_dot(graph, modules=True, edge_shapes=False) == gl.to_dot(
        graph, modules=True, show_shapes=False
    )


@needs_dot
def test_attributes_and_edge_shapes_render_with_graphviz():
    out = _conv_net()
    x = torch.ones(2, requires_grad=True)
    graph = gl.capture(out + _Scale.apply(x, 'q"<b>&amp;').sum())
    dot = gl.to_dot(graph, show_attrs=True, edge_shapes=True, max_attr_chars=8)
    result = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr.decode()
    texts = ["".join(t.itertext()) for t in ET.fromstring(result.stdout).iter(f"{SVG}text")]
    assert "stride: (2, 2)" in texts and "approximate: 'tanh'" in texts
    assert "note: 'q\"<b>&…" in texts  # cut to 8 characters, shown literally
    assert "(2, 4, 3, 3)" in texts  # the conv's result on the edge into GeluBackward0
