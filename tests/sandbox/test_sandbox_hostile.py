"""Hostile programs: each is refused with ExpressionError, quickly, leaving the process intact."""

from __future__ import annotations

import _ast
import ast
import sys
import time

import pytest
import torch

from graphlab.sandbox import ExpressionError, Limits, evaluate
from graphlab.sandbox.allowlist import ALLOWED_NODES
from graphlab.sandbox.check import _check_tree, check_program

torch.set_num_threads(1)

CODE_EXECUTION = [
    "import os",
    "from os import system",
    "__import__('os').system('ls')",
    "x = torch.ones(2)\ny = x.__class__.__bases__",
    "eval('1 + 1')",
    "exec('x = 1')",
    "open('/etc/passwd')",
    "getattr(torch, 'load')",
    "x = torch.load('/etc/passwd')",
    "torch.save(torch.ones(1), '/tmp/x')",
    "f = lambda: 0",
    "def f():\n    pass",
    "class A:\n    pass",
    "x = [i for i in range(3)]",
    "while True:\n    pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "global x",
    "x = 1\ndel x",
    "y = (x := 1)",
    "x = f'{torch}'",
    "x = '%s' % 'a'",
    "x = '{}'.format(1)",
    "x = torch.ones(*[2, 3])",
    "x = torch.ones(**{'size': 2})",
    "torch = 1",
    "F = None",
    "x = torch.ones(2)\nf = x.sum\ny = f()",
    "x = torch.ones(2)\ny = x.numpy()",
    "torch.manual_seed(1)",
    "torch.set_num_threads(64)",
    "torch.set_default_dtype(torch.float64)",
    "x = torch.ones(2)\nx.register_hook(print)",
    "x = torch.ones(2)\ny = torch.ones(2, out=x)",
    "x = torch.ones(2, device='cuda')",
    "x = torch.nn.Linear(2, 2)",
    "x = torch.ops.aten.add(1, 2)",
    "x = torch._C",
    "x = 'a'.join(['b'])",
    "x = print",
    "x = torch.ones(2)\ny = x.sum.__self__",
    "x = torch.ones(2)\ny = x.grad_fn.next_functions",
    "x = torch.ones(2)\nx.data_ptr = 1",
    "x = torch.ones(2)\ny = x.storage()",
    "x = torch.tensor\ny = x(1)",
    "x = torch.ones(2)[0].__reduce__()",
    "for x in [1, 2]:\n    pass",
    "with open('f') as f:\n    pass",
    "x = torch.ones(2)\ny = F.dropout(x)",
    "x = torch.randn(2, generator=None)",
    "x = torch.ones(2).backward(create_graph=True)",
]

MEMORY = [
    "x = torch.zeros(10**8)",
    "x = torch.ones(10**5, 10**5)",
    "x = torch.empty(2**40)",
    "x = torch.arange(10**9)",
    "x = torch.ones(1000)\ny = torch.outer(x, x)\nz = torch.outer(y.flatten(), x)",
    "x = torch.ones(2000, 1)\ny = x * x.T",
    "x = torch.ones(1).expand(10**4, 10**4).contiguous()",
    "x = torch.ones(1000).repeat(10**4)",
    "x = torch.kron(torch.ones(1000, 1000), torch.ones(10, 10))",
    "x = torch.cartesian_prod(torch.ones(200), torch.ones(200), torch.ones(200))",
    "x = torch.ones(1000, 1000)\ny = torch.cat([x, x, x, x, x])",
    "x = 'a' * 10**9",
    "x = [0] * 10**9",
    "x = 10 ** 10 ** 10",
    "x = 2 ** 64",
    "a = [1]\nfor i in range(64):\n    a = [a, a, a, a]",
    "x = torch.ones(100, 100)\nfor i in range(64):\n    x = torch.cat([x, x])",
    "x = torch.full((10**4, 10**4), 1.0)",
    "x = torch.eye(10**5)",
    "x = torch.linspace(0, 1, 10**9)",
    "x = torch.randn(10**7)",
    "x = F.pad(torch.ones(2), (10**6, 10**6))",
    "x = torch.ones(1000, 1000)\nfor i in range(64):\n    y = x + i",
    "x = torch.ones(2)\nx[0] = 10**20",
    "x = torch.ones(10, dtype=torch.int64)\ny = (x * 2**52).sum().item() * 4",
]

