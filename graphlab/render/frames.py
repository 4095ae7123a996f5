"""What the Step Through page shows at each frame of a recording (plain data in, plain data out).

A recording as plain data (:func:`graphlab.record.serialize.to_data`) becomes a list of
frames: its forward steps, then its backward steps, then one final frame with the leaf
gradients. For each frame, :func:`highlight` gives the node roles for :func:`graphlab.to_dot`
and the edges that carry gradient, and :func:`frame_dot` draws it.

>>> from graphlab.lessons.recordings import record_example
>>> data = record_example("shared")
>>> [f.phase for f in frames(data)]
['forward', 'forward', 'forward', 'backward', 'backward', 'backward', 'final']
>>> highlight(data, frames(data)[4]).roles["n1"], highlight(data, frames(data)[4]).edges
('active', [('n2', 'n1'), ('n2', 'n1')])
>>> sorted(highlight(data, frames(data)[0]).shown)  # forward: only what exists yet
['n2']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphlab.core.graph import Graph

from .dot import to_dot
from .legend import Key, legend_keys

__all__ = [
    "PHASE_ROLES",
    "Frame",
    "Highlight",
    "frame_dot",
    "frame_legend",
    "frames",
    "highlight",
    "next_frame",
]

# What each outline means in each phase: the words of a frame's legend.
PHASE_ROLES = {
    "forward": {"active": "made by this op", "done": "made earlier"},
    "backward": {
        "active": "running backward now",
        "done": "gradient passed on",
        "path": "gradient arrived, waiting to run",
    },
    "final": {"active": "leaf holding its .grad", "done": "done"},
}


@dataclass(frozen=True)
class Frame:
    """`phase` is "forward", "backward" or "final"; `step` indexes that phase's steps."""

    phase: str
    step: int | None = None


@dataclass
class Highlight:
    roles: dict[str, str] = field(default_factory=dict)  # node id -> active / done / path
    edges: list[tuple[str, str]] = field(default_factory=list)  # (src, dst) carrying gradient
    shown: set[str] | None = None  # the nodes that exist yet (None: all of them)

    def drawn(self, graph: Graph) -> Graph:
        """`graph` as this frame draws it: in a forward frame, only the nodes made so far."""
        return graph if self.shown is None else graph.keep(self.shown)


def frames(data: dict[str, Any], all_ops: bool = False) -> list[Frame]:
    """The frames to step through; forward ops with no node in the graph only with `all_ops`."""
    out = [Frame("forward", s["index"]) for s in data.get("forward", []) if all_ops or s["nodes"]]
    backward = data.get("backward", [])
    out.extend(Frame("backward", s["index"]) for s in backward)
    if backward:
        out.append(Frame("final"))
    return out


def next_frame(position: int, count: int) -> tuple[int, bool]:
    """The position after `position` while playing, and whether to keep playing."""
    if position + 1 >= count:
        return max(count - 1, 0), False
    return position + 1, position + 2 < count


def highlight(data: dict[str, Any], frame: Frame) -> Highlight:
    graph = data.get("graph") or {"nodes": [], "edges": []}
    outputs = {e["dst"]: e["src"] for e in graph["edges"] if e["dst"].startswith("o")}
    if frame.phase == "forward":
        return _forward(data, frame.step, outputs)
    if frame.phase == "backward":
        return _backward(data, frame.step, outputs)
    roles = {n["id"]: "done" for n in graph["nodes"] if n["kind"] != "saved"}
    roles.update((leaf["node"], "active") for leaf in data.get("leaves", []))
    return Highlight(roles)


def _forward(data: dict[str, Any], index: int, outputs: dict[str, str]) -> Highlight:
    """The graph as built so far: what the ops up to `index` made, and what existed before the
    recording (a model's parameters); the node made by op `index` is the active one."""
    roles: dict[str, str] = {}
    for step in data["forward"][: index + 1]:
        role = "active" if step["index"] == index else "done"
        roles.update((nid, role) for nid in step["nodes"])
    for out, src in outputs.items():
        if src in roles:
            roles[out] = roles[src]
    later = {nid for step in data["forward"][index + 1 :] for nid in step["nodes"]}
    graph = data.get("graph") or {"nodes": [], "edges": []}
    shown = {n["id"] for n in graph["nodes"] if n["kind"] not in ("saved", "output")} - later
    shown |= {out for out, src in outputs.items() if src in shown}
    shown |= {e["src"] for e in graph["edges"] if e["kind"] == "saved" and e["dst"] in shown}
    return Highlight(roles, shown=shown)


def _backward(data: dict[str, Any], index: int, outputs: dict[str, str]) -> Highlight:
    roles = dict.fromkeys(outputs, "done")
    for step in data["backward"][:index]:
        roles[step["node"]] = "done"
        for target, grad in zip(step["targets"], step["grad_inputs"], strict=True):
            if target is not None and grad is not None:
                roles.setdefault(target, "path")  # gradient waiting there
    step = data["backward"][index]
    roles[step["node"]] = "active"
    edges = [
        (target, step["node"])
        for target, grad in zip(step["targets"], step["grad_inputs"], strict=True)
        if target is not None and grad is not None
    ]
    if index == 0:
        edges.extend((src, out) for out, src in outputs.items() if src == step["node"])
    return Highlight(roles, edges)


def frame_dot(graph: Graph, hl: Highlight, **options: Any) -> str:
    """`to_dot(graph)` as it stands at this frame (forward: only the nodes made so far), with
    its nodes and gradient-carrying edges highlighted."""
    return to_dot(hl.drawn(graph), highlight=hl.roles, highlight_edges=hl.edges, **options)


def frame_legend(graph: Graph, frame: Frame, hl: Highlight, *, show_saved: bool) -> list[Key]:
    """The legend of `frame_dot(graph, hl, show_saved=show_saved)`, in the frame's words."""
    return legend_keys(
        hl.drawn(graph),
        show_saved=show_saved,
        highlight=hl.roles,
        hot_edges=bool(hl.edges),
        roles=PHASE_ROLES[frame.phase],
    )
