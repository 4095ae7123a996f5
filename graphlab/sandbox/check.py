"""Static checks of a program before anything runs: characters, syntax, allowlisted constructs.

>>> tree = check_program("y = x + 1", Limits())
>>> check_program("import os", Limits())
Traceback (most recent call last):
...
graphlab.sandbox.errors.ExpressionError: line 1, col 1: `import` is not allowed here; ...
"""

from __future__ import annotations

import ast
import io
import tokenize
import unicodedata
import warnings

from graphlab.core.messages import Message

from .allowlist import ALLOWED_NODES, BUILTIN_NAMES, KEYWORDS, RESERVED, SETTABLE_ATTRS
from .errors import ExpressionError, Limits, msg, position

__all__ = ["ALLOWED_SUMMARY", "check_program"]

ALLOWED_SUMMARY = msg(
    "this language allows assignments, arithmetic, comparisons, if/elif/else, "
    "`for i in range(k)`, `with torch.no_grad():` and calls to the torch.* / F.* functions "
    "and tensor methods listed in the help"
)

# How refusals name the construct (the class name otherwise); words are translated, code is not.
_CONSTRUCTS: dict[str, str | Message] = {
    "Import": "`import`",
    "ImportFrom": "`from ... import`",
    "FunctionDef": "`def`",
    "AsyncFunctionDef": "`async def`",
    "Lambda": "`lambda`",
    "ClassDef": "`class`",
    "ListComp": msg("a list comprehension"),
    "SetComp": msg("a set comprehension"),
    "DictComp": msg("a dict comprehension"),
    "GeneratorExp": msg("a generator expression"),
    "While": msg("a `while` loop"),
    "Try": "`try`",
    "TryStar": "`try`",
    "Raise": "`raise`",
    "Assert": "`assert`",
    "Global": "`global`",
    "Nonlocal": "`nonlocal`",
    "Delete": "`del`",
    "NamedExpr": msg("the walrus operator `:=`"),
    "JoinedStr": msg("an f-string"),
    "FormattedValue": msg("an f-string"),
    "Starred": msg("starred `*` unpacking"),
    "Dict": msg("a dict literal"),
    "Set": msg("a set literal"),
    "Return": "`return`",
    "Yield": "`yield`",
    "YieldFrom": "`yield from`",
    "Await": "`await`",
    "Break": "`break`",
    "Continue": "`continue`",
    "AnnAssign": msg("an annotated assignment"),
    "Match": "`match`",
    "BitAnd": msg("the bitwise operator `{op}`", op="&"),
    "BitOr": msg("the bitwise operator `{op}`", op="|"),
    "BitXor": msg("the bitwise operator `{op}`", op="^"),
    "Invert": msg("the bitwise operator `{op}`", op="~"),
    "LShift": msg("the shift operator `{op}`", op="<<"),
    "RShift": msg("the shift operator `{op}`", op=">>"),
    "Del": "`del`",
}

# Characters refused anywhere, even in strings: they hide or reorder what a reader sees.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def check_program(source: object, limits: Limits) -> ast.Module:
    """Return the syntax tree of ``source`` after every static check, or raise ExpressionError."""
    if not isinstance(source, str):
        raise ExpressionError(
            msg("the program must be text, not {type}", type=type(source).__name__)
        )
    if len(source) > limits.max_source_chars:
        raise ExpressionError(
            msg(
                "the program is {length} characters long; the limit is {limit}",
                length=format(len(source), ","),
                limit=format(limits.max_source_chars, ","),
            )
        )
    _check_characters(source)
    tree = _parse(source)
    lines = source.splitlines()
    _check_identifiers_ascii(source)
    _check_tree(tree, lines, limits)
    return tree


def _check_characters(source: str) -> None:
    """Refuse control, zero-width and bidirectional characters, with their position."""
    for line_no, line in enumerate(source.split("\n"), start=1):
        for col, char in enumerate(line, start=1):
            if char in "\t\r" or unicodedata.category(char) not in _INVISIBLE:
                continue
            name = unicodedata.name(char, "control character")
            raise ExpressionError(
                msg(
                    "invisible character U+{code} ({name}) is not allowed; "
                    "delete it and retype the text around it",
                    code=format(ord(char), "04X"),
                    name=name.lower(),
                ),
                line_no,
                col,
            )


