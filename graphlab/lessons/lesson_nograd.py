"""Lesson 5, no_grad vs detach vs inference_mode vs eval: one small program run five ways, its
graph captured each time and compared.

`model.eval()` changes what layers do (dropout stops dropping) but autograd still records;
`torch.no_grad()` and `torch.inference_mode()` record nothing; `.detach()` cuts one tensor off
the graph; a tensor made in inference mode cannot be used by autograd later. All of it is asked
of torch, running our own fixed program (never a learner's), once per process.

>>> runs = mode_runs()
>>> [(m, runs[m].requires_grad, runs[m].nodes > 0) for m in ("eval", "no_grad")]
[('eval', True, True), ('no_grad', False, False)]
>>> runs["eval"].dropout_active, runs["inference_mode"].later
(False, 'RuntimeError')
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('True', ['0', 'True', 'RuntimeError'])
"""

from __future__ import annotations

import contextlib
import functools
import textwrap
import threading
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.graph import Graph
from graphlab.core.graph_diff import diff
from graphlab.core.walk import capture

from .checks import Question
from .dynamic import Pair

__all__ = [
    "AUTOGRAD_KINDS", "LABELS", "LATER", "MODES", "PREDICT", "QUESTIONS", "SETUP", "ModeRun",
    "compare", "mode_runs", "saw", "source",
]  # fmt: skip

MODES = ("plain", "no_grad", "detach", "inference_mode", "eval")
LABELS = {  # how each mode is written: code, the same in every language
    "plain": "model(x)",
    "no_grad": "torch.no_grad()",
    "detach": "h.detach()",
    "inference_mode": "torch.inference_mode()",
    "eval": "model.eval()",
}
SETUP = """torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1))
x = torch.randn(2, 3)
torch.manual_seed(1)  # the same dropout mask in every mode
"""
_BODY = """h = model[:2](x)  # Linear, ReLU
d = model[2](h)  # Dropout
loss = model[3](d).sum()
"""
LATER = "model[3](h).sum().backward()  # later, outside any block"
AUTOGRAD_KINDS = ("op", "leaf", "param")  # graph nodes that are autograd nodes


def source(mode: str) -> str:
    """The program `mode` runs after SETUP, as the learner reads it."""
    if mode == "plain":
        return _BODY
    if mode in ("no_grad", "inference_mode"):
        return f"with torch.{mode}():\n" + textwrap.indent(_BODY, "    ")
    if mode == "detach":
        return _BODY.replace("model[:2](x)", "model[:2](x).detach()", 1)
    if mode == "eval":
        return "model.eval()\n" + _BODY
    raise ValueError(f"unknown mode {mode!r}; there are {', '.join(MODES)}")


@dataclass(frozen=True)
class ModeRun:
    """What one mode did: the graph behind `loss`, its autograd node count, `loss`'s flags and
    value, whether dropout changed its input, and what `loss.backward()` and the later use of
    `h` (LATER) did: the parameters that got a `.grad`, or "RuntimeError" (message in *_error)."""

    mode: str
    graph: Graph
    nodes: int
    requires_grad: bool
    is_inference: bool
    grad_fn: str
    dropout_active: bool
    loss: float
    backward: str
    backward_error: str | None
    later: str
    later_error: str | None


def _fresh() -> tuple[nn.Sequential, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1))
    x = torch.randn(2, 3)
    torch.manual_seed(1)
    return model, x


def _forward(mode: str, model: nn.Sequential, x: torch.Tensor):
    """`source(mode)`, written out: returns h, d and loss."""
    if mode == "eval":
        model.eval()
    if mode == "no_grad":
        context = torch.no_grad()
    elif mode == "inference_mode":
        context = torch.inference_mode()
    else:
        context = torch.enable_grad()
    with context:
        h = model[:2](x)
        if mode == "detach":
            h = h.detach()
        d = model[2](h)
        loss = model[3](d).sum()
    return h, d, loss


def _grads(model: nn.Module, run) -> tuple[str, str | None]:
    """Run `run()` (a backward) and name the parameters it gave a `.grad`."""
    try:
        run()
    except RuntimeError as err:
        return "RuntimeError", f"RuntimeError: {err}"
    named = [n for n, p in model.named_parameters() if p.grad is not None]
    return ", ".join(named) or "—", None


