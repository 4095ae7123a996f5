"""Operators, indexing and the values of the expression language (a mixin of the interpreter).

Every value a program holds is a number, a string, a tensor, a dtype, a slice or a list or tuple
of those; :meth:`Values._result` refuses anything else a torch call returns, and
:meth:`Values._sized` bounds lists before they are built.
"""

from __future__ import annotations

import ast
import operator

import torch

from graphlab.core.messages import Message

from .errors import ExpressionError, Limits, msg
from .limits import Budget, clean_error, tensors_in, to_meta
from .ops import BINARY, COMPARE, INPLACE, SYMBOLS, check_value, number_op

__all__ = ["Values", "is_named_result", "kind"]

_SIMPLE = (int, float, bool, str, type(None), type(...), torch.dtype, slice)


class Values:
    """Operators, indexing and result checks; the interpreter supplies the state and the calls
    (``_tensor_op``, ``_real_call``)."""

    limits: Limits
    budget: Budget
    _sizes: dict[int, tuple[object, int, int]]

    # -- operators -----------------------------------------------------------------------------
    def _binop(
        self, op: ast.operator, left: object, right: object, node: ast.AST, inplace: bool = False
    ) -> object:
        symbol = SYMBOLS[type(op)]
        for value in (left, right):
            if not isinstance(value, (torch.Tensor, int, float)):
                raise ExpressionError(
                    msg(
                        "`{symbol}` works on numbers and tensors, not {kind}; strings "
                        "and lists can only be passed to functions",
                        symbol=symbol,
                        kind=kind(value),
                    )
                )
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            fn = (INPLACE if inplace else BINARY)[type(op)]
            return self._tensor_op(f"`{symbol}{'=' if inplace else ''}`", fn, (left, right), {})
        return number_op(op, left, right, self.limits)

    def _compare(self, op: ast.cmpop, left: object, right: object) -> object:
        fn = COMPARE[type(op)]
        if isinstance(op, (ast.Is, ast.IsNot)):
            return fn(left, right)
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(right, (list, tuple, str)) or isinstance(left, torch.Tensor):
                raise ExpressionError(
                    msg("`in` works with lists, tuples and strings; for tensors use (x == v).any()")
                )
            if isinstance(left, str) != isinstance(right, str):
                raise ExpressionError(msg("`in` on a string needs a string on the left"))
            return fn(left, right)
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            return self._tensor_op(f"`{SYMBOLS[type(op)]}`", fn, (left, right), {})
        return fn(left, right)

    def _truth(self, value: object) -> bool:
        if isinstance(value, torch.Tensor) and value.numel() != 1:
            raise ExpressionError(
                msg(
                    "the truth value of a tensor of shape {shape} is ambiguous; "
                    "use .any() or .all()",
                    shape=str(list(value.shape)),
                )
            )
        return bool(value)

    def _getitem(self, container: object, index: object) -> object:
        if isinstance(container, torch.Tensor):
            meta_index = _meta_index(index)
            self.budget.dry_run("indexing", operator.getitem, (container, meta_index), {})
            return self._result(
                self._real_call("indexing", operator.getitem, (container, index), {})
            )
        if isinstance(container, (list, tuple, str)):
            if not isinstance(index, (int, slice)) or isinstance(index, bool):
                raise ExpressionError(
                    msg("lists, tuples and strings take an integer or slice index")
                )
            return container[index]
        raise ExpressionError(msg("{kind} cannot be indexed", kind=kind(container)))

    def _setitem(self, container: object, index: object, value: object) -> None:
        if not isinstance(container, torch.Tensor):
            raise ExpressionError(
                msg("only tensors can be changed with x[...] = v, not {kind}", kind=kind(container))
            )
        # Writing into a tensor never grows it, but the positions written are the broadcast of
        # the index tensors, which can be far more than the tensor (x[i, j] with i [n, 1] and
        # j [1, n]): the dry run of x[index] gives that count before anything is written.
        name = "assignment x[...] = v"
        try:
            with torch.no_grad():
                written = operator.getitem(to_meta(container), _meta_index(index)).shape
        except Exception as err:  # torch raises IndexError, RuntimeError, ...: PyTorch's words
            raise ExpressionError(f"{name}: {clean_error(err)}") from None
        self.budget.check_numel(name, written)
        flops = container.numel() + 2 * written.numel() + sum(t.numel() for t in tensors_in(value))
        self.budget.charge(name, flops, 0)
        self._real_call("assignment x[...] = v", operator.setitem, (container, index, value), {})

    # -- values ----------------------------------------------------------------------------------
    def _result(self, value: object) -> object:
        """Normalize what a torch call returned to a value of the language, or refuse it."""
        if isinstance(value, (torch.Tensor, torch.Size)):
            return value
        if isinstance(value, _SIMPLE):
            return check_value(value, self.limits)
        if is_named_result(value):  # torch.return_types.max etc.: keep .values / .indices
            for item in value:
                self._result(item)
            return value
        if isinstance(value, (list, tuple)):
            return self._sized(tuple(self._result(v) for v in value))
        raise ExpressionError(
            msg("a result of type {type} is not supported", type=type(value).__name__)
        )

    def _sized(self, value: list | tuple) -> list | tuple:
        """Refuse lists nested too deep or holding too many items (counting shared ones)."""
        items, depth = len(value), 1
        for item in value:
            if isinstance(item, (list, tuple)) and not isinstance(item, torch.Size):
                _, sub_items, sub_depth = self._sizes.get(id(item), (item, len(item), 1))
                items, depth = items + sub_items, max(depth, sub_depth + 1)
        if items > self.limits.max_items or depth > self.limits.max_nesting:
            raise ExpressionError(
                msg(
                    "lists are limited to {items} items and {levels} levels of nesting",
                    items=format(self.limits.max_items, ","),
                    levels=self.limits.max_nesting,
                )
            )
        self._sizes[id(value)] = (value, items, depth)  # keeps value alive: ids stay unique
        return value


def is_named_result(value: object) -> bool:
    """Whether ``value`` is one of torch's named result tuples (``torch.return_types.*``)."""
    return isinstance(value, tuple) and type(value).__module__ == "torch.return_types"


def _meta_index(index: object) -> tuple:
    """A meta index of the same result size or larger: a boolean mask is replaced by integer
    indices as if every element were selected (the meta device cannot count true values)."""
    items = index if isinstance(index, tuple) else (index,)
    out: list[object] = []
    for item in items:
        if isinstance(item, list):
            item = torch.tensor(item)
        if isinstance(item, torch.Tensor) and item.dtype in (torch.bool, torch.uint8):
            if item.dim() == 0:
                out.append(None)
                continue
            whole = torch.empty(item.numel(), dtype=torch.long, device="meta")
            out.extend([whole] * item.dim())
        else:
            out.append(to_meta(item))
    return tuple(out)


def kind(value: object) -> Message:
    """What ``value`` is, for an error: "a tensor of shape [2, 3]", "a str"."""
    if isinstance(value, torch.Tensor):
        return msg("a tensor of shape {shape}", shape=str(list(value.shape)))
    return msg("a {type}", type=type(value).__name__)
