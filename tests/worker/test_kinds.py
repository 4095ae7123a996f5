"""Every request kind through one real worker process (replies, errors, limits, unknown kinds),
and the child's side of the protocol on requests no page sends."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import torch

from graphlab.core.messages import Message, msg
from graphlab.lessons import dynamic
from graphlab.sandbox import Limits
from graphlab.worker import SandboxWorker, failure
from graphlab.worker.child import serve
from graphlab.worker.dynamic import dynamic_reply
from graphlab.worker.handlers import HANDLERS, handle
from graphlab.worker.protocol import PROGRAMS
from graphlab.worker.record import record_reply

SOURCE = dynamic.program(dynamic.EXAMPLE, -2.5)  # the `else` side, and a loop of 3


@pytest.fixture(scope="module")
def worker() -> Iterator[SandboxWorker]:
    # A generous clock: these tests are about the replies, not the time limit.
    with SandboxWorker(timeout=30.0) as w:
        yield w


def _plain_example(x: float) -> tuple[float, float]:
    """z and dz/dx of the Dynamic Graphs example in plain PyTorch."""
    x_t = torch.tensor(x, requires_grad=True)
    y = x_t * 2
    y = y * y if y > 1 else torch.sigmoid(y)
    for _ in range(int(x_t.abs()) + 1):
        y = y * x_t
    z = y * 3
    z.backward()
    return z.item(), x_t.grad.item()  # type: ignore[union-attr]


def test_one_process_answers_every_kind(worker: SandboxWorker) -> None:
    pid, restarts = worker.pid, worker.restarts
    replies = {kind: worker.run(SOURCE, kind=kind) for kind in PROGRAMS}
    assert all(reply["ok"] for reply in replies.values()), replies
    assert (worker.pid, worker.restarts) == (pid, restarts)
    z, dz = _plain_example(-2.5)
    tensors = replies["evaluate"]["tensors"]
    assert tensors["z"]["value"] == pytest.approx(z)
    assert tensors["x"]["grad"]["value"] == pytest.approx(dz)
    assert replies["gradcheck"]["gradcheck"]["passed"] is True
    record = replies["record"]
    assert [step["line"] for step in record["forward"]][:2] == [1, 2]
    assert record["leaves"][0]["grad"]["value"] == pytest.approx(dz)


def test_the_dynamic_kind_replies_what_the_tracer_computes(worker: SandboxWorker) -> None:
    reply = worker.run(SOURCE, kind="dynamic")
    assert reply["branches"] == [[3, False]] and reply["loops"] == [[7, 3]]
    assert reply["output"] == "z" and reply["lines"]["z"] == 9
    names = [n["name"] for n in reply["graph"]["nodes"]]
    assert "SigmoidBackward0" in names and names.count("MulBackward0") == 5  # x*2, 3 loops, *3
    assert reply == json.loads(json.dumps(dynamic_reply(SOURCE, Limits())))


def test_the_dynamic_kind_honours_the_request_limits(worker: SandboxWorker) -> None:
    loop = worker.run(SOURCE, Limits(max_loop=2), kind="dynamic")
    assert loop["ok"] is False and loop["error"]["line"] == 7
    assert "limited to 2 iterations" in loop["error"]["message"]
    long = worker.run(SOURCE, Limits(max_source_chars=20), kind="dynamic")
    assert long["ok"] is False and "characters long" in long["error"]["message"]
    assert worker.run(SOURCE, Limits(max_loop=3), kind="dynamic")["loops"] == [[7, 3]]


@pytest.mark.parametrize("kind", PROGRAMS)
def test_every_kind_reports_a_program_error_at_its_position(
    worker: SandboxWorker, kind: str
) -> None:
    reply = worker.run("x = torch.ones(2)\ny = x + torch.ones(3)", kind=kind)
    assert reply["ok"] is False, reply
    error = reply["error"]
    assert (error["line"], error["col"]) == (2, 5)
    assert "cannot be broadcast" in error["message"] and "Traceback" not in error["message"]


def test_an_unknown_kind_never_reaches_the_worker(worker: SandboxWorker) -> None:
    pid = worker.pid
    for kind in ("shell", "", "EVALUATE"):
        with pytest.raises(ValueError, match="unknown request kind"):
            worker.run("y = 1", kind=kind)
    assert worker.pid == pid and worker.run("y = torch.ones(2).sum()")["ok"]


def _served(*requests: object) -> list[dict]:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in requests]
    out = io.StringIO()
    serve(io.StringIO("".join(line + "\n" for line in lines)), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_child_answers_every_line_even_requests_no_page_sends() -> None:
    replies = _served(
        "not json",
        [1, 2],
        {"kind": "shell", "source": "y = 1"},
        {"kind": ["evaluate"], "source": "y = 1"},
        {"kind": "dynamic", "source": "y = 1", "limits": [1]},
        {"kind": "dynamic", "source": None},
        {"kind": "dynamic", "source": "y = torch.ones(2).sum()"},
    )
    assert len(replies) == 7 and replies[-1]["ok"] is True
    assert all(reply["ok"] is False for reply in replies[:-1])
    messages = [reply["error"]["message"] for reply in replies[:-1]]
    assert "unknown request kind 'shell'" in messages[2]
    assert "unknown request kind" in messages[3]
    assert "limits" in messages[4]
    assert "must be text" in messages[5]
    assert not any("Traceback" in m for m in messages)


def test_a_bug_of_ours_comes_back_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: str, limits: Limits) -> dict:
        raise KeyError("an internal detail")

    for kind, says in (("dynamic", "run"), ("gradcheck", "be checked")):
        monkeypatch.setitem(HANDLERS, kind, broken)
        reply = handle({"kind": kind, "source": "y = 1"})
        error = reply["error"]
        assert reply == {"ok": False, "error": error}
        english = f"the program could not {says} (KeyError)"
        assert (error["message"], error["line"], error["col"]) == (english, 0, 0)
        template = f"the program could not {says} ({{error}})"  # said in the page's language
        assert error["text"] == {"template": template, "args": {"error": "KeyError"}}


def test_a_note_and_a_failure_of_ours_come_with_their_template() -> None:
    data = record_reply("x = torch.ones(2)\ny = x.sum()")
    assert data["note"].startswith("The output does not require grad")
    assert Message.from_dict(data["note_text"]).render() == data["note"]
    assert data["note_text"]["template"] == data["note"]  # a constant sentence: no values
    took = failure(msg("the program took longer than {seconds} s", seconds="3"), timeout=True)
    assert took["error"]["message"] == "the program took longer than 3 s" and took["timeout"]
    assert took["error"]["text"] == {"template": "the program took longer than {seconds} s",
                                     "args": {"seconds": "3"}}  # fmt: skip
