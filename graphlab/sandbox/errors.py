"""The error type and the limits shared by the expression sandbox modules.

Kept apart from ``sandbox.py`` so the checker, the budget and the interpreter can all import
them without import cycles; the public names are re-exported by :mod:`graphlab.sandbox`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from graphlab.core.messages import Message, msg

__all__ = ["ExpressionError", "Limits", "msg", "position"]


class ExpressionError(ValueError):
    """A program the sandbox refused or could not run, with a position to show the learner.

    ``message`` says what was wrong and how to fix it; ``line`` and ``col`` are 1-based (0 when
    the error has no position, e.g. the source as a whole is too long).

    ``text`` is the same sentence as a :class:`~graphlab.core.messages.Message`, which the app
    says in the learner's language; ``message`` is its English.

    >>> err = ExpressionError(msg("`{word}` is not allowed here", word="import"), 1, 1)
    >>> str(err)
    'line 1, col 1: `import` is not allowed here'
    """

    def __init__(self, message: str | Message, line: int = 0, col: int = 0) -> None:
        # Plain text (PyTorch's own error) is a value, never a template: braces in it stay.
        self.text = (
            message if isinstance(message, Message) else Message("{text}", {"text": message})
        )
        self.message = str(self.text)
        self.line = line
        self.col = col
        where = f"line {line}, col {col}: " if line else ""
        super().__init__(f"{where}{message}")

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON (the worker sends this to the page).

        >>> ExpressionError(msg("bad {x}", x=1), 2, 5).to_dict()
        {'message': 'bad 1', 'line': 2, 'col': 5, 'text': {'template': 'bad {x}', 'args': {'x': 1}}}
        """
        return {
            "message": self.message, "line": self.line, "col": self.col, "text": self.text.to_dict()
        }  # fmt: skip


@dataclass(frozen=True)
class Limits:
    """Budgets for one evaluation; every one is checked before the work it bounds is done.

    >>> Limits().max_numel
    1000000
    >>> Limits(max_flops=10**6).max_flops
    1000000
    """

    max_source_chars: int = 2_000
    """Length of the program text."""
    max_numel: int = 1_000_000
    """Elements in any one tensor (factories and results alike)."""
    max_bytes: int = 64 * 2**20
    """Bytes of all tensors allocated during the evaluation, added up (freed ones included)."""
    max_flops: int = 200_000_000
    """Estimated floating-point operations of the whole evaluation, backward passes included."""
    max_loop: int = 64
    """Iterations of one ``for i in range(k)`` loop."""
    max_steps: int = 100_000
    """Syntax-tree nodes the interpreter may visit (bounds nested loops)."""
    max_int: int = 2**53
    """Magnitude of any Python integer, literal or computed."""
    max_items: int = 100_000
    """Items in a list or tuple, nested ones counted through."""
    max_nesting: int = 48
    """Depth of the syntax tree, and of nested lists."""
    max_seconds: float | None = 2.5
    """Wall-clock seconds (checked between steps; the worker also kills at its own limit)."""
    seed: int = 0
    """Seed of the evaluation's own random generator (the global one is never touched)."""


def position(node: ast.AST | None, source_lines: list[str]) -> tuple[int, int]:
    """1-based (line, col) of ``node``, counting characters (``ast`` counts UTF-8 bytes).

    >>> position(ast.parse("x = 'é' + y").body[0].value.right, ["x = 'é' + y"])
    (1, 11)
    """
    line = getattr(node, "lineno", 0) or 0
    offset = getattr(node, "col_offset", 0) or 0
    if not line:
        return 0, 0
    text = source_lines[line - 1] if line <= len(source_lines) else ""
    col = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
    return line, col + 1
