"""The expression language: what it computes, how it reports errors, and its limits."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from graphlab.sandbox import Evaluation, ExpressionError, Limits, evaluate
from graphlab.sandbox.allowlist import F_FUNCTIONS, TENSOR_METHODS, TORCH_FUNCTIONS

torch.set_num_threads(1)


def test_docstring_example_values_and_order() -> None:
    ev = evaluate("x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()")
    assert isinstance(ev, Evaluation)
    assert list(ev.tensors) == ["x", "y"]
    assert ev.tensors["y"].item() == 5.0
    assert ev.output is ev.tensors["y"]
    assert ev.lines == {"x": 1, "y": 2}
    assert ev.source.startswith("x = ")


def test_backward_and_grad_like_plain_torch() -> None:
    src = "w = torch.tensor([[1., -2.], [3., 4.]], requires_grad=True)\n" + (
        "x = torch.tensor([0.5, -1.])\ny = torch.sigmoid(w @ x).sum()\ny.backward()\ng = w.grad"
    )
    ev = evaluate(src)
    w = torch.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    torch.sigmoid(w @ torch.tensor([0.5, -1.0])).sum().backward()
    torch.testing.assert_close(ev.tensors["g"], w.grad)


def test_reassignment_moves_name_to_the_end_and_output_is_last_tensor() -> None:
    ev = evaluate("a = torch.ones(2)\nb = a + 1\na = b * 2\nn = 3")
    assert list(ev.tensors) == ["b", "a"]
    assert ev.lines["a"] == 3
    assert ev.output is ev.tensors["a"]
    assert ev.variables["n"] == 3


def test_control_flow_records_branches() -> None:
    src = """x = torch.tensor(3.)
if x > 5:
    y = x
elif x > 2:
    y = x * 2
else:
    y = -x
for i in range(3):
    y = y + i
"""
    ev = evaluate(src)
    assert ev.tensors["y"].item() == 9.0
    assert ev.branches == [(2, False), (4, True)]


def test_no_grad_block_and_detach() -> None:
    src = "x = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\nz = x.detach()"
    ev = evaluate(src)
    assert not ev.tensors["y"].requires_grad and not ev.tensors["z"].requires_grad
    assert torch.is_grad_enabled()


def test_indexing_slicing_masks_and_setitem() -> None:
    src = """x = torch.arange(6.).reshape(2, 3)
a = x[1, 1:]
b = x[x > 2]
c = x[:, None, ...]
x[0] = 7.
v, i = x.max(dim=1)
s = x.shape[0] + len(x)
"""
    ev = evaluate(src)
    assert ev.tensors["a"].tolist() == [4.0, 5.0]
    assert ev.tensors["b"].tolist() == [3.0, 4.0, 5.0]
    assert ev.tensors["c"].shape == (2, 1, 3)
    assert ev.tensors["v"].tolist() == [7.0, 5.0]
    assert ev.variables["s"] == 4


def test_inplace_augmented_assignment_is_inplace_like_python() -> None:
    ev = evaluate("x = torch.ones(2)\ny = x\nx += 1")
    assert ev.tensors["y"].tolist() == [2.0, 2.0]


def test_inplace_on_leaf_is_a_torch_error_with_position() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate("x = torch.ones(2, requires_grad=True)\nx.add_(1)")
    assert info.value.line == 2 and "leaf Variable" in info.value.message


def test_functional_calls_and_dtype_constants() -> None:
    src = """logits = torch.tensor([[1., 2., 0.5]])
