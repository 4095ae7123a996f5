"""Turn a `Graph` into Graphviz DOT text (and SVG when the `dot` program is installed).

Every label and tooltip goes through `_quote`, so no tensor, parameter or module name can end a
string, start an HTML label or inject markup: names from visitors are hostile on the hosted demo.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Collection, Iterable, Mapping

from graphlab.core.graph import Graph, Node, shape_text

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
HIGHLIGHT = {"active": "#e63946", "done": "#ffd166", "path": "#f4a261"}
ACTIVE_FILL = "#ffb3b3"  # the running node is filled too, to stand out from outlined ones
EDGE_HIGHLIGHT = ' [color="#e63946" penwidth=3]'
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
# Graphviz reads `\x` sequences and `&name;` entities inside labels, so both are neutralised;
# control characters other than newline and tab are dropped.
_ESCAPES = str.maketrans(
    {
        **dict.fromkeys(chr(c) for c in range(32)),
        "\\": "\\\\",
        '"': '\\"',
        "\n": "\\n",
        "\t": " ",
        "&": "&amp;",
    }
)


_NO_GRAPHVIZ = (
    "SVG export needs the Graphviz `dot` program, which is not installed. Install it "
    "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
    "conda: `conda install graphviz`) or export DOT/JSON instead."
)


class GraphvizNotFound(RuntimeError):
    """Raised by `to_svg` when the Graphviz `dot` program is not installed."""


def to_dot(
    graph: Graph,
    *,
    rankdir: str = "TB",
    show_saved: bool = True,
    highlight: Iterable[str] | Mapping[str, str] | None = None,
    highlight_edges: Iterable[tuple[str, str]] = (),
    legend: bool = True,
) -> str:
    """DOT source for `graph`.

    `highlight` is an iterable of node ids (drawn as "active"), or a mapping of node id to a role
    from HIGHLIGHT ("active", "done", "path"). `highlight_edges` are (src, dst) pairs of data
    edges drawn thick and red, e.g. the edges carrying gradient in a backward step.

    >>> import torch, graphlab as gl
    >>> x = torch.ones(2, requires_grad=True)
    >>> dot = gl.to_dot(gl.capture((x * x).sum()), rankdir="LR")
    >>> dot.startswith("digraph")
    True
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    roles = _roles(highlight)
    hot_edges = set(highlight_edges)
    hidden = set() if show_saved else {n.id for n in graph.nodes if n.kind == "saved"}
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 nodesep=0.25 ranksep=0.35];',
        '  node [shape=box style="filled,rounded" fontname="Helvetica" fontsize=10 height=0.3];',
        '  edge [fontname="Helvetica" fontsize=9 arrowsize=0.7];',
    ]
    kinds: dict[str, tuple[str, str]] = {}  # kind -> its node attributes, built once per kind
    shapes: dict[int, str] = {}
    quoted: dict[str, str] = {}
    # Nodes alike in all but their id (repeated layers, saved tensors) share their attribute text.
    # Keys use the shape's identity: capture shares one tuple among the nodes of a shape, and
    # equal shapes need not print alike ((1, 2) == (True, 2)).
    bodies: dict[tuple, str] = {}
    for n in graph.nodes:
        if n.id in hidden:
            continue
        key = (n.kind, n.name, id(n.shape), n.dtype, n.module, *n.attrs.items())
        body = bodies.get(key)
        if body is None:
            body = bodies[key] = _node_body(n, kinds, shapes, quoted)
        role = roles.get(n.id) if roles else None
        if role is not None:
            body += _role_style(role)
        lines.append(f'  "{n.id}" [{body}];')
    for e in graph.edges:
        if hidden and (e.src in hidden or e.dst in hidden):
            continue
        if e.kind == "data":
            hot = EDGE_HIGHLIGHT if hot_edges and (e.src, e.dst) in hot_edges else ""
            lines.append(f'  "{e.src}" -> "{e.dst}"{hot};')
        else:
            lines.append(_edge_line(e.src, e.dst, e.kind))
    if legend and kinds:
        lines.extend(_legend(kinds, any(e.kind == "view" for e in graph.edges)))
    lines.append("}")
    return "\n".join(lines)


