"""The edge lines of a DOT picture: data, saved and view edges, highlights, shapes on data edges.

Split from `dot` so that each file stays short; `to_dot` is the only caller.
"""

from __future__ import annotations

from graphlab.core.graph import Edge, Node, shape_text

from .palette import EDGE_HIGHLIGHT, EDGE_STYLES, HOT_EDGE
from .text import quote

__all__ = ["columns", "edge_labels", "edge_lines"]

# Each edge kind's line ending, built once, so that drawing an edge is a single f-string.
_EDGE_TAILS = {"data": ";", **{k: f" [{style}];" for k, style in EDGE_STYLES.items()}}


def columns(edges: list[Edge]) -> tuple[tuple, tuple, tuple, tuple]:
    """The sources, destinations, kinds and output numbers of `edges`, each as one tuple."""
    if not edges:
        return (), (), (), ()
    srcs, dsts, _, kinds, outputs = zip(*edges, strict=True)
    return srcs, dsts, kinds, outputs


def edge_lines(
    srcs: tuple[str, ...],
    dsts: tuple[str, ...],
    edge_kinds: tuple[str, ...],
    hidden: set[str],
    hot_edges: set,
    shapes: dict,
    outputs: tuple[int, ...] = (),
) -> list[str]:
    """One line per drawn edge; `shapes` (node id, or for a node's output k > 0 the pair (node
    id, k), -> quoted shape) labels the data edges, `outputs` says which output each carries."""
    tails = {**dict.fromkeys(edge_kinds, ";"), **_EDGE_TAILS}  # an unknown kind is drawn as data
    edges = zip(srcs, dsts, edge_kinds, strict=True)
    if not (hidden or hot_edges or shapes):  # the common case, kept to one f-string per edge
        return [f'  "{s}" -> "{d}"{tails[k]}' for s, d, k in edges]
    lines = []
    labelled: set[tuple[str, str]] = set()  # one label per pair of nodes: parallel ones collide
    outputs = outputs or (0,) * len(srcs)
    for (s, d, k), output in zip(edges, outputs, strict=True):
        if hidden and (s in hidden or d in hidden):
            continue
        if k != "data":
            lines.append(f'  "{s}" -> "{d}"{tails[k]}')
            continue
        label = None
        if shapes and (s, d) not in labelled:
            label = shapes.get((s, output) if output else s)
            labelled.add((s, d))
        hot = hot_edges and (s, d) in hot_edges
        if label is None:
            lines.append(f'  "{s}" -> "{d}"{EDGE_HIGHLIGHT if hot else ""};')
        else:
            lines.append(f'  "{s}" -> "{d}" [label={label}{" " + HOT_EDGE if hot else ""}];')
    return lines


def edge_labels(nodes: list[Node]) -> dict:
    """Node id -> its tensor's shape, quoted, for the data edges leaving it; (node id, k) -> the
    shape of output k > 0 of an op with several outputs."""
    texts: dict[int, str] = {}
    labels: dict = {}
    for n in nodes:
        if n.shape is not None:
            text = texts.get(id(n.shape))
            if text is None:
                text = texts[id(n.shape)] = quote(shape_text(n.shape))
            labels[n.id] = text
        if n.outputs is not None:
            for k, shape in enumerate(n.outputs[1:], 1):
                if shape is not None:
                    labels[n.id, k] = quote(shape_text(shape))
    return labels