target = torch.tensor([1])
loss = F.cross_entropy(logits, target)
p = torch.nn.functional.softmax(logits, dim=-1)
d = torch.zeros(2, dtype=torch.float64).to(torch.float32)
q = torch.pi * 2
"""
    ev = evaluate(src)
    expected = F.cross_entropy(torch.tensor([[1.0, 2.0, 0.5]]), torch.tensor([1]))
    torch.testing.assert_close(ev.tensors["loss"], expected)
    assert ev.tensors["d"].dtype == torch.float32
    assert ev.variables["q"] == pytest.approx(6.283185307)


def test_builtins() -> None:
    src = "a = len([1, 2, 3])\nb = abs(-2)\nc = min(3, 1, 2)\nd = max([1.5, 2])\n" + (
        "e = float(torch.tensor(2))\nf = int(2.7)\ng = round(2.567, 2)\nh = abs(torch.tensor(-1.))"
    )
    ev = evaluate(src)
    assert [ev.variables[k] for k in "abcdefg"] == [3, 2, 1, 2, 2.0, 2, 2.57]
    assert ev.tensors["h"].item() == 1.0


def test_random_factories_are_reproducible_and_leave_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    first = evaluate("x = torch.randn(3)\ny = torch.rand(2)").tensors["x"]
    second = evaluate("x = torch.randn(3)").tensors["x"]
    other = evaluate("x = torch.randn(3)", limits=Limits(seed=1)).tensors["x"]
    assert torch.equal(first, second) and not torch.equal(first, other)
    assert torch.equal(torch.random.get_rng_state(), state)


@pytest.mark.parametrize(
    ("source", "line", "col", "needle"),
    [
        ("x = (", 1, 5, "syntax error"),
        ("x = 1\nimport os", 2, 1, "`import` is not allowed"),
        ("x = torch.ones(3)\ny = x + torch.ones(4)", 2, 5, "shapes [3] and [4]"),
        ("a = torch.ones(2, 3)\nb = a @ a", 2, 5, "shapes [2, 3] and [2, 3]"),
        ("x = torch.ones(2, 3)\ny = torch.matmul(x, x)", 2, 5, "[2, 3] and [2, 3]"),
        ("y = 1 / 0", 1, 5, "division by zero"),
        ("y = 2.0 ** 5000", 1, 5, "overflow"),
        ("y = undefined + 1", 1, 5, "not defined"),
        ("y = torch.sine(1)", 1, 5, "similar allowed functions: sin"),
        ("y = torch.ones(2).summ()", 1, 5, "sum"),
        ("x = 's'\ny = x.upper()", 2, 5, "only be called on tensors"),
        ("y = 'é' + nope", 1, 11, "not defined"),
        ("y = torch.ones(2, 2)\nif y:\n    z = 1", 2, 4, "ambiguous"),
        ("y = torch.zeros(10**7)", 1, 5, "1,000,000 per tensor"),
    ],
)
def test_error_messages_and_positions(source: str, line: int, col: int, needle: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(source)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.line, err.col) == (line, col), err
    assert needle in err.message
    assert "Traceback" not in err.message and "\n" not in err.message


def test_limits_are_configurable() -> None:
    src = "x = torch.ones(100)\ny = x * 2"
    evaluate(src)
    with pytest.raises(ExpressionError, match="limit is 50 per tensor"):
        evaluate(src, limits=Limits(max_numel=50))
    with pytest.raises(ExpressionError, match="allocate"):
        evaluate(src, limits=Limits(max_bytes=500))
    with pytest.raises(ExpressionError, match="compute"):
        evaluate(src, limits=Limits(max_flops=250))
    with pytest.raises(ExpressionError, match="characters long"):
        evaluate(src, limits=Limits(max_source_chars=10))


def test_budgets_charge_matmul_flops_before_running() -> None:
    ev = evaluate("a = torch.ones(64, 32)\nb = torch.ones(32, 16)\nc = a @ b")
    assert ev.flops >= 2 * 64 * 32 * 16
    assert ev.bytes >= 4 * (64 * 32 + 32 * 16 + 64 * 16)


def test_views_do_not_charge_memory() -> None:
    ev = evaluate("x = torch.ones(1000)\ny = x.view(10, 100)\nz = y.t()\nw = x[2:]")
    assert ev.bytes == 4000


def test_data_dependent_results_are_bounded_not_refused() -> None:
    ev = evaluate("x = torch.tensor([1., -1., 2.])\nn = torch.nonzero(x > 0)\nm = x[x > 0]")
    assert ev.tensors["n"].tolist() == [[0], [2]]
    assert ev.tensors["m"].tolist() == [1.0, 2.0]


def test_non_string_source_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        evaluate(b"x = 1")  # type: ignore[arg-type]


def test_every_allowlisted_name_resolves() -> None:
    # Built at import from constant names; this guards against typos and removed APIs.
    assert all(callable(f) for f in TORCH_FUNCTIONS.values())
    assert all(callable(f) for f in F_FUNCTIONS.values())
    assert all(callable(f) for f in TENSOR_METHODS.values())
    assert "manual_seed" not in TORCH_FUNCTIONS and "empty" not in TORCH_FUNCTIONS
    assert "dropout" not in F_FUNCTIONS  # it would draw from the global RNG


@pytest.mark.parametrize(
    "call",
    [
        "F.relu(x)",
        "F.gelu(x)",
        "F.softmax(x, dim=-1)",
        "F.log_softmax(x, dim=1)",
        "F.mse_loss(x, x)",
        "F.linear(x, torch.ones(5, 4))",
        "F.conv2d(x[None, None], torch.ones(2, 1, 2, 2))",
        "F.max_pool2d(x[None], 2)",
        "F.layer_norm(x, (4,))",
        "F.one_hot(torch.tensor([0, 2]), num_classes=3)",
        "F.pad(x, (1, 1))",
        "torch.cat([x, x], dim=0)",
        "torch.stack([x, x])",
        "torch.where(x > 0, x, -x)",
        "torch.clamp(x, min=0.1)",
        "torch.kron(x, x)",
        "torch.cartesian_prod(x[0], x[1])",
        "torch.topk(x, 2).values",
        "torch.unique(torch.tensor([1, 1, 2]))",
        "torch.linspace(0, 1, 5)",
        "torch.eye(3)",
        "torch.full((2, 2), 3.)",
        "torch.randint(0, 5, (3,))",
        "torch.ones_like(x)",
        "x.expand(2, 3, 4).contiguous()",
        "x.repeat(2, 1)",
        "x.pow(2).mean()",
        "x.T.reshape(-1)",
        "x.sum(dim=0, keepdim=True)",
        "x.masked_fill(x > 1, 0.)",
        "x.allclose(x)",
    ],
)
def test_typical_calls_run(call: str) -> None:
    ev = evaluate(f"x = torch.arange(12.).reshape(3, 4)\ny = {call}")
    got = ev.variables["y"]
    # The same call in plain PyTorch (this test's own literal, not visitor input).
    want = eval(call, {"torch": torch, "F": F, "x": torch.arange(12.0).reshape(3, 4)})
    if call.startswith("torch.randint"):
        assert got.shape == want.shape and int(got.min()) >= 0 and int(got.max()) < 5
    elif isinstance(want, torch.Tensor):
        torch.testing.assert_close(got, want)
    else:
        assert got == want


def test_global_torch_state_is_untouched() -> None:
    before = (torch.get_num_threads(), torch.get_default_dtype(), torch.is_grad_enabled())
    evaluate("x = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    y = torch.randn(2)")
    with pytest.raises(ExpressionError):
        evaluate("with torch.no_grad():\n    y = 1 / 0")
    assert (torch.get_num_threads(), torch.get_default_dtype(), torch.is_grad_enabled()) == before
