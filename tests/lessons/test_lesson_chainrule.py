"""Lesson 3, the chain rule: the hand-worked gradients, the recorded nodes, the answers and the
numbers of 'What you saw', each against torch.autograd (or finite differences) computed here."""

from __future__ import annotations

import re

import pytest
import torch

from graphlab.lessons import lesson
from graphlab.lessons import lesson_chainrule as chain
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import LANGS, load

SETTINGS = [
    chain.DEFAULTS,
    (chain.DEFAULTS[0], chain.DEFAULTS[1], chain.DEFAULTS[2], "sigmoid"),
    ("1, 2", "3, -1", "-1", "sigmoid"),  # one neuron, z = 0
    ("[[1.5, -2], [0.3, 4], [-1, 0]]", "[2, -0.5]", "[0, 1, -3]", "tanh"),
    ("0.5, -0.3, 0.2; 0.1, 0.4, -0.6", "1, 2, -1", "0.1, 5", "tanh"),  # saturated row
    ("1; -2; 3; 0.5", "7", "0, 0, 0, 0", "sigmoid"),
]


def autograd_grads(s: chain.Setting) -> dict[str, torch.Tensor]:
    W, x, b = (t.clone().double().requires_grad_(True) for t in (s.W, s.x, s.b))
    z = W @ x + b
    y = getattr(torch, s.f)(z).sum()
    gW, gx, gb = torch.autograd.grad(y, (W, x, b))
    return {"z": z.detach(), "d_W": gW, "d_x": gx, "d_b": gb}


@pytest.mark.parametrize("args", SETTINGS)
def test_the_chain_rule_by_hand_matches_autograd(args):
    s = chain.setting(*args)
    hand, want = chain.by_hand(s), autograd_grads(s)
    assert not any(t.requires_grad for t in hand.values())
    for key in ("z", "d_W", "d_x", "d_b"):
        assert hand[key].shape == want[key].shape, key
        torch.testing.assert_close(hand[key].double(), want[key], rtol=1e-5, atol=1e-6)
    assert hand["d_W"].shape == s.W.shape  # a weight's gradient has the weight's shape


@pytest.mark.parametrize("args", SETTINGS)
def test_every_recorded_node_agrees_with_the_hand_side(args):
    s = chain.setting(*args)
    checks = chain.node_checks(s)
    names = [n.name for n in checks]
    assert names[:3] == ["SumBackward0", f"{s.f.capitalize()}Backward0", "AddBackward0"]
    assert sorted(names[3:]) == ["MvBackward0", "W", "b", "x"]
    assert names.index("W") > names.index("MvBackward0") < names.index("x")
    assert all(r.ok for n in checks for r in n.rows if r.ok is not None)
    want = autograd_grads(s)
    for node in checks:
        if node.leaf:  # the .grad the recording shows is autograd's
            (grad_row,) = [r for r in node.rows if r.kind == "grad"]
            assert grad_row.recorded == chain.fmt(want[f"d_{node.name}"])
    # What a node sends is what the node it goes to receives.
    arriving = {n.name: n.rows[0].recorded for n in checks}
    for node in checks:
        for row in node.rows:
            if row.kind == "sent":
                assert row.recorded == arriving[row.target], (node.name, row.target)


def test_a_disagreement_would_be_marked():
    s = chain.setting(*chain.DEFAULTS)
    row = chain._row("sent", "W", "", torch.zeros(2, 3), chain.by_hand(s)["d_W"])
    assert row.ok is False
    assert chain._row("sent", "x", "", torch.zeros(2), torch.zeros(3)).ok is False  # shapes


def test_the_local_derivatives_are_torchs():
    z = torch.linspace(-4, 4, 9, dtype=torch.float64, requires_grad=True)
    for f in chain.FUNCTIONS:
        s = chain.Setting(torch.eye(9, dtype=torch.float64), z.detach(), torch.zeros(9), f)
        (slope,) = torch.autograd.grad(getattr(torch, f)(z).sum(), z)
        torch.testing.assert_close(chain.by_hand(s)["local"], slope)


