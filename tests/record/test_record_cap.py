"""A program with more ops than a recording holds is refused with a clear message, not sent as
megabytes that freeze the learner's tab (issue 15, reproduction 8)."""

from __future__ import annotations

import json

import torch

from graphlab.core.messages import Message
from graphlab.record.recorder import Recorder
from graphlab.sandbox import Limits
from graphlab.worker.record import record_reply

LOOPS = "x = torch.ones(2, requires_grad=True)\ny = x\nfor i in range(40):\n    for j in range(30):\n        y = y * 1.001\nz = y.sum()"


def test_recording_stops_at_its_step_limit_and_says_so():
    with Recorder(max_steps=5) as rec:
        x = torch.ones(2, requires_grad=True)
        y = x
        for _ in range(10):
            y = y * 2
    assert len(rec.forward) == 5 and rec.truncated
    assert y.tolist() == [1024.0, 1024.0]  # the program itself ran on, unrecorded


def test_a_program_past_the_limit_gets_a_refusal_in_a_small_reply():
    reply = record_reply(LOOPS, Limits(max_seconds=60))
    assert reply["ok"] is False and len(json.dumps(reply)) < 2_000
    text = Message.from_dict(reply["error"]["text"])
    assert "records up to 1,000 operations" in str(text) and "shorten its loops" in str(text)


def test_a_program_within_the_limit_is_recorded():
    reply = record_reply(LOOPS.replace("range(30)", "range(3)"), Limits(max_seconds=60))
    assert reply["ok"] is True and len(reply["forward"]) == 1 + 120 + 1
