"""The Dynamic Graphs lesson: run one program on two inputs, diff the graphs, contrast a trace.

Visitors' programs run in a sandbox worker process (:class:`graphlab.worker.SandboxWorker`),
never in the server. Its payload, :func:`dynamic_payload`, runs in the worker: it re-runs the
already checked program with an interpreter that also records how many times each `for` looped
and which source line created each autograd node, and returns everything as plain JSON data.
The server then diffs the two graphs (:mod:`graphlab.diff`) without touching a tensor.

:func:`static_contrast` runs `torch.jit.trace` and `torch.export` on a fixed built-in function
(never on visitor code) to show what a static capture records, or refuses, for the same kind of
program. It is computed once per process.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import io
import logging
import textwrap
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

from .diff import Difference, GraphDiff, Run, attribute, diff, differing_controls
from .graph import Graph
from .modules import next_sequence, tag_new_nodes

__all__ = [
    "INPUT_LINES",
    "Pair",
    "StaticContrast",
    "compare",
    "dynamic_payload",
    "dynamic_worker",
    "program",
    "static_contrast",
]

# The program Dynamic Graphs opens with: a branch and a loop whose path depends on x.
EXAMPLE = """y = x * 2
if y > 1:
    y = y * y
else:
    y = torch.sigmoid(y)
for i in range(int(x.abs()) + 1):
    y = y * x
z = y * 3
"""
LINE_KEY = "graphlab.line"
INPUT_LINES = 1  # the program is one input line, then the visitor's code


def program(body: str, x: float) -> str:
    """The program run for one input: `x = torch.tensor(<x>, requires_grad=True)`, then `body`."""
    return f"x = torch.tensor({float(x)!r}, requires_grad=True)\n{body}"


# -- in the worker -------------------------------------------------------------------------------
def dynamic_payload(evaluation: Any) -> dict[str, Any]:
    """Worker payload: graph (JSON), branches, loop counts, source line of each node."""
    from .capture import capture_ids
    from .sandbox import Limits
    from .sandbox_check import check_program

    limits = Limits()
    tracer = _tracing_interpreter(evaluation.source, limits)
    tracer.run(check_program(evaluation.source, limits))
    reply: dict[str, Any] = {
        "ok": True,
        "branches": [list(b) for b in tracer.branches],
        "loops": [list(entry) for entry in tracer.loops],
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


def _tracing_interpreter(source: str, limits: Any):
    from .sandbox_eval import Interpreter

    class Tracing(Interpreter):
        """Also records loop counts and tags each new autograd node with its statement's line."""

        def __init__(self, *args) -> None:
            super().__init__(*args)
            self.loops: list[list[int]] = []
            self._counting: dict[int, list[int]] = {}

        def exec(self, node: ast.stmt) -> None:
            start = next_sequence()
            super().exec(node)
            if not isinstance(node, (ast.If, ast.For, ast.With)):
                self._tag(start, node.lineno)

        def _exec_For(self, node: ast.For) -> None:
            entry = [node.lineno, 0]
            self.loops.append(entry)
            self._counting[id(node.target)] = entry
            super()._exec_For(node)

        def _assign(self, target, value, line) -> None:
            entry = self._counting.get(id(target))
            if entry is not None:
                entry[1] += 1
            super()._assign(target, value, line)

        def _tag(self, start: int, line: int) -> None:
            tag_new_nodes(self.env.values(), start, LINE_KEY, line)

    return Tracing(source, limits)


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


_worker = None
_worker_lock = threading.Lock()


def dynamic_worker():
    """The process-wide sandbox worker of this lesson (a module-level singleton, not a cache a
    visitor could clear); the same class and limits as `graphlab.worker.shared_worker()`."""
    global _worker
    from .worker import SandboxWorker

    with _worker_lock:
        if _worker is None:
            _worker = SandboxWorker(payload="graphlab.dynamic:dynamic_payload")
        return _worker


# -- in the server -------------------------------------------------------------------------------
@dataclass
class Pair:
    """Two runs of one program and how their graphs differ; lines are the visitor's own (the
    input line removed). `error` is set (and the rest empty) when a run failed."""

    graph_a: Graph | None = None
    graph_b: Graph | None = None
    delta: GraphDiff | None = None
    controls: dict[int, str] = field(default_factory=dict)  # line -> what differed there
    error: str = ""
    error_line: int | None = None
    run_a: Run | None = None
    run_b: Run | None = None

    def visible(self, show_saved: bool) -> list[Difference]:
        """The differences, without those of saved-tensor nodes unless `show_saved`."""
        if self.delta is None:
            return []
        return [d for d in self.delta.differences if show_saved or not self._of_saved(d)]

    def marks(self, side: str, show_saved: bool) -> dict[str, str]:
        """Node id -> "added" / "removed" / "changed" for the drawing of graph `side` ("a" or
        "b"); nodes only in the other graph have no place in it."""
        other_only = "added" if side == "a" else "removed"
        ids = ((d.a if side == "a" else d.b, d.kind) for d in self.visible(show_saved))
        return {nid: kind for nid, kind in ids if nid and kind != other_only}

    def _of_saved(self, d: Difference) -> bool:
        graph, nid = (self.graph_a, d.a) if d.a else (self.graph_b, d.b)
        return graph is not None and graph.node(nid).kind == "saved"


