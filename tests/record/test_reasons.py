"""Why a forward op has no node in the graph: each reason the recording gives is checked against
what torch says about that very op (grad mode, `requires_grad`, `grad_fn`, reachability)."""

from __future__ import annotations

import pytest
import torch

from graphlab.lessons.recordings import MODELS, record_model
from graphlab.record import reasons, to_data
from graphlab.record.recorder import Recorder
from graphlab.worker.record import record_reply


def _reachable(*outputs: torch.Tensor) -> set:
    """Every autograd node on a path back from `outputs` (over `next_functions`)."""
    stack = [o.grad_fn for o in outputs]
    seen: set = set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        stack.extend(n for n, _ in fn.next_functions)
    return seen


def _record():
    """One op of each kind; returns the recorder, the output and the tensors by name, plus the
    grad mode each op ran in."""
    grad_mode = {}
    with Recorder() as rec:
        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        mask = x > 0
        index = x.argmax()
        d = x.detach()
        c = d * 2
        with torch.no_grad():
            s = x * 2
            grad_mode["s"] = torch.is_grad_enabled()
        grad_mode["rest"] = torch.is_grad_enabled()
        u = x * 3  # made, never used by y
        f = torch.zeros(3)
        same = x.float()
        z = torch.zeros_like(x)
        y = (x * c + s + f).sum()
    rec.capture(y)
    named = dict(x=x, mask=mask, index=index, d=d, c=c, s=s, u=u, f=f, same=same, z=z, y=y)
    return rec, named, grad_mode


@pytest.fixture(scope="module")
def recorded():
    return _record()


# The forward step that made each name, in the order `_record` runs them.
STEPS = {
    "x": (0, "torch.tensor"), "mask": (1, "Tensor.gt"), "index": (2, "Tensor.argmax"),
    "d": (3, "Tensor.detach"), "c": (4, "Tensor.mul"), "s": (5, "Tensor.mul"),
    "u": (6, "Tensor.mul"), "f": (7, "torch.zeros"), "same": (8, "Tensor.float"),
    "z": (9, "torch.zeros_like"), "y": (13, "Tensor.sum"),
}  # fmt: skip


def _step(rec: Recorder, named: dict, name: str):
    """The forward step that made the tensor bound to `name`."""
    index, op = STEPS[name]
    step = rec.forward[index]
    assert step.op == op and len(rec.forward) == 14
    return step


def test_an_integer_or_bool_output_is_not_differentiable(recorded):
    rec, named, _ = recorded
    x = named["x"]
    for name, dtype in (("mask", torch.bool), ("index", torch.int64)):
        out = named[name]
        # torch: grad mode on, the input requires grad, yet no node and no grad for the output.
        assert torch.is_grad_enabled() and x.requires_grad and out.dtype == dtype
        assert out.grad_fn is None and not out.requires_grad
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            out.detach().requires_grad_()
        step = _step(rec, named, name)
        assert step.reason == reasons.NOT_DIFFERENTIABLE and not step.nodes


def test_detach_cuts_and_an_op_on_a_detached_tensor_has_no_input_that_requires_grad(recorded):
    rec, named, _ = recorded
    x, d, c = named["x"], named["d"], named["c"]
    assert x.requires_grad and d.is_floating_point() and not d.requires_grad  # torch: cut
    assert _step(rec, named, "d").reason == reasons.CUT
    assert d.grad_fn is None and c.grad_fn is None and not c.requires_grad
    assert _step(rec, named, "c").reason == reasons.NO_INPUT
    z = named["z"]  # zeros_like(x): a requires-grad input, an output with no history
    assert z.grad_fn is None and not z.requires_grad
    assert _step(rec, named, "z").reason == reasons.CUT


def test_an_op_under_no_grad_says_grad_mode_was_off(recorded):
    rec, named, grad_mode = recorded
    s = named["s"]
    assert grad_mode == {"s": False, "rest": True}  # torch.is_grad_enabled() inside and after
    assert named["x"].requires_grad and s.grad_fn is None and not s.requires_grad
    step = _step(rec, named, "s")
    assert step.reason == reasons.NO_GRAD and step.grad_enabled is False
    assert _step(rec, named, "u").reason != reasons.NO_GRAD  # the same op with grad mode on


