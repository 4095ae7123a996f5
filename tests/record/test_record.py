"""The Recorder against autograd itself: order, gradients and leaf totals come from PyTorch."""

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from graphlab.lessons.gallery import EXAMPLES
from graphlab.record.recorder import Recorder
from tests.oracle import autograd_nodes


def _shared():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return (x * x).sum(), {"x": x}


def _two_paths():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    y = torch.sin(x) * 2 + torch.exp(x) * x
    return y.sum(), {"x": x, "y": y}


def _no_grad_and_detach():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        c = x * 3
    d = x.detach() ** 2
    return (x * c + d + x.tanh()).mean(), {"x": x}


def _inplace_view():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = x * 2
    v = h[1:3]
    v.mul_(10)
    h.add_(1)
    return h.pow(2).sum(), {"x": x, "h": h}


def _several_outputs():
    a = torch.tensor([1.0, -2.0], requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    return (a * b, (a - b).relu().sum()), {"a": a, "b": b}


def _retain_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = torch.sigmoid(x * 3)
    h.retain_grad()
    return (h * h).sum(), {"x": x, "h": h}


def _model():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    loss = F.cross_entropy(model(x), torch.tensor([0, 1, 1, 0, 1]))
    return loss, dict(model.named_parameters())


CASES: dict[str, Callable] = {
    "shared": _shared,
    "two_paths": _two_paths,
    "no_grad_and_detach": _no_grad_and_detach,
    "inplace_view": _inplace_view,
    "several_outputs": _several_outputs,
    "retain_grad": _retain_grad,
    "model": _model,
}


def _record(case: Callable, **backward):
    with Recorder() as rec:
        outputs, named = case()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    steps = rec.backward(*outputs, params=named, **backward)
    return rec, outputs, named, steps


def _as_tensor(value):
    return None if value is None else value.tensor


@pytest.mark.parametrize("name", list(CASES))
def test_backward_order_is_what_independent_prehooks_see(name):
    with Recorder() as rec:
        outputs, named = CASES[name]()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    seen, handles = [], []
    for fn in autograd_nodes(*outputs):
        handles.append(fn.register_prehook(lambda grads, fn=fn: seen.append(fn)))
    steps = rec.backward(*outputs, params=named)
    for h in handles:
        h.remove()
    assert [s.node for s in steps] == [rec.ids[fn] for fn in seen]
    assert len(steps) == len(set(rec.ids.values())) == len(autograd_nodes(*outputs))


@pytest.mark.parametrize("name", list(CASES))
def test_grad_inputs_are_what_each_node_computes(name):
    rec, outputs, named, steps = _record(CASES[name], retain_graph=True)
    fn_of = {nid: fn for fn, nid in rec.ids.items()}
    for step in steps:
        fn = fn_of[step.node]
        if isinstance(getattr(fn, "variable", None), torch.Tensor):
            assert step.grad_inputs == [] and step.grad is not None
            continue
        with torch.no_grad():
            expected = fn(*[_as_tensor(g) for g in step.grad_outputs])
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert len(step.grad_inputs) == len(expected) == len(fn.next_functions)
        for slot, (got, want) in enumerate(zip(step.grad_inputs, expected, strict=True)):
            target = step.targets[slot]
            if target is None:
                assert fn.next_functions[slot][0] is None
                continue
            # The engine sums a gradient back to the shape of a broadcast input, as here.
            want = want.sum_to_size(rec.graph.node(target).shape)
            torch.testing.assert_close(got.tensor, want)


@pytest.mark.parametrize("name", list(CASES))
def test_grad_outputs_are_the_gradients_of_the_node_outputs(name):
    rec, outputs, named, steps = _record(CASES[name], retain_graph=True)
    arrived = {s.node: s.grad_outputs[0] for s in steps}
    roots = [o for o in outputs if o.requires_grad]
    checked = 0
    for tensor in [*named.values(), *roots]:
        nid = rec.ids.get(tensor.grad_fn)
        if nid is None:
            continue
        (oracle,) = torch.autograd.grad(
            roots, tensor, [torch.ones_like(r) for r in roots], retain_graph=True
        )
        torch.testing.assert_close(arrived[nid].tensor, oracle)
        checked += 1
    assert checked >= len(roots)


@pytest.mark.parametrize("name", list(CASES))
def test_leaf_grads_after_the_last_step_equal_dot_grad(name):
    rec, outputs, named, steps = _record(CASES[name])
    assert rec.leaves and all(leaf.equal for leaf in rec.leaves)
    leaves = {rec.ids[fn]: fn.variable for fn in rec.ids if hasattr(fn, "variable")}
    last = {s.node: s for s in steps if s.node in leaves}
    for nid, tensor in leaves.items():
        torch.testing.assert_close(last[nid].grad.tensor, tensor.grad)
        total = sum(v.tensor for _, _, v in last[nid].contributions)
        torch.testing.assert_close(total, tensor.grad)


def test_a_leaf_reached_by_two_paths_shows_both_contributions():
    rec, _, named, steps = _record(_shared)
    (leaf,) = [s for s in steps if s.name == "AccumulateGrad"]
    assert [(src, slot) for src, slot, _ in leaf.contributions] == [("n1", 0), ("n1", 1)]
    assert [v.tensor.tolist() for _, _, v in leaf.contributions] == [[1, 2, 3], [1, 2, 3]]
    assert leaf.grad.tensor.tolist() == named["x"].grad.tolist() == [2, 4, 6]


def test_grad_accumulates_onto_an_earlier_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0])
    with Recorder() as rec:
        y = (x * 3).sum()
    rec.backward(y, params={"x": x})
    (leaf,) = rec.leaves
    assert leaf.equal and leaf.from_steps.tensor.tolist() == [13.0, 13.0]


