"""The Dynamic Graphs lesson: run one program on two inputs, diff the graphs, contrast a trace.

Visitors' programs run in the sandbox worker process, never in the server: a ``"dynamic"``
request (:func:`graphlab.worker.dynamic.dynamic_reply`) runs the program with an interpreter
that also records how many times each `for` looped and which source line created each autograd
node, and returns everything as plain JSON data. :func:`compare` then diffs the two graphs
(:mod:`graphlab.core.graph_diff`) in the server without touching a tensor.

:func:`static_contrast` runs `torch.jit.trace` and `torch.export` on a fixed built-in function
(never on visitor code) to show what a static capture records, or refuses, for the same kind of
program. It is computed once per process.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import logging
import textwrap
import threading
import warnings
from dataclasses import dataclass, field

import torch

from graphlab.core.graph import Graph
from graphlab.core.graph_diff import Difference, GraphDiff, diff
from graphlab.core.messages import Message, msg
from graphlab.sandbox import Limits

from .attribution import LINE, Run, attribute, differing_controls, line_text

__all__ = [
    "INPUT_LINES",
    "Pair",
    "StaticContrast",
    "compare",
    "max_body_chars",
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
INPUT_LINES = 1  # the program is one input line, then the visitor's code


def program(body: str, x: float) -> str:
    """The program run for one input: `x = torch.tensor(<x>, requires_grad=True)`, then `body`."""
    return f"x = torch.tensor({float(x)!r}, requires_grad=True)\n{body}"


def max_body_chars(limits: Limits) -> int:
    """The longest `body` whose `program` the sandbox accepts, whatever the input's value.

    >>> max_body_chars(Limits(max_source_chars=2_000))
    1937
    """
    longest_float = 24  # no float's repr is longer (e.g. -1.2345678901234567e-300)
    return limits.max_source_chars - len(program("", 0.0)) - (longest_float - len("0.0"))


@dataclass
class Pair:
    """Two runs of one program and how their graphs differ; lines are the visitor's own (the
    input line removed). `error` is set (and the rest empty) when a run failed. What differed and
    why are `Message`s (`str()` is English; the app says them in the visitor's language), and so
    is `error` unless it is the sandbox's plain text."""

    graph_a: Graph | None = None
    graph_b: Graph | None = None
    delta: GraphDiff | None = None
    controls: dict[int, Message] = field(default_factory=dict)  # line -> what differed there
    error: str | Message = ""
    error_line: int | None = None
    error_col: int | None = None  # on `error_line`, 1-based
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
            line, col = _own(err.get("line") or None), err.get("col") or None
            return Pair(error=_said(err), error_line=line, error_col=col if line else None)
        if not reply.get("graph"):
            return Pair(
                error=msg("the last tensor assigned does not require grad, so there is no graph")
            )
    runs = [_run(r) for r in (reply_a, reply_b)]
    graphs = [Graph.from_dict(r["graph"]) for r in (reply_a, reply_b)]
    source = program(body, 0.0)
    delta = diff(graphs[0], graphs[1], lines_a=runs[0].node_lines, lines_b=runs[1].node_lines)
    attribute(delta, source, runs[0], runs[1])
    for d in delta.differences:
        d.line = _own(d.line)
        d.why = _shift(d.why)
    controls = {
        _own(line): _shift(text)
        for line, text in differing_controls(source, runs[0], runs[1]).items()
    }
    return Pair(graphs[0], graphs[1], delta, controls, run_a=runs[0], run_b=runs[1])


def _run(reply: dict) -> Run:
    return Run(reply.get("branches", []), reply.get("loops", []), reply.get("node_lines", {}))


def _own(line: int | None) -> int | None:
    """A program line as a line of the visitor's code (None for the input line)."""
    return line - INPUT_LINES if line and line > INPUT_LINES else None


def _said(err: dict) -> str | Message:
    """A failed run's error: the sandbox's sentence (`"text"`, a Message's data) when it sent one,
    else its plain `"message"`."""
    text = err.get("text")
    if isinstance(text, dict) and "template" in text:
        return Message.from_dict(text)
    if "message" in err:
        return str(err["message"])
    return msg("the program failed")


def _shift(text: str | Message) -> str | Message:
    """Renumber each "line N" inside a message to the visitor's lines.

    >>> str(_shift(msg("{where} ran", where=line_text(3)))), str(_shift(line_text(1)))
    ('line 2 ran', 'the input line')
    """
    if not isinstance(text, Message):
        return text
    if text.template == LINE:
        n = int(text.args["line"])
        return line_text(n - INPUT_LINES) if n > INPUT_LINES else msg("the input line")
    return Message(text.template, {k: _shift(v) for k, v in text.args.items()})


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