def node_label(node: Node) -> str:
    """The text shown in a node's box (before escaping)."""
    return _label(node, shape_text(node.shape))


def tooltip(node: Node) -> str:
    return _tooltip(node, shape_text(node.shape))


def _node_body(node: Node, kinds: dict, shapes: dict[int, str], quoted: dict[str, str]) -> str:
    """A node's DOT attributes (label, colours, tooltip), memoizing what repeats across nodes."""
    style = kinds.get(node.kind)
    if style is None:
        style = kinds[node.kind] = _kind_style(node.kind)
    shape = shapes.get(id(node.shape))
    if shape is None:
        shape = shapes[id(node.shape)] = shape_text(node.shape)
    label = _memo_quote(_label(node, shape), quoted)
    tip = _memo_quote(_tooltip(node, shape), quoted)
    return f"label={label} {style[0]} tooltip={tip}{style[1]}"


def _label(node: Node, shape: str) -> str:
    name = _clip(node.name)
    if node.kind == "op" or node.shape is None:
        return name
    return f"{name}\n{shape}"


def _tooltip(node: Node, shape: str) -> str:
    text = f"{node.kind}: {node.name}\nshape {shape}"
    if node.dtype:
        text += f"\ndtype {node.dtype}"
    if node.module is not None:
        text += f"\nmodule {node.module or '(root)'}"
    if node.attrs:
        text += "".join([f"\n{k} = {v}" for k, v in node.attrs.items()])
    return _clip(text, 400)


def to_svg(graph: Graph, *, timeout: float = 60.0, **dot_options) -> str:
    """Lay `graph` out with the Graphviz `dot` program and return SVG text."""
    return dot_to_svg(to_dot(graph, **dot_options), timeout=timeout)


def dot_to_svg(dot: str, *, timeout: float = 60.0) -> str:
    """Lay DOT text out with the Graphviz `dot` program; SVG text (GraphvizNotFound without it)."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(_NO_GRAPHVIZ)
    result = subprocess.run(
        [exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace')[:500]}")
    return result.stdout.decode()


def _role_style(role: str) -> str:
    fill = f' fillcolor="{ACTIVE_FILL}"' if role == "active" else ""
    return f' color="{HIGHLIGHT[role]}" penwidth=3{fill}'


def _roles(highlight: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    if highlight is None:
        return {}
    if isinstance(highlight, Mapping):
        bad = set(highlight.values()) - HIGHLIGHT.keys()
        if bad:
            raise ValueError(f"unknown highlight role(s) {sorted(bad)}; use {sorted(HIGHLIGHT)}")
        return dict(highlight)
    return dict.fromkeys(highlight, "active")


def _kind_style(kind: str) -> tuple[str, str]:
    """A node's fill colour and shape (before its tooltip), and its extra style (after)."""
    shape = "ellipse" if kind == "output" else "box"
    extra = ' style="filled,dashed"' if kind == "saved" else ""
    return f'fillcolor="{COLORS.get(kind, "white")}" shape={shape}', extra


def _edge_line(src: str, dst: str, kind: str) -> str:
    if kind == "saved":
        return f'  "{src}" -> "{dst}" [style=dashed color=orange];'
    if kind == "view":
        return f'  "{src}" -> "{dst}" [style=dotted color="{VIEW_COLOR}" label="view"];'
    return f'  "{src}" -> "{dst}";'


def _legend(kinds: Collection[str], has_view: bool) -> list[str]:
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


def _memo_quote(text: str, memo: dict[str, str]) -> str:
    quoted = memo.get(text)
    if quoted is None:
        quoted = memo[text] = _quote(text)
    return quoted


def _quote(text: str) -> str:
    """A DOT double-quoted string that shows `text` literally."""
    if text.replace("\n", " ").isprintable():  # the usual case: no control character but newline
        # The same escapes as `_ESCAPES`, by `str.replace`, which is several times faster.
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
        return '"' + text.replace("\n", "\\n") + '"'
    return '"' + text.translate(_ESCAPES) + '"'