@pytest.mark.parametrize("name", list(CASES))
def test_saved_values_are_what_each_node_saved(name):
    rec, outputs, named, steps = _record(CASES[name], retain_graph=True)
    fn_of = {nid: fn for fn, nid in rec.ids.items()}
    checked = 0
    for step in steps:
        fn = fn_of[step.node]
        attrs = [a for a in dir(fn) if a.startswith("_saved_") and "_sym_" not in a]
        tensors = {a[7:]: getattr(fn, a) for a in attrs}  # still there: retain_graph
        tensors = {k: v for k, v in tensors.items() if isinstance(v, torch.Tensor)}
        assert set(tensors) <= set(step.saved)
        for key, tensor in tensors.items():
            torch.testing.assert_close(step.saved[key].tensor, tensor.detach())
            checked += 1
    assert checked > 0


def test_a_saved_value_is_a_copy_that_later_in_place_changes_leave_alone():
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = torch.ones(3, 2, requires_grad=True)
    with Recorder() as rec:
        y = F.linear(x, w).sum()  # linear transposes w inside: no Python step saw w.t()
    (mm,) = [s for s in rec.backward(y) if s.name == "MmBackward0"]
    with torch.no_grad():
        w.add_(100)  # what an optimizer step does after backward
    assert mm.saved["mat2"].tensor.tolist() == [[1.0, 3.0], [2.0, 4.0]]


class _AlwaysFails(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("always")


@pytest.mark.parametrize("enabled", [True, False])
def test_recording_leaves_the_garbage_collector_as_it_found_it(enabled):
    import gc

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (gc.enable if enabled else gc.disable)()
    try:
        with Recorder() as rec:
            assert not gc.isenabled()  # paused while recording
            y = (x * 2).sum()
        assert gc.isenabled() is enabled
        rec.backward(y)
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError, match="inside"), Recorder():
            raise ValueError("inside the block")
        assert gc.isenabled() is enabled
        with Recorder() as rec:
            z = _AlwaysFails.apply(x * 2).sum()
        with pytest.raises(RuntimeError, match="always"):
            rec.backward(z)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_hooks_are_removed_so_a_second_backward_adds_nothing():
    rec, outputs, named, steps = _record(_two_paths, retain_graph=True)
    count = len(steps)
    outputs[0].backward()
    assert len(rec.backward_steps) == count
    torch.testing.assert_close(named["x"].grad, 2 * rec.leaves[0].grad.tensor)


class _FailOnce(torch.autograd.Function):
    failures = 1

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, grad):
        if _FailOnce.failures:
            _FailOnce.failures -= 1
            raise RuntimeError("boom")
        return grad


