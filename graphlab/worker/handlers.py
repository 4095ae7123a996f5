"""What the worker does for each kind of request: one function per kind, each returning a reply.

Every handler runs a visitor's program, so they run only in the worker process. A program's own
error comes back as ``{"ok": False, "error": {...}}`` with its position; a failure of ours comes
back as a message without a traceback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from graphlab.core.messages import Message, msg
from graphlab.sandbox import ExpressionError, Limits, check_gradients, evaluate

from .checkpoints import checkpoint_reply
from .dynamic import dynamic_reply
from .model_graph import model_reply
from .payload import build_payload
from .protocol import failure
from .record import record_reply

__all__ = ["HANDLERS", "handle"]


def _evaluate(source: str, limits: Limits) -> dict[str, Any]:
    evaluation = evaluate(source, limits=limits)
    try:
        return build_payload(evaluation)
    except Exception as err:  # the program ran; drawing it failed: say so, without a traceback
        built = msg(
            "the program ran, but its graph could not be built ({error})", error=type(err).__name__
        )
        return failure(built)


def _gradcheck(source: str, limits: Limits) -> dict[str, Any]:
    return {"ok": True, "gradcheck": check_gradients(source, limits)}


HANDLERS: dict[str, Callable[[Any, Limits], dict[str, Any]]] = {
    "evaluate": _evaluate,
    "gradcheck": _gradcheck,
    "record": record_reply,
    "dynamic": dynamic_reply,
    "model": model_reply,
    "checkpoint": checkpoint_reply,
}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request (see :mod:`graphlab.worker.protocol`)."""
    kind = request.get("kind", "evaluate")
    # Checked for a string first: an unhashable kind must be refused, not crash the worker.
    if not isinstance(kind, str) or kind not in HANDLERS:
        return failure(f"unknown request kind {str(kind)[:40]!r}")
    raw = request.get("limits") or {}
    if not isinstance(raw, dict):
        return failure("the request's limits are not a mapping")
    try:
        return HANDLERS[kind](request.get("source"), _limits(raw))
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    except Exception as err:  # a bug of ours must still not show a traceback to a visitor
        return failure(_could_not(kind, type(err).__name__))


def _could_not(kind: str, error: str) -> Message:
    """What failed, one whole sentence per kind (a translator sees each one)."""
    if kind == "gradcheck":
        return msg("the program could not be checked ({error})", error=error)
    if kind == "record":
        return msg("the program could not be recorded ({error})", error=error)
    if kind == "model":
        return msg("the model could not be built ({error})", error=error)
    if kind == "checkpoint":
        return msg("the checkpoint could not be read ({error})", error=error)
    return msg("the program could not run ({error})", error=error)


def _limits(raw: dict[str, Any]) -> Limits:
    known = {f.name for f in dataclasses.fields(Limits)}
    return Limits(**{k: v for k, v in raw.items() if k in known})
