"""Lesson 7, Dynamic vs static graphs: PyTorch records the graph while the code runs (define by
run), so each run records the path that Python took; a trace (`torch.jit.trace`) records one run
and replays it. The questions run torch on our own fixed programs: `example` is the program the
Dynamic Graphs view opens with (`dynamic.EXAMPLE`), written as a Python function, and `branchy`
(in `dynamic`) the one the static contrast traces. `saw` reads the pair of graphs the learner's
program recorded in the sandbox.

>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('SigmoidBackward0', ['6', 'False', 'False'])
"""

from __future__ import annotations

from collections import Counter

import torch

from graphlab.core import Graph, capture

from .checks import Question
from .dynamic import Pair, static_contrast

__all__ = ["PREDICT", "QUESTIONS", "example", "op_counts", "recorded", "saw"]


def example(x: torch.Tensor) -> torch.Tensor:
    """`dynamic.EXAMPLE`, line for line, as a function of `x`."""
    y = x * 2
    if y > 1:  # noqa: SIM108 (a statement, as the example writes it)
        y = y * y
    else:
        y = torch.sigmoid(y)
    for _ in range(int(x.abs()) + 1):
        y = y * x
    z = y * 3
    return z


def recorded(x: float) -> Graph:
    """The graph autograd records when `example` runs on `x`."""
    t = torch.tensor(float(x), requires_grad=True)
    return capture(example(t), params={"x": t})


def op_counts(graph: Graph | None) -> Counter[str]:
    """How many nodes of each op (`MulBackward0` ...) `graph` holds."""
    return Counter(n.name for n in graph.of_kind("op")) if graph is not None else Counter()


def _only_in_b() -> str:
    only = sorted(set(op_counts(recorded(-2.5))) - set(op_counts(recorded(1.0))))
    return ", ".join(only) or "None"


def _muls() -> str:
    return str(op_counts(recorded(2.5))["MulBackward0"])


def _trace_follows() -> str:
    contrast = static_contrast()  # traced on 1.0, replayed on -2.5
    return str(contrast.traced_b == contrast.eager_b)


def _same_node() -> str:
    x = torch.tensor(1.0, requires_grad=True)
    first, second = x * 2, x * 2  # the same line, run twice
    return str(first.grad_fn is second.grad_fn)


PREDICT = Question(
    "predict", ("SigmoidBackward0", "MulBackward0", "PowBackward0", "None"), _only_in_b
)
QUESTIONS = (
    Question("muls", (), _muls),
    Question("trace", ("True", "False"), _trace_follows),
    Question("fresh", ("True", "False"), _same_node),
)


def saw(pair: Pair, x_a: float, x_b: float) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the two runs the learner made ({} if one failed)."""
    if pair.error or pair.graph_a is None or pair.graph_b is None:
        return {}
    ops_a, ops_b = op_counts(pair.graph_a), op_counts(pair.graph_b)
    lines = sorted(line for line in pair.controls if line is not None)
    return {
        "x_a": f"{x_a:g}",
        "x_b": f"{x_b:g}",
        "ops_a": str(sum(ops_a.values())),
        "ops_b": str(sum(ops_b.values())),
        "muls_a": str(ops_a["MulBackward0"]),
        "muls_b": str(ops_b["MulBackward0"]),
        "changes": str(len(pair.visible(show_saved=False))),
        "lines": ", ".join(map(str, lines)) or "—",
    }
