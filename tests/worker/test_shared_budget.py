"""One budget per request: gradcheck's re-runs of a program and Dynamic Graphs' two runs are
charged to the budget of the request, not to a fresh budget each (issue 15)."""

from __future__ import annotations

import pytest
import torch

from graphlab.lessons import dynamic
from graphlab.sandbox import ExpressionError, Limits, check_gradients, evaluate
from graphlab.worker.dynamic import dynamic_reply
from graphlab.worker.handlers import handle
from graphlab.worker.record import record_reply

# 8 input elements: gradcheck's full mode runs the program 2 x 8 more times, besides backward
NET = "x = torch.randn(8, requires_grad=True)\nw = torch.randn(16, 8)\ny = (w @ x).tanh().sum()"
BIG = "a = torch.ones(1000, 1000)\nb = a * 2\nc = b * 2"  # 12 MB in one run


def _reruns(source: str) -> int:
    """How many times torch.autograd.gradcheck calls the program (counted here, with torch)."""
    calls = []
    inputs = (torch.randn(8, dtype=torch.float64, requires_grad=True),)
    w = torch.randn(16, 8, dtype=torch.float64)

    def f(x: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return (w @ x).tanh().sum()

    torch.autograd.gradcheck(f, inputs)
    return len(calls)


def test_gradchecks_reruns_share_the_requests_budget() -> None:
    one = evaluate(NET).flops
    assert check_gradients(NET, Limits(max_flops=100 * one))["passed"] is True
    runs = _reruns(NET)
    assert runs >= 16  # the re-runs alone cost `runs` times one run
    with pytest.raises(ExpressionError, match="gradcheck runs the program again") as caught:
        check_gradients(NET, Limits(max_flops=(runs // 2) * one))
    assert "compute" in caught.value.message


def test_gradchecks_refusal_comes_back_from_the_worker_with_its_reason() -> None:
    one = evaluate(NET).flops
    limits = {"max_flops": 4 * one}
    reply = handle({"kind": "gradcheck", "source": NET, "limits": limits})
    assert reply["ok"] is False and "one budget" in reply["error"]["message"]


def test_dynamic_graphs_two_runs_share_one_budget() -> None:
    limits = Limits(max_bytes=20 * 2**20)
    alone = dynamic_reply(BIG, limits)
    assert alone["ok"] is True  # one run fits
    pair = dynamic_reply([BIG, BIG], limits)
    assert pair["ok"] is True and [r["ok"] for r in pair["runs"]] == [True, False]
    assert "allocate" in pair["runs"][1]["error"]["message"]
    assert pair["runs"][1]["error"]["line"] == 3  # where the second run passed it


def test_dynamic_graphs_pair_is_what_two_runs_give() -> None:
    sources = [dynamic.program(dynamic.EXAMPLE, x) for x in (1.0, -2.5)]
    pair = dynamic_reply(sources, Limits())
    assert pair["runs"] == [dynamic_reply(s, Limits()) for s in sources]
    with pytest.raises(ExpressionError, match="at most 2"):
        dynamic_reply([*sources, sources[0]], Limits())


def test_step_throughs_own_backward_is_charged() -> None:
    source = "x = torch.ones(100, requires_grad=True)\ny = (x * x).sum()"
    forward = evaluate(source).flops
    assert record_reply(source, Limits(max_flops=3 * forward + 1)).get("ok", True)
    refused = record_reply(source, Limits(max_flops=2 * forward))
    assert refused["ok"] is False and "compute" in refused["error"]["message"]
