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
import re
import threading
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.graph import Graph
from graphlab.core.modules import track_modules
from graphlab.core.walk import capture

from .builtins import BUILTINS, Builtin
from .spec import LAYER_TYPES, RANK_HINTS, RANK_TEXT, Setting, SpecError, default_name, is_int

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
MAX_REPEAT = 400
MAX_DIM = 4096
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_COMMON = ("type", "name", "repeat")


@dataclass(frozen=True)
class Budget:
    """Limits for the hosted demo: parameters, activation elements, input elements, layers."""

    params: int = 5_000_000
    activations: int = 20_000_000
    input: int = 1_000_000
    layers: int = 2_000  # modules made, counting repeats


_SEEDED = threading.Lock()  # see build
UNLIMITED = Budget(params=10**10, activations=10**11, input=10**9, layers=10**6)


@dataclass
class Plan:
    """What the dry run found: the model on `meta`, each layer's output shape, and the totals."""

    model: nn.Sequential
    shapes: list[tuple[int, ...]]  # output shape of each spec layer (after its repeats)
    params: int
    activations: int
    input: tuple[int, ...]


def plan(spec: object, budget: Budget | None = None) -> Plan:
    """Validate `spec` and build it on the `meta` device; raise SpecError naming what is wrong."""
    budget = budget or Budget()
    if not isinstance(spec, dict):
        raise SpecError('a model spec is an object with "input" (a shape) and "layers" (a list)')
    unknown = sorted(set(spec) - {"input", "layers", "seed"})
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r}; a spec has only input, layers and seed")
    shape = _input_shape(spec.get("input"), budget)
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError('"layers" must be a non-empty list of layers')
    if len(layers) > MAX_LAYERS:
        raise SpecError(f"{len(layers)} layers; at most {MAX_LAYERS} (use `repeat` for copies)")
    model = nn.Sequential()
    x = torch.empty(shape, device="meta")
    shapes: list[tuple[int, ...]] = []
    activations = math.prod(shape)
    params = made = 0
    names: set[str] = set()
    seen: dict[tuple, tuple[int, ...]] = {}  # repeated layers are run on `meta` only once
    for i, raw in enumerate(layers):
        kind, settings, name, repeat = _layer(raw, i, names)
        copies = []
        for _ in range(repeat):
            module, x = _dry_run(kind, settings, x, i, seen)
            copies.append(module)
            activations += x.numel()
            params += sum(p.numel() for p in module.parameters())
            made += sum(1 for _ in module.modules())
            if params > budget.params:
                raise SpecError(
                    f"the model reaches {params:,} parameters here; the limit is "
                    f"{budget.params:,}: use fewer or narrower layers",
                    i, kind,
                )  # fmt: skip
            if activations > budget.activations or made > budget.layers:
                raise SpecError(
                    f"the activations reach {activations:,} values ({made:,} modules) here; "
                    f"the limit is {budget.activations:,} values and {budget.layers:,} modules: "
                    "use a smaller input, more pooling or fewer repeats",
                    i, kind,
                )  # fmt: skip
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


def _input_shape(value: object, budget: Budget) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(is_int(v) for v in value) or len(value) < 2:
        raise SpecError(
            '"input" must be a shape list like [N, features], [N, T, F] or [N, C, H, W]'
        )
    if len(value) > 4:
        raise SpecError(f'"input" has {len(value)} dimensions; at most 4 ([N, C, H, W])')
    if not all(1 <= v <= MAX_DIM for v in value):
        raise SpecError(f'every "input" dimension must be from 1 to {MAX_DIM}')
    if math.prod(value) > budget.input:
        raise SpecError(f"the input has {math.prod(value):,} values; the limit is {budget.input:,}")
    return tuple(value)


