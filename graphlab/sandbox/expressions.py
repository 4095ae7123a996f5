"""Expressions of the language: one handler per allowlisted node type (a mixin of the
interpreter, which supplies the state and the dispatch table)."""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable

import torch

from graphlab.core.messages import Message

from .allowlist import CONSTANTS, RESERVED, TENSOR_METHODS, TENSOR_PROPERTIES
from .calls import TensorCalls, function_for, is_named_result, kind, qualname
from .errors import ExpressionError, msg, position
from .limits import clean_error
from .ops import check_value

__all__ = ["Expressions"]


class Expressions(TensorCalls):
    """Evaluate expressions; ``line`` follows the innermost node being run."""

    lines: list[str]
    line: int | None
    env: dict[str, object]
    _expressions: dict[type, Callable[[ast.AST], object]]

    # -- expressions -------------------------------------------------------------------------
    def eval(self, node: ast.expr) -> object:
        self.budget.step()
        outer, self.line = self.line, node.lineno
        try:
            value = self._expressions[type(node)](node)
        except ExpressionError as err:
            raise self._positioned(err, node) from None
        except RecursionError:
            raise self._error(msg("the program is nested too deeply"), node) from None
        except Exception as err:
            raise self._error(clean_error(err), node) from None
        finally:
            self.line = outer
        return value

    def _eval_Constant(self, node: ast.Constant) -> object:
        return node.value

    def _eval_Name(self, node: ast.Name) -> object:
        return self._load_name(node)

    def _load_name(self, node: ast.Name) -> object:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in RESERVED:
            raise ExpressionError(
                msg(
                    "`{name}` can only be used in calls such as torch.sin(x), F.relu(x), len(x)",
                    name=node.id,
                )
            )
        close = difflib.get_close_matches(node.id, list(self.env), n=1)
        hint = (
            msg("; did you mean `{other}`?", other=close[0]) if close else msg("; assign it first")
        )
        raise ExpressionError(msg("name `{name}` is not defined{hint}", name=node.id, hint=hint))

    def _eval_List(self, node: ast.List) -> object:
        return self._sized([self.eval(e) for e in node.elts])

    def _eval_Tuple(self, node: ast.Tuple) -> object:
        return self._sized(tuple(self.eval(e) for e in node.elts))

    def _eval_Slice(self, node: ast.Slice) -> object:
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if p is None else self.eval(p) for p in parts))

    def _eval_Subscript(self, node: ast.Subscript) -> object:
        return self._getitem(self.eval(node.value), self.eval(node.slice))

    def _eval_IfExp(self, node: ast.IfExp) -> object:
        return self.eval(node.body if self._test(node.test) else node.orelse)

    def _test(self, node: ast.expr) -> bool:
        """The truth of a condition, an error pointing at the condition itself."""
        value = self.eval(node)
        try:
            return self._truth(value)
        except ExpressionError as err:
            raise self._positioned(err, node) from None

    def _eval_BoolOp(self, node: ast.BoolOp) -> object:
        value: object = None
        for operand in node.values:
            value = self.eval(operand)
            if self._truth(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def _eval_UnaryOp(self, node: ast.UnaryOp) -> object:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not self._truth(value)
        fn = operator.neg if isinstance(node.op, ast.USub) else operator.pos
        if isinstance(value, torch.Tensor):
            return self._tensor_op("unary -", fn, (value,), {})
        if isinstance(value, (int, float)):
            return check_value(fn(value), self.limits)
        raise ExpressionError(
            msg("unary minus needs a number or tensor, not {kind}", kind=kind(value))
        )

    def _eval_BinOp(self, node: ast.BinOp) -> object:
        return self._binop(node.op, self.eval(node.left), self.eval(node.right), node)

    def _eval_Compare(self, node: ast.Compare) -> object:
        left = self.eval(node.left)
        result: object = True
        for i, (op, right_node) in enumerate(zip(node.ops, node.comparators, strict=True)):
            right = self.eval(right_node)
            result = self._compare(op, left, right)
            if i + 1 < len(node.ops) and not self._truth(result):
                return result  # a chain `a < b < c` stops at the first false link, as in Python
            left = right
        return result

    def _eval_Attribute(self, node: ast.Attribute) -> object:
        path = qualname(node)
        if path and path.split(".")[0] in RESERVED:
            return self._module_constant(path)
        value = self.eval(node.value)
        if is_named_result(value) and node.attr in ("values", "indices"):
            return value.values if node.attr == "values" else value.indices
        if not isinstance(value, torch.Tensor):
            raise ExpressionError(
                msg(
                    "`.{attr}` is available on tensors only, not {kind}",
                    attr=node.attr,
                    kind=kind(value),
                )
            )
        if node.attr in TENSOR_METHODS or node.attr in ("backward", "to"):
            raise ExpressionError(
                msg("`.{attr}` is a method; call it: `.{attr}(...)`", attr=node.attr)
            )
        if node.attr not in TENSOR_PROPERTIES:
            allowed = ", ".join(sorted(TENSOR_PROPERTIES))
            raise ExpressionError(
                msg(
                    "the tensor attribute `.{attr}` is not allowed; use {allowed}",
                    attr=node.attr,
                    allowed=allowed,
                )
            )
        return getattr(value, node.attr)  # attr is in TENSOR_PROPERTIES

    def _module_constant(self, path: str) -> object:
        name = path.removeprefix("torch.")
        if name in CONSTANTS:
            return CONSTANTS[name]
        if function_for(path) is not None:
            raise ExpressionError(msg("`{path}` is a function; call it: `{path}(...)`", path=path))
        raise ExpressionError(msg("`{path}` is not available in this language", path=path))

    def _eval_Call(self, node: ast.Call) -> object:
        args = [self.eval(a) for a in node.args]
        kwargs = {k.arg: self.eval(k.value) for k in node.keywords}  # no ** (checked)
        func = node.func
        if isinstance(func, ast.Name):
            return self._builtin(func.id, args, kwargs)
        assert isinstance(func, ast.Attribute)  # the checker allows nothing else
        path = qualname(func)
        if path and path.split(".")[0] in RESERVED:
            return self._function_call(path, args, kwargs)
        return self._method_call(self.eval(func.value), func.attr, args, kwargs)

    # -- errors ----------------------------------------------------------------------------------
    def _positioned(self, err: ExpressionError, node: ast.AST) -> ExpressionError:
        return err if err.line else self._error(err.text, node)

    def _error(self, message: str | Message, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, *position(node, self.lines))