CPU_TIME = [
    "x = torch.ones(1000, 1000)\ny = x @ x",
    "x = torch.ones(600, 600)\nfor i in range(64):\n    y = x @ x",
    "for i in range(10**9):\n    pass",
    "for i in range(64):\n    for j in range(64):\n        for k in range(64):\n            pass",
    "x = torch.ones(1000, 1000)\nfor i in range(64):\n    for j in range(64):\n        x.mul_(1.0)",
    "x = F.conv2d(torch.ones(1, 64, 100, 100), torch.ones(64, 64, 9, 9))",
    "x = F.avg_pool2d(torch.ones(1, 16, 250, 250), 125, stride=1, padding=62)",
    "x = 1\nfor i in range(64):\n    x = x * 2",
    "x = 2.0\nfor i in range(64):\n    x = x ** 2",
    "x = " + "-" * 500 + "1",
    "x = 1" + " + 1" * 490,
    "x = 1\n" * 500,
    "x = " + "[" * 100 + "1" + "]" * 100,
    "x = torch.ones(300, 300, requires_grad=True)\nfor i in range(64):\n    y = (x @ x).sum()\n"
    "    y.backward()",
    "x = torch.ones(1000, 1000)\nfor i in range(64):\n    y = torch.sort(x.flatten()).values",
]

UNICODE = [
    "ｘ = torch.ones(2)",
    "x = torch.ｏｎｅｓ(2)",
    "x = torch.ones(2)\u200b",
    "x\u200d = 1",
    "x = 1  # \u202e comment",
    "x = torch.ones(2)\x00",
    "x = '\u202e'",
    "x = 1\x0c",
    "x = t\u043erch.ones(2)",  # Cyrillic o
    "x = 1;\u00a0y = x",
    "\u210c = 1",  # script H, which NFKC folds to H
    "x = torch.ones(2)\ny = x.\ufeffsum()",
    "x = 1\u2028y = 2",
]

MARKUP = [
    "<script>alert(1)</script>",
    "x = F.mse_loss(torch.ones(2), torch.ones(2), reduction='<img src=x onerror=alert(1)>')",
    "x<b> = 1",
    "x = torch.ones(2, names=['<b>'])",
    "x = torch.tensor([1.])\nx.label = '<script>'",
    "x = torch.ones(2)\ny = getattr(x, '<b>')",
    "x = torch.ones(2)\n<!-- y = x -->",
    "x = torch.ones(2)\ny = x['<b>']",
]

HOSTILE = [
    *[pytest.param(s, id=f"code-{i}") for i, s in enumerate(CODE_EXECUTION)],
    *[pytest.param(s, id=f"memory-{i}") for i, s in enumerate(MEMORY)],
    *[pytest.param(s, id=f"cpu-{i}") for i, s in enumerate(CPU_TIME)],
    *[pytest.param(s, id=f"unicode-{i}") for i, s in enumerate(UNICODE)],
    *[pytest.param(s, id=f"markup-{i}") for i, s in enumerate(MARKUP)],
]


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    # The first dry run loads torch's meta kernels (about a second, once per process).
    evaluate("x = torch.ones(2, 2)\ny = (x @ x).sum()\nz = x[x > 0]")


def _global_state() -> tuple[object, ...]:
    return (
        torch.get_num_threads(),
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.random.get_rng_state().clone(),
        sys.getrecursionlimit(),
    )


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_refused_quickly(source: str) -> None:
    before = _global_state()
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        evaluate(source)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    err = info.value
    assert err.message and "Traceback" not in err.message and "\n" not in err.message
    assert isinstance(err.line, int) and isinstance(err.col, int)
    after = _global_state()
    assert before[:3] == after[:3] and torch.equal(before[3], after[3]) and before[4] == after[4]


def test_the_process_still_works_after_forty_or_more_hostile_inputs() -> None:
    assert len(HOSTILE) >= 40
    for param in HOSTILE:
        with pytest.raises(ExpressionError):
            evaluate(param.values[0])
    assert evaluate("y = torch.ones(2).sum()").output.item() == 2.0


# -- every node type outside the allowlist is refused ------------------------------------------

