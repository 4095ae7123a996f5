"""A small, safe tensor language for code typed by visitors: :func:`evaluate`.

The program is parsed with :mod:`ast`, checked against an allowlist of constructs
(:mod:`graphlab.sandbox.check`) and run by a tree-walking interpreter
(:mod:`graphlab.sandbox.interpreter`) that calls only the torch functions, ``F.*`` functions and tensor
methods named in :mod:`graphlab.sandbox.allowlist`. Before any tensor is allocated or computed, a
dry run on the ``meta`` device checks its size, the memory of the whole program and its compute
(:mod:`graphlab.sandbox.limits`). Nothing is ever passed to ``eval``/``exec``.

This bounds memory and compute *inside* one evaluation; the app adds a worker process with a
wall-clock limit on top (:mod:`graphlab.worker`).

>>> ev = evaluate("x = torch.tensor([1., 2.], requires_grad=True)\\ny = (x * x).sum()")
>>> ev.tensors["y"].item(), list(ev.tensors)
(5.0, ['x', 'y'])
>>> evaluate("import os")
Traceback (most recent call last):
...
graphlab.sandbox.errors.ExpressionError: line 1, col 1: `import` is not allowed here; ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from .check import check_program
from .errors import ExpressionError, Limits, msg
from .interpreter import Interpreter

__all__ = ["Evaluation", "ExpressionError", "Limits", "evaluate"]


@dataclass
class Evaluation:
    """What a program computed.

    ``tensors``: each variable holding a tensor, in the order of their last assignment;
    ``lines``: the 1-based source line of each variable's last assignment;
    ``output``: the tensor assigned last (None if no tensor was assigned);
    ``branches``: ``(line, taken)`` for every ``if``/``elif`` test run, in order;
    ``flops`` and ``bytes``: the estimated compute and memory the budget charged.

    >>> ev = evaluate("a = torch.ones(2)\\nn = 3\\nb = a * n")
    >>> list(ev.tensors), ev.lines, ev.output is ev.tensors["b"]
    (['a', 'b'], {'a': 1, 'n': 2, 'b': 3}, True)
    """

    source: str
    tensors: dict[str, torch.Tensor]
    lines: dict[str, int]
    output: torch.Tensor | None
    branches: list[tuple[int, bool]] = field(default_factory=list)
    variables: dict[str, object] = field(default_factory=dict)
    flops: int = 0
    bytes: int = 0
    output_name: str | None = None  # the variable holding `output`


def evaluate(
    source: str,
    *,
    limits: Limits | None = None,
    interpreter: Callable[[str, Limits], Interpreter] = Interpreter,
) -> Evaluation:
    """Check and run ``source``; raise :class:`ExpressionError` for anything wrong or too big.

    Every failure (syntax, refused construct, torch error, arithmetic error, limit) is an
    ExpressionError with ``.message``, ``.line`` and ``.col``; nothing else escapes.
    ``interpreter`` makes the interpreter that runs it (an :class:`Interpreter` subclass that
    overrides its ``on_*`` hooks, say).

    >>> ev = evaluate("w = torch.randn(3, 2)\\nx = torch.ones(2)\\ny = F.relu(w @ x)")
    >>> ev.output.shape
    torch.Size([3])
    >>> evaluate("y = torch.ones(3) + torch.ones(4)").output
    Traceback (most recent call last):
    ...
    graphlab.sandbox.errors.ExpressionError: line 1, col 5: `+`: shapes [3] and [4] cannot be ...
    """
    limits = limits or Limits()
    try:
        tree = check_program(source, limits)
        run = interpreter(source, limits)
        run.run(tree)
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError(msg("the program is nested too deeply"), 1, 1) from None
    except Exception as err:  # a bug of ours must still not show a traceback to a visitor
        failed = msg("the program could not be run ({error})", error=type(err).__name__)
        raise ExpressionError(failed, 1, 1) from None
    env = run.env
    return Evaluation(
        source=source,
        tensors={n: env[n] for n in run.assigned if isinstance(env[n], torch.Tensor)},
        lines=dict(run.assigned),
        output=run.output,
        branches=run.branches,
        variables={n: env[n] for n in run.assigned},
        flops=run.budget.flops,
        bytes=run.budget.bytes,
        output_name=run.output_name,
    )
