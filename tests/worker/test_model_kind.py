"""Model Graph's specs planned, built and captured in a real worker process: the plan and the
graph that come back are the ones the library makes in-process, a bad spec comes back as its
SpecError (layer, type, sentence), and the 96-character LSTM bomb is refused there at once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from graphlab import models
from graphlab.core.graph import Graph
from graphlab.core.messages import Message
from graphlab.models import PlanFigures
from graphlab.worker import SandboxWorker
from graphlab.worker.model_graph import model_reply, model_request
from tests.models.test_spec_hostile import LONG_LSTM


@pytest.fixture(scope="module")
def worker() -> Iterator[SandboxWorker]:
    with SandboxWorker(timeout=30.0) as w:
        yield w


def _names(graph: Graph) -> list[str]:
    return sorted(node.name for node in graph.nodes)


@pytest.mark.parametrize("name", ["cnn", "gru", "resnet"])
def test_the_workers_plan_and_graph_are_the_librarys(worker, name):
    spec = models.spec_of(name)
    reply = worker.run(model_request(spec, "captured"), kind="model")
    assert reply["ok"], reply
    assert PlanFigures.from_dict(reply["plan"]) == models.plan(spec).figures()
    got, want = Graph.from_dict(reply["graph"]), models.graph(spec)
    assert _names(got) == _names(want) and len(got.edges) == len(want.edges)
    assert got.meta["modules"] == want.meta["modules"]


def test_the_forward_trace_comes_back_too(worker):
    spec = models.spec_of("cnn")
    reply = worker.run(model_request(spec, "traced"), kind="model")
    names = _names(Graph.from_dict(reply["graph"]))
    assert "torch.conv2d" in names and not any(n.endswith("Backward0") for n in names)


def test_a_bad_spec_comes_back_as_its_spec_error(worker):
    spec = {"input": [2, 4], "layers": [{"type": "linear"}]}
    reply = worker.run(model_request(spec, "captured"), kind="model")
    with pytest.raises(models.SpecError) as local:
        models.plan(spec)
    found = reply["spec_error"]
    assert (found["layer"], found["kind"]) == (0, "linear")
    assert Message.from_dict(found["text"]).render() == local.value.message
    assert reply["error"]["message"] == str(local.value)


def test_the_lstm_bomb_is_refused_in_the_worker_at_once(worker):
    started = time.perf_counter()
    reply = worker.run(model_request(LONG_LSTM, "captured"), kind="model")
    assert time.perf_counter() - started < 5.0  # 45 s and +1.1 GB in the server before
    assert reply["spec_error"]["kind"] == "lstm" and "operations" in reply["error"]["message"]
    assert worker.restarts == 0


def test_requests_that_are_not_a_spec_and_a_graph_are_refused():
    for source in ("{", json.dumps({"spec": {}, "graph": "other"}), 7):
        assert "a model request" in model_reply(source)["error"]["message"]