def _parse(source: str) -> ast.Module:
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the error says enough
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(source, mode="exec")
    except SyntaxError as err:
        line = err.lineno or 0
        # Python's own description of the error stays English, inside a translated frame.
        problem = msg("syntax error: {error}", error=err.msg)
        raise ExpressionError(problem, line, err.offset or (1 if line else 0)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(msg("the program is nested too deeply to read"), 1, 1) from None


def _check_identifiers_ascii(source: str) -> None:
    """Refuse non-ASCII outside strings and comments: Python folds full-width letters into
    ASCII (``ｔｏｒｃｈ`` reads as ``torch``), so what a reader sees could differ from what runs."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        raise ExpressionError(msg("syntax error: could not read the program"), 1, 1) from None
    for tok in tokens:
        if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.string.isascii():
            continue
        bad = next(ch for ch in tok.string if not ch.isascii())
        col = tok.start[1] + tok.string.index(bad) + 1
        raise ExpressionError(
            msg(
                "names must use plain ASCII letters, digits and _; found {char} (U+{code}); "
                "non-ASCII text is allowed only inside strings and comments",
                char=repr(bad),
                code=format(ord(bad), "04X"),
            ),
            tok.start[0],
            col,
        )


def _check_tree(tree: ast.Module, lines: list[str], limits: Limits) -> None:
    """Walk the tree without recursion; every node must be allowlisted and well formed."""
    range_calls = {id(n.iter) for n in ast.walk(tree) if isinstance(n, ast.For)}
    stack: list[tuple[ast.AST, ast.AST, int]] = [(tree, tree, 0)]
    while stack:
        node, parent, depth = stack.pop()
        where = node if hasattr(node, "lineno") else parent
        if depth > limits.max_nesting:
            deep = msg(
                "the program is nested more than {levels} levels deep", levels=limits.max_nesting
            )
            _refuse_at(where, lines, deep)
        if type(node) not in ALLOWED_NODES:
            construct = _CONSTRUCTS.get(type(node).__name__, f"`{type(node).__name__}`")
            refused = msg(
                "{construct} is not allowed here; {allowed}",
                construct=construct,
                allowed=ALLOWED_SUMMARY,
            )
            _refuse_at(where, lines, refused)
        problem = _node_problem(node, range_calls, limits)
        if problem:
            _refuse_at(where, lines, problem)
        for child in ast.iter_child_nodes(node):
            stack.append((child, where, depth + 1))


def _refuse_at(node: ast.AST, lines: list[str], message: Message) -> None:
    line, col = position(node, lines)
    raise ExpressionError(message, line, col)


def _node_problem(node: ast.AST, range_calls: set[int], limits: Limits) -> Message | None:
    """What is wrong with an allowlisted node in its context, or None."""
    if isinstance(node, ast.Name):
        return _name_problem(node)
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return msg("names starting with `_` are not allowed (`{name}`)", name="." + node.attr)
        if isinstance(node.ctx, ast.Store) and node.attr not in SETTABLE_ATTRS:
            return msg(
                "only `.grad` and `.requires_grad` can be assigned, not `.{name}`",
                name=node.attr,
            )
    if isinstance(node, ast.keyword):
        return _keyword_problem(node)
    if isinstance(node, ast.Call):
        return _call_problem(node, range_calls)
    if isinstance(node, ast.Constant):
        return _constant_problem(node, limits)
    if isinstance(node, ast.For):
        return _for_problem(node)
    if isinstance(node, ast.With):
        return _with_problem(node)
    return None


def _name_problem(node: ast.Name) -> Message | None:
    if node.id.startswith("_"):
        return msg("names starting with `_` are not allowed (`{name}`)", name=node.id)
    if isinstance(node.ctx, ast.Store) and node.id in RESERVED:
        return msg("`{name}` is a reserved name; choose another variable name", name=node.id)
    return None


def _keyword_problem(node: ast.keyword) -> Message | None:
    if node.arg is None:
        return msg("`**` unpacking of keyword arguments is not allowed; name each argument")
    if node.arg.startswith("_"):
        return msg("names starting with `_` are not allowed (`{name}`)", name=str(node.arg) + "=")
    if node.arg not in KEYWORDS:
        return msg("the keyword argument `{name}=` is not allowed", name=node.arg)
    return None


def _call_problem(node: ast.Call, range_calls: set[int]) -> Message | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return None
    if not isinstance(func, ast.Name):
        return msg("only direct calls like `torch.sin(x)`, `F.relu(x)` or `x.sum()` are allowed")
    if func.id == "range" and id(node) not in range_calls:
        return msg("`range(...)` is allowed only in `for i in range(k):`")
    if func.id not in BUILTIN_NAMES:
        allowed = ", ".join(sorted(BUILTIN_NAMES))
        return msg(
            "calling `{name}` is not allowed; the builtins allowed are {allowed}",
            name=func.id,
            allowed=allowed,
        )
    return None


def _constant_problem(node: ast.Constant, limits: Limits) -> Message | None:
    value = node.value
    if isinstance(value, bytes):
        return msg("bytes literals are not allowed")
    if isinstance(value, complex):
        return msg("complex numbers are not supported")
    if isinstance(value, int) and abs(value) > limits.max_int:
        return msg("integers are limited to ±{limit}", limit=format(limits.max_int, ","))
    return None


def _for_problem(node: ast.For) -> Message | None:
    form = msg("loops must have the form `for i in range(k):`")
    if node.orelse:
        return msg("`for ... else` is not allowed; {form}", form=form)
    if not isinstance(node.target, ast.Name):
        return msg("loops must have the form `for i in range(k):` with a single loop variable")
    it = node.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"):
        return form
    if it.keywords or not 1 <= len(it.args) <= 3:
        return msg("`range` takes one to three numbers: range(stop), range(start, stop[, step])")
    return None


def _with_problem(node: ast.With) -> Message | None:
    only = msg("only `with torch.no_grad():` is allowed")
    if len(node.items) != 1 or node.items[0].optional_vars is not None:
        return only
    expr = node.items[0].context_expr
    ok = (
        isinstance(expr, ast.Call)
        and not expr.args
        and not expr.keywords
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "no_grad"
        and isinstance(expr.func.value, ast.Name)
        and expr.func.value.id == "torch"
    )
    return None if ok else only
