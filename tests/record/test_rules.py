"""One rule table: the formula the Expression Lab shows is the one Step Through fills with numbers,
and both the formula and the numbers agree with torch.autograd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from babel.messages.extract import extract_from_file

from graphlab.record import NOTATION, RULES, Recorder, filled, rule_for, snapshot, tex

A = [0.5, 1.5, 2.0]  # positive, for log, sqrt and powers
B = [2.0, -1.0, 4.0]
M1 = [[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]
M2 = [[0.5, 1.0], [-1.0, 2.0], [1.5, -0.5]]


def _t(values: list) -> torch.Tensor:
    return torch.tensor(values, requires_grad=True)


def _unary(op: Callable) -> Callable:
    def make():
        a = _t(A)
        return [a], op(a)

    return make


def _binary(op: Callable, left: list = A, right: list = B) -> Callable:
    def make():
        a, b = _t(left), _t(right)
        return [a, b], op(a, b)

    return make


def _addmm():
    c, a, b = _t([1.0, -1.0]), _t(M1), _t(M2)  # c is broadcast over the batch
    return [c, a, b], torch.addmm(c, a, b, beta=0.5, alpha=2.0)


# Each filled op: how to build it, and its backward formula as written in RULES, in torch:
# (incoming gradient, inputs, output) -> the gradient of each input.
CASES: dict[str, tuple[Callable, Callable]] = {
    "AddBackward0": (_binary(lambda a, b: a.add(b, alpha=2)), lambda g, i, z: [g, 2 * g]),
    "SubBackward0": (_binary(lambda a, b: a.sub(b, alpha=2)), lambda g, i, z: [g, -2 * g]),
    "RsubBackward1": (_unary(lambda a: 1 - a), lambda g, i, z: [-g]),
    "MulBackward0": (_binary(torch.mul), lambda g, i, z: [g * i[1], g * i[0]]),
    "DivBackward0": (
        _binary(torch.div),
        lambda g, i, z: [g / i[1], -g * i[0] / i[1] ** 2],
    ),
    "NegBackward0": (_unary(torch.neg), lambda g, i, z: [-g]),
    "SumBackward0": (_unary(torch.sum), lambda g, i, z: [g.expand(3)]),
    "MeanBackward0": (_unary(torch.mean), lambda g, i, z: [(g / 3).expand(3)]),
    "PowBackward0": (_unary(lambda a: a**3), lambda g, i, z: [g * 3 * i[0] ** 2]),
    "ExpBackward0": (_unary(torch.exp), lambda g, i, z: [g * z]),
    "LogBackward0": (_unary(torch.log), lambda g, i, z: [g / i[0]]),
    "SqrtBackward0": (_unary(torch.sqrt), lambda g, i, z: [g / (2 * z)]),
    "SinBackward0": (_unary(torch.sin), lambda g, i, z: [g * torch.cos(i[0])]),
    "CosBackward0": (_unary(torch.cos), lambda g, i, z: [-g * torch.sin(i[0])]),
    "TanhBackward0": (_unary(torch.tanh), lambda g, i, z: [g * (1 - z**2)]),
    "SigmoidBackward0": (_unary(torch.sigmoid), lambda g, i, z: [g * z * (1 - z)]),
    "ReluBackward0": (_unary(lambda a: torch.relu(a - 1)), lambda g, i, z: [g * (z > 0)]),
    "MmBackward0": (_binary(torch.mm, M1, M2), lambda g, i, z: [g @ i[1].T, i[0].T @ g]),
    "MvBackward0": (
        _binary(torch.mv, M1, B),
        lambda g, i, z: [torch.outer(g, i[1]), i[0].T @ g],
    ),
    "DotBackward0": (_binary(torch.dot), lambda g, i, z: [g * i[1], g * i[0]]),
    "AddmmBackward0": (
        _addmm,
        lambda g, i, z: [0.5 * g.sum(0), 2.0 * g @ i[2].T, 2.0 * i[1].T @ g],
    ),
}


# The formula text each case above checks; a change to the text must be checked again here.
CHECKED_TEXT = {
    "AddBackward0": r"\bar a = \bar z, \qquad \bar b = \alpha\, \bar z",
    "SubBackward0": r"\bar a = \bar z, \qquad \bar b = -\alpha\, \bar z",
    "RsubBackward1": r"\bar a = -\bar z",
    "MulBackward0": r"\bar a = \bar z \cdot b, \qquad \bar b = \bar z \cdot a",
    "DivBackward0": r"\bar a = \frac{\bar z}{b}, \qquad \bar b = -\frac{\bar z\, a}{b^{2}}",
    "NegBackward0": r"\bar a = -\bar z",
    "SumBackward0": r"\bar a_i = \bar z",
    "MeanBackward0": r"\bar a_i = \frac{\bar z}{n}",
    "PowBackward0": r"\bar a = \bar z \cdot p\, a^{p-1}",
    "ExpBackward0": r"\bar a = \bar z \cdot e^{a} = \bar z \cdot z",
    "LogBackward0": r"\bar a = \frac{\bar z}{a}",
    "SqrtBackward0": r"\bar a = \frac{\bar z}{2 \sqrt{a}} = \frac{\bar z}{2 z}",
    "SinBackward0": r"\bar a = \bar z \cdot \cos a",
    "CosBackward0": r"\bar a = -\bar z \cdot \sin a",
    "TanhBackward0": r"\bar a = \bar z \cdot (1 - z^{2})",
    "SigmoidBackward0": r"\bar a = \bar z \cdot z\, (1 - z)",
    "ReluBackward0": r"\bar a = \bar z \cdot \mathbf{1}[z > 0]",
    "MmBackward0": r"\bar A = \bar Z\, B^{\top}, \qquad \bar B = A^{\top} \bar Z",
    "MvBackward0": r"\bar A = \bar z\, v^{\top}, \qquad \bar v = A^{\top} \bar z",
    "DotBackward0": r"\bar a = \bar z\, b, \qquad \bar b = \bar z\, a",
    "AddmmBackward0": r"\bar C = \beta \textstyle\sum_{\text{batch}} \bar Z, \quad \bar A = \alpha\, \bar Z B^{\top}, \quad \bar B = \alpha\, A^{\top} \bar Z",
}


def _record(make: Callable, name: str):
    """The step of node `name` after a recorded backward with an uneven incoming gradient (all
    ones would hide a missing factor of the gradient)."""
    with Recorder() as rec:
        _, z = make()
    g = torch.linspace(0.5, -1.5, z.numel()).reshape(z.shape)
    (step,) = [s for s in rec.backward(z, grad_outputs=[g]) if s.name == name]
    return step, g


def test_every_filler_has_a_case_here() -> None:
    with_fill = {name for name, rule in RULES.items() if rule.fill is not None}
    assert with_fill == set(CASES) | {"AccumulateGrad"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_formula_is_the_one_filled_in_and_matches_autograd(name: str) -> None:
    make, formula = CASES[name]
    rule = RULES[name]
    assert rule.backward == CHECKED_TEXT[name] and rule.forward and rule.words.endswith(".")
    step, g = _record(make, name)
    lines = filled(step)
    inputs, z = make()
    expected = torch.autograd.grad(z, inputs, g)
    by_formula = formula(g, [t.detach() for t in inputs], z.detach())
    assert len(lines) == len(rule.parts) == len(expected)
    for line, part, grad, mine in zip(lines, rule.parts, expected, by_formula, strict=True):
        assert line.startswith(part + " = "), (line, part)
        assert tex(snapshot(g)) in line and r"\text{—}" not in line  # every number was there
        assert line.endswith("= " + tex(snapshot(grad))), (line, grad)
        torch.testing.assert_close(mine.to(grad.dtype), grad)


def test_a_leaf_shows_each_edge_that_met_and_its_grad() -> None:
    with Recorder() as rec:
        x = _t(A)
        y = (x * x).sum()
    leaf = rec.backward(y)[-1]
    first, last = filled(leaf)
    assert leaf.name == "AccumulateGrad" and " + " in first
    assert last == r"x.\mathrm{grad} = " + tex(snapshot(x.grad))
    torch.testing.assert_close(x.grad, 2 * x.detach())


def test_mul_saves_an_input_only_when_the_other_needs_a_gradient() -> None:
    with Recorder() as rec:
        a, b = _t(A), torch.tensor(B)
        y = (a * b).sum()
    (mul,) = [s for s in rec.backward(y) if s.name == "MulBackward0"]
    assert set(mul.saved) == {"other"}  # b, for a's gradient; a itself is not kept
    assert "only when the other" in RULES["MulBackward0"].words
    assert filled(mul) == [
        rf"\bar a = \bar z \cdot b = [1, 1, 1] \cdot {tex(mul.saved['other'])} = [2, -1, 4]"
    ]


@pytest.mark.parametrize("needs", [("a",), ("b",), ("a", "b")])
def test_mul_saves_each_factor_only_for_the_other_ones_gradient(needs) -> None:
    """torch 2.13: an unsaved factor reads as None on the node; the rule's words say the same."""
    with Recorder() as rec:
        a = torch.tensor(A, requires_grad="a" in needs)
        b = torch.tensor(B, requires_grad="b" in needs)
        z = a * b
    fn = z.grad_fn
    assert fn.name() == "MulBackward0"
    # torch: self (a) is kept only when b needs a gradient, other (b) only when a does.
    assert (fn._saved_self is not None) == b.requires_grad
    assert (fn._saved_other is not None) == a.requires_grad
    (mul,) = [s for s in rec.backward(z.sum()) if s.name == "MulBackward0"]
    kept = {"self": b.requires_grad, "other": a.requires_grad}
    assert set(mul.saved) == {name for name, keep in kept.items() if keep}
    assert "saved for backward only when the other one needs a gradient" in (
        RULES["MulBackward0"].words
    )


def test_every_sentence_a_rule_says_is_marked_for_translation():
    """The pages show `_(rule.words)` and `_(NOTATION)`: each must be a literal `N_()` marks, or
    `pybabel extract` misses it and the sentence stays English in Chinese."""
    here = Path(__file__).resolve().parents[2] / "graphlab" / "record"
    marked = {
        m
        for name in ("rules.py", "rules_layout.py")
        for _, m, *_ in extract_from_file("python", here / name, keywords={"N_": None})
    }
    said = {rule.words for rule in RULES.values()} | {NOTATION}
    said |= {rule_for("", kind).words for kind in ("output", "saved", "leaf")}
    assert said - marked == set()
    assert len(said) > 40  # every rule of the table, not an empty set that passes
