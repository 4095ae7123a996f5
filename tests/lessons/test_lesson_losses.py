"""Lesson 10, losses: the gradient table against cross-entropy written out in float64 and
differentiated by autograd, the MSE gradient against the softmax's Jacobian, every target
against `F.cross_entropy` called directly (its error text included), the answers against torch
computed another way, and the prose's claims against the numbers."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from graphlab.lessons import lesson
from graphlab.lessons import lesson_losses as ll
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load

SETTINGS = [
    ((2.0, 1.0, 0.1, -1.0), 0, 4), ((2.0, 1.0, 0.1), 2, 1), ((-5.0, 8.0, 0.0), 0, 8),
    ((0.0, 0.0, 0.0, 0.0), 3, 2), ((8.0, -8.0, 3.3, -0.7), 1, 5),
]  # fmt: skip


def _ce64(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy from its definition, in float64: -log(exp(z_y) / sum exp(z)), averaged."""
    z = z.double()
    picked = z[torch.arange(len(y)), y]
    return (torch.log(torch.exp(z).sum(1)) - picked).mean()


@pytest.mark.parametrize(("logits", "target", "n"), SETTINGS)
def test_the_gradient_is_autograds_and_the_formula(logits, target, n):
    run = ll.gradient(logits, target, n)
    z, y = ll.batch(logits, target, n)
    z64 = z.double().requires_grad_()
    (g,) = torch.autograd.grad(_ce64(z64, y), z64)
    assert run.grad == pytest.approx(g[0].tolist(), abs=1e-6)
    assert run.ce == pytest.approx(_ce64(z, y).item(), rel=1e-5)
    p = torch.exp(z[0].double()) / torch.exp(z[0].double()).sum()
    onehot = [1.0 if k == target else 0.0 for k in range(len(logits))]
    assert run.probs == pytest.approx(p.tolist(), abs=1e-6) and run.onehot == onehot
    assert run.formula == pytest.approx(((p - torch.tensor(onehot)) / n).tolist(), abs=1e-6)
    assert run.max_diff < 1e-6
    assert run.ce0 == pytest.approx(-math.log(p[target].item()), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(("logits", "target", "n"), SETTINGS)
def test_the_mse_gradient_goes_through_the_softmax_jacobian(logits, target, n):
    run = ll.gradient(logits, target, n)
    z, y = ll.batch(logits, target, n)
    p = z.double().softmax(1)
    onehot = F.one_hot(y, z.shape[1]).double()
    assert run.mse == pytest.approx(((p - onehot) ** 2).mean().item(), rel=1e-5, abs=1e-9)
    outer = 2 * (p[0] - onehot[0]) / p.numel()  # d mean((p - y)^2) / d p[0]
    jacobian = torch.diag(p[0]) - torch.outer(p[0], p[0])  # d softmax / d z
    assert run.mse_grad == pytest.approx((jacobian @ outer).tolist(), abs=1e-7)


def test_row_0_is_the_learners_and_the_other_rows_stay_put():
    z, y = ll.batch((1.0, 2.0, 3.0), 1, 6)
    assert z.shape == (6, 3) and z.dtype == torch.float32 and y.dtype == torch.int64
    assert z[0].tolist() == [1.0, 2.0, 3.0] and y[0].item() == 1
    z2, y2 = ll.batch((-4.0, 0.5, 7.0), 0, 8)
    assert torch.equal(z[1:], z2[1:6]) and torch.equal(y[1:], y2[1:6])
    assert ((y2 >= 0) & (y2 < 3)).all()


@pytest.mark.parametrize(("logits", "target", "n"), SETTINGS)
def test_each_target_is_what_torch_does_with_it(logits, target, n):
    z, y = ll.batch(logits, target, n)
    c = z.shape[1]
    runs = {form: ll.target_run(form, logits, target, n) for form in ll.TARGETS}
    want = F.cross_entropy(z, y).item()
    assert runs["indices"].loss == pytest.approx(want, rel=1e-6)
    assert runs["indices"].by_hand == pytest.approx(_ce64(z, y).item(), rel=1e-5)
    with pytest.raises(RuntimeError) as raised:
        F.cross_entropy(z, y.float())
    float_run = runs["float"]
    assert float_run.loss is None and float_run.error == f"RuntimeError: {raised.value}"
    assert (float_run.dtype, float_run.shape, float_run.by_hand) == ("float32", f"({n},)", None)
    # Float targets of the input's shape are probabilities: one-hot is the indices' loss,
    # smoothed one-hot is label smoothing.
    assert runs["onehot"].loss == pytest.approx(want, rel=1e-5)
    assert (
        runs["onehot"].shape == str((n, c)) and runs["onehot"].code == f"F.one_hot(y, {c}).float()"
    )
    smooth = F.cross_entropy(z, y, label_smoothing=0.1).item()
    assert runs["smooth"].loss == pytest.approx(smooth, rel=1e-5)
    assert runs["smooth"].by_hand == pytest.approx(smooth, rel=1e-5)


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("losses")
    z, y = ll.batch(ll.START[:3], 0, 4)
    z64 = z.double().requires_grad_()
    (g,) = torch.autograd.grad(_ce64(z64, y), z64)
    p = z[0].double().softmax(0)
    assert torch.allclose(g[0], (p - F.one_hot(y, 3)[0]) / 4)
    assert not torch.allclose(g[0], p - F.one_hot(y, 3)[0], atol=1e-3)
    assert item.predict.answer() == "(softmax(z[0]) - onehot(y[0])) / 4"
    answers = {q.id: q for q in item.questions}
    logits = torch.randn(3, 4)
    with pytest.raises(RuntimeError):
        torch.nn.CrossEntropyLoss()(logits, torch.tensor([0.0, 2.0, 1.0]))
    assert answers["float_labels"].answer() == "RuntimeError"
    assert answers["onehot"].answer() == "True"
    softmax = math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))
    want = (softmax - 1) / 2
    assert float(answers["grad"].answer()) == pytest.approx(want, rel=1e-3)
    assert grade(answers["grad"], f"{want:.5f}").ok and not grade(answers["grad"], "-0.3348").ok


