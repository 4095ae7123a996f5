"""Recordings the Step Through page shows, as plain strict-JSON data.

Three sources: a gallery example (:mod:`graphlab.examples`, trusted code run in the server), one
of the toy MNIST models (:mod:`graphlab.train_models`) on a tiny random batch, and a visitor's
program, which only ever runs in the sandbox worker (:func:`record_reply`, called by
:mod:`graphlab.worker` for a ``{"record": true}`` request).

>>> data = record_example("shared")
>>> [s["op"] for s in data["forward"]], [s["name"] for s in data["backward"]]
(['torch.tensor', 'Tensor.mul', 'Tensor.sum'], ['SumBackward0', 'MulBackward0', 'AccumulateGrad'])
>>> data["leaves"][0]["name"], data["leaves"][0]["equal"]
('x', True)
"""

from __future__ import annotations

import json
import sys
from typing import Any

import torch
from torch import nn

from .examples import EXAMPLES
from .payload import ran_backward
from .record import Recorder
from .record_rules import filled
from .record_steps import BackwardStep, ForwardStep
from .record_values import to_plain
from .worker import failure

__all__ = ["MODELS", "record_example", "record_model", "record_program", "record_reply", "to_data"]

MODELS = {"mlp": "MNIST MLP (784 → 512 → 256 → 10)", "cnn": "MNIST CNN (two conv layers)"}


def record_example(name: str) -> dict[str, Any]:
    """Forward and backward of gallery example `name` (seeded; the global RNG is restored)."""
    ex = EXAMPLES[name]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        with Recorder() as rec:
            outputs, scope = ex.fn()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    params = {k: v for k, v in scope.items() if isinstance(v, torch.Tensor)}
    model = scope.get("model") if isinstance(scope.get("model"), nn.Module) else None
    rec.backward(*outputs, params=params, model=model)
    return to_data(rec, title=ex.title)


def record_model(name: str, batch: int = 2) -> dict[str, Any]:
    """Forward and backward of the toy MNIST model `name` on `batch` random images."""
    from .modules import track_modules
    from .train_models import build_model

    generator = torch.Generator().manual_seed(0)
    model = build_model(name, generator)
    images = torch.rand(batch, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (batch,), generator=generator)
    with Recorder() as rec, track_modules(model):
        loss = nn.functional.cross_entropy(model(images), labels)
    rec.backward(loss, params={"images": images, "loss": loss}, model=model)
    return to_data(rec, title=MODELS[name])


def record_program(source: str, limits: Any = None) -> dict[str, Any]:
    """Run a program with :func:`graphlab.sandbox.evaluate` under a recorder (each step knows
    its line), then backward from its output. Raises ExpressionError for a bad program.

    Call it only in the worker process: it runs the visitor's program.
    """
    from .sandbox import evaluate

    with Recorder(line_of=_interpreter_line) as rec:
        ev = evaluate(source, limits=limits)
    output, named = ev.output, dict(ev.tensors)
    note = None
    if output is None:
        return {"ok": True, "source": source, "note": "The program assigned no tensor."}
    if ran_backward(named):
        rec.capture(output, params=named)
        note = "The program ran backward itself; remove that line to step through backward."
    elif not output.requires_grad or not output.is_floating_point():
        rec.capture(output, params=named)
        note = "The output does not require grad, so there is no backward pass to step through."
    else:
        try:
            rec.backward(output, params=named)
        except RuntimeError as err:
            rec.capture(output, params=named)
            note = f"Backward failed: {str(err).splitlines()[0][:200]}"
        else:
            if output.numel() != 1:
                note = "The output is not a scalar: backward starts from a gradient of ones."
    return to_data(rec, source=source, note=note)


def record_reply(source: Any, limits: Any = None) -> dict[str, Any]:
    """The worker's reply to ``{"source": ..., "record": true}``: `record_program` as data, or
    ``{"ok": False, "error": {...}}``."""
    from .sandbox import ExpressionError

    try:
        data = record_program(source, limits)
        json.dumps(data, allow_nan=False)  # strict JSON, or a clean error
        return data
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    except Exception as err:  # a bug of ours must still not show a traceback to a visitor
        message = f"the program ran, but it could not be recorded ({type(err).__name__})"
        return failure(message)


def to_data(rec: Recorder, *, title: str = "", source: str | None = None, note=None) -> dict:
    """A recording as plain data: the graph, the forward and backward steps, leaf totals."""
    return {
        "ok": True,
        "title": title,
        "source": source,
        "note": note,
        "graph": rec.graph.to_dict() if rec.graph is not None else None,
        "forward": [_forward(s) for s in rec.forward],
        "backward": [_backward(s) for s in rec.backward_steps],
        "leaves": [
            {
                "node": leaf.node,
                "name": leaf.name,
                "from_steps": to_plain(leaf.from_steps),
                "grad": to_plain(leaf.grad),
                "equal": leaf.equal,
            }
            for leaf in rec.leaves
        ],
    }


def _forward(s: ForwardStep) -> dict[str, Any]:
    return {
        "index": s.index,
        "op": s.op,
        "node": s.node,
        "nodes": list(s.nodes),
        "line": s.line,
        "grad_enabled": s.grad_enabled,
        "args": s.args,
        "inputs": [to_plain(v) for v in s.inputs],
        "outputs": [to_plain(v) for v in s.outputs],
    }


def _backward(s: BackwardStep) -> dict[str, Any]:
    return {
        "index": s.index,
        "node": s.node,
        "name": s.name,
        "grad_outputs": [to_plain(v) for v in s.grad_outputs],
        "grad_inputs": [to_plain(v) for v in s.grad_inputs],
        "targets": list(s.targets),
        "saved": {k: v if isinstance(v, str) else to_plain(v) for k, v in s.saved.items()},
        "grad": to_plain(s.grad),
        "contributions": [
            {"node": node, "slot": slot, "value": to_plain(v)} for node, slot, v in s.contributions
        ],
        "filled": filled(s),
    }


def _interpreter_line() -> int | None:
    """The line of the innermost statement or expression the sandbox interpreter is running."""
    from .sandbox_eval import Interpreter

    codes = (Interpreter.eval.__code__, Interpreter.exec.__code__)
    frame = sys._getframe(1)
    for _ in range(64):
        if frame is None:
            return None
        if frame.f_code in codes:
            return getattr(frame.f_locals.get("node"), "lineno", None)
        frame = frame.f_back
    return None
