"""The one palette: how every node kind, highlight role, edge kind and module cluster is drawn.

The plain view and the module view both draw from here, so a parameter is the same blue, and a
removed node the same red, on every page and in every exported file.
"""

from __future__ import annotations

__all__ = [
    "ACTIVE_FILL", "CLUSTER_BORDER", "CLUSTER_FILLS", "COLORS", "EDGE_COLOR", "EDGE_HIGHLIGHT",
    "EDGE_STYLES", "HIGHLIGHT", "HOT_EDGE", "LEGEND_TEXT", "NODE_FONT_PT", "SHAPES", "VIEW_COLOR", "cluster_style",
    "header", "kind_style", "role_style",
]  # fmt: skip

# One colour per kind, the vocabulary torchviz made familiar (grey ops, blue tensors, ...).
COLORS = {
    "op": "lightgrey",
    "leaf": "lightblue",
    "param": "#7fb3e6",
    "output": "darkolivegreen1",
    "saved": "orange",
    "module": "#e8dff5",
}
# A collapsed module is drawn as a 3-D box: it stands for many nodes, not one.
SHAPES = {"output": "ellipse", "module": "box3d"}
LEGEND_TEXT = {
    "op": "op (backward node)",
    "leaf": "leaf tensor",
    "param": "parameter",
    "output": "output",
    "saved": "saved tensor",
    "module": "collapsed module",
}
# Outline colours: a Step Through frame (active, done, path) and a Dynamic Graphs diff (added,
# removed, changed) share one table, so no role can mean two colours.
HIGHLIGHT = {
    "active": "#e63946",
    "done": "#ffd166",
    "path": "#f4a261",
    "added": "#2ca02c",
    "removed": "#d62728",
    "changed": "#ff9f1c",
}
ACTIVE_FILL = "#ffb3b3"  # the running node is filled too, to stand out from outlined ones
HOT_EDGE = f'color="{HIGHLIGHT["active"]}" penwidth=3'  # an edge carrying gradient right now
EDGE_HIGHLIGHT = f" [{HOT_EDGE}]"
VIEW_COLOR = "darkolivegreen4"
# Data edges take the default edge style of `header`; the others say what they are.
EDGE_STYLES = {
    "saved": f"style=dashed color={COLORS['saved']}",
    "view": f'style=dotted color="{VIEW_COLOR}" label="view"',
}
# Deeper clusters are darker, so nesting reads at a glance.
CLUSTER_FILLS = ("#f7f7fb", "#eef1f8", "#e6ebf5", "#dde5f2")
CLUSTER_BORDER = "#b8c2d8"
NODE_FONT_PT = 10  # node labels' size: at 1 px per point, the 10 px a canvas keeps them at
# Dark grey edges let coloured nodes and red highlighted edges stand out.
EDGE_COLOR = "#555555"


def header(rankdir: str) -> list[str]:
    """The first lines of every drawing: layout direction, fonts, default node and edge style."""
    return [
        "digraph G {",
        f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 nodesep=0.25 ranksep=0.35];',
        '  node [shape=box style="filled,rounded" fontname="Helvetica" '
        f"fontsize={NODE_FONT_PT} height=0.3];",
        f'  edge [fontname="Helvetica" fontsize=9 arrowsize=0.7 color="{EDGE_COLOR}"];',
    ]


def kind_style(kind: str) -> tuple[str, str]:
    """A node's fill colour and shape (put before its tooltip), and its extra style (after)."""
    extra = ' style="filled,dashed"' if kind == "saved" else ""
    return f'fillcolor="{COLORS.get(kind, "white")}" shape={SHAPES.get(kind, "box")}', extra


def role_style(role: str) -> str:
    """The attributes appended to a highlighted node (`role` a key of HIGHLIGHT)."""
    fill = f' fillcolor="{ACTIVE_FILL}"' if role == "active" else ""
    return f' color="{HIGHLIGHT[role]}" penwidth=3{fill}'


def cluster_style(depth: int) -> str:
    """A module cluster's look; `depth` 1 is a top-level module."""
    fill = CLUSTER_FILLS[min(depth - 1, len(CLUSTER_FILLS) - 1)]
    return f'style="rounded,filled" fillcolor="{fill}" color="{CLUSTER_BORDER}" fontsize=10;'
