r"""The backward rules of the ops that only move values around: transposes, views, indexing,
joining and copying (part of `graphlab.record.rules.RULES`). Each gradient goes back to where its
value came from; nothing is computed.

>>> print(LAYOUT_RULES["TBackward0"].backward)
\bar A = \bar Z^{\top}
"""

from __future__ import annotations

from graphlab.core.messages import N_

from .latex import Rule

__all__ = ["LAYOUT_RULES"]

_RESHAPE = N_(
    "Only the layout changes, so the gradient is the incoming one put back in the input's layout."
)

_VIEW = Rule(r"z = \operatorname{view}(a)", r"\bar a = \operatorname{reshape}(\bar z)", _RESHAPE)

LAYOUT_RULES: dict[str, Rule] = {
    "TBackward0": Rule(
        r"Z = A^{\top}", r"\bar A = \bar Z^{\top}", N_("Transpose the gradient back.")
    ),
    "TransposeBackward0": Rule(
        r"Z = \operatorname{transpose}(A, d_0, d_1)",
        r"\bar A = \operatorname{transpose}(\bar Z, d_0, d_1)",
        N_("Swap the same two dimensions of the gradient back."),
    ),
    "ViewBackward0": _VIEW,
    "UnsafeViewBackward0": _VIEW,
    "UnsqueezeBackward0": Rule(
        r"z = \operatorname{unsqueeze}(a)", r"\bar a = \operatorname{squeeze}(\bar z)", _RESHAPE
    ),
    "SqueezeBackward0": Rule(
        r"z = \operatorname{squeeze}(a)", r"\bar a = \operatorname{reshape}(\bar z)", _RESHAPE
    ),
    "ExpandBackward0": Rule(
        r"z = \operatorname{expand}(a)",
        r"\bar a = \textstyle\sum_{\text{expanded dims}} \bar z",
        N_("An input copied along new dimensions gets the gradient summed over those copies."),
    ),
    "CloneBackward0": Rule(r"z = a", r"\bar a = \bar z", N_("A copy passes the gradient through.")),
    "SelectBackward0": Rule(
        r"z = a[k]",
        r"\bar a = \text{zeros, with } \bar a[k] = \bar z",
        N_("Indexing: the picked entries receive the gradient, all others receive 0."),
    ),
    "SliceBackward0": Rule(
        r"z = a[i{:}j]",
        r"\bar a = \text{zeros, with } \bar a[i{:}j] = \bar z",
        N_("Slicing: the slice receives the gradient, the rest of the input receives 0."),
    ),
    "CatBackward0": Rule(
        r"z = [a; b]",
        r"\bar a = \bar z[\text{part of } a], \qquad \bar b = \bar z[\text{part of } b]",
        N_("Concatenation: the gradient is cut back into the pieces that were joined."),
    ),
    "StackBackward0": Rule(
        r"z = \operatorname{stack}(a, b)",
        r"\bar a = \bar z[0], \qquad \bar b = \bar z[1]",
        N_("Stacking: each input gets its own slice of the gradient."),
    ),
}
