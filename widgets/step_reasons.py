"""Why a forward op of Step Through has no node in the graph, in words.

The reason itself is computed while recording (:mod:`graphlab.record.reasons`, one per forward
step, as ``step["reason"]``); this module only words it.
"""

from __future__ import annotations

from typing import Any

from graphlab.record import reasons
from widgets.i18n import N_, _

__all__ = ["SENTENCES", "no_node_sentence"]

SENTENCES = {
    reasons.NO_GRAD: N_(
        "Ran with grad mode off (inside `torch.no_grad()` or the like): PyTorch records no "
        "graph node then."
    ),
    reasons.FACTORY: N_(
        "A tensor factory without `requires_grad=True`: it has no input that requires grad, so "
        "it added nothing to the graph."
    ),
    reasons.NO_INPUT: N_(
        "No input requires grad (constants, or tensors cut off by `detach()` or made under "
        "`no_grad`): this op added nothing to the graph."
    ),
    reasons.NOT_DIFFERENTIABLE: N_(
        "Not differentiable: its output is an integer or bool tensor (as from `x > 0` or "
        "`argmax`), which cannot require grad, so no node was made although an input requires "
        "grad."
    ),
    reasons.UNCHANGED: N_(
        "It returned a tensor that already existed (its input, as `x.float()` does for a float "
        "`x`, or changed in place without recording, as `nn.init` does): no new node."
    ),
    reasons.CUT: N_(
        "An input requires grad but the output does not: this op cuts the output off from the "
        "graph (as `detach()` does, or `zeros_like`, which only copies its input's shape)."
    ),
    reasons.OFF_PATH: N_(
        "This op made a graph node, but the output does not depend on it: the node is not on "
        "the path back from the output, so it is not in the graph drawn here."
    ),
}
_UNKNOWN = N_("This op added no node to the graph drawn here.")


def no_node_sentence(step: dict[str, Any]) -> str:
    """Why forward step `step` (plain data) has no node in the graph, in the visitor's language."""
    return _(SENTENCES.get(step.get("reason"), _UNKNOWN))
