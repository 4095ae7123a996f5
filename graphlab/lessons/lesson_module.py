"""Lesson 8, nn.Module: a small model class the learner sizes (`TinyNet`), what nn.Module
registers from its `__init__` (`parameters()`, `named_parameters()`) and what `state_dict()` holds
besides (BatchNorm's running statistics, buffers), and its graph. All of it is read off the
module by torch: names, shapes, counts, flags.

>>> model = make(8, 1, batchnorm=True)
>>> [name for name, _ in model.named_parameters()]
['hidden.0.weight', 'hidden.0.bias', 'norms.0.weight', 'norms.0.bias', 'out.weight', 'out.bias']
>>> [key for key in model.state_dict() if key.startswith("norms")][2:]
['norms.0.running_mean', 'norms.0.running_var', 'norms.0.num_batches_tracked']
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('6 and 9', ['467', '6', 'True'])
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import nn

from graphlab.core.graph import Graph
from graphlab.core.messages import N_, msg
from graphlab.core.modules import track_modules
from graphlab.core.walk import capture

from .checks import Question

__all__ = [
    "BATCH", "BUFFER", "DEPTHS", "IN_FEATURES", "OUT_FEATURES", "PARAMETER", "PREDICT",
    "QUESTIONS", "START", "WIDTHS", "Row", "TinyNet", "batch", "graph", "make", "parameter_rows",
    "running_mean_moves", "saw", "spec", "state_rows", "totals",
]  # fmt: skip

IN_FEATURES, OUT_FEATURES, BATCH, SEED = 4, 3, 8, 0
WIDTHS, DEPTHS = (1, 64), (1, 3)  # what Play's sliders offer, and all `make` takes
START = {"width": 8, "depth": 1, "batchnorm": True}  # Play's first model (Predict names it)
PARAMETER, BUFFER = N_("parameter"), N_("buffer")  # what a state_dict entry is
_SEEDED = threading.Lock()  # see make


class TinyNet(nn.Module):
    """`depth` hidden layers of `width` units (Linear, BatchNorm1d if asked, ReLU), then a Linear
    to OUT_FEATURES. `plain_list=True` keeps the hidden layers in a Python list: a mistake
    nn.Module cannot see (their parameters are in no `parameters()` and no `state_dict()`)."""

    def __init__(self, width: int, depth: int, batchnorm: bool = True, plain_list: bool = False):
        super().__init__()  # before any layer: nn.Module sets up its registries here
        sizes = [IN_FEATURES] + [width] * depth
        layers = [nn.Linear(a, b) for a, b in pairwise(sizes)]
        self.hidden = layers if plain_list else nn.ModuleList(layers)
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in layers) if batchnorm else None
        self.out = nn.Linear(width, OUT_FEATURES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.hidden):
            x = layer(x)  # (BATCH, width)
            if self.norms is not None:
                x = self.norms[i](x)
            x = torch.relu(x)  # a function, not a module: it has nothing to register
        return self.out(x)  # (BATCH, OUT_FEATURES)


def make(
    width: int, depth: int, batchnorm: bool = True, plain_list: bool = False, frozen: bool = False
) -> TinyNet:
    """A TinyNet initialised from SEED; `frozen`: its first layer's requires_grad is False.
    ValueError (the reason) for a width or depth outside WIDTHS, DEPTHS."""
    for name, value, (low, high) in (("width", width, WIDTHS), ("depth", depth, DEPTHS)):
        if not (isinstance(value, int) and low <= value <= high):
            raise ValueError(msg("{name} must be a whole number from {low} to {high}, not {value}",
                                 name=name, low=low, high=high, value=repr(value)))  # fmt: skip
    # Layers draw their initial weights from the global generator, which threads share: seed it
    # and build under a lock. No weight is shown to the learner (only names, shapes, counts), so
    # a draw interleaved by another builder could change nothing on the page.
    with _SEEDED, torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = TinyNet(width, depth, batchnorm, plain_list)
    if frozen:
        model.hidden[0].requires_grad_(False)
    return model


def batch() -> torch.Tensor:
    """The seeded input every forward pass of the lesson uses: (BATCH, IN_FEATURES)."""
    return torch.randn(BATCH, IN_FEATURES, generator=torch.Generator().manual_seed(1))


@dataclass(frozen=True)
class Row:
    """One tensor of a module: its name, shape, element count, requires_grad and kind."""

    name: str
    shape: tuple[int, ...]
    numel: int
    requires_grad: bool
    kind: str = PARAMETER


def parameter_rows(model: nn.Module) -> list[Row]:
    """`model.named_parameters()`, in its order."""
    return [Row(n, tuple(p.shape), p.numel(), p.requires_grad) for n, p in model.named_parameters()]


def state_rows(model: nn.Module) -> list[Row]:
    """`model.state_dict()`, in its order, each entry a PARAMETER or a BUFFER."""
    params = dict(model.named_parameters())
    return [
        Row(k, tuple(t.shape), t.numel(), k in params and params[k].requires_grad,
            PARAMETER if k in params else BUFFER)
        for k, t in model.state_dict().items()
    ]  # fmt: skip


def totals(model: nn.Module) -> dict[str, int]:
    """Counts: tensors in parameters(), their elements, the trainable ones, state_dict entries,
    buffers."""
    params = list(model.parameters())
    return {
        "tensors": len(params),
        "numel": sum(p.numel() for p in params),
        "trainable": sum(p.numel() for p in params if p.requires_grad),
        "entries": len(model.state_dict()),
        "buffers": len(list(model.buffers())),
    }


def spec(width: int, depth: int, batchnorm: bool = True) -> dict:
    """The same network as a Model Graph spec (graphlab.models): layers in the order TinyNet runs
    them, so `graphlab.models.build(spec(...))` draws the same initial weights from the same seed."""
    layers = []
    for i in range(depth):
        layers.append({"type": "linear", "out_features": width, "name": f"hidden{i}"})
        if batchnorm:
            layers.append({"type": "batchnorm", "name": f"norm{i}"})
        layers.append({"type": "relu", "name": f"relu{i}"})
    layers.append({"type": "linear", "out_features": OUT_FEATURES, "name": "out"})
    return {"input": [BATCH, IN_FEATURES], "layers": layers, "seed": SEED}


def graph(width: int, depth: int, batchnorm: bool, plain_list: bool, frozen: bool) -> Graph:
    """The autograd graph of one forward pass on `batch()`, ops grouped by module."""
    model = make(width, depth, batchnorm, plain_list, frozen)
    with track_modules(model):
        out = model(batch())
    return capture(out, model=model)


def running_mean_moves(train: bool) -> bool:
    """Whether one forward pass (no backward, no step) changes `norms.0.running_mean`."""
    model = make(START["width"], 1, batchnorm=True).train(train)
    before = model.norms[0].running_mean.clone()
    with torch.no_grad():
        model(batch())
    return not torch.equal(before, model.norms[0].running_mean)


def _counts() -> str:
    t = totals(make(**START))
    return f"{t['tensors']} and {t['entries']}"


def _numel() -> str:
    return str(totals(make(16, 2, batchnorm=True))["numel"])


def _plain_list() -> str:
    return str(totals(make(8, 2, batchnorm=True, plain_list=True))["tensors"])


PREDICT = Question("predict", ("6 and 6", "6 and 9", "9 and 9", "9 and 6"), _counts)
QUESTIONS = (
    Question("numel", (), _numel, tolerance=1e-9),
    Question("plain_list", ("10", "6", "4", "0"), _plain_list),
    Question("buffers", ("True", "False"), lambda: str(running_mean_moves(train=True))),
)


def saw(model: TinyNet, frozen: bool = False) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the model the learner sized."""
    t = totals(model)
    buffers = [r.name for r in state_rows(model) if r.kind == BUFFER]
    plain = not isinstance(model.hidden, nn.Module)
    return {
        "width": str(model.out.in_features),
        "depth": str(len(model.hidden)),
        "batchnorm": str(model.norms is not None),
        "plain_list": str(plain),
        "frozen": str(frozen),
        "tensors": str(t["tensors"]),
        "numel": f"{t['numel']:,}",
        "trainable": f"{t['trainable']:,}",
        "entries": str(t["entries"]),
        "buffers": str(t["buffers"]),
        "first_buffer": buffers[0] if buffers else "-",
        "hidden_numel": f"{sum(math.prod(p.shape) for p in _hidden_params(model)):,}",
    }


def _hidden_params(model: TinyNet) -> list[torch.Tensor]:
    """The hidden layers' weights and biases, registered or not."""
    return [p for layer in model.hidden for p in layer.parameters()]
