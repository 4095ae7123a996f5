"""The tree-walking interpreter of the expression language.

It runs only trees that :func:`graphlab.sandbox_check.check_program` accepted, and maps each
allowed call to a real callable through the tables of :mod:`graphlab.sandbox_allow`. Every
tensor operation is dry-run on the ``meta`` device first (see :mod:`graphlab.sandbox_limits`).
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable

import torch

from .sandbox_allow import (
    CONSTANTS,
    RESERVED,
    TENSOR_METHODS,
    TENSOR_PROPERTIES,
)
from .sandbox_base import ExpressionError, Limits, position
from .sandbox_calls import TensorCalls, function_for, is_named_result, kind, qualname
from .sandbox_limits import Budget, clean_error
from .sandbox_ops import check_value

__all__ = ["Interpreter"]


class Interpreter(TensorCalls):
    """Run a checked program statement by statement, recording what it assigns."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.lines = source.splitlines()
        self.limits = limits
        self.budget = Budget(limits)
        self.env: dict[str, object] = {}
        self.assigned: dict[str, int] = {}  # name -> line of its last assignment, in order
        self.output: torch.Tensor | None = None
        self.branches: list[tuple[int, bool]] = []
        # A generator of our own: random factories never read or advance the global RNG.
        self.generator = torch.Generator().manual_seed(limits.seed)
        self._sizes: dict[int, tuple[object, int, int]] = {}  # id -> (list, items, depth)
        # Explicit dispatch: one handler per allowlisted node type, nothing looked up by name.
        self._statements: dict[type, Callable[[ast.AST], None]] = {
            ast.Assign: self._exec_Assign,
            ast.AugAssign: self._exec_AugAssign,
            ast.Expr: self._exec_Expr,
            ast.If: self._exec_If,
            ast.For: self._exec_For,
            ast.With: self._exec_With,
            ast.Pass: self._exec_Pass,
        }
        self._expressions: dict[type, Callable[[ast.AST], object]] = {
            ast.Constant: self._eval_Constant,
            ast.Name: self._eval_Name,
            ast.List: self._eval_List,
            ast.Tuple: self._eval_Tuple,
            ast.Slice: self._eval_Slice,
            ast.Subscript: self._eval_Subscript,
            ast.IfExp: self._eval_IfExp,
            ast.BoolOp: self._eval_BoolOp,
            ast.UnaryOp: self._eval_UnaryOp,
            ast.BinOp: self._eval_BinOp,
            ast.Compare: self._eval_Compare,
            ast.Attribute: self._eval_Attribute,
            ast.Call: self._eval_Call,
        }

    @property
    def output_name(self) -> str | None:
        """The variable holding `output` (the last assigned one, if several hold it)."""
        if self.output is None:
            return None
        return next((n for n in reversed(self.assigned) if self.env.get(n) is self.output), None)

    # -- statements --------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.exec(stmt)

    def exec(self, node: ast.stmt) -> None:
        self.budget.step()
        try:
            self._statements[type(node)](node)
        except ExpressionError as err:
            raise self._positioned(err, node) from None
        except RecursionError:
            raise self._error("the program is nested too deeply", node) from None
        except Exception as err:  # any other failure is the program's error, shown cleanly
            raise self._error(clean_error(err), node) from None

    def _exec_block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.exec(stmt)

    def _exec_Pass(self, node: ast.Pass) -> None:
        pass

    def _exec_Expr(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def _exec_Assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self._assign(target, value, node.lineno)

    def _exec_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        right = self.eval(node.value)
        if isinstance(target, ast.Name):
            value = self._binop(node.op, self._load_name(target), right, node, inplace=True)
            self._assign(target, value, node.lineno)
        elif isinstance(target, ast.Subscript):
            container, index = self.eval(target.value), self.eval(target.slice)
            current = self._getitem(container, index)
            self._setitem(container, index, self._binop(node.op, current, right, node, True))
        else:
            raise ExpressionError("augmented assignment works on names and x[...] only")

    def _exec_If(self, node: ast.If) -> None:
        taken = self._test(node.test)
        self.branches.append((node.lineno, taken))
        self._exec_block(node.body if taken else node.orelse)

    def _exec_For(self, node: ast.For) -> None:
        args = [self.eval(a) for a in node.iter.args]  # type: ignore[attr-defined]
        if not all(isinstance(a, int) for a in args):
            raise ExpressionError("range() takes integers")
        steps = range(*args)  # type: ignore[arg-type]
        if len(steps) > self.limits.max_loop:
            raise ExpressionError(
                f"this loop runs {len(steps):,} times; loops are limited to "
                f"{self.limits.max_loop} iterations"
            )
        for i in steps:
            self._assign(node.target, i, node.lineno)
            self._exec_block(node.body)

    def _exec_With(self, node: ast.With) -> None:
        with torch.no_grad():  # the checker allowed only `with torch.no_grad():`
            self._exec_block(node.body)

    def _assign(self, target: ast.expr, value: object, line: int) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            self.assigned.pop(target.id, None)
            self.assigned[target.id] = line
            if isinstance(value, torch.Tensor):
                self.output = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, torch.Tensor):
                value = value.unbind(0) if value.dim() else ()
            if not isinstance(value, (list, tuple)) or len(value) != len(target.elts):
                count = len(value) if isinstance(value, (list, tuple)) else 1
                raise ExpressionError(
                    f"cannot unpack {count} value(s) into {len(target.elts)} names"
                )
            for elt, item in zip(target.elts, value, strict=True):
                self._assign(elt, item, line)
        elif isinstance(target, ast.Subscript):
            self._setitem(self.eval(target.value), self.eval(target.slice), value)
        elif isinstance(target, ast.Attribute):
            self._set_attribute(target, value)

    def _set_attribute(self, target: ast.Attribute, value: object) -> None:
        tensor = self.eval(target.value)
        if not isinstance(tensor, torch.Tensor):
            raise ExpressionError(f"`.{target.attr}` can only be set on a tensor")
        if target.attr == "grad" and not (value is None or isinstance(value, torch.Tensor)):
            raise ExpressionError("`.grad` must be set to a tensor or None")
        if target.attr == "requires_grad" and not isinstance(value, bool):
            raise ExpressionError("`.requires_grad` must be set to True or False")
        setattr(tensor, target.attr, value)  # attr is in SETTABLE_ATTRS (checked statically)

    # -- expressions -------------------------------------------------------------------------
    def eval(self, node: ast.expr) -> object:
        self.budget.step()
        try:
            value = self._expressions[type(node)](node)
        except ExpressionError as err:
            raise self._positioned(err, node) from None
        except RecursionError:
            raise self._error("the program is nested too deeply", node) from None
        except Exception as err:
            raise self._error(clean_error(err), node) from None
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
                f"`{node.id}` can only be used in calls such as torch.sin(x), F.relu(x), len(x)"
            )
        close = difflib.get_close_matches(node.id, list(self.env), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else "; assign it first"
        raise ExpressionError(f"name `{node.id}` is not defined{hint}")

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
        raise ExpressionError(f"unary minus needs a number or tensor, not {kind(value)}")

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
            raise ExpressionError(f"`.{node.attr}` is available on tensors only, not {kind(value)}")
        if node.attr in TENSOR_METHODS or node.attr in ("backward", "to"):
            raise ExpressionError(f"`.{node.attr}` is a method; call it: `.{node.attr}(...)`")
        if node.attr not in TENSOR_PROPERTIES:
            allowed = ", ".join(sorted(TENSOR_PROPERTIES))
            raise ExpressionError(
                f"the tensor attribute `.{node.attr}` is not allowed; use {allowed}"
            )
        return getattr(value, node.attr)  # attr is in TENSOR_PROPERTIES

    def _module_constant(self, path: str) -> object:
        name = path.removeprefix("torch.")
        if name in CONSTANTS:
            return CONSTANTS[name]
        if function_for(path) is not None:
            raise ExpressionError(f"`{path}` is a function; call it: `{path}(...)`")
        raise ExpressionError(f"`{path}` is not available in this language")

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
        return err if err.line else self._error(err.message, node)

    def _error(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, *position(node, self.lines))
