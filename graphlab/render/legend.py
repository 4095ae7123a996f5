"""The key beside every graph: what each colour, shape, outline and line in one drawing means.

Built from the palette and from the same choices as `to_dot` (saved tensors shown or not, the
highlight, module frames), so the key lists exactly what the picture shows, in the colours it
shows them. Pages say what their highlight roles mean (a forward frame's "active" node was just
made; a backward frame's is running), so the words for roles can be given.

>>> import torch, graphlab as gl
>>> x = torch.ones(2, requires_grad=True)
>>> [k.label for k in legend_keys(gl.capture((x * x).sum(), params={"x": x}), show_saved=False)]
['op (backward node)', 'leaf tensor', 'output']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from graphlab.core.graph import Graph

from .palette import (
    ACTIVE_FILL,
    CLUSTER_BORDER,
    CLUSTER_FILLS,
    COLORS,
    HIGHLIGHT,
    LEGEND_TEXT,
    SHAPES,
    VIEW_COLOR,
)

__all__ = ["ROLE_TEXT", "Key", "legend_keys"]

# What a role means where no page says otherwise.
ROLE_TEXT = {
    "active": "running now",
    "done": "done",
    "path": "gradient arrived, waiting to run",
    "added": "only in B",
    "removed": "only in A",
    "changed": "changed: same op, other inputs or values",
}
_BORDER = "#000000"  # Graphviz's default outline
_CSS_NAMES = {"darkolivegreen1": "#caff70", "darkolivegreen4": "#6e8b3d"}  # not CSS colour names


class Key(NamedTuple):
    """One entry: `mark` is how it looks (box, ellipse, box3d, dashed-box, frame, outline for
    nodes; line, dashed-line, dotted-line, thick-line for edges), in `fill` and `border`
    (CSS colours, "" for none)."""

    label: str
    mark: str
    fill: str
    border: str


def legend_keys(
    graph: Graph,
    *,
    show_saved: bool = True,
    highlight: Iterable[str] | Mapping[str, str] | None = None,
    hot_edges: bool = False,
    modules: bool = False,
    roles: Mapping[str, str] | None = None,
) -> list[Key]:
    """The keys for `graph` drawn by `to_dot` with these options (`hot_edges`: whether some
    edges are drawn as carrying gradient); `roles` overrides ROLE_TEXT's words."""
    kinds = {n.kind for n in graph.nodes if show_saved or n.kind != "saved"}
    keys = [_kind_key(k) for k in COLORS if k in kinds]
    if modules and any(n.module for n in graph.nodes if n.kind != "module"):
        keys.append(Key("open module (its frame)", "frame", CLUSTER_FILLS[0], CLUSTER_BORDER))
    words = {**ROLE_TEXT, **(roles or {})}
    for role in _roles_used(highlight):
        fill = ACTIVE_FILL if role == "active" else ""
        keys.append(Key(words[role], "outline", fill, HIGHLIGHT[role]))
    edge_kinds = {e.kind for e in graph.edges}
    if show_saved and "saved" in kinds and "saved" in edge_kinds:
        keys.append(Key("saved for backward", "dashed-line", "", _css(COLORS["saved"])))
    if "view" in edge_kinds:
        keys.append(Key("view of a base", "dotted-line", "", _css(VIEW_COLOR)))
    if hot_edges:
        keys.append(Key("gradient flowing now", "thick-line", "", HIGHLIGHT["active"]))
    return keys


def _kind_key(kind: str) -> Key:
    mark = "dashed-box" if kind == "saved" else SHAPES.get(kind, "box")
    return Key(LEGEND_TEXT[kind], mark, _css(COLORS[kind]), _BORDER)


def _roles_used(highlight: Iterable[str] | Mapping[str, str] | None) -> list[str]:
    if not highlight:
        return []
    used = set(highlight.values()) if isinstance(highlight, Mapping) else {"active"}
    return [r for r in HIGHLIGHT if r in used]


def _css(color: str) -> str:
    return _CSS_NAMES.get(color, color)