def test_the_answers_match_torch_computed_another_way():
    answers = {q.id: q.answer() for q in lesson("chainrule").questions}
    # dy/dW[0, 1] by a central finite difference, in float64
    W, x, b = torch.tensor([[1.0, 2.0]], dtype=torch.float64), torch.tensor([3.0, -1.0]), -1.0

    def y(w01: float) -> float:
        w = W.clone()
        w[0, 1] = w01
        return torch.sigmoid(w @ x.double() + b).sum().item()

    slope = (y(2.0 + 1e-6) - y(2.0 - 1e-6)) / 2e-6
    assert float(answers["dw01"]) == pytest.approx(slope, abs=1e-6) == pytest.approx(-0.25)
    z = torch.linspace(-3, 3, 7, dtype=torch.float64)
    slope = (torch.tanh(z + 1e-6) - torch.tanh(z - 1e-6)) / 2e-6
    assert (
        torch.allclose(1 - torch.tanh(z) ** 2, slope) and answers["tanh_local"] == "1 - tanh(z)**2"
    )
    wrong = [k for k, g in chain._CANDIDATES.items() if torch.allclose(g(z), slope)]
    assert wrong == ["1 - tanh(z)**2"]  # exactly one option is right
    # The Jacobian of u = W @ x by W is (2, 2, 3); what backward sends W has W's shape.
    s = chain.setting(*chain.DEFAULTS)
    jac = torch.autograd.functional.jacobian(lambda w: w @ s.x, s.W)
    assert tuple(jac.shape) == (2, 2, 3) and answers["vjp_shape"] == str(tuple(s.W.shape))
    assert grade(lesson("chainrule").questions[0], "-0.25").ok
    assert not grade(lesson("chainrule").questions[0], "0.25").ok


@pytest.mark.parametrize("lang", LANGS)
def test_the_predict_program_in_the_prose_is_the_one_the_answer_runs(lang):
    (code,) = re.findall(r"```python\n(.*?)```", load(lang, "chainrule")["predict"], re.S)
    scope = {"torch": torch}
    exec(compile(code, "predict", "exec"), scope)  # our own lesson file, not input
    grad = scope["b"].grad
    want = "b.grad[0] > b.grad[1]" if grad[0] > grad[1] else "b.grad[0] < b.grad[1]"
    assert lesson("chainrule").predict.answer() == want
    W, x, b, f = chain.DEFAULTS  # the program is the widget's default setting
    s = chain.setting(W, x, b, f)
    assert torch.equal(scope["W"], s.W) and torch.equal(scope["x"], s.x)
    assert torch.equal(scope["b"].detach(), s.b) and f in code


@pytest.mark.parametrize("args", SETTINGS)
def test_what_you_saw_quotes_torchs_numbers(args):
    s = chain.setting(*args)
    want = autograd_grads(s)
    numbers = chain.saw(*args)
    assert numbers["f"] == s.f
    assert numbers["z"] == chain.fmt(want["z"])
    assert numbers["grad_b"] == chain.fmt(want["d_b"])
    assert numbers["grad_W"] == chain.fmt(want["d_W"])
    assert numbers["grad_x"] == chain.fmt(want["d_x"])
    assert numbers["largest"] == f"b[{int(want['d_b'].abs().argmax())}]"
    # Sum 2, f 3, Add 4, Mv 5, and 2 for each of the three leaves: 20 quantities compared
    assert numbers["agreed"] == numbers["total"] == "20"
    steps = numbers["order"].split(" → ")
    assert steps[0] == "SumBackward0" and len(steps) == 7
    assert {"AccumulateGrad (W)", "AccumulateGrad (x)", "AccumulateGrad (b)"} <= set(steps)


@pytest.mark.parametrize(
    ("W", "x", "b", "f", "reason"),
    [
        ("1, x", "1, 2", "0", "tanh", "'x' in W row 0 is not a number"),
        ("1, 2; 3", "1, 2", "0, 0", "tanh", "same number of entries"),
        ("1, 2", "1, 2, 3", "0", "tanh", "x needs one number per column of W (2)"),
        ("1, 2", "1, 2", "0, 0", "tanh", "b needs one number per row of W (1)"),
        ("1, 2", "1, nan", "0", "tanh", "use numbers between"),
        ("1, 2", "1, 1e9", "0", "tanh", "use numbers between"),
        ("1; 2; 3; 4; 5", "1", "0, 0, 0, 0, 0", "tanh", "1 to 4 rows"),
        ("1, 2", "", "0", "tanh", "x is empty"),
        ("1, 2", "1, 2", "0", "relu", "f must be one of tanh, sigmoid"),
    ],
)
def test_numbers_that_do_not_fit_are_refused_with_the_reason(W, x, b, f, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        chain.setting(W, x, b, f)