def test_a_node_off_the_path_to_the_output_is_named_so(recorded):
    rec, named, _ = recorded
    u, y = named["u"], named["y"]
    on_path = _reachable(y)
    assert u.grad_fn is not None and u.grad_fn not in on_path  # torch: made, not reachable
    step = _step(rec, named, "u")
    assert step.reason == reasons.OFF_PATH and not step.nodes and step.node is None
    # Every op whose node torch reaches from y is in the graph, with no reason.
    for name in ("x", "y"):
        assert _step(rec, named, name).reason is None and _step(rec, named, name).nodes


def test_factories_and_returned_inputs(recorded):
    rec, named, _ = recorded
    f, same, x = named["f"], named["same"], named["x"]
    assert not f.requires_grad and _step(rec, named, "f").reason == reasons.FACTORY
    assert same is x and _step(rec, named, "same").reason == reasons.UNCHANGED


def test_capturing_another_output_moves_the_path():
    with Recorder() as rec:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        u = x * 3
        y = (x * x).sum()
    rec.capture(y)
    assert u.grad_fn not in _reachable(y) and rec.forward[1].reason == reasons.OFF_PATH
    rec.capture(u)
    assert u.grad_fn in _reachable(u) and rec.forward[1].reason is None
    square = y.grad_fn.next_functions[0][0]  # x * x, made by step 2
    assert not {square, y.grad_fn} & _reachable(u)
    off = [None, None, reasons.OFF_PATH, reasons.OFF_PATH]
    assert [s["reason"] for s in to_data(rec)["forward"]] == off


def test_a_visitors_program_carries_the_reasons_through_the_worker():
    program = (
        "x = torch.tensor([1.0, -2.0], requires_grad=True)\n"
        "m = x > 0\n"
        "with torch.no_grad():\n"
        "    s = x * 2\n"
        "u = x * 3\n"
        "y = (x * s).sum()\n"
    )
    data = record_reply(program)
    assert data["ok"]
    assert [(s["op"], s["line"], s["reason"]) for s in data["forward"]] == [
        ("torch.tensor", 1, None),
        ("Tensor.gt", 2, reasons.NOT_DIFFERENTIABLE),
        ("Tensor.mul", 4, reasons.NO_GRAD),
        ("Tensor.mul", 5, reasons.OFF_PATH),
        ("Tensor.mul", 6, None),
        ("Tensor.sum", 6, None),
    ]


def test_no_node_reason_follows_torchs_rules_in_order():
    x = torch.ones(2, requires_grad=True)
    const = torch.ones(2)
    assert reasons.no_node_reason(False, [x], [const]) == reasons.NO_GRAD
    assert reasons.no_node_reason(True, [], [const]) == reasons.FACTORY
    assert reasons.no_node_reason(True, [const], [const > 0]) == reasons.NO_INPUT
    assert reasons.no_node_reason(True, [x], [(x > 0)]) == reasons.NOT_DIFFERENTIABLE
    assert reasons.no_node_reason(True, [x], [x]) == reasons.UNCHANGED
    assert reasons.no_node_reason(True, [x], [x.detach()]) == reasons.CUT
    assert set(reasons.REASONS) == {
        reasons.NO_GRAD, reasons.FACTORY, reasons.NO_INPUT, reasons.NOT_DIFFERENTIABLE,
        reasons.UNCHANGED, reasons.CUT, reasons.OFF_PATH,
    }  # fmt: skip


def test_graphlabs_own_bookkeeping_is_never_a_step():
    # Module tracking reads autograd's sequence numbers with a probe op; a learner never typed it.
    for name in MODELS:
        ops = [s["op"] for s in record_model(name)["forward"]]
        assert "torch.zeros" not in ops and "Tensor.mul" not in ops, (name, ops)
