"""Calls, operators and values of the expression language (a mixin of the interpreter).

Each allowed call is mapped to a real callable through the tables of
:mod:`graphlab.sandbox_allow`; each tensor operation is dry-run on the ``meta`` device first
(:mod:`graphlab.sandbox_limits`), so it is refused before it allocates or computes anything.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable

import torch

from .sandbox_allow import (
    DATA_DEPENDENT,
    F_FUNCTIONS,
    FACTORIES,
    RANDOM,
    TENSOR_METHODS,
    TORCH_FUNCTIONS,
)
from .sandbox_base import ExpressionError, Limits
from .sandbox_limits import Budget, LimitExceeded, clean_error, short_name, tensors_in, to_meta
from .sandbox_ops import BINARY, COMPARE, INPLACE, SYMBOLS, builtin_call, check_value, number_op

__all__ = ["TensorCalls", "function_for", "is_named_result", "kind", "qualname"]

_SCALAR_METHODS = frozenset({"item", "size", "dim", "numel", "is_contiguous"})
# Methods that allocate nothing and need the real tensor's autograd state, which a dry run on a
# detached meta copy does not have (retain_grad refuses a copy without requires_grad).
_NO_DRY_RUN = frozenset({"retain_grad"})
_COMPARES = frozenset({"equal", "allclose"})  # no meta kernel; they return a bool
_MATMUL = frozenset({"matmul", "mm", "bmm", "mv", "dot", "@", "@="})
_SIMPLE = (int, float, bool, str, type(None), type(...), torch.dtype, slice)


class TensorCalls:
    """Calls, operators, indexing and result checks; the interpreter supplies the state."""

    limits: Limits
    budget: Budget
    generator: torch.Generator
    _sizes: dict[int, tuple[object, int, int]]

    # -- calls ---------------------------------------------------------------------------------
    def _builtin(self, name: str, args: list[object], kwargs: dict[str, object]) -> object:
        if kwargs:
            raise ExpressionError(f"{name}() takes no keyword arguments")
        if name == "abs" and len(args) == 1 and isinstance(args[0], torch.Tensor):
            return self._tensor_op("abs", torch.abs, tuple(args), {})
        return builtin_call(name, args, self.limits)

    def _function_call(
        self, qualname: str, args: list[object], kwargs: dict[str, object]
    ) -> object:
        fn = function_for(qualname)
        if fn is None:
            raise ExpressionError(_unknownfunction_for(qualname))
        short = qualname.rsplit(".", 1)[-1]
        if qualname.startswith("torch.") and short in FACTORIES:
            return self._factory(qualname, fn, args, kwargs)
        if short in _COMPARES:
            return self._compare_call(qualname, fn, args, kwargs)
        return self._tensor_op(qualname, fn, tuple(args), kwargs, short in DATA_DEPENDENT)

    def _factory(self, name: str, fn: Callable[..., object], args: list, kwargs: dict) -> object:
        # The dry run on `meta` computes the element count from the arguments, allocating nothing.
        self.budget.dry_run(name, fn, tuple(args), {**kwargs, "device": "meta"})
        if name.rsplit(".", 1)[-1] in RANDOM:
            kwargs = {**kwargs, "generator": self.generator}
        return self._real_call(name, fn, tuple(args), kwargs)

    def _method_call(self, receiver: object, name: str, args: list, kwargs: dict) -> object:
        if not isinstance(receiver, torch.Tensor):
            raise ExpressionError(
                f"`.{name}()` can only be called on tensors, not {kind(receiver)}"
            )
        if name == "backward":
            return self._backward(receiver, args, kwargs)
        if name == "to":
            return self._to_dtype(receiver, args, kwargs)
        fn = TENSOR_METHODS.get(name)
        if fn is None:
            close = difflib.get_close_matches(name, list(TENSOR_METHODS), n=3)
            hint = f"; similar allowed methods: {', '.join(close)}" if close else ""
            raise ExpressionError(f"the tensor method `.{name}()` is not allowed{hint}")
        label = f".{name}()"
        all_args = (receiver, *args)
        if name in _SCALAR_METHODS or name in _NO_DRY_RUN:
            return self._result(self._real_call(label, fn, all_args, kwargs))
        if name in _COMPARES:
            return self._compare_call(label, fn, list(all_args), kwargs)
        return self._tensor_op(label, fn, all_args, kwargs, name in DATA_DEPENDENT)

    def _backward(self, tensor: torch.Tensor, args: list, kwargs: dict) -> None:
        if len(args) > 1 or set(kwargs) - {"gradient", "retain_graph"}:
            raise ExpressionError("use .backward(), .backward(gradient) or retain_graph=True")
        gradient = args[0] if args else kwargs.get("gradient")
        # The backward pass costs about twice the forward work recorded so far.
        self.budget.charge(".backward()", 2 * self.budget.flops, 0)
        try:
            tensor.backward(gradient, retain_graph=bool(kwargs.get("retain_graph", False)))
        except Exception as err:
            raise ExpressionError(f".backward(): {clean_error(err)}") from None

    def _to_dtype(self, tensor: torch.Tensor, args: list, kwargs: dict) -> object:
        dtypes = [*args, *kwargs.values()]
        if len(dtypes) != 1 or set(kwargs) - {"dtype"} or not isinstance(dtypes[0], torch.dtype):
            raise ExpressionError(".to() takes one dtype here, e.g. x.to(torch.float64)")
        return self._tensor_op(".to()", torch.Tensor.to, (tensor, dtypes[0]), {})

    def _compare_call(
        self, name: str, fn: Callable[..., object], args: list, kwargs: dict
    ) -> object:
        tensors = tensors_in(args)
        try:
            shape = torch.broadcast_shapes(*(t.shape for t in tensors))
        except RuntimeError as err:
            raise ExpressionError(f"{name}: {clean_error(err)}") from None
        self.budget.check_numel(name, shape)
        numel = shape.numel()
        self.budget.charge(name, 4 * numel, 0)
        return self._result(self._real_call(name, fn, tuple(args), kwargs))

    def _tensor_op(
        self,
        name: str,
        fn: Callable[..., object],
        args: tuple,
        kwargs: dict,
        data_dep: bool = False,
    ) -> object:
        """Dry-run ``fn`` on meta copies (checking every budget), then run it for real."""
        try:
            self.budget.dry_run(name, fn, args, kwargs, data_dependent=data_dep)
        except LimitExceeded:
            raise
        except ExpressionError as err:
            raise ExpressionError(_better_shape_message(name, args, err.message)) from None
        return self._result(self._real_call(name, fn, args, kwargs))

    def _real_call(self, name: str, fn: Callable[..., object], args: tuple, kwargs: dict) -> object:
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # torch raises RuntimeError, TypeError, IndexError, ...
            raise ExpressionError(f"{name}: {clean_error(err)}") from None

    # -- operators -----------------------------------------------------------------------------
    def _binop(
        self, op: ast.operator, left: object, right: object, node: ast.AST, inplace: bool = False
    ) -> object:
        symbol = SYMBOLS[type(op)]
        for value in (left, right):
            if not isinstance(value, (torch.Tensor, int, float)):
                raise ExpressionError(
                    f"`{symbol}` works on numbers and tensors, not {kind(value)}; strings "
                    "and lists can only be passed to functions"
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
                    "`in` works with lists, tuples and strings; for tensors use (x == v).any()"
                )
            if isinstance(left, str) != isinstance(right, str):
                raise ExpressionError("`in` on a string needs a string on the left")
            return fn(left, right)
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            return self._tensor_op(f"`{SYMBOLS[type(op)]}`", fn, (left, right), {})
        return fn(left, right)

    def _truth(self, value: object) -> bool:
        if isinstance(value, torch.Tensor) and value.numel() != 1:
            raise ExpressionError(
                f"the truth value of a tensor of shape {list(value.shape)} is ambiguous; "
                "use .any() or .all()"
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
                raise ExpressionError("lists, tuples and strings take an integer or slice index")
            return container[index]
        raise ExpressionError(f"{kind(container)} cannot be indexed")

    def _setitem(self, container: object, index: object, value: object) -> None:
        if not isinstance(container, torch.Tensor):
            raise ExpressionError(
                f"only tensors can be changed with x[...] = v, not {kind(container)}"
            )
        # Writing into a tensor never grows it; the cost is the tensor, the index and the value.
        flops = container.numel() + sum(t.numel() for t in tensors_in((index, value)))
        self.budget.charge("assignment x[...] = v", flops, 0)
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
        raise ExpressionError(f"a result of type {type(value).__name__} is not supported")

    def _sized(self, value: list | tuple) -> list | tuple:
        """Refuse lists nested too deep or holding too many items (counting shared ones)."""
        items, depth = len(value), 1
        for item in value:
            if isinstance(item, (list, tuple)) and not isinstance(item, torch.Size):
                _, sub_items, sub_depth = self._sizes.get(id(item), (item, len(item), 1))
                items, depth = items + sub_items, max(depth, sub_depth + 1)
        if items > self.limits.max_items or depth > self.limits.max_nesting:
            raise ExpressionError(
                f"lists are limited to {self.limits.max_items:,} items and "
                f"{self.limits.max_nesting} levels of nesting"
            )
        self._sizes[id(value)] = (value, items, depth)  # keeps value alive: ids stay unique
        return value


def is_named_result(value: object) -> bool:
    """Whether ``value`` is one of torch's named result tuples (``torch.return_types.*``)."""
    return isinstance(value, tuple) and type(value).__module__ == "torch.return_types"


