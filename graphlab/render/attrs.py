"""An op's saved attributes written into its box, as torchviz's `make_dot(show_attrs=True)` does.

Capture keeps each non-tensor `_saved_*` attribute as its repr (`stride` -> `(2, 2)`); saved
tensors are nodes of their own, so only the other attributes are listed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphlab.core.variables import VARIABLE

from .text import clip

__all__ = ["attr_lines", "with_attrs"]

# Attributes that the label already shows another way (the variable holding the op's result).
_NOT_LISTED = frozenset({VARIABLE})


def attr_lines(attrs: Mapping[str, str], max_chars: int) -> list[str]:
    """`name: value` per attribute, each value cut to `max_chars` characters (ending in `…`)."""
    return [f"{k}: {clip(v, max_chars)}" for k, v in attrs.items() if k not in _NOT_LISTED]


def with_attrs(label: str, attrs: Mapping[str, str], max_chars: int) -> str:
    """`label` with the attribute lines under a rule, or as it is when there are none."""
    lines = attr_lines(attrs, max_chars)
    if not lines:
        return label
    rule = "─" * min(max(len(label.partition("\n")[0]), 8), 24)
    return "\n".join([label, rule, *lines])
