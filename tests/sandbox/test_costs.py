"""The cost model charges results, not inputs: the budget bypasses of issue 15, each run in a
guarded child process (a hang or a memory blow-up fails the test instead of blocking the suite),
and the worst cases charged for data-dependent, index, splitting, pooling and broadcasting ops,
checked against sizes computed here by hand or by torch itself."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from graphlab.sandbox import ExpressionError, Limits, evaluate
from graphlab.sandbox.costs import PIECE_BYTES, PIECE_FLOPS
from tests.sandbox.guarded import Guard

MASKED = """x = torch.ones(20000, 1, dtype=torch.int8)
m = torch.ones(1, 20000, dtype=torch.bool)
y = torch.masked_select(x, m)"""
POOL = "y = F.adaptive_avg_pool2d(torch.ones(1, 1, 1, 1000000), (1000000, 1))"


@pytest.fixture(scope="module")
def guard():
    child = Guard()
    yield child
    child.close()


def _refused(guard: Guard, source: str, needle: str, where: tuple[int, int]) -> str:
    outcome = guard.run(source)
    assert not outcome.hung, f"hung: {source!r}"
    assert outcome.crash is None, f"{outcome.crash}: {source!r}"
    reply = outcome.reply or {}
    assert "error" in reply, f"not refused ({reply}): {source!r}"
    assert needle in reply["error"], reply["error"]
    assert (reply["line"], reply["col"]) == where, reply
    assert reply["seconds"] < 10, reply  # refused before the work, not after
    return reply["error"]


def test_round_with_huge_digits_answers_as_python_does(guard: Guard) -> None:
    outcome = guard.run(
        "a = round(12345, -10**15)\nb = round(-1.5, -10**15)\nc = round(2.675, 10**15)"
    )
    assert not outcome.hung and outcome.reply is not None, outcome
    values = outcome.reply["values"]
    # Past 20 digits an int of at most 2**53 rounds to 0; past 400, any float is unchanged
    assert values == {"a": repr(round(12345, -20)), "b": repr(round(-1.5, -400)),
                      "c": repr(round(2.675, 400))}  # fmt: skip


def test_masked_select_is_charged_its_broadcast_worst_case(guard: Guard) -> None:
    text = _refused(guard, MASKED, "400,000,000 elements", (3, 5))
    assert "torch.masked_select" in text and "depends on the data" in text and "1,000,000" in text


def test_adaptive_pooling_is_charged_output_times_window(guard: Guard) -> None:
    text = _refused(guard, POOL, "compute", (1, 5))
    assert "F.adaptive_avg_pool2d" in text and "1000.00 GFLOP" in text  # 10**6 out x 10**6 window


@pytest.mark.parametrize("call", ["split(1)", "unbind(0)", "chunk(1000000)"])
def test_splits_are_refused_by_their_count_before_making_any(guard: Guard, call: str) -> None:
    text = _refused(guard, f"y = torch.ones(1000000).{call}", "1,000,000 separate tensors", (1, 5))
    assert "fewer, larger pieces" in text


def test_unpacking_a_long_tensor_is_refused_before_unbinding_it(guard: Guard) -> None:
    _refused(guard, "a, b = torch.ones(1000000)", "cannot unpack 1000000 value(s) into 2", (1, 1))


def test_broadcast_index_assignment_is_charged_the_positions_it_writes(guard: Guard) -> None:
    source = """x = torch.zeros(1, 1)