def _layer(raw: object, i: int, names: set[str]) -> tuple[str, dict, str, int]:
    """Check one layer's fields; return (type, settings with defaults, module name, repeat)."""
    if not isinstance(raw, dict):
        raise SpecError('each layer is an object like {"type": "relu"}', i)
    kind = raw.get("type")
    if kind not in LAYER_TYPES:
        choices = ", ".join(LAYER_TYPES)
        raise SpecError(f"unknown type {kind!r}; choose one of: {choices}", i)
    layer = LAYER_TYPES[kind]
    allowed = (*layer.settings, *_COMMON)
    for key in raw:
        if key not in allowed:
            raise SpecError(f"unknown setting {key!r}; {kind} takes: {', '.join(allowed)}", i, kind)
    settings = {k: _setting(raw, k, s, i, kind) for k, s in layer.settings.items()}
    name = raw.get("name", default_name(kind, i))
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SpecError("`name` must be an identifier (letters, digits, _; at most 32)", i, kind)
    if name in names:
        raise SpecError(f"the name {name!r} is used twice; names must be unique", i, kind)
    names.add(name)
    repeat = raw.get("repeat", 1)
    if not is_int(repeat) or not 1 <= repeat <= MAX_REPEAT:
        raise SpecError(f"`repeat` must be an integer from 1 to {MAX_REPEAT}", i, kind)
    return kind, settings, name, repeat


def _setting(raw: dict, key: str, s: Setting, i: int, kind: str) -> object:
    if key not in raw:
        if s.default is None:
            raise SpecError(f"`{key}` is required: {s.describe()}", i, kind)
        return s.default
    value = raw[key]
    ok = {
        "bool": isinstance(value, bool),
        "int": is_int(value),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[s.type]
    if not ok or (s.type != "bool" and not (s.lo <= value <= s.hi and math.isfinite(value))):
        raise SpecError(f"`{key}` must be {s.describe()}, not {_show(value)}", i, kind)
    return value


def _dry_run(
    kind: str, settings: dict, x: torch.Tensor, i: int, seen: dict
) -> tuple[nn.Module, torch.Tensor]:
    """Make one layer on `meta` for input `x`; check the input fits; return it and its output."""
    layer = LAYER_TYPES[kind]
    shape = tuple(x.shape)
    key = (kind, tuple(sorted(settings.items())), shape)
    if key in seen:  # the same layer on the same input: the same output shape
        with torch.device("meta"):
            return layer.make(shape, settings), torch.empty(seen[key], device="meta")  # type: ignore[operator]
    if len(shape) not in layer.ranks:
        wanted = " or ".join(RANK_TEXT[r] for r in layer.ranks)
        hint = RANK_HINTS.get((len(shape), layer.ranks[0]), "change the layers before it")
        raise SpecError(f"needs {wanted}, but gets {_shape(shape)}: {hint}", i, kind)
    _check_fits(kind, settings, shape, i)
    with torch.device("meta"):
        module = layer.make(shape, settings)  # type: ignore[operator]
    try:
        y = module(x)
    except (RuntimeError, ValueError) as err:  # a shape our checks missed: still say where
        raise SpecError(
            f"does not fit its input {_shape(shape)}: {str(err)[:200]}", i, kind
        ) from None
    if y.numel() == 0 or 0 in y.shape:
        raise SpecError(f"turns {_shape(shape)} into an empty tensor; use less pooling", i, kind)
    seen[key] = tuple(y.shape)
    return module, y


def _check_fits(kind: str, s: dict, shape: tuple[int, ...], i: int) -> None:
    """The checks whose plain-words message is better than torch's."""
    if kind == "conv2d":
        h, w = shape[2] + 2 * s["padding"], shape[3] + 2 * s["padding"]
        if s["kernel_size"] > min(h, w):
            raise SpecError(
                f"kernel {s['kernel_size']} is larger than its {shape[2]}x{shape[3]} input "
                f"(padding {s['padding']}): use a smaller kernel, more padding or less pooling "
                "before it",
                i, kind,
            )  # fmt: skip
    elif kind in ("maxpool2d", "avgpool2d") and s["kernel_size"] > min(shape[2], shape[3]):
        raise SpecError(
            f"pool size {s['kernel_size']} is larger than its {shape[2]}x{shape[3]} input: "
            "use a smaller pool or remove a pooling layer before it",
            i, kind,
        )  # fmt: skip
    elif kind in ("attention", "transformer") and shape[-1] % s["heads"]:
        raise SpecError(
            f"{shape[-1]} features cannot be split into {s['heads']} heads: choose a number of "
            f"heads that divides {shape[-1]}",
            i, kind,
        )  # fmt: skip
    elif kind == "batchnorm" and shape[0] < 2:
        raise SpecError(
            "batch norm needs a batch of at least 2 in training mode: make N at least 2", i, kind
        )


def _show(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (int, float, str, bool, type(None))) else "…"
    return text if len(text) <= 40 else text[:39] + "…"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"
