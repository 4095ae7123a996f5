"""Editing a spec the way Model Graph's builder does: JSON text in, JSON text out.

The builder keeps the spec as the text the visitor edits; these read it (never evaluating it),
add and remove layers, give a new layer's form its starting values, and describe a planned model.

>>> text = with_layer(spec_text({"input": [2, 4], "layers": []}), new_layer("relu", {}))
>>> parse_spec(text)["layers"]
[{'type': 'relu'}]
>>> parse_spec(without_last_layer(text))["layers"]
[]
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from graphlab.core.messages import Message, msg

from .builder import Plan, PlanFigures, spec_of
from .spec import LAYER_TYPES, Setting, SpecError, default_name

__all__ = [
    "MAX_NESTING", "MAX_SPEC_CHARS", "builtin_text", "editable", "form_default", "layer_name", "layer_rows",
    "new_layer", "parse_spec", "plan_caption", "spec_text", "with_layer", "without_last_layer",
]  # fmt: skip

MAX_NESTING = 8  # a spec nests 3 deep ({"layers": [{...}]}); more is never a spec
MAX_SPEC_CHARS = 12_000  # the editor's limit: 64 layers with every setting spelled out fit
EMPTY_SPEC = {"input": [4, 16], "layers": []}  # what "add a layer" starts from when text is no spec


def spec_text(spec: object) -> str:
    """`spec` as the editor shows it."""
    return json.dumps(spec, indent=1)


def builtin_text(name: str) -> str:
    """Registry model `name`'s spec as the editor shows it."""
    return spec_text(spec_of(name))


def parse_spec(text: str) -> object:
    """The JSON value in `text` (checking it is a spec is `plan`'s job).

    >>> parse_spec('{"input": [2, 4],}')
    Traceback (most recent call last):
    ...
    graphlab.models.spec.SpecError: The spec is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 18).
    """
    depth = nesting(text)
    if depth > MAX_NESTING:  # json.loads recurses once per level: 5,000 levels crash it
        raise SpecError(msg("The spec nests {depth:,} brackets deep; a spec needs at most "
                            "{most}.", depth=depth, most=MAX_NESTING))  # fmt: skip
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:  # Python's own words (`err.msg`) stay as they are
        problem = msg("The spec is not valid JSON: {error} (line {line}, column {column}).",
                      error=err.msg, line=err.lineno, column=err.colno)  # fmt: skip
        raise SpecError(problem) from None


def nesting(text: str) -> int:
    """How deep the brackets of JSON `text` nest, strings skipped (a linear scan, no recursion).

    >>> nesting('{"layers": [{"type": "relu", "name": "[x"}]}')
    3
    """
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def editable(text: str) -> dict | None:
    """The spec in `text` when layers can be added to it or removed from it, else None."""
    if nesting(text) > MAX_NESTING:
        return None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError:
        return None
    return spec if isinstance(spec, dict) and isinstance(spec.get("layers"), list) else None


def form_default(setting: Setting) -> bool | int | float:
    """The value a setting's form field starts at: its default, else a size that is in range."""
    if setting.type == "bool":
        return bool(setting.default)
    if setting.type == "int":
        wanted = int(setting.default) if setting.default is not None else max(int(setting.lo), 16)
        return min(wanted, int(setting.hi))
    return float(setting.default or 0)


def new_layer(kind: str, values: Mapping[str, object]) -> dict:
    """A layer of type `kind` with every setting: from `values`, else the setting's default.

    >>> new_layer("linear", {"out_features": 8.0})
    {'type': 'linear', 'out_features': 8, 'bias': True}
    """
    layer: dict = {"type": kind}
    for name, s in LAYER_TYPES[kind].settings.items():
        value = values.get(name)
        if value is None:
            value = s.default
        elif s.type == "int":
            value = int(value)  # type: ignore[call-overload]  # a spec refuses 8.0 for an int
        layer[name] = value
    return layer


def with_layer(text: str, layer: dict) -> str:
    """`text` with `layer` appended (to a fresh small spec when `text` is not an editable spec)."""
    spec = editable(text) or json.loads(json.dumps(EMPTY_SPEC))
    spec["layers"].append(layer)
    return spec_text(spec)


def without_last_layer(text: str) -> str:
    """`text` without its last layer; `text` itself when there is none to remove."""
    spec = editable(text)
    if not spec or not spec["layers"]:
        return text
    spec["layers"].pop()
    return spec_text(spec)


def layer_name(layer: dict, index: int) -> str:
    """The module name layer number `index` (0-based) gets when built."""
    return str(layer.get("name", default_name(layer["type"], index)))


def layer_rows(spec: dict, plan: Plan | PlanFigures) -> dict[str, list]:
    """The builder's table of a planned `spec`: one row per layer, columns by heading."""
    layers = spec["layers"]
    return {
        "layer": [layer_name(layer, i) for i, layer in enumerate(layers)],
        "type": [LAYER_TYPES[layer["type"]].title for layer in layers],
        "repeat": [int(layer.get("repeat", 1)) for layer in layers],
        "output shape": [str(list(s)) for s in plan.shapes],
    }


def plan_caption(plan: Plan | PlanFigures) -> Message:
    """The totals under the builder's table (`str()` of it is the English)."""
    params, activations = f"{plan.params:,}", f"{plan.activations:,}"  # the app's msgid's style
    return msg(
        "Input {shape} · {params} parameters · {activations} activation values",
        shape=list(plan.input), params=params, activations=activations,
    )  # fmt: skip
