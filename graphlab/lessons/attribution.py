"""Tie each difference between two runs' graphs to the source line responsible.

From plain data the sandbox worker returns (:mod:`graphlab.worker.dynamic`): the `if` whose
branch went the other way or the `for` whose iteration count differed, innermost first. What
differed is said as a `Message` (its English is `str()` of it; the app says it in the visitor's
language), with each line number a `line_text` inside it, so a caller can renumber the lines.

>>> controls = control_flow("if x > 0:\\n    y = x\\nfor i in range(2):\\n    y = y * x")
>>> [(c.kind, c.line, c.end) for c in controls]
[('if', 1, 2), ('for', 3, 4)]
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graphlab.core.graph_diff import Difference, GraphDiff
from graphlab.core.messages import Message, msg

__all__ = ["LINE", "Control", "Run", "attribute", "control_flow", "differing_controls", "line_text"]

LINE = "line {line}"  # the template of `line_text`, for a caller that renumbers lines


def line_text(line: int) -> Message:
    """ "line 3", as a part of a sentence (the app translates it with the sentence)."""
    return msg("line {line}", line=line)


@dataclass
class Run:
    """What one run of a program did, as plain data: the `if` tests taken ([line, taken] in
    order), the `for` loops run ([line, iterations] in order), and the source line that created
    each graph node (node id -> line)."""

    branches: Sequence[Sequence] = ()
    loops: Sequence[Sequence] = ()
    node_lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Control:
    """An `if` or `for` statement of the program: its kind, line and the lines it spans."""

    kind: str  # "if" | "for"
    line: int
    end: int


@functools.lru_cache(maxsize=16)  # one comparison asks for it several times
def control_flow(source: str) -> tuple[Control, ...]:
    """The `if`/`elif` and `for` statements of `source` (parsed only, never run)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.For)):
            kind = "if" if isinstance(node, ast.If) else "for"
            found.append(Control(kind, node.lineno, node.end_lineno or node.lineno))
    return tuple(sorted(found, key=lambda c: (c.line, -c.end)))


def differing_controls(source: str, run_a: Run, run_b: Run) -> dict[int, Message]:
    """Line of each `if`/`for` that behaved differently in the two runs -> what differed.

    >>> src = "if x > 0:\\n    y = x"
    >>> str(differing_controls(src, Run([[1, True]]), Run([[1, False]]))[1])
    '`if` on line 1 went the `if` body in A, the `else` side in B'
    """
    out: dict[int, Message] = {}
    for c in control_flow(source):
        where = line_text(c.line)
        if c.kind == "if":
            ta = [bool(t) for line, t in run_a.branches if line == c.line]
            tb = [bool(t) for line, t in run_b.branches if line == c.line]
            if ta != tb:
                out[c.line] = msg("`if` on {where} went {a} in A, {b} in B", where=where,
                                  a=_branch_text(ta), b=_branch_text(tb))  # fmt: skip
        else:
            na = [int(n) for line, n in run_a.loops if line == c.line]
            nb = [int(n) for line, n in run_b.loops if line == c.line]
            if na != nb:
                out[c.line] = msg("`for` on {where} ran {a} in A, {b} in B", where=where,
                                  a=_count_text(na), b=_count_text(nb))  # fmt: skip
    return out


def attribute(delta: GraphDiff, source: str, run_a: Run, run_b: Run) -> list[Difference]:
    """Fill in `line` and `why` of each difference; returns `delta.differences`.

    A node created inside an `if`/`for` body whose behaviour differed is tied to that statement
    (the innermost one that differed). A changed node whose input now comes from another node
    inherits the reason of that input. Anything else happened because the values differed.
    """
    controls = control_flow(source)
    differed = differing_controls(source, run_a, run_b)
    by_b: dict[str, Difference] = {}
    for d in delta.differences:
        line = run_b.node_lines.get(d.b) if d.b else None
        if line is None and d.a:
            line = run_a.node_lines.get(d.a)
        cause = _innermost(controls, differed, line)
        if cause is not None:
            d.line, d.why = cause, differed[cause]
        elif not d.inputs:
            d.line = line
            d.why = (
                msg("{where} ran with different values", where=line_text(line))
                if line
                else msg("the values differed")
            )
        if d.b:
            by_b[d.b] = d
    for d in delta.differences:  # changed because an input changed: that input's reason
        if d.inputs and not d.why:
            d.why = msg("its input now comes from another node")
            for nid in d.inputs:
                cause = by_b.get(nid)
                if cause is not None and cause.why:
                    d.why, d.line = msg("its input changed: {why}", why=cause.why), cause.line
                    break
    return delta.differences


def _innermost(
    controls: Sequence[Control], differed: dict[int, str], line: int | None
) -> int | None:
    if line is None:
        return None
    best = None
    for c in controls:
        if c.line in differed and c.line < line <= c.end:
            best = c.line if best is None or c.line > best else best
    return best


def _branch_text(taken: list[bool]) -> Message | str:
    if not taken:
        return msg("unreached")
    if len(taken) == 1:
        return msg("the `if` body") if taken[0] else msg("the `else` side")
    return "[" + ", ".join("if" if t else "else" for t in taken) + "]"  # code words: as they are


def _count_text(counts: list[int]) -> Message:
    if not counts:
        return msg("not at all")
    if len(counts) == 1:
        return msg("{n} time", n=counts[0]) if counts[0] == 1 else msg("{n} times", n=counts[0])
    return msg("{counts} times", counts=str(counts))