def test_what_the_prose_says_holds():
    # Confidently wrong (Play's third "try this"): cross-entropy pushes with nearly -1/N, the
    # squared error on the softmax hardly at all.
    for n in (1, 4, 8):
        run = ll.gradient((-5.0, 8.0, 0.0, 0.0), 0, n)
        assert run.grad[0] == pytest.approx(-1 / n, rel=1e-3)
        assert abs(run.mse_grad[0]) < 1e-3 * abs(run.grad[0])
    # Raising N leaves row 0's own loss and divides its gradient.
    runs = [ll.gradient(ll.START, 1, n) for n in range(1, ll.MAX_N + 1)]
    assert len({r.ce0 for r in runs}) == 1
    for run in runs:
        assert [g * run.n for g in run.grad] == pytest.approx(runs[0].grad, rel=1e-5)
    # Raising the true class's logit: its probability nears 1 and the gradient 0.
    high = ll.gradient((8.0, -8.0, -8.0), 0, 1)
    assert high.probs[0] > 0.999 and max(map(abs, high.grad)) < 1e-3
    # Predict and Play name the same N.
    assert "N = 4" in load("en", "losses")["predict"] and "/ 4" in lesson("losses").predict.answer()


@pytest.mark.parametrize(
    ("logits", "target", "n", "words"),
    [((1.0, 2.0), 0, 2, "logits"), ((1.0, 2.0, 3.0, 4.0, 5.0), 0, 2, "logits"),
     ((1.0, math.nan, 0.0), 0, 2, "logit"), ((1.0, 99.0, 0.0), 0, 2, "logit"),
     ((1.0, 2.0, 3.0), 3, 2, "class"), ((1.0, 2.0, 3.0), -1, 2, "class"),
     ((1.0, 2.0, 3.0), 0, 0, "N must"), ((1.0, 2.0, 3.0), 0, ll.MAX_N + 1, "N must")],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(logits, target, n, words):
    with pytest.raises(ValueError, match=words):
        ll.gradient(logits, target, n)
    with pytest.raises(ValueError, match="no target"):
        ll.target_run("probabilities", (1.0, 2.0, 3.0), 0, 2)


def test_saw_quotes_the_batch_and_the_target():
    run = ll.gradient(ll.START, 2, 4)
    numbers = ll.saw(run, ll.target_run("float", ll.START, 2, 4))
    z, y = ll.batch(ll.START, 2, 4)
    p = z[0].softmax(0)[2].item()
    assert (numbers["n"], numbers["c"], numbers["y0"]) == ("4", "4", "2")
    assert float(numbers["p"]) == pytest.approx(p, rel=1e-3)
    assert float(numbers["grad"]) == pytest.approx((p - 1) / 4, rel=1e-3)
    assert float(numbers["ce"]) == pytest.approx(F.cross_entropy(z, y).item(), rel=1e-3)
    assert numbers["outcome"] == "RuntimeError" and numbers["target"] == "y.float()"
    indices = ll.saw(run, ll.target_run("indices", ll.START, 2, 4))
    assert float(indices["outcome"]) == pytest.approx(F.cross_entropy(z, y).item(), rel=1e-3)
