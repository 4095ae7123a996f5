"""Python-level operations of the expression language: numbers, builtins, operator tables.

Tensor work goes through the interpreter (which dry-runs it); this module handles what stays in
plain Python, with the magnitude checks that keep numbers and lists small.

>>> number_op(ast.Pow(), 2, 10, Limits())
1024
>>> number_op(ast.Pow(), 10, 100, Limits())
Traceback (most recent call last):
...
graphlab.sandbox.errors.ExpressionError: 10 ** 100 is too large; integers are limited to ...
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

import torch

from .errors import ExpressionError, Limits, msg

__all__ = [
    "BINARY",
    "COMPARE",
    "INPLACE",
    "SYMBOLS",
    "builtin_call",
    "check_value",
    "is_number",
    "number_op",
]

BINARY: dict[type[ast.AST], Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
# `x += y` on a tensor changes it in place, as in Python; the lessons on in-place errors rely on it.
INPLACE: dict[type[ast.AST], Callable[[object, object], object]] = {
    ast.Add: operator.iadd,
    ast.Sub: operator.isub,
    ast.Mult: operator.imul,
    ast.Div: operator.itruediv,
    ast.FloorDiv: operator.ifloordiv,
    ast.Mod: operator.imod,
    ast.Pow: operator.ipow,
    ast.MatMult: operator.imatmul,
}
SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
COMPARE: dict[type[ast.AST], Callable[[object, object], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,  # type: ignore[operator]
    ast.NotIn: lambda a, b: a not in b,  # type: ignore[operator]
}


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, complex)


def check_value(value: object, limits: Limits) -> object:
    """Refuse numbers the language does not hold: too-large integers and complex numbers."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and abs(value) > limits.max_int:
        raise ExpressionError(
            msg(
                "the integer result is too large; integers are limited to ±{limit}",
                limit=format(limits.max_int, ","),
            )
        )
    if isinstance(value, complex):
        raise ExpressionError(msg("complex numbers are not supported"))
    return value


def number_op(op: ast.AST, left: object, right: object, limits: Limits) -> object:
    """``left <op> right`` for Python numbers, refusing huge powers before computing them."""
    symbol = SYMBOLS[type(op)]
    if isinstance(op, ast.MatMult):
        raise ExpressionError(msg("`@` needs tensors, not numbers"))
    if _huge_power(op, left, right, limits):
        raise ExpressionError(
            msg(
                "{left} ** {right} is too large; integers are limited to ±{limit}",
                left=left,
                right=right,
                limit=format(limits.max_int, ","),
            )
        )
    try:
        result = BINARY[type(op)](left, right)
    except ZeroDivisionError:
        raise ExpressionError(msg("division by zero in `{symbol}`", symbol=symbol)) from None
    except OverflowError:
        too_large = msg("the result of `{symbol}` is too large (overflow)", symbol=symbol)
        raise ExpressionError(too_large) from None
    return check_value(result, limits)


def _huge_power(op: ast.AST, left: object, right: object, limits: Limits) -> bool:
    """Whether an integer power would pass the integer limit (decided before computing it)."""
    if not (isinstance(op, ast.Pow) and isinstance(left, int) and isinstance(right, int)):
        return False
    return right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > math.log2(limits.max_int)


# round(n, -d) of an int computes 10**d first (`round(1, -10**15)` never ends). Past this many
# digits either way, every number the language holds (|int| <= 2**53, floats < 1e309) rounds to
# the same result as with any larger count, so clamping changes no answer.
_ROUND_DIGITS = 400


def _bounded_digits(args: list[object]) -> list[object]:
    if len(args) == 2 and isinstance(args[1], int) and not isinstance(args[1], bool):
        return [args[0], max(-_ROUND_DIGITS, min(_ROUND_DIGITS, args[1]))]
    return args


def _ints(value: object) -> bool:
    return isinstance(value, (int, float)) or (
        isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value)
    )


def _to_number(name: str, value: object, convert: Callable[[object], object]) -> object:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ExpressionError(
                msg(
                    "{name}() needs a tensor with one element, not shape {shape}",
                    name=name,
                    shape=str(list(value.shape)),
                )
            )
        value = value.item()
    if not is_number(value):
        raise ExpressionError(msg("{name}() takes a number or a one-element tensor", name=name))
    try:
        return convert(value)
    except (OverflowError, ValueError) as err:
        raise ExpressionError(f"{name}(): {err}") from None  # Python's words


def builtin_call(name: str, args: list[object], limits: Limits) -> object:
    """Call one of the allowed builtins (not ``range``, which only ``for`` uses) on
    non-tensor arguments; ``abs`` of a tensor is routed to ``torch.abs`` by the interpreter."""
    if name == "len":
        if len(args) != 1 or not isinstance(args[0], (torch.Tensor, list, tuple, str)):
            raise ExpressionError(msg("len() takes one tensor, list, tuple or string"))
        return len(args[0])
    if name in ("float", "int"):
        if len(args) != 1:
            raise ExpressionError(msg("{name}() takes one argument", name=name))
        return check_value(_to_number(name, args[0], float if name == "float" else int), limits)
    if name == "abs":
        if len(args) != 1 or not is_number(args[0]):
            raise ExpressionError(msg("abs() takes one number or tensor"))
        return abs(args[0])  # type: ignore[arg-type]
    if name == "round":
        if not 1 <= len(args) <= 2 or not all(is_number(a) for a in args):
            raise ExpressionError(
                msg("round() takes a number and optional digits; for tensors use torch.round")
            )
        try:
            return check_value(round(*_bounded_digits(args)), limits)  # type: ignore[call-overload]
        except (OverflowError, ValueError) as err:
            raise ExpressionError(f"round(): {err}") from None  # Python's words
    if name in ("min", "max"):
        values = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if not values or not _ints(list(values)):
            raise ExpressionError(
                msg(
                    "{name}() takes numbers; for tensors use torch.{name}(x) or x.{name}()",
                    name=name,
                )
            )
        return (min if name == "min" else max)(values)
    raise ExpressionError(msg("`{name}` cannot be called here", name=name))
