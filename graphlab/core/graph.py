"""The captured graph as plain data: nodes, edges, JSON round trip.

A `Graph` holds no tensors and no autograd objects, so it can be cached, sent between processes
as JSON, diffed and rendered long after the tensors that produced it are gone.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["EDGE_KINDS", "NODE_KINDS", "Edge", "Graph", "Node", "shape_text"]

NODE_KINDS = ("op", "leaf", "param", "output", "saved", "module")
EDGE_KINDS = ("data", "saved", "view")
FORMAT_VERSION = 1


@dataclass(slots=True)
class Node:
    """One box in the picture.

    `kind` is one of NODE_KINDS. For an `op`, `name` is the backward class (`MulBackward0`) and
    `shape`/`dtype`/`device` describe the tensor the forward op produced; a size is text where
    it is symbolic or ragged (a nested tensor's `j1` or `2..4`).
    """

    id: str
    kind: str
    name: str
    shape: tuple[int | str, ...] | None = None
    dtype: str | None = None
    device: str | None = None
    module: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    # An op with several outputs (split, unbind, max(dim)): the shape of each, `shape` first.
    outputs: tuple[tuple[int | str, ...] | None, ...] | None = None


class Edge(NamedTuple):
    """`kind="data"`: data flows from `src` into input `slot` of `dst`.

    `kind="saved"` joins a saved tensor (src) to the op that saved it (dst); `kind="view"` joins
    the node that produced a base tensor (src) to an output that is a view of it (dst).
    `output`: which of `src`'s outputs the edge carries (`Node.outputs`; 0 for most ops).
    """

    src: str
    dst: str
    slot: int = 0
    kind: str = "data"
    output: int = 0


@dataclass
class Graph:
    """A captured autograd graph.

    >>> import torch, graphlab as gl
    >>> x = torch.ones(2, requires_grad=True)
    >>> g = gl.capture((x * x).sum(), params={"x": x})
    >>> sorted(n.kind for n in g.nodes)  # MulBackward0 saved x twice, as self and as other
    ['leaf', 'op', 'op', 'output', 'saved', 'saved']
    >>> gl.Graph.from_json(g.to_json()) == g
    True
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index: dict[str, Node] | None = None

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if absent)."""
        if self._index is None or len(self._index) != len(self.nodes):
            self._index = {n.id: n for n in self.nodes}
        return self._index[node_id]

    def of_kind(self, *kinds: str) -> list[Node]:
        return [n for n in self.nodes if n.kind in kinds]

    def inputs(self, node_id: str, kind: str = "data") -> list[Edge]:
        """Edges into `node_id` of the given kind, by slot."""
        return sorted((e for e in self.edges if e.dst == node_id and e.kind == kind), key=_slot)

    def saved(self, op_id: str) -> list[Node]:
        """The saved-tensor nodes of one op."""
        return [self.node(e.src) for e in self.inputs(op_id, "saved")]

    def without(self, kinds: Iterable[str]) -> Graph:
        """A copy without nodes of these kinds (and the edges touching them)."""
        drop = set(kinds)
        return self.keep({n.id for n in self.nodes if n.kind not in drop})

    def keep(self, ids: Collection[str]) -> Graph:
        """A copy with only the nodes `ids` (and the edges between them)."""
        nodes = [n for n in self.nodes if n.id in ids]
        edges = [e for e in self.edges if e.src in ids and e.dst in ids]
        return Graph(nodes, edges, dict(self.meta))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        return (self.nodes, self.edges, self.meta) == (other.nodes, other.edges, other.meta)

    __hash__ = None  # mutable

    def to_dict(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "nodes": [_node_dict(n) for n in self.nodes],
            "edges": [_edge_dict(e) for e in self.edges],
            "meta": dict(self.meta),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict) -> Graph:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported graph format {data.get('format')!r}")
        nodes = [_node_from_dict(d) for d in data["nodes"]]
        edges = [Edge(**d) for d in data["edges"]]
        return cls(nodes, edges, dict(data.get("meta", {})))

    @classmethod
    def from_json(cls, text: str) -> Graph:
        return cls.from_dict(json.loads(text))

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.kind] = counts.get(n.kind, 0) + 1
        parts = ", ".join(f"{k}={v}" for k, v in counts.items())
        return f"Graph({len(self.nodes)} nodes: {parts}; {len(self.edges)} edges)"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter shows the picture when Graphviz is installed, else the DOT text."""
        from graphlab.render.dot import GraphvizNotFound, to_dot, to_svg

        try:
            return {"image/svg+xml": to_svg(self), "text/plain": repr(self)}
        except GraphvizNotFound:
            return {"text/plain": repr(self) + "\n" + to_dot(self)}


def _edge_dict(e: Edge) -> dict:
    data = e._asdict()
    if not e.output:  # as graphs were written before edges knew their output
        del data["output"]
    return data


def _slot(edge: Edge) -> int:
    return edge.slot


def _node_dict(n: Node) -> dict:
    data = {
        "id": n.id,
        "kind": n.kind,
        "name": n.name,
        "shape": _plain_shape(n.shape),
        "dtype": n.dtype,
        "device": n.device,
        "module": n.module,
        "attrs": dict(n.attrs),
    }
    if n.outputs is not None:
        data["outputs"] = [_plain_shape(s) for s in n.outputs]
    return data


def _plain_shape(shape: tuple | None) -> list | None:
    # Sizes that are neither int nor text (a torch.SymInt a caller put there) travel as text.
    return None if shape is None else [d if type(d) in (int, str) else str(d) for d in shape]


def _node_from_dict(d: dict) -> Node:
    outputs = d.get("outputs")
    return Node(
        id=d["id"],
        kind=d["kind"],
        name=d["name"],
        shape=_shape(d.get("shape")),
        dtype=d.get("dtype"),
        device=d.get("device"),
        module=d.get("module"),
        attrs=dict(d.get("attrs") or {}),
        outputs=None if outputs is None else tuple(_shape(s) for s in outputs),
    )


def _shape(shape: list | None) -> tuple | None:
    return tuple(shape) if shape is not None else None


def shape_text(shape: tuple[int, ...] | None) -> str:
    """A shape as learners read it: "(2, 3)", "scalar" for (), "?" when unknown."""
    if shape is None:
        return "?"
    return "(" + ", ".join(map(str, shape)) + ")" if shape else "scalar"
