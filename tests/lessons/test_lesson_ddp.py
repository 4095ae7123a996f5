"""Lesson 17: a real step on 2 and 3 gloo processes under DistributedDataParallel; the
all-reduced gradient against one process's whole-batch gradient, and against the by-hand average
the lesson's questions use."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from graphlab.lessons import lesson_ddp as ld
from graphlab.train import ddp_demo

pytestmark = pytest.mark.slow


def full_by_torch(batch: int) -> torch.Tensor:
    """The whole-batch gradient, computed here independently of ddp_demo's helpers."""
    x, y, _ = ddp_demo.batch(batch)
    net = ddp_demo.model()
    grads = torch.autograd.grad(F.cross_entropy(net(x), y), list(net.parameters()))
    return torch.cat([g.reshape(-1) for g in grads])


def test_two_gloo_processes_all_reduce_the_whole_batch_gradient():
    result = ldp_run(2, 64, "mean")
    assert [r["samples"] for r in result["ranks"]] == [32, 32]
    assert result["ranks_agree"] == 0.0  # every rank holds the same averaged gradient
    assert result["diff_full"] < 1e-6 and result["diff_by_hand"] < 1e-6
    assert result["full_norm"] == pytest.approx(full_by_torch(64).norm().item(), rel=1e-6)
    assert result["params"] == sum(p.numel() for p in ddp_demo.model().parameters())
    assert all(r["allreduce_ms"] > 0 and r["backward_ms"] > 0 for r in result["ranks"])
    numbers = ld.saw(result)  # what What you saw quotes
    assert numbers["shards"] == "32 + 32" and numbers["same"] == "True"
    assert float(numbers["diff"]) == pytest.approx(result["diff_full"], rel=0.05, abs=1e-12)
    assert numbers["params"] == f"{result['params']:,}"


def test_uneven_slices_with_their_own_mean_differ_and_the_scaled_sum_does_not():
    uneven = ddp_demo.run(3, 10, "mean")  # in this process's children, no time limit
    assert [r["samples"] for r in uneven["ranks"]] == [4, 3, 3]
    assert uneven["diff_full"] > 1e-3  # the usual code is not the whole batch's gradient
    assert uneven["diff_by_hand"] < 1e-6  # DDP did what the questions compute by hand
    scaled = ldp_run(3, 10, "scaled")
    assert scaled["diff_full"] < 1e-6
    answers = {q.id: q.answer() for q in ld.QUESTIONS}
    assert answers["uneven"] == "False" and answers["scaled"] == "True"
    assert answers["size"] == str(uneven["params"])
    assert ld.PREDICT.answer() == "g_ddp == g_full"


def ldp_run(nproc: int, batch: int, how: str) -> dict:
    """Through the lesson's own path: a child process with a time limit, JSON back."""
    return ld.run_step(nproc, batch, how)


@pytest.mark.parametrize("settings", [(1, 64, "mean"), (5, 64, "mean"), (2, 1, "mean"),
                                      (2, 257, "mean"), (2, 64, "sum")])  # fmt: skip
def test_bad_settings_are_refused_with_a_sentence(settings):
    with pytest.raises(ValueError) as caught:
        ld.run_step(*settings)
    assert "choose 2 to 4 processes" in str(caught.value.args[0])


def test_a_second_run_while_one_is_going_is_refused():
    with ld.SLOTS.hold(), pytest.raises(ValueError) as caught:
        ld.run_step(2, 8, "mean")
    assert "busy" in str(caught.value.args[0])
