"""Record a visitor's program for Step Through, in the sandbox worker only.

The worker answers a ``{"kind": "record"}`` request with :func:`record_reply`: the recording as
plain data (:func:`graphlab.record.serialize.to_data`), or an error. A ``note`` for the learner
is English; ``note_text`` is the same sentence for the page to say in the learner's language.
"""

from __future__ import annotations

import json
from typing import Any

from graphlab.core.messages import Message, msg
from graphlab.record.recorder import Recorder
from graphlab.record.serialize import to_data
from graphlab.sandbox import ExpressionError, Interpreter, Limits, evaluate

from .payload import ran_backward
from .protocol import failure

__all__ = ["record_program", "record_reply"]


def record_program(source: str, limits: Any = None) -> dict[str, Any]:
    """Run a program with :func:`graphlab.sandbox.evaluate` under a recorder (each step knows
    its line), then backward from its output. Raises ExpressionError for a bad program.

    Call it only in the worker process: it runs the visitor's program.
    """
    interpreters: list[Interpreter] = []

    def start(source: str, limits: Limits) -> Interpreter:
        interpreters.append(Interpreter(source, limits))
        return interpreters[-1]

    # Each forward step is stamped with the line the interpreter is running at that moment.
    with Recorder(line_of=lambda: interpreters[-1].line if interpreters else None) as rec:
        ev = evaluate(source, limits=limits, interpreter=start)
    if rec.truncated:  # a recording of every op would be megabytes that freeze the page
        return failure(msg(
            "Step Through records up to {most:,} operations and this program runs more: "
            "shorten its loops (Expression Lab draws the graph of any program).",
            most=rec.max_steps,
        ))  # fmt: skip
    output, named = ev.output, dict(ev.tensors)
    note: Message | None = None
    if output is None:
        return _noted({"ok": True, "source": source}, msg("The program assigned no tensor."))
    if ran_backward(named):
        rec.capture(output, params=named)
        note = msg("The program ran backward itself; remove that line to step through backward.")
    elif not output.requires_grad or not output.is_floating_point():
        rec.capture(output, params=named)
        note = msg(
            "The output does not require grad, so there is no backward pass to step through."
        )
    else:
        # Step Through's own backward is charged to the program's budget, as `.backward()` is.
        interpreters[-1].budget.charge(".backward()", 2 * ev.flops, 0)
        try:
            rec.backward(output, params=named)
        except RuntimeError as err:
            rec.capture(output, params=named)
            note = msg("Backward failed: {error}", error=str(err).splitlines()[0][:200])
        else:
            if output.numel() != 1:
                note = msg(
                    "The output is not a scalar, and `.backward()` on it alone would raise: "
                    "Step Through passes `gradient=torch.ones_like(output)` itself, as you would "
                    "have to, so the leaves get the gradients of `output.sum()`."
                )
    return _noted(to_data(rec, source=source), note)


def _noted(data: dict[str, Any], note: Message | None) -> dict[str, Any]:
    """``data`` with the note in English (``note``) and as a template and values (``note_text``)."""
    data["note"] = None if note is None else str(note)
    if note is not None:
        data["note_text"] = note.to_dict()
    return data


def record_reply(source: Any, limits: Any = None) -> dict[str, Any]:
    """The worker's reply to ``{"kind": "record", "source": ...}``: `record_program` as data, or
    ``{"ok": False, "error": {...}}``."""
    try:
        data = record_program(source, limits)
        json.dumps(data, allow_nan=False)  # strict JSON, or a clean error
        return data
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    except Exception as err:  # a bug of ours must still not show a traceback to a visitor
        error = type(err).__name__
        return failure(msg("the program ran, but it could not be recorded ({error})", error=error))
