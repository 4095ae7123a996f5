"""Build models from plain-data specs: validated, budgeted, then captured as a graph.

`build(spec)` checks every field, then builds the model on the `meta` device (no memory, no
compute) layer by layer to check that the shapes fit and that the parameters and activations stay
within a `Budget`, and only then materialises it on the CPU. Nothing a visitor types is ever
evaluated: a spec is data, read against the table in `graphlab.models.spec`.

>>> import graphlab as gl
>>> model = gl.models.build(gl.models.BUILTINS["mlp"].spec)
>>> type(model).__name__, sum(p.numel() for p in model.parameters())
('Sequential', 535818)
>>> gl.models.build({"input": [2, 3, 8, 8], "layers": [{"type": "linear", "out_features": 4}]})
Traceback (most recent call last):
...
graphlab.models.spec.SpecError: layer 1 (linear): needs a batch of vectors (N, features) ...
"""

from __future__ import annotations

import json
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from graphlab.core.graph import Graph
from graphlab.core.messages import msg
from graphlab.core.modules import track_modules
from graphlab.core.walk import capture

from .builtins import BUILTINS, Builtin
from .checks import check_fits, check_input, check_layer, check_rank, shape_text
from .layers import RecurrentCell
from .spec import LAYER_TYPES, SpecError, is_int

__all__ = [
    "BUILTINS",
    "Budget",
    "Builtin",
    "LAYER_TYPES",
    "Plan",
    "UNLIMITED",
    "SpecError",
    "build",
    "graph",
    "plan",
    "spec_of",
]

MAX_LAYERS = 64


@dataclass(frozen=True)
class Budget:
    """Limits for the hosted demo: parameters, activation elements, input elements, layers."""

    params: int = 5_000_000
    activations: int = 20_000_000
    input: int = 1_000_000
    layers: int = 2_000  # modules made, counting repeats
    # torch calls one forward makes (about the graph's op count): an LSTM over a long sequence
    # is one module but thousands of ops, and a graph of a million nodes stalls the server.
    ops: int = 20_000


_SEEDED = threading.Lock()  # see build
UNLIMITED = Budget(params=10**10, activations=10**11, input=10**9, layers=10**6, ops=10**9)


@dataclass
class Plan:
    """What the dry run found: the model on `meta`, each layer's output shape, and the totals."""

    model: nn.Sequential
    shapes: list[tuple[int, ...]]  # output shape of each spec layer (after its repeats)
    params: int
    activations: int
    input: tuple[int, ...]

    def figures(self) -> PlanFigures:
        return PlanFigures(self.shapes, self.params, self.activations, self.input)


@dataclass(frozen=True)
class PlanFigures:
    """What a page shows of a `Plan`, as plain data (a worker plans, the server shows)."""

    shapes: list[tuple[int, ...]]
    params: int
    activations: int
    input: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"shapes": [list(s) for s in self.shapes], "params": self.params,
                "activations": self.activations, "input": list(self.input)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> PlanFigures:
        shapes = [tuple(int(n) for n in s) for s in data["shapes"]]
        return cls(shapes, int(data["params"]), int(data["activations"]),
                   tuple(int(n) for n in data["input"]))  # fmt: skip


def plan(spec: object, budget: Budget | None = None) -> Plan:
    """Validate `spec` and build it on the `meta` device; raise SpecError naming what is wrong."""
    budget = budget or Budget()
    if not isinstance(spec, dict):
        raise SpecError(
            msg('a model spec is an object with "input" (a shape) and "layers" (a list)')
        )
    unknown = sorted(set(spec) - {"input", "layers", "seed"})
    if unknown:
        raise SpecError(msg("unknown key {key}; a spec has only input, layers and seed",
                            key=repr(unknown[0])))  # fmt: skip
    seed = spec.get("seed", 0)
    if seed is not None and not (is_int(seed) and 0 <= seed < 2**31):
        raise SpecError(msg('"seed" must be an integer from 0 to {most:,}', most=2**31 - 1))
    shape = check_input(spec.get("input"), budget.input)
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError(msg('"layers" must be a non-empty list of layers'))
    if len(layers) > MAX_LAYERS:
        raise SpecError(msg("{n} layers; at most {most} (use `repeat` for copies)",
                            n=len(layers), most=MAX_LAYERS))  # fmt: skip
    model = nn.Sequential()
    x = torch.empty(shape, device="meta")
    shapes: list[tuple[int, ...]] = []
    activations = math.prod(shape)
    params = made = 0
    ops = _OpCount(budget.ops)
    names: set[str] = set()
    seen: dict[tuple, tuple[int, ...]] = {}  # repeated layers are run on `meta` only once
    for i, raw in enumerate(layers):
        kind, settings, name, repeat = check_layer(raw, i, names)
        copies = []
        for _ in range(repeat):
            module, x = _dry_run(kind, settings, x, i, seen, ops)
            copies.append(module)
            activations += x.numel()
            params += sum(p.numel() for p in module.parameters())
            made += sum(1 for _ in module.modules())
            if params > budget.params:
                raise SpecError(msg(
                    "the model reaches {params:,} parameters here; the limit is {limit:,}: use "
                    "fewer or narrower layers", params=params, limit=budget.params,
                ), i, kind)  # fmt: skip
            if activations > budget.activations or made > budget.layers:
                raise SpecError(msg(
                    "the activations reach {values:,} values ({modules:,} modules) here; the "
                    "limit is {most_values:,} values and {most_modules:,} modules: use a smaller "
                    "input, more pooling or fewer repeats",
                    values=activations, modules=made, most_values=budget.activations,
                    most_modules=budget.layers,
                ), i, kind)  # fmt: skip
        module = copies[0] if repeat == 1 else nn.Sequential(*copies)
        model.add_module(name, module)
        shapes.append(tuple(x.shape))
    return Plan(model, shapes, params, activations, shape)


