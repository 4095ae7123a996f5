"""Compare two captured graphs: which nodes were added, removed or changed, and how.

Node ids are assigned in visiting order, so two runs of one program number their nodes
differently; `diff` first matches nodes by structure. Outputs match by name, leaves and parameters
by unique name; from each matched pair the match spreads to inputs in the same slot and to
consumers using it in the same slot, when kind and name agree. Whatever stays unmatched was
removed (only in `a`) or added (only in `b`); a matched pair whose shape, dtype, attributes or
inputs differ has changed.
Why a difference happened (which source line) is the Dynamic Graphs lesson's business:
:mod:`graphlab.lessons.attribution`.

>>> from graphlab.core.graph import Edge, Graph, Node
>>> a = Graph([Node("o0", "output", "y"), Node("n1", "op", "MulBackward0"), Node("n2", "leaf", "x")],
...           [Edge("n2", "n1", 0), Edge("n2", "n1", 1), Edge("n1", "o0")])
>>> b = Graph([Node("o0", "output", "y"), Node("n1", "op", "ExpBackward0"), Node("n2", "leaf", "x")],
...           [Edge("n2", "n1", 0), Edge("n1", "o0")])
>>> d = diff(a, b)
>>> d.removed, d.added, [c.a for c in d.changed]
(['n1'], ['n1'], ['o0'])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from .graph import Graph, Node, shape_text
from .messages import Message, msg
from .variables import VARIABLE

__all__ = ["Difference", "GraphDiff", "diff"]


@dataclass
class Difference:
    """One difference: `kind` is "added" (node `b` only in graph b), "removed" (`a` only in a)
    or "changed" (both). `diff` leaves `line` and `why` empty; the Dynamic Graphs lesson fills
    them in (:func:`graphlab.lessons.attribution.attribute`)."""

    kind: str
    a: str | None
    b: str | None
    name: str
    detail: str | Message = ""  # a Message: str() is its English, the app translates it
    line: int | None = None
    why: str | Message = ""
    inputs: tuple[str, ...] = ()  # for "changed": ids in b of the inputs that are new


@dataclass
class GraphDiff:
    matched: dict[str, str]  # node id in a -> node id in b
    differences: list[Difference] = field(default_factory=list)

    def of(self, kind: str) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    @property
    def added(self) -> list[str]:
        return [d.b for d in self.of("added")]  # type: ignore[misc]

    @property
    def removed(self) -> list[str]:
        return [d.a for d in self.of("removed")]  # type: ignore[misc]

    @property
    def changed(self) -> list[Difference]:
        return self.of("changed")

    def __bool__(self) -> bool:
        return bool(self.differences)


def diff(
    a: Graph,
    b: Graph,
    *,
    lines_a: Mapping[str, int] | None = None,
    lines_b: Mapping[str, int] | None = None,
) -> GraphDiff:
    """Match the nodes of `a` and `b`; list what was added, removed and changed.

    With `lines_a`/`lines_b` (node id -> source line that created it), two nodes match only if
    they came from the same line where both lines are known.
    """
    m = _Matcher(a, b, lines_a or {}, lines_b or {})
    m.run()
    out = GraphDiff(dict(m.ab))
    for n in a.nodes:
        if n.id not in m.ab:
            out.differences.append(Difference("removed", n.id, None, n.name, _describe(n)))
    for n in b.nodes:
        if n.id not in m.ba:
            out.differences.append(Difference("added", None, n.id, n.name, _describe(n)))
    for n in a.nodes:
        if n.id in m.ab:
            inputs: list[str] = []
            what = _what_changed(m, n, b.node(m.ab[n.id]), inputs)
            if what:
                d = Difference("changed", n.id, m.ab[n.id], n.name, what, inputs=tuple(inputs))
                out.differences.append(d)
    return out


class _Matcher:
    def __init__(self, a: Graph, b: Graph, lines_a: Mapping, lines_b: Mapping) -> None:
        self.a, self.b = a, b
        self.lines_a, self.lines_b = lines_a, lines_b
        self.ab: dict[str, str] = {}
        self.ba: dict[str, str] = {}
        self.ins_a, self.outs_a = _adjacency(a)
        self.ins_b, self.outs_b = _adjacency(b)
        self.queue: deque[tuple[str, str]] = deque()

    def pair(self, x: str, y: str) -> None:
        if x in self.ab or y in self.ba or not _same(self.a.node(x), self.b.node(y)):
            return
        la, lb = self.lines_a.get(x), self.lines_b.get(y)
        if la is not None and lb is not None and la != lb:
            return
        self.ab[x], self.ba[y] = y, x
        self.queue.append((x, y))

    def run(self) -> None:
        # First from the outputs back through inputs (what the result depends on, in order),
        # then from leaves and parameters both ways, for what the first pass could not reach.
        self._seed(("output",))
        self._spread(users=False)
        for pair in list(self.ab.items()):
            self.queue.append(pair)
        self._seed(("leaf", "param"))
        self._spread(users=True)

    def _seed(self, kinds: tuple[str, ...]) -> None:
        names_a, names_b = _unique_names(self.a, kinds), _unique_names(self.b, kinds)
        for name, x in names_a.items():
            if name in names_b:
                self.pair(x, names_b[name])

    def _spread(self, users: bool) -> None:
        while self.queue:
            x, y = self.queue.popleft()  # breadth-first: nearest neighbours of seeds match first
            for slot, sx in self.ins_a.get(x, {}).items():
                sy = self.ins_b.get(y, {}).get(slot)
                if sy is not None:
                    self.pair(sx, sy)
            if not users:
                continue
            users_b: dict[tuple, list[str]] = {}
            for key, dy in self.outs_b.get(y, []):
                if dy not in self.ba:
                    users_b.setdefault((key, self.b.node(dy).name), []).append(dy)
            for key, dx in self.outs_a.get(x, []):
                if dx in self.ab:
                    continue
                cands = users_b.get((key, self.a.node(dx).name), [])
                if cands:
                    self.pair(dx, cands.pop(0))


def _adjacency(g: Graph) -> tuple[dict[str, dict[tuple, str]], dict[str, list[tuple[tuple, str]]]]:
    """Inputs of each node by (edge kind, slot or saved name), and its consumers likewise."""
    ins: dict[str, dict[tuple, str]] = {}
    outs: dict[str, list[tuple[tuple, str]]] = {}
    for e in g.edges:
        key = (e.kind, g.node(e.src).name) if e.kind == "saved" else (e.kind, e.slot)
        ins.setdefault(e.dst, {})[key] = e.src
        outs.setdefault(e.src, []).append((key, e.dst))
    return ins, outs


def _unique_names(g: Graph, kinds: tuple[str, ...]) -> dict[str, str]:
    seen: dict[str, str | None] = {}
    for n in g.nodes:
        if n.kind in kinds:
            seen[n.name] = None if n.name in seen else n.id
    return {k: v for k, v in seen.items() if v is not None}


def _same(x: Node, y: Node) -> bool:
    return x.kind == y.kind and x.name == y.name


def _what_changed(m: _Matcher, x: Node, y: Node, new_inputs: list[str]) -> Message | str:
    parts: list[Message | str] = []
    if x.shape != y.shape:
        parts.append(msg("shape {a} → {b}", a=shape_text(x.shape), b=shape_text(y.shape)))
    if x.dtype != y.dtype:
        parts.append(f"dtype {x.dtype} → {y.dtype}")
    for k in sorted((set(x.attrs) | set(y.attrs)) - {VARIABLE}):  # a name is not a change
        if x.attrs.get(k) != y.attrs.get(k):
            parts.append(f"{k} {x.attrs.get(k, '—')} → {y.attrs.get(k, '—')}")
    ins_x = {k[1]: src for k, src in m.ins_a.get(x.id, {}).items() if k[0] == "data"}
    ins_y = {k[1]: src for k, src in m.ins_b.get(y.id, {}).items() if k[0] == "data"}
    moved = [
        s for s in sorted(set(ins_x) | set(ins_y)) if m.ab.get(ins_x.get(s, "")) != ins_y.get(s)
    ]
    if moved:
        slots = ", ".join(map(str, moved))
        parts.append(msg("input {slots} comes from a different node", slots=slots))
        new_inputs.extend(ins_y[s] for s in moved if s in ins_y)
    if not parts:
        return ""
    said = parts[0]
    for part in parts[1:]:  # "a; b; c", each part said in the visitor's language
        said = msg("{first}; {then}", first=said, then=part)
    return said


def _describe(n: Node) -> str:
    return (
        f"{n.kind} {n.name} {shape_text(n.shape)}" if n.shape is not None else f"{n.kind} {n.name}"
    )
