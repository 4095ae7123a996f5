"""Lesson 7, dynamic vs static graphs: the answers against the sandbox's own run of the example
program (the graph the Play stage draws), a trace made here, and `saw` against the sandbox."""

from __future__ import annotations

import warnings
from collections import Counter

import pytest
import torch

from graphlab.lessons import dynamic, lesson
from graphlab.lessons import lesson_dynamic as ldy
from graphlab.sandbox import Limits
from graphlab.worker.dynamic import dynamic_reply


def _sandbox_ops(x: float, body: str = dynamic.EXAMPLE) -> Counter:
    """The op nodes the sandbox records for `body` on `x` (what Play's graphs show)."""
    reply = dynamic_reply(dynamic.program(body, x), Limits())
    assert reply["ok"], reply
    return Counter(n["name"] for n in reply["graph"]["nodes"] if n["kind"] == "op")


@pytest.mark.parametrize("x", [-3.0, -2.5, -0.5, 0.0, 0.5, 1.0, 1.5, 2.5, 3.0])
def test_the_example_function_records_what_the_sandbox_records(x):
    assert ldy.op_counts(ldy.recorded(x)) == _sandbox_ops(x)


def test_the_answers_are_the_sandboxs_and_a_traces():
    item = lesson("dynamic")
    only_b = set(_sandbox_ops(-2.5)) - set(_sandbox_ops(1.0))
    assert item.predict.answer() == ", ".join(sorted(only_b)) == "SigmoidBackward0"
    answers = {q.id: q.answer() for q in item.questions}
    # x * 2, then y * y (2.5 * 2 > 1), int(2.5) + 1 loop turns, then y * 3.
    assert int(answers["muls"]) == _sandbox_ops(2.5)["MulBackward0"] == 1 + 1 + (int(2.5) + 1) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(dynamic.branchy, torch.tensor([1.0]), check_trace=False)
    b = torch.tensor([-2.5])
    assert answers["trace"] == str(torch.equal(traced(b), dynamic.branchy(b))) == "False"
    x = torch.tensor(1.0, requires_grad=True)
    a, b = x * 2, x * 2  # both alive: two MulBackward0 objects, sharing only x's AccumulateGrad
    assert a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]
    assert answers["fresh"] == str(a.grad_fn is b.grad_fn) == "False"


def test_saw_counts_the_graphs_the_sandbox_recorded():
    body = dynamic.EXAMPLE
    ra, rb = (dynamic_reply(dynamic.program(body, x), Limits()) for x in (1.0, -2.5))
    pair = dynamic.compare(body, ra, rb)
    numbers = ldy.saw(pair, 1.0, -2.5)
    ops_a, ops_b = _sandbox_ops(1.0), _sandbox_ops(-2.5)
    assert numbers["x_a"] == "1" and numbers["x_b"] == "-2.5"
    assert numbers["ops_a"] == str(sum(ops_a.values())) and numbers["ops_b"] == str(
        sum(ops_b.values())
    )
    assert numbers["muls_a"] == str(ops_a["MulBackward0"]) == "5"
    assert numbers["muls_b"] == str(ops_b["MulBackward0"]) == "5"
    assert numbers["lines"] == "2, 6"  # the `if` and the `for`
    assert int(numbers["changes"]) >= 4  # the four op differences tests/lessons/test_dynamic names


def test_saw_of_a_failed_run_is_empty():
    assert ldy.saw(dynamic.Pair(error="boom"), 1.0, 2.0) == {}
