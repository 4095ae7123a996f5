"""Lesson 1, Tensors: shapes, dtypes and how broadcasting lines shapes up, computed by torch.

>>> b = broadcast("3, 1", "4")
>>> b.result, [row for row in b.rows]
('(3, 4)', [('a', ['3', '1']), ('b', ['', '4']), ('a + b', ['3', '4'])])
>>> broadcast("2, 3", "2").error is not None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from graphlab.core.messages import msg
from graphlab.core.tensors import dtype_name

from .checks import Question

__all__ = [
    "DTYPES", "MAX_DIMS", "PREDICT", "QUESTIONS", "Broadcast", "broadcast", "parse_shape", "saw",
    "shape_text",
]  # fmt: skip

MAX_DIMS, MAX_SIZE = 6, 10_000  # shapes a learner types (on "meta": nothing is allocated)
_SMALL = 100_000  # elements: tensors this small are made for real
DTYPES = ("float32", "float64", "int64", "int32", "bool")


@dataclass(frozen=True)
class Broadcast:
    """Two shapes lined up from the right, and what torch makes of them."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    rows: list[tuple[str, list[str]]]  # (row name, one cell per aligned dimension)
    result: str | None  # the shape of a + b, or None when torch refuses
    error: str | None
    dtype: str  # the dtype of a + b (type promotion), for the chosen dtypes


def parse_shape(text: str) -> tuple[int, ...]:
    """`"3, 1"` or `"(3, 1)"` -> (3, 1). ValueError with the reason for anything else (a
    `Message`: `str(err)` is English, the app says it in the learner's language)."""
    body = text.strip().strip("()[]").strip()
    if not body:
        return ()
    dims = []
    for part in body.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(
                msg("{part} is not a size: use whole numbers like 3, 1", part=repr(part))
            )
        dims.append(int(part))
    if len(dims) > MAX_DIMS or any(d > MAX_SIZE for d in dims):
        raise ValueError(
            msg("at most {dims} dimensions of at most {size:,} each", dims=MAX_DIMS, size=MAX_SIZE)
        )
    return tuple(dims)


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def broadcast(a: str, b: str, dtype_a: str = "float32", dtype_b: str = "float32") -> Broadcast:
    """What `torch.zeros(a, dtype=dtype_a) + torch.zeros(b, dtype=dtype_b)` gives, asked of torch
    itself: on the CPU when the tensors are small (its error names the dimension that clashes),
    else on the "meta" device (shapes and dtypes without any memory)."""
    sa, sb = parse_shape(a), parse_shape(b)
    width = max(len(sa), len(sb))
    rows = [("a", _padded(sa, width)), ("b", _padded(sb, width))]
    device = "cpu" if max(math.prod(sa), math.prod(sb)) <= _SMALL else "meta"
    x = torch.zeros(sa, dtype=_dtype(dtype_a), device=device)
    y = torch.zeros(sb, dtype=_dtype(dtype_b), device=device)
    try:
        out = x + y
    except RuntimeError as err:
        dtype = dtype_name(torch.promote_types(x.dtype, y.dtype))
        return Broadcast(sa, sb, rows, None, str(err).splitlines()[0], dtype)
    rows.append(("a + b", _padded(tuple(out.shape), width)))
    return Broadcast(sa, sb, rows, shape_text(tuple(out.shape)), None, dtype_name(out.dtype))


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ValueError(msg("dtype must be one of {choices}, not {name}",
                             choices=", ".join(DTYPES), name=repr(name)))  # fmt: skip
    return getattr(torch, name)


def _padded(shape: tuple[int, ...], width: int) -> list[str]:
    return [""] * (width - len(shape)) + [str(d) for d in shape]


def _sum_shape(a: str, b: str) -> str:
    result = broadcast(a, b)
    return result.result or "error"


PREDICT = Question(
    "predict", ("(3, 4)", "(3, 1)", "(4, 3)", "error"), lambda: _sum_shape("3, 1", "4")
)
QUESTIONS = (
    Question(
        "broadcast",
        ("(5, 3, 4)", "(5, 1, 4)", "(3, 4)", "error"),
        lambda: _sum_shape("5, 1, 4", "3, 1"),
    ),  # fmt: skip
    Question("refused", ("(2, 3)", "(2, 2, 3)", "error"), lambda: _sum_shape("2, 3", "2")),
    Question(
        "promotion",
        ("int64", "float32", "float64"),
        lambda: dtype_name((torch.tensor([1, 2]) + torch.tensor([0.5])).dtype),
    ),  # fmt: skip
)


def saw(a: str, b: str, dtype_a: str, dtype_b: str) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the shapes and dtypes the learner chose."""
    result = broadcast(a, b, dtype_a, dtype_b)
    return {
        "shape_a": shape_text(result.a),
        "shape_b": shape_text(result.b),
        "dtype_a": dtype_a,
        "dtype_b": dtype_b,
        "result": result.result or "error",
        "dtype": result.dtype,
    }