def qualname(node: ast.expr) -> str | None:
    """``torch.nn.functional.relu`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def function_for(qualname: str) -> Callable[..., object] | None:
    for prefix, table in (
        ("torch.nn.functional.", F_FUNCTIONS),
        ("F.", F_FUNCTIONS),
        ("torch.", TORCH_FUNCTIONS),
    ):
        if qualname.startswith(prefix):
            return table.get(qualname.removeprefix(prefix))
    return None


def _unknownfunction_for(qualname: str) -> str:
    short = qualname.rsplit(".", 1)[-1]
    table = F_FUNCTIONS if qualname.startswith(("F.", "torch.nn.")) else TORCH_FUNCTIONS
    close = difflib.get_close_matches(short, list(table), n=3)
    hint = f"; similar allowed functions: {', '.join(close)}" if close else ""
    return f"`{qualname}` is not in the list of allowed functions{hint}"


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


def _better_shape_message(name: str, args: tuple, message: str) -> str:
    """Name both shapes when a matmul or a broadcast fails (meta errors are terse)."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if len(tensors) < 2:
        return message
    a, b = tensors[0].shape, tensors[1].shape
    if short_name(name) in _MATMUL:
        if a and b and a[-1] != b[-2 if len(b) > 1 else 0]:
            inner = b[-2 if len(b) > 1 else 0]
            return (
                f"{name}: cannot multiply shapes {list(a)} and {list(b)}: the last size of the "
                f"first ({a[-1]}) must equal the {'second-to-last' if len(b) > 1 else ''} "
                f"size of the second ({inner})".replace("  ", " ")
            )
        return message
    if "broadcast" not in message:
        return message
    try:
        torch.broadcast_shapes(*(t.shape for t in tensors))
    except RuntimeError:
        return f"{name}: shapes {list(a)} and {list(b)} cannot be broadcast together"
    return message


def kind(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {list(value.shape)}"
    return f"a {type(value).__name__}"
