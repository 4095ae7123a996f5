"""What capture shows for saved values it cannot read, and for a custom Function's ctx."""

import statistics
import time
from collections import OrderedDict

import torch

import graphlab as gl
from graphlab.core.attr_text import FREED, MAX_ATTR_CHARS, bounded_text


def _relu_results(graph):
    return [n.attrs.get("result") for n in graph.of_kind("op") if n.name == "ReluBackward0"]


def test_result_overwritten_in_place_is_not_called_freed():
    x = torch.randn(3, requires_grad=True)
    y = x * 1
    y.relu_()  # saves y (then at version 1) for its backward
    y.relu_()  # y is now at version 2: the first relu's saved result is stale
    assert y._version == 2
    graph = gl.capture(y)  # no backward ran
    labels = _relu_results(graph)
    assert "<overwritten in place (version 2, saved at version 1)>" in labels
    assert FREED not in labels


def test_result_freed_by_a_real_backward_still_says_freed():
    x = torch.randn(3, requires_grad=True)
    y = (x * 1).relu()
    y.sum().backward()
    assert _relu_results(gl.capture(y)) == [FREED]


def test_custom_function_saved_tensors_overwritten_in_place():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = torch.randn(3, requires_grad=True)
    h = x * 1
    out = Square.apply(h)
    h.add_(1)
    node = next(n for n in gl.capture(out).of_kind("op") if n.name == "SquareBackward")
    assert node.attrs["saved_tensors"] == "<overwritten in place (version 1, saved at version 0)>"


class _Broken:
    def __repr__(self):
        raise ValueError("cannot say")


class _Keep(torch.autograd.Function):
    """Puts whatever it is given on its ctx."""

    @staticmethod
    def forward(ctx, x, attrs):
        for key, value in attrs.items():
            setattr(ctx, key, value)
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, None


def _keep_node(**attrs):
    out = _Keep.apply(torch.randn(3, requires_grad=True), attrs)
    return out, next(n for n in gl.capture(out).of_kind("op") if n.name == "_KeepBackward")


def test_ctx_attribute_whose_repr_raises_does_not_break_capture():
    _, node = _keep_node(broken=_Broken(), inside=[1, _Broken()])
    assert node.attrs["broken"] == "<repr failed: ValueError: cannot say>"
    assert node.attrs["inside"] == "[1, <repr failed: ValueError: cannot say>]"


def test_ctx_attributes_are_shown_with_a_bounded_repr():
    _, node = _keep_node(
        big=list(range(2_000_000)),
        text="x" * 1000,
        nested={"a": [[[[1]]]]},
        tensor=torch.zeros(1000, 2),
        tiny=torch.tensor([1.0, 2.0]),
    )
    assert node.attrs["big"] == "[0, 1, 2, 3, 4, 5, ...]"
    assert all(len(v) <= MAX_ATTR_CHARS for v in node.attrs.values())
    assert node.attrs["nested"] == "{'a': [[[...]]]}"  # three levels deep, then ...
    assert node.attrs["tensor"] == "tensor(shape=(1000, 2), dtype=float32)"
    assert node.attrs["tiny"] == repr(torch.tensor([1.0, 2.0]))


def test_huge_ctx_attributes_cost_well_under_a_millisecond():
    n = 2_000_000
    out, node = _keep_node(big=list(range(n)), table=dict.fromkeys(range(n)), members=set(range(n)))
    small, _ = _keep_node(big=0)
    assert node.attrs["members"] == "{0, 1, 2, 3, 4, 5, ...}"
    assert node.attrs["table"].startswith("{0: None, 1: None, 2: None,")

    def median_ms(y):
        times = []
        for _ in range(15):
            start = time.perf_counter()
            gl.capture(y)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e3

    # A full repr of the list takes ~100 ms (reprlib's own dict and set reprs sort them first); bounded it is a few microseconds. The margin is
    # wide for a loaded machine, and still far below the unbounded cost.
    assert median_ms(out) - median_ms(small) < 1.0


def test_bounded_text_of_plain_values_is_their_repr():
    for value in (3, 2.5, (1, 2), "abc", None, [1.0, 2.0], {}, set(), torch.Size([2, 3])):
        assert bounded_text(value) == repr(value)


def test_long_subclasses_of_containers_and_tensors_are_bounded_too():
    ordered = OrderedDict((i, i) for i in range(10))
    assert bounded_text(ordered) == "OrderedDict({0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, …"
    assert bounded_text(torch.Size(range(100))) == "Size([0, 1, 2, 3, 4, 5, ...])"
    weight = torch.nn.Parameter(torch.zeros(100, 3))
    assert bounded_text(weight) == "tensor(shape=(100, 3), dtype=float32)"


def test_values_packed_by_checkpointing_are_not_unpacked_so_the_forward_is_not_rerun():
    from torch.utils.checkpoint import checkpoint

    torch.manual_seed(0)
    bn = torch.nn.BatchNorm1d(4)
    block = torch.nn.Sequential(torch.nn.Linear(4, 4), bn, torch.nn.ReLU())
    out = checkpoint(block, torch.randn(8, 4, requires_grad=True), use_reentrant=False).sum()
    stats = (bn.num_batches_tracked.item(), bn.running_mean.clone())
    graph = gl.capture(out)
    # Unpacking a checkpointed value re-runs the block's forward: BatchNorm would count again.
    assert bn.num_batches_tracked.item() == stats[0]
    assert torch.equal(bn.running_mean, stats[1])
    (norm,) = [n for n in graph.nodes if n.name == "NativeBatchNormBackward0"]
    assert norm.attrs["input"] == "<packed by a saved-tensor hook: not unpacked>"
    assert norm.attrs["eps"] == repr(bn.eps)  # numbers are read as usual
    plain = gl.capture(block(torch.randn(8, 4, requires_grad=True)).sum())
    (norm,) = [n for n in plain.nodes if n.name == "NativeBatchNormBackward0"]
    assert "input" not in norm.attrs  # without a hook it is a saved-tensor node, as before


def test_a_module_in_a_ctx_is_named_by_its_type_not_its_whole_repr():
    class Run(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, fn):
            ctx.fn = fn
            return fn(x)

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    model = torch.nn.Sequential(*[torch.nn.Linear(2, 2) for _ in range(50)])
    y = Run.apply(torch.ones(2, requires_grad=True), model).sum()
    (node,) = [n for n in gl.capture(y).nodes if n.attrs.get("function")]
    assert node.attrs["fn"] == "<Sequential>"
