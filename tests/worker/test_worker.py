"""The worker process: JSON replies, errors, the wall-clock kill and recovery, threads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import torch

from graphlab.core.messages import Message
from graphlab.core.tensors import tensor_summary
from graphlab.sandbox import Limits
from graphlab.worker import SandboxWorker

# Budgets wide open, so the only thing stopping a slow program is the worker's clock.
UNLIMITED = Limits(max_flops=10**14, max_bytes=2**40, max_numel=10**10, max_seconds=None)
SLOW = "x = torch.ones(1000, 1000)\nfor i in range(64):\n    y = x @ x"


@pytest.fixture(scope="module")
def worker() -> Iterator[SandboxWorker]:
    with SandboxWorker(timeout=1.0) as w:
        yield w


def test_reply_is_plain_json_with_tensors(worker: SandboxWorker) -> None:
    reply = worker.run("x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()")
    assert reply["ok"], reply
    json.dumps(reply, allow_nan=False)  # strict JSON: no NaN, no objects
    assert reply["tensors"]["y"]["value"] == 5.0
    assert reply["tensors"]["x"]["shape"] == [2]
    assert reply["lines"] == {"x": 1, "y": 2}


def test_reply_has_the_graph(worker: SandboxWorker) -> None:
    reply = worker.run("x = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()")
    assert reply["ok"], reply
    assert "MulBackward0" in {n["name"] for n in reply["graph"]["nodes"]}
    assert reply["graph"]["nodes"]


def test_errors_come_back_with_position(worker: SandboxWorker) -> None:
    reply = worker.run("x = 1\nimport os")
    error = reply["error"]
    assert reply == {
        "ok": False,
        "error": {"message": error["message"], "line": 2, "col": 1, "text": error["text"]},
    }
    assert "`import` is not allowed" in error["message"]
    # The same sentence as a template and its values, for the page to say in its language.
    assert error["text"]["template"] == "{construct} is not allowed here; {allowed}"
    assert Message.from_dict(error["text"]).render() == error["message"]


def test_time_limit_kills_and_replaces_the_worker(worker: SandboxWorker) -> None:
    pid, restarts = worker.pid, worker.restarts
    start = time.monotonic()
    reply = worker.run(SLOW, limits=UNLIMITED)
    assert (
        time.monotonic() - start < 15.0
    )  # 1 s limit + kill + a fresh worker importing torch on a busy machine
    assert reply["ok"] is False and reply["timeout"] is True
    assert "took longer than 1 s" in reply["error"]["message"]
    assert reply["error"]["text"]["template"] == "the program took longer than {seconds} s"
    assert worker.pid != pid and worker.restarts == restarts + 1
    assert worker.run("y = torch.ones(3).sum()")["tensors"]["y"]["value"] == 3.0


@pytest.mark.parametrize("kind", ["dynamic", "record"])
def test_dynamic_and_record_requests_run_under_the_same_clock(
    worker: SandboxWorker, kind: str
) -> None:
    restarts = worker.restarts
    reply = worker.run(SLOW, limits=UNLIMITED, kind=kind)
    assert reply["ok"] is False and reply["timeout"] is True
    assert worker.restarts == restarts + 1
    assert worker.run("x = torch.ones(2, requires_grad=True)\ny = x.sum()", kind=kind)["ok"]


def test_memory_cap_turns_a_huge_allocation_into_an_error(worker: SandboxWorker) -> None:
    reply = worker.run("x = torch.ones(2 * 10**9)", limits=UNLIMITED)
    assert reply["ok"] is False and "allocate" in reply["error"]["message"]
    assert "took longer" not in reply["error"]["message"]
    assert worker.run("y = torch.ones(2).sum()")["ok"]


def test_threads_share_one_worker_safely(worker: SandboxWorker) -> None:
    results: dict[int, float] = {}

    def job(n: int) -> None:
        results[n] = worker.run(f"y = torch.ones({n + 1}).sum()")["tensors"]["y"]["value"]

    threads = [threading.Thread(target=job, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: float(n + 1) for n in range(6)}


def test_tensor_summary_large_and_non_finite() -> None:
    big = tensor_summary(torch.arange(100.0))
    assert "value" not in big and big["summary"]["max"] == 99.0
    assert tensor_summary(torch.tensor([float("nan"), float("inf")]))["value"] == ["nan", "inf"]
