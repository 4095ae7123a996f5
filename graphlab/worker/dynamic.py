"""Dynamic Graphs in the worker: run a program once, with what a diff needs to explain itself.

Besides the graph, the reply says which way each `if` went, how many times each `for` looped and
which source line created each autograd node: plain JSON data, so the server diffs two runs
(:mod:`graphlab.lessons.dynamic`) without touching a tensor.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from graphlab.core.graph import Graph
from graphlab.core.messages import msg
from graphlab.core.modules import next_sequence, tag_new_nodes
from graphlab.core.walk import capture_ids
from graphlab.sandbox import ExpressionError, Interpreter, Limits, check_program
from graphlab.sandbox.limits import Budget

__all__ = ["LINE_KEY", "MAX_RUNS", "dynamic_reply"]

LINE_KEY = "graphlab.line"
MAX_RUNS = 2  # Dynamic Graphs compares two runs of one program
_COMPOUND = (ast.If, ast.For, ast.With)


class Tracing(Interpreter):
    """Also counts loop iterations and tags each new autograd node with its statement's line."""

    def __init__(self, source: str, limits: Limits, budget: Budget | None = None) -> None:
        super().__init__(source, limits, budget)
        self.loops: list[list[int]] = []  # [line, iterations] per loop run, in order
        self._starts: list[int] = []

    def on_statement(self, node: ast.stmt) -> None:
        self._starts.append(next_sequence())

    def on_statement_done(self, node: ast.stmt) -> None:
        start = self._starts.pop()
        if not isinstance(node, _COMPOUND):
            tag_new_nodes(self.env.values(), start, LINE_KEY, node.lineno)

    def on_loop(self, node: ast.For, iterations: int) -> None:
        self.loops.append([node.lineno, iterations])


def dynamic_reply(source: Any, limits: Limits) -> dict[str, Any]:
    """Run `source` (raises ExpressionError); the graph (JSON), branches, loops, node lines.

    `source` may also be a list of (at most :data:`MAX_RUNS`) programs, the runs Dynamic Graphs
    compares: they run one after the other on ONE budget, so a request costs what one program
    may, and the reply is ``{"ok": True, "runs": [reply, ...]}``, a failed run's reply holding
    its error.
    """
    if not isinstance(source, list):
        return _one_run(source, limits, None)
    if len(source) > MAX_RUNS:
        raise ExpressionError(msg("Dynamic Graphs runs at most {count} programs", count=MAX_RUNS))
    budget = Budget(limits)
    return {"ok": True, "runs": [_run_or_error(s, limits, budget) for s in source]}


def _run_or_error(source: object, limits: Limits, budget: Budget) -> dict[str, Any]:
    try:
        return _one_run(source, limits, budget)
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}


def _one_run(source: Any, limits: Limits, budget: Budget | None) -> dict[str, Any]:
    tree = check_program(source, limits)  # first: it refuses a source that is not text
    tracer = Tracing(source, limits, budget)
    tracer.run(tree)
    reply: dict[str, Any] = {
        "ok": True,
        "branches": [list(b) for b in tracer.branches],
        "loops": tracer.loops,
        "lines": dict(tracer.assigned),
        "graph": None,
    }
    output = tracer.output
    if output is None or not output.requires_grad:
        return reply
    named = {n: v for n, v in tracer.env.items() if isinstance(v, torch.Tensor)}
    graph, ids = capture_ids(output, params=named)
    reply["graph"] = graph.to_dict()
    reply["node_lines"] = _node_lines(graph, ids, tracer.assigned)
    reply["output"] = tracer.output_name
    return reply


def _node_lines(graph: Graph, ids: dict, assigned: dict[str, int]) -> dict[str, int]:
    """Graph node id -> line that created it (leaves: the line assigning their variable)."""
    lines = {nid: fn.metadata[LINE_KEY] for fn, nid in ids.items() if LINE_KEY in fn.metadata}
    for n in graph.nodes:
        if n.kind in ("leaf", "param") and n.name in assigned:
            lines[n.id] = assigned[n.name]
    for e in graph.edges:
        if e.kind == "saved" and e.dst in lines:
            lines[e.src] = lines[e.dst]
    start = next((e.src for e in graph.edges if e.dst == "o0" and e.kind == "data"), None)
    if start in lines:
        lines["o0"] = lines[start]
    return lines
