"""Starter programs for the Expression Lab, written in the sandbox's language.

Each one is plain text (it goes into the editor and through :func:`graphlab.sandbox.evaluate`,
in the worker process) and teaches one idea. The last tensor assigned is the graph's output.

>>> from graphlab.sandbox import evaluate
>>> evaluate(EXPRESSION_EXAMPLES["square"].source).tensors["y"].item()
14.0
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT", "EXPRESSION_EXAMPLES", "ExpressionExample"]


@dataclass(frozen=True)
class ExpressionExample:
    title: str
    idea: str
    source: str


def _program(text: str) -> str:
    return text.strip("\n") + "\n"


EXPRESSION_EXAMPLES: dict[str, ExpressionExample] = {
    "neuron": ExpressionExample(
        "A neuron: sigmoid(x · w + b)",
        "Two leaves that require grad (w, b), a constant input x, one op per operator.",
        _program("""
x = torch.tensor([1.0, -2.0, 0.5])
w = torch.tensor([0.3, 0.8, -0.5], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
y = torch.sigmoid(x @ w + b)
"""),
    ),
    "square": ExpressionExample(
        "x * x: one input used twice",
        "Both inputs of MulBackward0 come from x, so x.grad adds two contributions: 2x.",
        _program("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x * x).sum()
"""),
    ),
    "cross_entropy": ExpressionExample(
        "Softmax + cross-entropy",
        "F.cross_entropy is log_softmax followed by nll_loss; here the two steps are spelt out.",
        _program("""
logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, 0.3]], requires_grad=True)
target = torch.tensor([0, 2])
log_probs = F.log_softmax(logits, dim=1)
loss = F.nll_loss(log_probs, target)  # same as F.cross_entropy(logits, target)
"""),
    ),
    "matmul_chain": ExpressionExample(
        "A matmul chain: a two-layer network",
        "Matrix products (MmBackward0), a tanh, a softmax and a mean-squared-error loss.",
        _program("""
x = torch.randn(4, 3)
W1 = torch.randn(3, 5, requires_grad=True)
W2 = torch.randn(5, 2, requires_grad=True)
h = torch.tanh(x @ W1)
p = torch.softmax(h @ W2, dim=1)
target = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
loss = F.mse_loss(p, target)
"""),
    ),
    "no_grad": ExpressionExample(
        "no_grad and detach: cutting the graph",
        "s and c are computed from x but are constants for autograd: no arrow leads back to x. "
        "Check gradients: finite differences see the real dependence, autograd does not.",
        _program("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    s = x.sum()
c = x.detach() * 3
y = (x * s + c).sum()
"""),
    ),
    "if_else": ExpressionExample(
        "if / else on a value",
        "The graph records only the branch that ran. Change 1.5 to -1.5 and compare.",
        _program("""
x = torch.tensor(1.5, requires_grad=True)
if x > 0:
    y = x * x
else:
    y = torch.exp(x)
"""),
    ),
    "loop": ExpressionExample(
        "A for-range loop",
        "Each iteration adds its own nodes: the loop is unrolled into the graph.",
        _program("""
x = torch.tensor(0.5, requires_grad=True)
y = x
for i in range(3):
    y = torch.sin(y) * x
"""),
    ),
    "retain_grad": ExpressionExample(
        "retain_grad on an intermediate",
        "Only leaves keep .grad; h.retain_grad() asks autograd to keep h's gradient too.",
        _program("""
x = torch.tensor([0.5, -1.0], requires_grad=True)
h = x * 2
h.retain_grad()
y = torch.tanh(h).sum()
"""),
    ),
    "division": ExpressionExample(
        "Powers, logs and a division",
        "PowBackward0, LogBackward0, DivBackward0 and MeanBackward0 in one line.",
        _program("""
a = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
b = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
z = (torch.log(a ** 2 + 1) / b).mean()
"""),
    ),
}

DEFAULT = "neuron"
