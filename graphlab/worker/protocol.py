"""What the server and the sandbox worker say to each other: JSON lines, never pickle.

A request is ``{"kind": ..., "source": ..., "limits": {...}}``; :data:`KINDS` names what the
worker can do with a program. Every reply has ``"ok"``; a failed one carries an ``"error"`` with
``message``, ``line`` and ``col``, shown to the visitor as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "KINDS", "failure"]

DEFAULT_TIMEOUT = 3.0
DEFAULT_MEMORY = 2 * 2**30  # bytes of address space for the child; torch itself needs ~0.7 GB
# evaluate: tensors and graph; gradcheck: gradients against finite differences;
# record: forward and backward steps (Step Through); dynamic: branches, loops, node lines.
KINDS = ("evaluate", "gradcheck", "record", "dynamic")


def failure(message: str, *, timeout: bool = False) -> dict[str, Any]:
    """A reply saying the request failed, with no position in the program."""
    reply: dict[str, Any] = {"ok": False, "error": {"message": message, "line": 0, "col": 0}}
    if timeout:
        reply["timeout"] = True
    return reply
