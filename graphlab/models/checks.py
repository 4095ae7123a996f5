"""The checks `graphlab.models.plan` runs on a spec's fields and on each layer's input, each
raising a `SpecError` that says what is wrong and how to fix it.

Every sentence is a `msg()` template (the app says it in the learner's language); what the
visitor typed and PyTorch's own error text go in as values, never as templates.

>>> check_input([2, 3, 8, 8], 1_000_000)
(2, 3, 8, 8)
>>> check_input([2], 1_000_000)
Traceback (most recent call last):
...
graphlab.models.spec.SpecError: "input" must be a shape list like [N, features], [N, T, F] or [N, C, H, W]
"""

from __future__ import annotations

import json
import math
import re

from graphlab.core.messages import Message, msg

from .spec import (
    LAYER_TYPES,
    OTHER_RANK_HINT,
    RANK_HINTS,
    RANK_TEXT,
    Setting,
    SpecError,
    default_name,
    is_int,
)

__all__ = [
    "MAX_DIM", "MAX_REPEAT", "check_fits", "check_input", "check_layer", "check_rank",
    "shape_text",
]  # fmt: skip

MAX_REPEAT = 400
MAX_DIM = 4096
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_COMMON = ("type", "name", "repeat")


def check_input(value: object, limit: int) -> tuple[int, ...]:
    """The spec's input shape, checked: 2 to 4 dimensions, each in range, `limit` values at most."""
    if not isinstance(value, list) or not all(is_int(v) for v in value) or len(value) < 2:
        raise SpecError(
            msg('"input" must be a shape list like [N, features], [N, T, F] or [N, C, H, W]')
        )
    if len(value) > 4:
        raise SpecError(msg('"input" has {n} dimensions; at most 4 ([N, C, H, W])', n=len(value)))
    if not all(1 <= v <= MAX_DIM for v in value):
        raise SpecError(msg('every "input" dimension must be from 1 to {most}', most=MAX_DIM))
    if math.prod(value) > limit:
        raise SpecError(
            msg("the input has {n:,} values; the limit is {limit:,}", n=math.prod(value),
                limit=limit)
        )  # fmt: skip
    return tuple(value)


def check_layer(raw: object, i: int, names: set[str]) -> tuple[str, dict, str, int]:
    """Check one layer's fields; return (type, settings with defaults, module name, repeat)."""
    if not isinstance(raw, dict):
        raise SpecError(
            msg("each layer is an object like {example}", example='{"type": "relu"}'), i
        )
    kind = raw.get("type")
    choices = ", ".join(LAYER_TYPES)
    if not isinstance(kind, str):  # a list or an object, e.g. ["linear"]: not hashable either
        raise SpecError(msg("`type` must be one name in quotes, one of: {choices}",
                            choices=choices), i)  # fmt: skip
    if kind not in LAYER_TYPES:
        shown = repr(kind) if len(kind) <= 32 else repr(kind[:32]) + "…"
        raise SpecError(msg("unknown type {kind}; choose one of: {choices}", kind=shown,
                            choices=choices), i)  # fmt: skip
    layer = LAYER_TYPES[kind]
    allowed = (*layer.settings, *_COMMON)
    for key in raw:
        if key not in allowed:
            problem = msg("unknown setting {key}; {kind} takes: {allowed}", key=repr(key),
                          kind=kind, allowed=", ".join(allowed))  # fmt: skip
            raise SpecError(problem, i, kind)
    settings = {k: _setting(raw, k, s, i, kind) for k, s in layer.settings.items()}
    name = raw.get("name", default_name(kind, i))
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise SpecError(
            msg("`name` must be an identifier (letters, digits, _; at most 32)"), i, kind
        )
    if name in names:
        raise SpecError(
            msg("the name {name} is used twice; names must be unique", name=repr(name)), i, kind
        )
    names.add(name)
    repeat = raw.get("repeat", 1)
    if not is_int(repeat) or not 1 <= repeat <= MAX_REPEAT:
        raise SpecError(
            msg("`repeat` must be an integer from 1 to {most}", most=MAX_REPEAT), i, kind
        )
    return kind, settings, name, repeat


def _setting(raw: dict, key: str, s: Setting, i: int, kind: str) -> object:
    if key not in raw:
        if s.default is None:
            raise SpecError(msg("`{key}` is required: {values}", key=key, values=s.describe()),
                            i, kind)  # fmt: skip
        return s.default
    value = raw[key]
    ok = {
        "bool": isinstance(value, bool),
        "int": is_int(value),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[s.type]
    if not ok or (s.type != "bool" and not (s.lo <= value <= s.hi and math.isfinite(value))):
        problem = msg("`{key}` must be {values}, not {value}", key=key, values=s.describe(),
                      value=_show(value))  # fmt: skip
        raise SpecError(problem, i, kind)
    return value


def check_rank(kind: str, shape: tuple[int, ...], i: int) -> None:
    """A layer of type `kind` accepts an input of `shape`'s rank, or the error says what to add."""
    ranks = LAYER_TYPES[kind].ranks
    if len(shape) in ranks:
        return
    wanted: Message = RANK_TEXT[ranks[0]]
    for rank in ranks[1:]:
        wanted = msg("{one} or {other}", one=wanted, other=RANK_TEXT[rank])
    hint = RANK_HINTS.get((len(shape), ranks[0]), OTHER_RANK_HINT)
    problem = msg("needs {wanted}, but gets {shape}: {hint}", wanted=wanted,
                  shape=shape_text(shape), hint=hint)  # fmt: skip
    raise SpecError(problem, i, kind)


def check_fits(kind: str, s: dict, shape: tuple[int, ...], i: int) -> None:
    """The checks whose plain-words message is better than torch's."""
    if kind == "conv2d":
        h, w = shape[2] + 2 * s["padding"], shape[3] + 2 * s["padding"]
        if s["kernel_size"] > min(h, w):
            problem = msg(
                "kernel {k} is larger than its {h}x{w} input (padding {padding}): use a smaller "
                "kernel, more padding or less pooling before it",
                k=s["kernel_size"], h=shape[2], w=shape[3], padding=s["padding"],
            )  # fmt: skip
            raise SpecError(problem, i, kind)
    elif kind in ("maxpool2d", "avgpool2d") and s["kernel_size"] > min(shape[2], shape[3]):
        problem = msg(
            "pool size {k} is larger than its {h}x{w} input: use a smaller pool or remove a "
            "pooling layer before it",
            k=s["kernel_size"], h=shape[2], w=shape[3],
        )  # fmt: skip
        raise SpecError(problem, i, kind)
    elif kind in ("attention", "transformer") and shape[-1] % s["heads"]:
        problem = msg(
            "{features} features cannot be split into {heads} heads: choose a number of heads "
            "that divides {features}",
            features=shape[-1], heads=s["heads"],
        )  # fmt: skip
        raise SpecError(problem, i, kind)
    elif kind == "batchnorm" and shape[0] < 2:
        raise SpecError(
            msg("batch norm needs a batch of at least 2 in training mode: make N at least 2"),
            i, kind,
        )  # fmt: skip


def _show(value: object) -> str:
    text = json.dumps(value) if isinstance(value, (int, float, str, bool, type(None))) else "…"
    return text if len(text) <= 40 else text[:39] + "…"


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as the errors write it: `(2, 3)`."""
    return "(" + ", ".join(map(str, shape)) + ")"