def compare(body: str, reply_a: dict, reply_b: dict) -> Pair:
    """Diff two worker replies for `program(body, a)` and `program(body, b)` (plain data in)."""
    for reply in (reply_a, reply_b):
        if not reply.get("ok"):
            err = reply.get("error") or {}
            line = err.get("line") or None
            return Pair(error=str(err.get("message", "the program failed")), error_line=_own(line))
        if not reply.get("graph"):
            return Pair(
                error="the last tensor assigned does not require grad, so there is no graph"
            )
    runs = [_run(r) for r in (reply_a, reply_b)]
    graphs = [Graph.from_dict(r["graph"]) for r in (reply_a, reply_b)]
    source = program(body, 0.0)
    delta = diff(graphs[0], graphs[1], lines_a=runs[0].node_lines, lines_b=runs[1].node_lines)
    attribute(delta, source, runs[0], runs[1])
    for d in delta.differences:
        d.line = _own(d.line)
        d.why = _shift_text(d.why)
    controls = {
        _own(line): _shift_text(text)
        for line, text in differing_controls(source, runs[0], runs[1]).items()
    }
    return Pair(graphs[0], graphs[1], delta, controls, run_a=runs[0], run_b=runs[1])


def _run(reply: dict) -> Run:
    return Run(reply.get("branches", []), reply.get("loops", []), reply.get("node_lines", {}))


def _own(line: int | None) -> int | None:
    """A program line as a line of the visitor's code (None for the input line)."""
    return line - INPUT_LINES if line and line > INPUT_LINES else None


def _shift_text(text: str) -> str:
    """Renumber "line N" in a message to the visitor's lines."""
    import re

    def shift(m: re.Match) -> str:
        n = int(m.group(1))
        return f"line {n - INPUT_LINES}" if n > INPUT_LINES else "the input line"

    return re.sub(r"line (\d+)", shift, text)


# -- static capture of a fixed function ----------------------------------------------------------
def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 1:  # noqa: SIM108 (a statement, as a learner writes it)
        y = y * y
    else:
        y = torch.sigmoid(y)
    for _ in range(int(x.abs().sum()) + 1):
        y = y * x
    return y.sum()


@dataclass(frozen=True)
class StaticContrast:
    source: str
    input_a: float
    input_b: float
    recorded: list[str]  # the ops the trace recorded, in order
    warnings: list[str]  # what the tracer warned about, first sentence each
    eager_b: float
    traced_b: float
    export_error: str  # what torch.export said, first line
    export_ok: bool


def static_contrast(input_a: float = 1.0, input_b: float = -2.5) -> StaticContrast:
    """Trace `branchy` on `input_a`, replay it on `input_b`, and try `torch.export` on it.

    Computed once per process: the lock makes concurrent first visitors wait for one run
    (tracing swaps process-wide warning filters and output streams) instead of racing."""
    with _STATIC_LOCK:
        return _static_contrast(input_a, input_b)


_STATIC_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _static_contrast(input_a: float, input_b: float) -> StaticContrast:
    a, b = torch.tensor([input_a]), torch.tensor([input_b])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(branchy, a, check_trace=False)
    said = []
    for w in caught:
        if w.category.__name__ == "TracerWarning":
            first = str(w.message).split(". ")[0] + "."
            if first not in said:
                said.append(first)
    recorded = [
        n.kind().removeprefix("aten::")
        for n in traced.graph.nodes()
        if n.kind().startswith("aten::")
    ]
    export_ok, export_error = _try_export(a)
    return StaticContrast(
        source=textwrap.dedent(inspect.getsource(branchy)),
        input_a=input_a,
        input_b=input_b,
        recorded=recorded,
        warnings=said,
        eager_b=float(branchy(b)),
        traced_b=float(traced(b)),
        export_error=export_error,
        export_ok=export_ok,
    )


def _try_export(a: torch.Tensor) -> tuple[bool, str]:
    class Branchy(torch.nn.Module):
        def forward(self, x):
            return branchy(x)

    logger = logging.getLogger("torch")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        # torch.export prints the partial graph it made before failing: keep it off the console.
        sink = io.StringIO()
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            torch.export.export(Branchy(), (a,))
    except Exception as err:  # export refuses data-dependent control flow; say how
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return False, f"{type(err).__name__}: {first}"[:300]
    finally:
        logger.setLevel(level)
    return True, ""
