"""Calls, operators and values of the expression language (a mixin of the interpreter).

Each allowed call is mapped to a real callable through the tables of
:mod:`graphlab.sandbox.allowlist`; each tensor operation is dry-run on the ``meta`` device first
(:mod:`graphlab.sandbox.limits`), so it is refused before it allocates or computes anything.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable

import torch

from graphlab.core.messages import Message

from .allowlist import (
    F_FUNCTIONS,
    FACTORIES,
    RANDOM,
    TENSOR_METHODS,
    TORCH_FUNCTIONS,
)
from .errors import ExpressionError, Limits, msg
from .limits import Budget, LimitExceeded, clean_error, short_name, tensors_in
from .ops import builtin_call
from .values import Values, is_named_result, kind

__all__ = ["TensorCalls", "function_for", "is_named_result", "kind", "qualname"]

_SCALAR_METHODS = frozenset({"item", "size", "dim", "numel", "is_contiguous"})
# Methods that allocate nothing and need the real tensor's autograd state, which a dry run on a
# detached meta copy does not have (retain_grad refuses a copy without requires_grad).
_NO_DRY_RUN = frozenset({"retain_grad"})
_COMPARES = frozenset({"equal", "allclose"})  # no meta kernel; they return a bool
_MATMUL = frozenset({"matmul", "mm", "bmm", "mv", "dot", "@", "@="})


class TensorCalls(Values):
    """Calls, operators, indexing and result checks; the interpreter supplies the state."""

    limits: Limits
    budget: Budget
    start_flops: int  # the budget's FLOPs when this run started
    generator: torch.Generator
    _sizes: dict[int, tuple[object, int, int]]
    on_backward: Callable[[torch.Tensor, bool], bool | None]  # the interpreter's hook

    # -- calls ---------------------------------------------------------------------------------
    def _builtin(self, name: str, args: list[object], kwargs: dict[str, object]) -> object:
        if kwargs:
            raise ExpressionError(msg("{name}() takes no keyword arguments", name=name))
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
        return self._tensor_op(qualname, fn, tuple(args), kwargs)

    def _factory(self, name: str, fn: Callable[..., object], args: list, kwargs: dict) -> object:
        # The dry run on `meta` computes the element count from the arguments, allocating nothing.
        self.budget.dry_run(name, fn, tuple(args), {**kwargs, "device": "meta"})
        if name.rsplit(".", 1)[-1] in RANDOM:
            kwargs = {**kwargs, "generator": self.generator}
        return self._real_call(name, fn, tuple(args), kwargs)

    def _method_call(self, receiver: object, name: str, args: list, kwargs: dict) -> object:
        if not isinstance(receiver, torch.Tensor):
            raise ExpressionError(
                msg(
                    "`.{name}()` can only be called on tensors, not {kind}",
                    name=name,
                    kind=kind(receiver),
                )
            )
        if name == "backward":
            return self._backward(receiver, args, kwargs)
        if name == "to":
            return self._to_dtype(receiver, args, kwargs)
        fn = TENSOR_METHODS.get(name)
        if fn is None:
            close = difflib.get_close_matches(name, list(TENSOR_METHODS), n=3)
            hint = (
                msg("; similar allowed methods: {names}", names=", ".join(close)) if close else ""
            )
            raise ExpressionError(
                msg("the tensor method `.{name}()` is not allowed{hint}", name=name, hint=hint)
            )
        label = f".{name}()"
        all_args = (receiver, *args)
        if name in _SCALAR_METHODS or name in _NO_DRY_RUN:
            return self._result(self._real_call(label, fn, all_args, kwargs))
        if name in _COMPARES:
            return self._compare_call(label, fn, list(all_args), kwargs)
        return self._tensor_op(label, fn, all_args, kwargs)

    def _backward(self, tensor: torch.Tensor, args: list, kwargs: dict) -> None:
        if len(args) > 1 or set(kwargs) - {"gradient", "retain_graph"}:
            raise ExpressionError(msg("use .backward(), .backward(gradient) or retain_graph=True"))
        gradient = args[0] if args else kwargs.get("gradient")
        # The backward pass costs about twice the work this run recorded so far (the budget may
        # be shared with earlier runs of the program: gradcheck's, which are not this graph).
        self.budget.charge(".backward()", 2 * (self.budget.flops - self.start_flops), 0)
        retain = self.on_backward(tensor, bool(kwargs.get("retain_graph", False)))
        if retain is None:
            return None
        try:
            tensor.backward(gradient, retain_graph=retain)
        except Exception as err:
            raise ExpressionError(f".backward(): {clean_error(err)}") from None  # PyTorch's words

    def _to_dtype(self, tensor: torch.Tensor, args: list, kwargs: dict) -> object:
        dtypes = [*args, *kwargs.values()]
        if len(dtypes) != 1 or set(kwargs) - {"dtype"} or not isinstance(dtypes[0], torch.dtype):
            raise ExpressionError(msg(".to() takes one dtype here, e.g. x.to(torch.float64)"))
        return self._tensor_op(".to()", torch.Tensor.to, (tensor, dtypes[0]), {})

    def _compare_call(
        self, name: str, fn: Callable[..., object], args: list, kwargs: dict
    ) -> object:
        tensors = tensors_in(args)
        try:
            shape = torch.broadcast_shapes(*(t.shape for t in tensors))
        except RuntimeError as err:
            raise ExpressionError(f"{name}: {clean_error(err)}") from None  # PyTorch's words
        self.budget.check_numel(name, shape)
        numel = shape.numel()
        self.budget.charge(name, 4 * numel, 0)
        return self._result(self._real_call(name, fn, tuple(args), kwargs))

    def _tensor_op(self, name: str, fn: Callable[..., object], args: tuple, kwargs: dict) -> object:
        """Dry-run ``fn`` on meta copies (checking every budget), then run it for real."""
        try:
            self.budget.dry_run(name, fn, args, kwargs)
        except LimitExceeded:
            raise
        except ExpressionError as err:
            raise ExpressionError(_better_shape_message(name, args, err.text)) from None
        return self._result(self._real_call(name, fn, args, kwargs))

    def _real_call(self, name: str, fn: Callable[..., object], args: tuple, kwargs: dict) -> object:
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # torch raises RuntimeError, TypeError, IndexError, ...
            raise ExpressionError(f"{name}: {clean_error(err)}") from None  # PyTorch's words


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


def _unknownfunction_for(qualname: str) -> Message:
    short = qualname.rsplit(".", 1)[-1]
    table = F_FUNCTIONS if qualname.startswith(("F.", "torch.nn.")) else TORCH_FUNCTIONS
    close = difflib.get_close_matches(short, list(table), n=3)
    hint = msg("; similar allowed functions: {names}", names=", ".join(close)) if close else ""
    return msg("`{name}` is not in the list of allowed functions{hint}", name=qualname, hint=hint)


def _better_shape_message(name: str, args: tuple, message: Message) -> Message:
    """Name both shapes when a matmul or a broadcast fails (meta errors are terse)."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if len(tensors) < 2:
        return message
    a, b = tensors[0].shape, tensors[1].shape
    shapes = {"name": name, "a": str(list(a)), "b": str(list(b))}
    if short_name(name) in _MATMUL:
        if a and b and a[-1] != b[-2 if len(b) > 1 else 0]:
            sizes = {**shapes, "last": a[-1], "inner": b[-2 if len(b) > 1 else 0]}
            if len(b) > 1:
                return msg(
                    "{name}: cannot multiply shapes {a} and {b}: the last size of the first "
                    "({last}) must equal the second-to-last size of the second ({inner})",
                    **sizes,
                )
            return msg(
                "{name}: cannot multiply shapes {a} and {b}: the last size of the first "
                "({last}) must equal the size of the second ({inner})",
                **sizes,
            )
        return message
    if "broadcast" not in str(message):
        return message
    try:
        torch.broadcast_shapes(*(t.shape for t in tensors))
    except RuntimeError:
        return msg("{name}: shapes {a} and {b} cannot be broadcast together", **shapes)
    return message