def build(spec: object, budget: Budget | None = None, *, seed: int | None = None) -> nn.Module:
    """The model `spec` describes, on the CPU, initialised from `seed` (spec's, else 0).

    Raises SpecError (a ValueError) with the layer and how to fix it for anything wrong.
    """
    p = plan(spec, budget)
    model = p.model.to_empty(device="cpu")
    seed = seed if seed is not None else int(spec.get("seed", 0) or 0)  # type: ignore[union-attr]
    # Layers' reset_parameters draw from the global RNG, which every thread shares: two builds at
    # once (two visitors) would interleave their draws, and a cached graph would differ by luck.
    with _SEEDED, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for m in model.modules():
            reset = getattr(m, "reset_parameters", None)
            if callable(reset):
                reset()
    return model


def graph(spec: object, budget: Budget | None = None, *, train: bool = True) -> Graph:
    """Build `spec`, run it on a seeded random input and capture its graph, ops tagged by module.

    `meta` gets "model" (the spec's layer types) and "modules" (JSON: module path -> class).
    """
    model = build(spec, budget)
    model.train(train)
    shape = tuple(spec["input"])  # type: ignore[index]
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    with _SEEDED, torch.random.fork_rng(devices=[]), track_modules(model):
        torch.manual_seed(1)  # dropout masks, for the same reason as in build
        out = model(x)
    g = capture(out, model=model)
    g.meta["modules"] = json.dumps({n: type(m).__name__ for n, m in model.named_modules()})
    return g


def spec_of(name: str) -> dict:
    """A copy of built-in model `name`'s spec."""
    if name not in BUILTINS:
        raise KeyError(f"unknown model {name!r}; choose one of {', '.join(BUILTINS)}")
    return json.loads(json.dumps(BUILTINS[name].spec))


def _dry_run(
    kind: str, settings: dict, x: torch.Tensor, i: int, seen: dict, ops: _OpCount
) -> tuple[nn.Module, torch.Tensor]:
    """Make one layer on `meta` for input `x`; check the input fits; return it and its output."""
    layer = LAYER_TYPES[kind]
    shape = tuple(x.shape)
    key = (kind, tuple(sorted(settings.items())), shape)
    if key in seen:  # the same layer on the same input: the same output shape and op count
        out_shape, count = seen[key]
        ops.add(count, i, kind)
        with torch.device("meta"):
            return layer.make(shape, settings), torch.empty(out_shape, device="meta")  # type: ignore[operator]
    check_rank(kind, shape, i)
    check_fits(kind, settings, shape, i)
    with torch.device("meta"):
        module = layer.make(shape, settings)  # type: ignore[operator]
    before = ops.count
    steps = shape[1] if isinstance(module, RecurrentCell) else 1
    try:
        with ops.watching(i, kind):
            # A cell unrolled over time repeats the same ops each step, and `meta` runs an LSTM
            # step in Python (tens of ms): run one step, then count and shape all of them.
            y = module(x[:, :1] if steps > 1 else x)
        if steps > 1:
            ops.add((ops.count - before) * (steps - 1), i, kind)
            y = torch.empty((*y.shape[:1], steps, *y.shape[2:]) if y.dim() == 3 else y.shape,
                            device="meta")  # fmt: skip
    except SpecError:  # over the op budget: already says where and what to do
        raise
    except (RuntimeError, ValueError) as err:  # a shape our checks missed: still say where
        problem = msg("does not fit its input {shape}: {error}", shape=shape_text(shape),
                      error=str(err)[:200])  # fmt: skip
        raise SpecError(problem, i, kind) from None
    if y.numel() == 0 or 0 in y.shape:
        problem = msg("turns {shape} into an empty tensor; use less pooling",
                      shape=shape_text(shape))  # fmt: skip
        raise SpecError(problem, i, kind)
    seen[key] = (tuple(y.shape), ops.count - before)
    return module, y


class _OpCount(TorchFunctionMode):
    """Counts the torch calls of the dry run and stops it as soon as they pass the budget, so
    a spec that would make a huge graph costs no more than the budget to refuse."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.count = limit, 0
        self.where: tuple[int, str] = (0, "")

    @contextmanager
    def watching(self, i: int, kind: str):
        self.where = (i, kind)
        with self:
            yield

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.add(1, *self.where)
        return func(*args, **(kwargs or {}))

    def add(self, n: int, i: int, kind: str) -> None:
        self.count += n
        if self.count > self.limit:
            raise SpecError(msg(
                "the model's forward pass passes {most:,} operations here (each becomes a node "
                "of the graph): use a shorter sequence, fewer repeats or fewer layers",
                most=self.limit,
            ), i, kind)  # fmt: skip
