"""Record a forward pass op by op and the backward pass node by node, with values and gradients."""

from .forward import trace_forward
from .recorder import BackwardStep, ForwardStep, LeafGrad, Recorder
from .rules import NOTATION, RULES, Rule, filled, rule_for, tex
from .serialize import to_data
from .values import Value, snapshot, to_plain

__all__ = [
    "NOTATION", "RULES", "BackwardStep", "ForwardStep", "LeafGrad", "Recorder", "Rule", "Value",
    "filled", "rule_for", "snapshot", "tex", "to_data", "to_plain", "trace_forward",
]  # fmt: skip