def _run(mode: str) -> ModeRun:
    model, x = _fresh()
    h, d, loss = _forward(mode, model, x)
    graph = capture(loss, params={"x": x, "h": h, "d": d, "loss": loss}, model=model)
    backward, backward_error = _grads(model, loss.backward)
    model, x = _fresh()
    h, _d, _loss = _forward(mode, model, x)
    later, later_error = _grads(model, lambda: model[3](h).sum().backward())
    return ModeRun(
        mode=mode,
        graph=graph,
        nodes=sum(n.kind in AUTOGRAD_KINDS for n in graph.nodes),
        requires_grad=loss.requires_grad,
        is_inference=loss.is_inference(),
        grad_fn=type(loss.grad_fn).__name__ if loss.grad_fn is not None else "None",
        dropout_active=not torch.equal(h, d),
        loss=loss.item(),
        backward=backward,
        backward_error=backward_error,
        later=later,
        later_error=later_error,
    )


_LOCK = threading.Lock()


@contextlib.contextmanager
def _seeded():
    """One seeded run at a time (seeding is process-wide); the global random state is put back
    afterwards."""
    with _LOCK, torch.random.fork_rng(devices=[]):
        yield


def mode_runs() -> dict[str, ModeRun]:
    """Every mode's run, computed once per process."""
    with _seeded():
        return _mode_runs()


@functools.cache
def _mode_runs() -> dict[str, ModeRun]:
    return {mode: _run(mode) for mode in MODES}


def compare(mode_a: str, mode_b: str) -> Pair:
    """The graphs of `mode_a` and `mode_b` and how they differ (graphlab.core.diff), as the
    Dynamic Graphs page pairs them: `.marks(side, show_saved)` for the drawings."""
    runs = mode_runs()
    a, b = runs[mode_a].graph, runs[mode_b].graph
    return Pair(graph_a=a, graph_b=b, delta=diff(a, b))


def _in_mode(mode: str) -> torch.Tensor:
    model, x = _fresh()
    return _forward(mode, model, x)[2]


def _eval_requires_grad() -> str:
    with _seeded():
        return str(_in_mode("eval").requires_grad)


def _no_grad_nodes() -> str:
    """The autograd nodes reachable from `loss` made under no_grad (none: there is no grad_fn)."""
    with _seeded():
        loss = _in_mode("no_grad")
    graph = capture(loss)
    return str(sum(n.kind in AUTOGRAD_KINDS for n in graph.nodes))


def _detached_first_layer() -> str:
    with _seeded():
        model, x = _fresh()
        _forward("detach", model, x)[2].backward()
    return str(model[0].weight.grad is None)


def _inference_later() -> str:
    with torch.inference_mode():
        h = torch.ones(2) * 3
    w = torch.ones(2, requires_grad=True)
    try:
        (h * w).sum().backward()
    except RuntimeError:
        return "RuntimeError"
    return str(w.grad)


PREDICT = Question("predict", ("True", "False"), _eval_requires_grad)
QUESTIONS = (
    Question("nodes", (), _no_grad_nodes),
    Question("detach", ("True", "False"), _detached_first_layer),
    Question(
        "later", ("tensor([3., 3.])", "tensor([1., 1.])", "None", "RuntimeError"), _inference_later
    ),
)


def saw(mode_a: str, mode_b: str, show_saved: bool = False) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the two modes compared."""
    runs = mode_runs()
    a, b = runs[mode_a], runs[mode_b]
    kinds = {"removed": 0, "added": 0, "changed": 0}
    for d in compare(mode_a, mode_b).visible(show_saved):
        kinds[d.kind] += 1
    return {
        "mode_a": LABELS[mode_a],
        "mode_b": LABELS[mode_b],
        "nodes_a": str(a.nodes),
        "nodes_b": str(b.nodes),
        "req_a": str(a.requires_grad),
        "req_b": str(b.requires_grad),
        **{k: str(v) for k, v in kinds.items()},
        "eval_nodes": str(runs["eval"].nodes),
        "eval_req": str(runs["eval"].requires_grad),
    }
