"""Lesson 5, no_grad vs detach vs inference_mode vs eval: each mode's facts against the program
as the learner reads it (SETUP + source(mode), run here), and autograd's nodes counted by an
independent walk of `grad_fn.next_functions`."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from graphlab.lessons import lesson
from graphlab.lessons import lesson_nograd as ng


def _as_shown(mode: str) -> dict:
    """Run the program exactly as the lesson shows it; our own text, not a learner's."""
    scope = {"torch": torch, "nn": nn}
    with torch.random.fork_rng(devices=[]):
        exec(ng.SETUP + ng.source(mode), scope)  # noqa: S102
    return scope


def _autograd_nodes(t: torch.Tensor) -> int:
    seen, stack = set(), [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    return len(seen)


@pytest.mark.parametrize("mode", ng.MODES)
def test_each_mode_is_what_its_program_does(mode):
    run, scope = ng.mode_runs()[mode], _as_shown(mode)
    loss, h, d, model = scope["loss"], scope["h"], scope["d"], scope["model"]
    assert run.loss == pytest.approx(loss.item())
    assert run.requires_grad == loss.requires_grad
    assert run.is_inference == loss.is_inference()
    assert run.grad_fn == (type(loss.grad_fn).__name__ if loss.grad_fn else "None")
    assert run.nodes == _autograd_nodes(loss)
    assert run.dropout_active == (model[2].training and bool((d == 0).any()))
    assert run.dropout_active == (not torch.equal(h, d))


def test_the_key_truths():
    runs = ng.mode_runs()
    # eval() changes dropout, not autograd: it records all but the dropout's node.
    assert runs["eval"].requires_grad and runs["eval"].grad_fn == "SumBackward0"
    assert not runs["eval"].dropout_active and runs["plain"].dropout_active
    assert runs["eval"].nodes == runs["plain"].nodes - 1
    # no_grad and inference_mode record nothing; dropout still drops (the model is training).
    for mode in ("no_grad", "inference_mode"):
        assert runs[mode].nodes == 0 and not runs[mode].requires_grad
        assert runs[mode].dropout_active and runs[mode].backward == "RuntimeError"
        assert "does not require grad" in runs[mode].backward_error
    assert runs["inference_mode"].is_inference and not runs["no_grad"].is_inference
    # detach cuts one tensor: only the layer after the cut gets gradients.
    assert runs["detach"].backward == "3.weight, 3.bias"
    assert runs["plain"].backward == "0.weight, 0.bias, 3.weight, 3.bias"
    # Later: a no_grad tensor is ordinary, an inference tensor is refused.
    assert runs["no_grad"].later == "3.weight, 3.bias" and runs["no_grad"].later_error is None
    assert runs["inference_mode"].later == "RuntimeError"
    scope = _as_shown("inference_mode")
    with pytest.raises(RuntimeError) as raised:
        scope["model"][3](scope["h"]).sum().backward()
    assert runs["inference_mode"].later_error == f"RuntimeError: {raised.value}"
    assert "Inference tensors cannot be saved for backward" in str(raised.value)


def test_the_graph_diffs_mark_what_each_mode_removed():
    pair = ng.compare("plain", "eval")
    removed = [d.name for d in pair.visible(False) if d.kind == "removed"]
    assert removed == ["MulBackward0"]  # the dropout's mask multiplication
    assert set(pair.marks("a", False).values()) <= {"removed", "changed"}
    assert "added" not in pair.marks("a", False).values()
    pair = ng.compare("plain", "detach")
    gone = {d.name for d in pair.visible(False) if d.kind == "removed"}
    assert {"0.weight", "0.bias", "ReluBackward0"} <= gone
    assert not ng.compare("no_grad", "inference_mode").visible(True)
    assert not ng.compare("plain", "plain").delta


def test_the_answers_are_torchs():
    scope = _as_shown("eval")
    assert ng.PREDICT.answer() == str(scope["loss"].requires_grad) == "True"
    answers = {q.id: q.answer() for q in lesson("nograd").questions}
    assert answers["nodes"] == str(_autograd_nodes(_as_shown("no_grad")["loss"])) == "0"
    scope = _as_shown("detach")
    scope["loss"].backward()
    assert answers["detach"] == str(scope["model"][0].weight.grad is None) == "True"
    assert scope["model"][3].weight.grad is not None
    assert answers["later"] == "RuntimeError"
    with torch.no_grad():  # the contrast the explanation quotes
        h = torch.ones(2) * 3
    w = torch.ones(2, requires_grad=True)
    (h * w).sum().backward()
    assert str(w.grad) == "tensor([3., 3.])"


def test_what_you_saw_quotes_both_modes():
    runs = ng.mode_runs()
    numbers = ng.saw("plain", "no_grad")
    assert numbers["mode_a"] == "model(x)" and numbers["mode_b"] == "torch.no_grad()"
    assert numbers["nodes_a"] == str(_autograd_nodes(_as_shown("plain")["loss"]))
    assert (numbers["nodes_b"], numbers["req_b"]) == ("0", "False")
    assert numbers["removed"] == str(runs["plain"].nodes) and numbers["added"] == "0"
    assert numbers["eval_req"] == "True" and numbers["eval_nodes"] == str(runs["eval"].nodes)


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode"):
        ng.source("train")