def test_hooks_are_removed_when_backward_raises():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with Recorder() as rec:
        y = _FailOnce.apply(x * 2).sum()
    with pytest.raises(RuntimeError, match="boom"):
        rec.backward(y, retain_graph=True)
    count = len(rec.backward_steps)
    y.backward()
    assert len(rec.backward_steps) == count
    assert x.grad.tolist() == [2.0, 2.0]


def test_forward_steps_in_order_with_nodes_only_where_a_node_was_made():
    rec, outputs, named, steps = _record(_no_grad_and_detach)
    ops = [(s.op, s.node is not None, s.grad_enabled) for s in rec.forward]
    assert ops == [
        ("torch.tensor", True, True),  # a leaf that requires grad: its leaf node
        ("Tensor.mul", False, False),  # under no_grad
        ("Tensor.detach", False, True),
        ("Tensor.pow", False, True),  # on a detached tensor
        ("Tensor.mul", True, True),
        ("Tensor.add", True, True),
        ("Tensor.tanh", True, True),
        ("Tensor.add", True, True),
        ("Tensor.mean", True, True),
    ]
    graph = rec.graph
    assert graph.node(rec.forward[0].node).name == "x"
    assert [graph.node(s.node).name for s in rec.forward if s.node] == [
        "x",
        "MulBackward0",
        "AddBackward0",
        "TanhBackward0",
        "AddBackward0",
        "MeanBackward0",
    ]
    made = [n for s in rec.forward for n in s.nodes]
    assert sorted(made) == sorted(n.id for n in graph.of_kind("op", "leaf", "param"))


def test_forward_values_are_snapshots_taken_before_in_place_ops():
    with Recorder() as rec:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h.mul_(10)
    mul_ = rec.forward[-1]
    assert mul_.op == "Tensor.mul_"
    assert mul_.inputs[0].tensor.tolist() == [2.0, 4.0]
    assert mul_.outputs[0].tensor.tolist() == [20.0, 40.0]
    assert mul_.args == ["t0", "10"]


def test_one_call_that_builds_two_nodes_owns_both():
    with Recorder() as rec:
        logits = torch.randn(2, 3, requires_grad=True)
        loss = F.cross_entropy(logits, torch.tensor([0, 2]))
    rec.capture(loss, params={"logits": logits})
    step = next(s for s in rec.forward if s.op == "F.cross_entropy")
    names = sorted(rec.graph.node(n).name for n in step.nodes)
    assert names == ["LogSoftmaxBackward0", "NllLossBackward0"]
    assert rec.graph.node(step.node).name == "NllLossBackward0"


def test_large_tensors_are_summarized():
    with Recorder(max_values=4) as rec:
        x = torch.arange(10.0, requires_grad=True)
        y = (x * 2).sum()
    steps = rec.backward(y)
    mul = rec.forward[1]
    assert mul.outputs[0].tensor is None and mul.outputs[0].stats["max"] == 18.0
    assert mul.outputs[0].shape == (10,)
    assert steps[-1].grad.stats == {"min": 2.0, "max": 2.0, "mean": 2.0}
    assert rec.leaves[0].equal  # compared in full, not by the summaries


def test_nodes_made_before_recording_belong_to_no_step():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    with Recorder() as rec:
        y = (h * 2).sum()
    rec.backward(y)
    made = {n for s in rec.forward for n in s.nodes}
    exp = next(n.id for n in rec.graph.nodes if n.name == "ExpBackward0")
    assert exp not in made and len(made) == 2


def test_backward_needs_an_output_that_requires_grad():
    with Recorder() as rec:
        y = torch.ones(2).sum()
    with pytest.raises(ValueError, match="requires grad"):
        rec.backward(y)


@pytest.mark.parametrize(
    "name", ["neuron", "view_inplace", "small_mlp", "gru", "custom", "attention"]
)
def test_gallery_examples_record_every_node_and_match_dot_grad(name):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        with Recorder() as rec:
            outputs, scope = EXAMPLES[name].fn()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    steps = rec.backward(*outputs)
    assert len(steps) == len(rec.graph.of_kind("op", "leaf", "param"))
    assert rec.leaves and all(leaf.equal for leaf in rec.leaves)