i = torch.zeros(100000, 1, dtype=torch.long)
j = torch.zeros(1, 100000, dtype=torch.long)
x[i, j] = 1.0"""
    _refused(guard, source, "10,000,000,000 elements", (4, 1))


def test_small_data_dependent_results_still_match_torch() -> None:
    ev = evaluate(
        "x = torch.tensor([[1., 0.], [2., 1.]])\nm = torch.masked_select(x, x > 0.5)\n"
        "n = torch.nonzero(x)\nu = torch.unique(x)\nw = torch.where(x > 1)\n"
        "r = torch.repeat_interleave(torch.tensor([1, 2]), torch.tensor([2, 3]))\n"
        "h = F.one_hot(torch.tensor([0, 3]))"
    )
    x = torch.tensor([[1.0, 0.0], [2.0, 1.0]])
    want = {"m": torch.masked_select(x, x > 0.5), "n": torch.nonzero(x), "u": torch.unique(x),
            "r": torch.tensor([1, 1, 2, 2, 2]), "h": F.one_hot(torch.tensor([0, 3]))}  # fmt: skip
    for name, value in want.items():
        torch.testing.assert_close(ev.tensors[name], value)
    assert [t.tolist() for t in ev.variables["w"]] == [t.tolist() for t in torch.where(x > 1)]


@pytest.mark.parametrize(
    ("source", "worst"),
    [
        # nothing is selected, but the worst case (every broadcast element) is still too big
        ("x = torch.ones(10, 1)\nm = torch.zeros(1, 20, dtype=torch.bool)\n"
         "y = torch.masked_select(x, m)", 200),
        ("x = torch.zeros(10, 3)\ny = torch.nonzero(x)", 60),  # [numel, dim] indices
        ("x = torch.zeros(50)\ny = torch.unique(x)", 50),
    ],
)  # fmt: skip
def test_data_dependent_ops_are_refused_by_their_worst_case(source: str, worst: int) -> None:
    evaluate(source, limits=Limits(max_numel=worst))
    with pytest.raises(ExpressionError, match=f"{worst:,} elements"):
        evaluate(source, limits=Limits(max_numel=worst - 1))


def test_value_dependent_sizes_are_read_before_the_call() -> None:
    for source, size in [
        ("y = torch.repeat_interleave(torch.ones(2), torch.tensor([10**12, 1]))", 10**12 + 1),
        ("y = F.one_hot(torch.tensor([10**9]))", 10**9 + 1),
    ]:
        with pytest.raises(ExpressionError, match=f"{size:,} elements"):
            evaluate(source)


def test_index_ops_are_charged_their_result() -> None:
    ev = evaluate(
        "x = torch.ones(4)\ni = torch.zeros(1000, dtype=torch.long)\ny = x[i]\n"
        "z = torch.index_select(x, 0, i)\nw = torch.take(x, i)\ng = torch.gather(x, 0, i)"
    )
    assert ev.bytes == 4 * 4 + 8 * 1000 + 4 * (4 * 1000)  # x, i, then four float results
    with pytest.raises(ExpressionError, match="4,000,000 elements"):
        evaluate("x = torch.ones(5, 5)\ni = torch.zeros(2000, 1, dtype=torch.long)\n"
                 "j = torch.zeros(1, 2000, dtype=torch.long)\ny = x[i, j]")  # fmt: skip


def test_expand_is_free_and_contiguous_pays_for_every_element() -> None:
    ev = evaluate("x = torch.ones(1, 1000)\ny = x.expand(1000, 1000)\nz = y.contiguous()")
    assert ev.bytes == 4 * 1000 + 4 * 1000 * 1000


def test_pooling_charges_each_output_its_window() -> None:
    base = evaluate("x = torch.ones(1, 1, 12, 12)").flops
    for call, window in [("F.max_pool2d(x, 3)", 9), ("F.avg_pool2d(x, (2, 3))", 6),
                         ("F.adaptive_avg_pool2d(x, (4, 4))", 9),
                         ("F.adaptive_avg_pool2d(x, (5, 12))", 4 * 1)]:  # fmt: skip
        out = evaluate(f"x = torch.ones(1, 1, 12, 12)\ny = {call}").tensors["y"]
        flops = evaluate(f"x = torch.ones(1, 1, 12, 12)\ny = {call}").flops - base
        assert flops == 144 + out.numel() + window * out.numel(), call


def test_broadcasting_losses_are_charged_the_broadcast_size() -> None:
    source = "x = torch.ones(1000, 1)\ny = torch.ones(1, 1000)\nz = F.mse_loss(x, y)"
    with pytest.warns(UserWarning, match="broadcast"):
        ev = evaluate(source)
    assert ev.flops > 4 * 1000 * 1000 and ev.bytes >= 4 * 1000 * 1000
    with pytest.raises(ExpressionError, match="allocate"), pytest.warns(UserWarning):
        evaluate(source, limits=Limits(max_bytes=2**20))


def test_split_pieces_are_charged_each() -> None:
    base = evaluate("x = torch.ones(1000)")
    ev = evaluate("x = torch.ones(1000)\np = x.split(1)")
    assert ev.bytes - base.bytes == 1000 * PIECE_BYTES
    assert ev.flops - base.flops >= 1000 * PIECE_FLOPS
    with pytest.raises(ExpressionError, match="1,000 separate tensors; the limit is 999"):
        evaluate("x = torch.ones(1000)\np = x.unbind(0)", limits=Limits(max_items=999))
    assert len(evaluate("x = torch.ones(10)\np = torch.chunk(x, 1000)").variables["p"]) == 10
    assert math.ceil(10 / 3) == len(evaluate("p = torch.ones(10).split(3)").variables["p"])
