"""The tree-walking interpreter of the expression language.

It runs only trees that :func:`graphlab.sandbox.check.check_program` accepted, and maps each
allowed call to a real callable through the tables of :mod:`graphlab.sandbox.allowlist`. Every
tensor operation is dry-run on the ``meta`` device first (see :mod:`graphlab.sandbox.limits`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import torch

from .errors import ExpressionError, Limits, msg
from .expressions import Expressions
from .limits import Budget, clean_error

__all__ = ["Interpreter"]


class Interpreter(Expressions):
    """Run a checked program statement by statement, recording what it assigns.

    Subclasses observe or steer a run through the ``on_*`` hooks, which do nothing here:
    :mod:`graphlab.sandbox.gradcheck` substitutes its inputs in :meth:`on_assign`, the Dynamic
    Graphs tracer (:mod:`graphlab.worker.dynamic`) counts loops and tags each statement's nodes.
    ``line`` is the line of the innermost statement or expression running, for a recorder.
    """

    def __init__(self, source: str, limits: Limits, budget: Budget | None = None) -> None:
        self.lines = source.splitlines()
        self.limits = limits
        # One budget per request: re-runs of a program (gradcheck's) pass the first run's budget.
        self.budget = budget or Budget(limits)
        self.start_flops = self.budget.flops
        self.env: dict[str, object] = {}
        self.assigned: dict[str, int] = {}  # name -> line of its last assignment, in order
        self.output: torch.Tensor | None = None
        self.branches: list[tuple[int, bool]] = []
        self.line: int | None = None
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

    # -- hooks for subclasses ------------------------------------------------------------------
    def on_statement(self, node: ast.stmt) -> None:
        """Called before each statement runs (the statements of a block too)."""

    def on_statement_done(self, node: ast.stmt) -> None:
        """Called after a statement ran without error."""

    def on_loop(self, node: ast.For, iterations: int) -> None:
        """Called when a `for` loop starts, with the number of times it will run."""

    def on_assign(self, name: str, value: object, line: int) -> object:
        """Called before `value` is bound to variable `name`; returns the value to bind."""
        return value

    def on_backward(self, tensor: torch.Tensor, retain_graph: bool) -> bool | None:
        """Called before the program's `.backward()` runs (arguments checked, budget charged);
        returns the `retain_graph` to run it with, or None to skip it."""
        return retain_graph

    # -- statements --------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.exec(stmt)

    def exec(self, node: ast.stmt) -> None:
        self.budget.step()
        self.on_statement(node)
        outer, self.line = self.line, node.lineno
        try:
            self._statements[type(node)](node)
        except ExpressionError as err:
            raise self._positioned(err, node) from None
        except RecursionError:
            raise self._error(msg("the program is nested too deeply"), node) from None
        except Exception as err:  # any other failure is the program's error, shown cleanly
            raise self._error(clean_error(err), node) from None
        finally:
            self.line = outer
        self.on_statement_done(node)

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
            raise ExpressionError(msg("augmented assignment works on names and x[...] only"))

    def _exec_If(self, node: ast.If) -> None:
        taken = self._test(node.test)
        self.branches.append((node.lineno, taken))
        self._exec_block(node.body if taken else node.orelse)

    def _exec_For(self, node: ast.For) -> None:
        args = [self.eval(a) for a in node.iter.args]  # type: ignore[attr-defined]
        if not all(isinstance(a, int) for a in args):
            raise ExpressionError(msg("range() takes integers"))
        steps = range(*args)  # type: ignore[arg-type]
        if len(steps) > self.limits.max_loop:
            raise ExpressionError(
                msg(
                    "this loop runs {count} times; loops are limited to {limit} iterations",
                    count=format(len(steps), ","),
                    limit=self.limits.max_loop,
                )
            )
        self.on_loop(node, len(steps))
        for i in steps:
            self._assign(node.target, i, node.lineno)
            self._exec_block(node.body)

    def _exec_With(self, node: ast.With) -> None:
        with torch.no_grad():  # the checker allowed only `with torch.no_grad():`
            self._exec_block(node.body)

    def _assign(self, target: ast.expr, value: object, line: int) -> None:
        if isinstance(target, ast.Name):
            value = self.on_assign(target.id, value, line)
            self.env[target.id] = value
            self.assigned.pop(target.id, None)
            self.assigned[target.id] = line
            if isinstance(value, torch.Tensor):
                self.output = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            value = _unpacked(value, len(target.elts))
            for elt, item in zip(target.elts, value, strict=True):
                self._assign(elt, item, line)
        elif isinstance(target, ast.Subscript):
            self._setitem(self.eval(target.value), self.eval(target.slice), value)
        elif isinstance(target, ast.Attribute):
            self._set_attribute(target, value)

    def _set_attribute(self, target: ast.Attribute, value: object) -> None:
        tensor = self.eval(target.value)
        if not isinstance(tensor, torch.Tensor):
            raise ExpressionError(msg("`.{attr}` can only be set on a tensor", attr=target.attr))
        if target.attr == "grad" and not (value is None or isinstance(value, torch.Tensor)):
            raise ExpressionError(msg("`.grad` must be set to a tensor or None"))
        if target.attr == "requires_grad" and not isinstance(value, bool):
            raise ExpressionError(msg("`.requires_grad` must be set to True or False"))
        setattr(tensor, target.attr, value)  # attr is in SETTABLE_ATTRS (checked statically)


def _unpacked(value: object, names: int) -> tuple | list:
    """The items of ``value`` for ``a, b = value``, counted before a tensor is unbound (so
    `a, b = torch.ones(10**6)` does not make a million rows to say it has too many)."""
    if isinstance(value, torch.Tensor):
        count = value.shape[0] if value.dim() else 1
        if count == names and value.dim():
            return value.unbind(0)
    elif isinstance(value, (list, tuple)):
        count = len(value)
        if count == names:
            return value
    else:
        count = 1
    raise ExpressionError(
        msg("cannot unpack {count} value(s) into {names} names", count=count, names=names)
    )
