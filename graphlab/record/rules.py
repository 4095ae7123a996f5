r"""Each autograd node's backward rule, written once: in words, as LaTeX, and how a recorded
step's numbers fill it in (see `graphlab.record.latex`), for the Expression Lab and Step Through.
`NOTATION` names the symbols; an input broadcast in the forward pass gets its gradient summed
back to its own shape.

>>> print(rule_for("MulBackward0").backward)
\bar a = \bar z \cdot b, \qquad \bar b = \bar z \cdot a
>>> rule_for("NoSuchBackward0") is None, rule_for("x", kind="leaf") is RULES["AccumulateGrad"]
(True, True)
"""

from __future__ import annotations

from graphlab.core.messages import N_

from .latex import Rule, accumulate, each, generic, tex
from .rules_layout import LAYOUT_RULES
from .steps import BackwardStep

__all__ = ["NOTATION", "RULES", "Rule", "filled", "rule_for", "tex"]

NOTATION = N_(
    r"Notation: inputs $a, b$; output $z$; $\bar z = \partial L / \partial z$ is the gradient "
    r"arriving from the output $L$, and $\bar a, \bar b$ are what this node sends back."
)

_ELEMENTWISE = N_("Element by element: each output depends only on the input at the same position.")
RULES: dict[str, Rule] = {
    "AddBackward0": Rule(
        r"z = a + \alpha\, b",
        r"\bar a = \bar z, \qquad \bar b = \alpha\, \bar z",
        N_("Addition passes the incoming gradient through unchanged (scaled by alpha for b)."),
        each("$go", r"$alpha \cdot $go"),
    ),
    "SubBackward0": Rule(
        r"z = a - \alpha\, b",
        r"\bar a = \bar z, \qquad \bar b = -\alpha\, \bar z",
        N_("Subtraction passes the gradient to a unchanged and to b with its sign flipped."),
        each("$go", r"-$alpha \cdot $go"),
    ),
    "RsubBackward1": Rule(
        r"z = c - a",
        r"\bar a = -\bar z",
        N_("A number minus a tensor: the gradient comes back with its sign flipped."),
        each("-$go"),
    ),
    "MulBackward0": Rule(
        r"z = a \cdot b",
        r"\bar a = \bar z \cdot b, \qquad \bar b = \bar z \cdot a",
        N_(
            "Each factor gets the incoming gradient times the other factor, so each input is saved "
            "for backward only when the other one needs a gradient. For x * x both inputs are x, "
            "so x receives 2x times the gradient."
        ),
        each(r"$go \cdot $other", r"$go \cdot $self"),
    ),
    "DivBackward0": Rule(
        r"z = \frac{a}{b}",
        r"\bar a = \frac{\bar z}{b}, \qquad \bar b = -\frac{\bar z\, a}{b^{2}}",
        N_(
            "The numerator gets the gradient divided by b; the denominator gets minus a over b "
            "squared."
        ),
        each(r"\frac{$go}{$other}", r"-\frac{$go \cdot $self}{$other^{2}}"),
    ),
    "NegBackward0": Rule(
        r"z = -a", r"\bar a = -\bar z", N_("Negation flips the gradient's sign."), each("-$go")
    ),
    "PowBackward0": Rule(
        r"z = a^{p}",
        r"\bar a = \bar z \cdot p\, a^{p-1}",
        N_("A power with a fixed exponent p: the power rule, with a saved for backward."),
        each(r"$go \cdot $exponent \cdot $self^{$exponent - 1}"),
    ),
    "PowBackward1": Rule(
        r"z = a^{b}",
        r"\bar a = \bar z \cdot b\, a^{b-1}, \qquad \bar b = \bar z \cdot a^{b} \ln a",
        N_("Both base and exponent are tensors: the power rule for a, the exponential rule for b."),
    ),
    "PowBackward2": Rule(
        r"z = c^{a}",
        r"\bar a = \bar z \cdot c^{a} \ln c",
        N_("A number raised to a tensor: the exponential rule."),
    ),
    "SumBackward0": Rule(
        r"z = \sum_i a_i",
        r"\bar a_i = \bar z",
        N_(
            "Every element contributed with weight 1, so each one receives the incoming gradient: "
            "it is copied (expanded) to the input's shape."
        ),
        each("$go", spread=True),
    ),
    "SumBackward1": Rule(
        r"z_j = \sum_i a_{ij}",
        r"\bar a_{ij} = \bar z_j",
        N_(
            "A sum over some dimensions: the gradient is expanded back along the summed dimensions."
        ),
    ),
    "MeanBackward0": Rule(
        r"z = \frac{1}{n} \sum_i a_i",
        r"\bar a_i = \frac{\bar z}{n}",
        N_("Each of the n elements contributed 1/n, so each receives the gradient divided by n."),
        each(r"\frac{$go}{$n}", spread=True),
    ),
    "MeanBackward1": Rule(
        r"z_j = \frac{1}{n} \sum_i a_{ij}",
        r"\bar a_{ij} = \frac{\bar z_j}{n}",
        N_(
            "A mean over some dimensions (n elements each): the gradient is expanded back and "
            "divided by n."
        ),
    ),
    "ExpBackward0": Rule(
        r"z = e^{a}",
        r"\bar a = \bar z \cdot e^{a} = \bar z \cdot z",
        N_("The exponential is its own derivative, so backward reuses the saved result z."),
        each(r"$go \cdot $result"),
    ),
    "LogBackward0": Rule(
        r"z = \ln a",
        r"\bar a = \frac{\bar z}{a}",
        N_("The natural log: divide by the input."),
        each(r"\frac{$go}{$self}"),
    ),
    "SqrtBackward0": Rule(
        r"z = \sqrt{a}",
        r"\bar a = \frac{\bar z}{2 \sqrt{a}} = \frac{\bar z}{2 z}",
        N_("Square root: divide by twice the saved result."),
        each(r"\frac{$go}{2 \cdot $result}"),
    ),
    "AbsBackward0": Rule(
        r"z = |a|",
        r"\bar a = \bar z \cdot \operatorname{sign}(a)",
        N_("The sign of the input (0 at 0, where |a| has no derivative)."),
    ),
    "SinBackward0": Rule(
        r"z = \sin a",
        r"\bar a = \bar z \cdot \cos a",
        _ELEMENTWISE,
        each(r"$go \cdot \cos $self"),
    ),
    "CosBackward0": Rule(
        r"z = \cos a",
        r"\bar a = -\bar z \cdot \sin a",
        _ELEMENTWISE,
        each(r"-$go \cdot \sin $self"),
    ),
    "TanhBackward0": Rule(
        r"z = \tanh a",
        r"\bar a = \bar z \cdot (1 - z^{2})",
        N_("The derivative of tanh is written with its own result, so backward saves z, not a."),
        each(r"$go \cdot (1 - $result^{2})"),
    ),
    "SigmoidBackward0": Rule(
        r"z = \sigma(a) = \frac{1}{1 + e^{-a}}",
        r"\bar a = \bar z \cdot z\, (1 - z)",
        N_("The sigmoid's derivative is z(1 - z): small when z is near 0 or 1 (saturation)."),
        each(r"$go \cdot $result \cdot (1 - $result)"),
    ),
    "ReluBackward0": Rule(
        r"z = \max(a, 0)",
        r"\bar a = \bar z \cdot \mathbf{1}[z > 0]",
        N_("The gradient passes where the output was positive and is blocked (0) elsewhere."),
        each(r"$go \cdot \mathbf{1}[$result > 0]"),
    ),
    "ClampBackward1": Rule(
        r"z = \min(\max(a, lo), hi)",
        r"\bar a = \bar z \cdot \mathbf{1}[lo \le a \le hi]",
        N_(
            "The gradient passes where the input was inside the bounds and is 0 where it was "
            "clipped."
        ),
    ),
    "MmBackward0": Rule(
        r"Z = A B",
        r"\bar A = \bar Z\, B^{\top}, \qquad \bar B = A^{\top} \bar Z",
        N_(
            "Matrix product: each factor gets the incoming gradient multiplied by the other one, "
            "transposed, on the side that makes the shapes fit."
        ),
        each(r"$go\, $mat2^{\top}", r"$self^{\top}\, $go"),
    ),
    "MvBackward0": Rule(
        r"z = A v",
        r"\bar A = \bar z\, v^{\top}, \qquad \bar v = A^{\top} \bar z",
        N_("Matrix times vector: an outer product for the matrix, a transposed product for v."),
        each(r"$go\, $vec^{\top}", r"$self^{\top}\, $go"),
    ),
    "DotBackward0": Rule(
        r"z = a \cdot b = \sum_i a_i b_i",
        r"\bar a = \bar z\, b, \qquad \bar b = \bar z\, a",
        N_("Dot product of two vectors: each gets the other scaled by the incoming gradient."),
        each(r"$go \cdot $tensor", r"$go \cdot $self"),
    ),
    "BmmBackward0": Rule(
        r"Z_k = A_k B_k",
        r"\bar A_k = \bar Z_k\, B_k^{\top}, \qquad \bar B_k = A_k^{\top} \bar Z_k",
        N_("The matrix-product rule, once per matrix k of the batch."),
    ),
    "AddmmBackward0": Rule(
        r"Z = \beta\, C + \alpha\, A B",
        r"\bar C = \beta \textstyle\sum_{\text{batch}} \bar Z, \quad \bar A = \alpha\, \bar Z B^{\top}, \quad "
        r"\bar B = \alpha\, A^{\top} \bar Z",
        N_(
            "A linear layer (x @ W.T + b) in one node: the bias gets the gradient summed over the "
            "batch, the two factors get the matrix-product rule."
        ),
        each(
            r"$beta \cdot \textstyle\sum $go",
            r"$alpha \cdot $go\, $mat2^{\top}",
            r"$alpha \cdot $mat1^{\top} $go",
        ),
    ),
    "SoftmaxBackward0": Rule(
        r"z_i = \frac{e^{a_i}}{\sum_j e^{a_j}}",
        r"\bar a_i = z_i \Big(\bar z_i - \sum_j \bar z_j z_j\Big)",
        N_(
            "Every output depends on every input of its row, so each gradient is corrected by the "
            "weighted mean of the incoming gradient. Backward saves the result z."
        ),
    ),
    "LogSoftmaxBackward0": Rule(
        r"z_i = a_i - \log \sum_j e^{a_j}",
        r"\bar a_i = \bar z_i - \operatorname{softmax}(a)_i \sum_j \bar z_j",
        N_("The incoming gradient minus the softmax probabilities times its sum."),
    ),
    "NllLossBackward0": Rule(
        r"L = -\frac{1}{N} \sum_{n} a_{n, t_n}",
        r"\bar a_{n,i} = -\frac{\bar L}{N}\, \mathbf{1}[i = t_n]",
        N_(
            "Negative log-likelihood (mean over the batch): only the entry of the target class t "
            "receives a gradient, -1/N. After log_softmax this is cross-entropy."
        ),
    ),
    "MseLossBackward0": Rule(
        r"L = \frac{1}{n} \sum_i (a_i - t_i)^{2}",
        r"\bar a_i = \bar L \cdot \frac{2 (a_i - t_i)}{n}",
        N_("Mean squared error: each prediction is pushed in proportion to its error."),
    ),
    **LAYOUT_RULES,
    "AccumulateGrad": Rule(
        r"x.\mathrm{grad} \mathrel{+}= \bar x",
        r"\bar x = \frac{\partial L}{\partial x}",
        N_(
            "A leaf tensor with requires_grad=True: backward ends here and adds the incoming "
            "gradient into x.grad (adds, so a second backward accumulates unless you zero it)."
        ),
        accumulate,
    ),
}

# Boxes that are not backward nodes still deserve a sentence.
_OUTPUT = Rule(
    r"L",
    r"\bar L = \frac{\partial L}{\partial L} = 1",
    N_(
        "The output. backward() starts here with a gradient of 1 (for a scalar) and walks the "
        "arrows in reverse."
    ),
)
_SAVED = Rule(
    r"\text{saved tensor}",
    r"\text{read by its op's backward}",
    N_(
        "A tensor the forward pass stored because the op's backward formula needs it. It is freed "
        "after backward unless retain_graph=True."
    ),
)


def rule_for(name: str, kind: str = "op") -> Rule | None:
    """The rule for a node named ``name`` of graph kind ``kind``; None when we have none.
    Leaves and parameters are drawn as tensors but are AccumulateGrad nodes in autograd."""
    if kind in ("leaf", "param"):
        return RULES["AccumulateGrad"]
    return {"output": _OUTPUT, "saved": _SAVED}.get(kind) or RULES.get(name)


def filled(step: BackwardStep) -> list[str]:
    """The step's backward rule with its numbers, one LaTeX line per gradient it sent."""
    rule = RULES.get(step.name)
    return rule.lines(step) if rule else generic(step)
