"""What the server and the sandbox worker say to each other: JSON lines, never pickle.

A request is ``{"kind": ..., "source": ..., "limits": {...}}``; :data:`KINDS` names what the
worker can do with a program. Every reply has ``"ok"``; a failed one carries an ``"error"`` with
``message``, ``line`` and ``col``, and, when it is a sentence of ours, its ``text``
(:meth:`graphlab.core.messages.Message.to_dict`), which the page says in the visitor's language.
"""

from __future__ import annotations

from typing import Any

from graphlab.core.messages import Message

__all__ = ["DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "KINDS", "PROGRAMS", "failure", "time_limit"]

DEFAULT_TIMEOUT = 3.0
DEFAULT_MEMORY = 2 * 2**30  # bytes of address space for the child; torch itself needs ~0.7 GB
# evaluate: tensors and graph; gradcheck: gradients against finite differences;
# record: forward and backward steps (Step Through); dynamic: branches, loops, node lines;
# model: a Model Graph spec planned, built and captured; checkpoint: an uploaded file parsed.
PROGRAMS = ("evaluate", "gradcheck", "record", "dynamic")  # kinds whose source is a program
KINDS = (*PROGRAMS, "model", "checkpoint")
# Seconds for the kinds that are not a visitor's program. The op budget bounds a model: the
# biggest a spec may describe (ResNet-152's size) takes about 5 s to build and capture on a
# busy 2-core machine. A checkpoint is at most 16 MB, checked before it is read.
KIND_TIMEOUTS = {"model": 20.0, "checkpoint": 10.0}


def time_limit(kind: str, program_limit: float) -> float:
    """Seconds a request of ``kind`` may run: ``program_limit`` for a visitor's program."""
    return KIND_TIMEOUTS.get(kind, program_limit)


def failure(message: str | Message, **flags: bool) -> dict[str, Any]:
    """A reply saying the request failed, with no position in the program; ``flags`` say why,
    for the page: ``timeout`` (it ran too long), ``busy`` (the pool refused it, try again),
    ``cancelled``."""
    error: dict[str, Any] = {"message": str(message), "line": 0, "col": 0}
    if isinstance(message, Message):
        error["text"] = message.to_dict()
    reply: dict[str, Any] = {"ok": False, "error": error}
    reply.update({flag: True for flag, on in flags.items() if on})
    return reply
