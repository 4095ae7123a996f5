"""Lesson 4, Gradients accumulate: every number the widget and the checks show is torch's,
checked against torch.autograd.grad and the derivative worked out by hand."""

from __future__ import annotations

import pytest
import torch

from graphlab.lessons import lesson
from graphlab.lessons import lesson_accumulate as acc
from graphlab.lessons.checks import grade


def _grad_of_one_pass(values: list[float]) -> torch.Tensor:
    """d/dw of sum(w * w) by torch.autograd.grad, on a fresh graph: 2 w."""
    w = torch.tensor(values, requires_grad=True)
    (grad,) = torch.autograd.grad((w * w).sum(), w)
    assert torch.equal(grad, 2 * torch.tensor(values))
    return grad


def test_each_backward_adds_one_pass_and_zeroing_starts_again():
    one = _grad_of_one_pass(list(acc.W0))
    actions = ["backward"] * 3 + ["zero", "backward", "forward", "backward", "none", "backward"]
    steps = acc.replay(actions)
    held = [1, 2, 3, 0, 1, 1, 2, 0, 1]  # passes since .grad was last emptied
    for step, k in zip(steps, held, strict=True):
        assert step.error is None
        assert step.since_zero == k
        if step.action == "none":
            assert step.grad == "None"
        else:
            assert step.grad == str(k * one)
    assert [s.passes for s in steps] == [1, 2, 3, 3, 4, 4, 5, 5, 6]


def test_a_second_backward_without_retain_graph_raises_torchs_error():
    w = torch.tensor(list(acc.W0), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError) as raised:
        loss.backward()
    steps = acc.replay(["free", "free", "backward", "forward", "free"])
    assert [s.freed for s in steps] == [True, True, True, False, True]
    assert steps[0].error is None and steps[-1].error is None
    for step in steps[1:3]:  # even retain_graph=True cannot walk a freed graph
        assert step.error == f"RuntimeError: {raised.value}"
        assert "backward through the graph a second time" in step.error
    assert steps[-1].grad == str(2 * _grad_of_one_pass(list(acc.W0)))
    assert [s.passes for s in steps] == [1, 1, 1, 1, 2]


def test_zeroing_a_none_grad_is_pythons_attribute_error():
    (step,) = acc.replay(["zero"])
    assert step.grad == "None" and step.error.startswith("AttributeError: 'NoneType'")
    steps = acc.replay(["backward", "zero"])
    assert steps[-1].grad == str(torch.zeros(2)) and steps[-1].error is None


def test_an_unknown_press_is_refused():
    with pytest.raises(ValueError, match="unknown action"):
        acc.replay(["step"])


def test_the_answers_are_torchs():
    w = torch.tensor([1.0, 2.0])
    assert acc.PREDICT.answer() == str(2 * _grad_of_one_pass(w.tolist()))
    assert str(2 * 2 * w) == "tensor([4., 8.])" == acc.PREDICT.answer()
    answers = {q.id: q.answer() for q in lesson("accumulate").questions}
    three = 3 * _grad_of_one_pass([3.0, -1.0])
    assert float(answers["three"]) == three[0].item() == 18.0
    assert answers["second"] == "RuntimeError"
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    torch.optim.SGD([w], lr=0.1).zero_grad(set_to_none=True)
    assert w.grad is None and answers["none"] == "None"
    question = lesson("accumulate").question("three")
    assert grade(question, "18").ok and not grade(question, "6").ok


def test_what_you_saw_quotes_the_last_press():
    numbers = acc.saw(["backward", "backward", "free", "free"])
    one = _grad_of_one_pass(list(acc.W0))
    assert numbers == {
        "presses": "4",
        "passes": "3",
        "grad": str(3 * one),
        "since_zero": "3",
        "per_pass": str(one),
        "errors": "1",
    }
    assert acc.saw([])["grad"] == "None" and acc.saw([])["passes"] == "0"
