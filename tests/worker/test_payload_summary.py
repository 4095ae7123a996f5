"""A program whose graph is too big to draw is summarized in the worker, not sent whole
(issue 15, reproduction 8: a 20,000-op program's 8 MB reply never drew)."""

from __future__ import annotations

import json

from graphlab.core.graph import Graph
from graphlab.core.messages import Message
from graphlab.core.summary import MAX_NODES
from graphlab.sandbox import Limits, evaluate
from graphlab.worker import payload
from graphlab.worker.payload import build_payload

CHAIN = "x = torch.ones(3, requires_grad=True)\ny = x\nfor i in range({n}):\n    y = y * 1.001\nz = y.sum()"


def _reply(n: int, **limits) -> dict:
    return build_payload(evaluate(CHAIN.format(n=n), limits=Limits(**limits)))


def test_a_small_graph_travels_whole():
    reply = _reply(10)
    assert "summary" not in reply
    assert len(reply["graph"]["nodes"]) > 10 and reply["names"]["o0"] == "z"


def test_a_graph_past_the_reply_limit_is_summarized_in_the_worker(monkeypatch):
    monkeypatch.setattr(payload, "REPLY_NODES", 40)
    reply = _reply(60)
    graph = Graph.from_dict(reply["graph"])
    assert len(graph.nodes) <= MAX_NODES
    note = Message.from_dict(reply["summary"])
    assert "summarized" in str(note) and note.args["n"] > 120
    ids = {n.id for n in graph.nodes}
    assert set(reply["names"]) <= ids and reply["names"]["o0"] == "z"
    assert reply["tensors"]["x"]["grad"]["value"]  # gradients still computed on the real graph


def test_a_3000_op_program_replies_in_kilobytes_not_megabytes():
    reply = _reply(3000, max_seconds=120, max_loop=3000, max_steps=10**6)
    assert len(json.dumps(reply)) < 50_000 and len(reply["graph"]["nodes"]) <= MAX_NODES
