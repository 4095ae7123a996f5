"""Checkpoint uploads parsed in a real worker process, never in the server: the state that
comes back as plain data loads into the same trainer as the file itself, the bombs are refused
there with the same sentences, and a damaged reply is refused by the server's decoder."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import torch

from graphlab.core.messages import Message
from graphlab.train import Trainer, form
from graphlab.worker import SandboxWorker
from graphlab.worker.checkpoints import checkpoint_reply, checkpoint_request
from graphlab.worker.plain import PlainError, decode, encode
from tests.train.bombs import reference_bomb, tensor_bomb
from tests.train.test_train_state import TOY, assert_same, config


@pytest.fixture(scope="module")
def worker() -> Iterator[SandboxWorker]:
    with SandboxWorker(timeout=30.0) as w:
        yield w


@pytest.fixture(scope="module")
def saved() -> Trainer:
    job = Trainer(config(seed=3, optimizer="adam"), data=TOY)
    job.run(max_steps=5)
    return job


def test_a_checkpoint_parsed_by_the_worker_loads_as_the_file_does(worker, saved, monkeypatch):
    reply = worker.run(checkpoint_request("run.pt", saved.to_bytes()), kind="checkpoint")
    assert reply["ok"] and reply["name"] == "run.pt"

    def reached(*args, **kwargs):
        raise AssertionError("the server unpickled a visitor's file")

    monkeypatch.setattr(torch, "load", reached)  # what follows is the server's side
    job = form.trainer_from_state(decode(reply["state"]), "cpu", data=TOY, name="run.pt")
    assert_same(job.state_dict()["model"], saved.state_dict()["model"])
    assert_same(job.state_dict()["optimizer"], saved.state_dict()["optimizer"])
    assert job.snapshot().step == 5 and job.snapshot().status == "stopped"
    monkeypatch.undo()
    # ...and it trains on exactly as the original does
    twin = Trainer.from_bytes(saved.to_bytes(), device="cpu", data=TOY)
    job.run(max_steps=3), twin.run(max_steps=3)
    assert_same(job.state_dict()["model"], twin.state_dict()["model"])


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (tensor_bomb(), "compressed"),
        (reference_bomb(50_000_000, deflated=True), ""),
        (b"not a checkpoint", "not a zip archive"),
    ],
    ids=["tensor bomb", "reference bomb", "not a zip"],
)
def test_bombs_are_refused_in_the_worker_in_the_visitors_words(worker, raw, says):
    reply = worker.run(checkpoint_request("bad.pt", raw), kind="checkpoint")
    assert reply["ok"] is False and says in reply["error"]["message"]
    text = Message.from_dict(reply["error"]["text"])  # a sentence the page translates
    assert text.render() == reply["error"]["message"]
    assert worker.restarts == 0  # refused, not crashed


def test_settings_past_the_pages_caps_are_refused_in_the_worker(worker):
    job = Trainer(config(batch_size=2048), data=TOY)
    reply = worker.run(checkpoint_request("big.pt", job.to_bytes()), kind="checkpoint")
    assert reply["ok"] is False
    assert reply["error"]["message"] == "batch size at most 1024 here (got 2048)"


def test_malformed_requests_are_refused_without_reading_anything():
    assert "name and its bytes" in checkpoint_reply("x")["error"]["message"]
    assert "name and its bytes" in checkpoint_reply(["a.pt", "not base64!"])["error"]["message"]
    huge = checkpoint_reply(["a.pt", "A" * (30 * 2**20)])
    assert "more than the 16777216 allowed" in huge["error"]["message"]


def test_the_decoder_builds_tensors_only_from_bytes_it_holds():
    state = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor(True), 1: ("x", None)}
    assert_same(decode(json.loads(json.dumps(encode(state)))), state)
    four = base64.b64encode(b"\0" * 4).decode()
    for bad in (
        {"__tensor__": ["float32", [10**9], four]},  # a shape larger than its bytes
        {"__tensor__": ["float32", [-1], four]},
        {"__tensor__": ["object", [1], four]},
        {"__tensor__": ["float32", [1], "%%%"]},
        {"__items__": [[[1], 2]]},  # an unhashable key
    ):
        with pytest.raises(PlainError):
            decode(bad)
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(PlainError):
        decode(deep)
