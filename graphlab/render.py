"""Turn a `Graph` into Graphviz DOT text (and SVG when the `dot` program is installed).

Every label and tooltip goes through `_quote`, so no tensor, parameter or module name can end a
string, start an HTML label or inject markup: names from visitors are hostile on the hosted demo.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping

from .graph import Graph, Node

__all__ = ["COLORS", "GraphvizNotFound", "to_dot", "to_svg", "node_label"]

# One colour per kind, the vocabulary torchviz made familiar (grey ops, blue tensors, ...).
COLORS = {
    "op": "lightgrey",
    "leaf": "lightblue",
    "param": "#7fb3e6",
    "output": "darkolivegreen1",
    "saved": "orange",
    "module": "#e8dff5",
}
VIEW_COLOR = "darkolivegreen4"
HIGHLIGHT = {"active": "#ff6b6b", "done": "#ffd166", "path": "#ff6b6b"}
LEGEND_TEXT = {
    "op": "op (backward node)",
    "leaf": "leaf tensor",
    "param": "parameter",
    "output": "output",
    "saved": "saved tensor",
    "module": "collapsed module",
}
RANKDIRS = ("TB", "BT", "LR", "RL")
_MAX_LABEL = 60
# Graphviz reads `\x` sequences and `&name;` entities inside labels, so both are neutralised.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "", "\t": " ", "&": "&amp;"})


class GraphvizNotFound(RuntimeError):
    """Raised by `to_svg` when the Graphviz `dot` program is not installed."""


def to_dot(
    graph: Graph,
    *,
    rankdir: str = "TB",
    show_saved: bool = True,
    highlight: Iterable[str] | Mapping[str, str] | None = None,
    legend: bool = True,
) -> str:
    """DOT source for `graph`.

    `highlight` is an iterable of node ids (drawn as "active"), or a mapping of node id to a role
    from HIGHLIGHT ("active", "done", "path").

    >>> import torch, graphlab as gl
    >>> x = torch.ones(2, requires_grad=True)
    >>> dot = gl.to_dot(gl.capture((x * x).sum()), rankdir="LR")
    >>> dot.startswith("digraph")
    True
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    roles = _roles(highlight)
    hidden = set() if show_saved else {n.id for n in graph.nodes if n.kind == "saved"}
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 nodesep=0.25 ranksep=0.35];',
        '  node [shape=box style="filled,rounded" fontname="Helvetica" fontsize=10 height=0.3];',
        '  edge [fontname="Helvetica" fontsize=9 arrowsize=0.7];',
    ]
    kinds = set()
    for n in graph.nodes:
        if n.id not in hidden:
            kinds.add(n.kind)
            lines.append(_node_line(n, roles.get(n.id)))
    for e in graph.edges:
        if e.src not in hidden and e.dst not in hidden:
            lines.append(_edge_line(e.src, e.dst, e.kind))
    if legend and kinds:
        lines.extend(_legend(kinds, any(e.kind == "view" for e in graph.edges)))
    lines.append("}")
    return "\n".join(lines)


def node_label(node: Node) -> str:
    """The text shown in a node's box (before escaping)."""
    name = _clip(node.name)
    if node.kind == "op" or node.shape is None:
        return name
    return f"{name}\n{shape_text(node.shape)}"


def shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")" if shape else "scalar"


def tooltip(node: Node) -> str:
    parts = [f"{node.kind}: {node.name}", f"shape {shape_text(node.shape)}"]
    if node.dtype:
        parts.append(f"dtype {node.dtype}")
    if node.module is not None:
        parts.append(f"module {node.module or '(root)'}")
    parts.extend(f"{k} = {v}" for k, v in node.attrs.items())
    return _clip("\n".join(parts), 400)


def to_svg(graph: Graph, *, timeout: float = 60.0, **dot_options) -> str:
    """Lay `graph` out with the Graphviz `dot` program and return SVG text."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(
            "SVG export needs the Graphviz `dot` program, which is not installed. Install it "
            "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
            "conda: `conda install graphviz`) or export DOT/JSON instead."
        )
    result = subprocess.run(
        [exe, "-Tsvg"],
        input=to_dot(graph, **dot_options).encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace')[:500]}")
    return result.stdout.decode()


def _roles(highlight: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    if highlight is None:
        return {}
    if isinstance(highlight, Mapping):
        bad = set(highlight.values()) - HIGHLIGHT.keys()
        if bad:
            raise ValueError(f"unknown highlight role(s) {sorted(bad)}; use {sorted(HIGHLIGHT)}")
        return dict(highlight)
    return dict.fromkeys(highlight, "active")


def _node_line(n: Node, role: str | None) -> str:
    shape = "ellipse" if n.kind == "output" else "box"
    extra = ' style="filled,dashed"' if n.kind == "saved" else ""
    if role is not None:
        extra += f' color="{HIGHLIGHT[role]}" penwidth=3'
    return (
        f'  "{n.id}" [label={_quote(node_label(n))} fillcolor="{COLORS.get(n.kind, "white")}"'
        f" shape={shape} tooltip={_quote(tooltip(n))}{extra}];"
    )


def _edge_line(src: str, dst: str, kind: str) -> str:
    if kind == "saved":
        return f'  "{src}" -> "{dst}" [style=dashed color=orange];'
    if kind == "view":
        return f'  "{src}" -> "{dst}" [style=dotted color="{VIEW_COLOR}" label="view"];'
    return f'  "{src}" -> "{dst}";'


def _legend(kinds: set[str], has_view: bool) -> list[str]:
    lines = ['  subgraph cluster_legend { label="legend" fontsize=10 color=grey style=dashed;']
    ordered = [k for k in COLORS if k in kinds]
    for k in ordered:
        shape = "ellipse" if k == "output" else "box"
        lines.append(
            f'    "legend_{k}" [label="{LEGEND_TEXT[k]}" fillcolor="{COLORS[k]}" shape={shape}];'
        )
    if has_view:
        lines.append('    "legend_view" [label="view of a base" shape=plaintext style=""];')
        ordered.append("view")
    # Invisible edges stack the legend entries instead of spreading them along a rank.
    lines.extend(
        f'    "legend_{a}" -> "legend_{b}" [style=invis];'
        for a, b in zip(ordered, ordered[1:], strict=False)
    )
    lines.append("  }")
    return lines


def _clip(text: str, limit: int = _MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    """A DOT double-quoted string that shows `text` literally."""
    cleaned = "".join(ch for ch in text if ch >= " " or ch in "\n\t")
    return '"' + cleaned.translate(_ESCAPES) + '"'