SNIPPETS: dict[str, str] = {
    "FunctionDef": "def f():\n    pass",
    "AsyncFunctionDef": "async def f():\n    pass",
    "ClassDef": "class A:\n    pass",
    "Return": "return 1",
    "Delete": "del x",
    "Del": "del x",
    "AnnAssign": "x: int = 1",
    "AsyncFor": "async def f():\n    async for x in y:\n        pass",
    "While": "while x:\n    pass",
    "AsyncWith": "async def f():\n    async with a:\n        pass",
    "Match": "match x:\n    case 1:\n        pass",
    "match_case": "match x:\n    case 1:\n        pass",
    "MatchValue": "match x:\n    case 1:\n        pass",
    "MatchSingleton": "match x:\n    case None:\n        pass",
    "MatchSequence": "match x:\n    case [a]:\n        pass",
    "MatchMapping": "match x:\n    case {'a': b}:\n        pass",
    "MatchClass": "match x:\n    case A(b):\n        pass",
    "MatchStar": "match x:\n    case [*a]:\n        pass",
    "MatchAs": "match x:\n    case a:\n        pass",
    "MatchOr": "match x:\n    case 1 | 2:\n        pass",
    "Raise": "raise x",
    "Try": "try:\n    pass\nexcept E:\n    pass",
    "TryStar": "try:\n    pass\nexcept* E:\n    pass",
    "ExceptHandler": "try:\n    pass\nexcept E:\n    pass",
    "Assert": "assert x",
    "Import": "import os",
    "ImportFrom": "from os import path",
    "alias": "import os",
    "Global": "global x",
    "Nonlocal": "nonlocal x",
    "Break": "for i in range(2):\n    break",
    "Continue": "for i in range(2):\n    continue",
    "NamedExpr": "y = (x := 1)",
    "Lambda": "f = lambda: 1",
    "arguments": "f = lambda a: a",
    "arg": "f = lambda a: a",
    "Dict": "x = {}",
    "Set": "x = {1}",
    "ListComp": "x = [i for i in y]",
    "SetComp": "x = {i for i in y}",
    "DictComp": "x = {i: i for i in y}",
    "GeneratorExp": "x = sum(i for i in y)",
    "comprehension": "x = [i for i in y]",
    "Await": "async def f():\n    await x",
    "Yield": "def f():\n    yield 1",
    "YieldFrom": "def f():\n    yield from x",
    "FormattedValue": "x = f'{y}'",
    "JoinedStr": "x = f'{y}'",
    "Starred": "x = f(*y)",
    "BitOr": "x = 1 | 2",
    "BitXor": "x = 1 ^ 2",
    "BitAnd": "x = 1 & 2",
    "LShift": "x = 1 << 2",
    "RShift": "x = 1 >> 2",
    "Invert": "x = ~1",
    "TypeAlias": "type X = int",
    "TypeVar": "def f[T]():\n    pass",
    "ParamSpec": "def f[**P]():\n    pass",
    "TypeVarTuple": "def f[*Ts]():\n    pass",
}
# Node types `ast.parse(source)` never produces from a program (other parse modes, comments).
NOT_FROM_SOURCE = {"Expression", "Interactive", "FunctionType", "TypeIgnore"}


def _concrete_node_types() -> set[type[ast.AST]]:
    """Every node class of this Python's grammar (the `_ast` module; not the deprecated aliases
    `ast.Num`, `ast.Index`... that `ast.py` defines), leaves of the class tree only."""
    classes = {c for c in vars(_ast).values() if isinstance(c, type) and issubclass(c, ast.AST)}
    return {c for c in classes if not any(issubclass(o, c) and o is not c for o in classes)}


DISALLOWED = sorted(
    (c for c in _concrete_node_types() if c not in ALLOWED_NODES), key=lambda c: c.__name__
)


def test_every_disallowed_node_type_has_a_snippet() -> None:
    names = {c.__name__ for c in DISALLOWED}
    missing = names - NOT_FROM_SOURCE - set(SNIPPETS)
    assert not missing, f"add a snippet for each new node type: {sorted(missing)}"


@pytest.mark.parametrize("node_type", DISALLOWED, ids=lambda c: c.__name__)
def test_every_disallowed_node_type_is_refused(node_type: type[ast.AST]) -> None:
    name = node_type.__name__
    if name in NOT_FROM_SOURCE:
        # Build the node directly: the checker must refuse it wherever it appears.
        tree = ast.Module(body=[ast.Expr(value=node_type())], type_ignores=[])  # type: ignore[arg-type]
        with pytest.raises(ExpressionError):
            _check_tree(tree, [], Limits())
        return
    source = SNIPPETS[name]
    tree = ast.parse(source)
    assert any(isinstance(n, node_type) for n in ast.walk(tree)), "snippet lacks the node"
    with pytest.raises(ExpressionError):
        check_program(source, Limits())
    with pytest.raises(ExpressionError):
        evaluate(source)


def test_allowed_nodes_are_all_real_node_types() -> None:
    assert ALLOWED_NODES.issubset(_concrete_node_types() | {ast.Module})
