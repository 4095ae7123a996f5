"""The interpreter's hooks and its `line`: what a subclass sees, and how what it returns steers
the run (the numbers checked against the same program in plain PyTorch)."""

from __future__ import annotations

import ast

import pytest
import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from graphlab.sandbox import ExpressionError, Interpreter, Limits, check_gradients, evaluate

torch.set_num_threads(1)

LOOPS = """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
for i in range(3):
    for j in range(i):
        y = y + x * j
    for k in range(0):
        y = y * 10
if y.sum() > 0:
    y = y * 3
z = (y * y).sum()
"""


def _plain(source: str) -> dict[str, object]:
    """The oracle: the same program run by Python itself (this test's own literal)."""
    scope: dict[str, object] = {"torch": torch, "F": F}
    exec(source, scope)
    return scope


class Counting(Interpreter):
    def __init__(self, source: str, limits: Limits) -> None:
        super().__init__(source, limits)
        self.started: list[int] = []
        self.done: list[int] = []
        self.loops: list[tuple[int, int]] = []

    def on_statement(self, node: ast.stmt) -> None:
        self.started.append(node.lineno)

    def on_statement_done(self, node: ast.stmt) -> None:
        self.done.append(node.lineno)

    def on_loop(self, node: ast.For, iterations: int) -> None:
        self.loops.append((node.lineno, iterations))


def _made(cls: type[Interpreter]) -> tuple[list[Interpreter], object]:
    """A list that will hold the interpreter `evaluate` makes, and the factory that makes it."""
    made: list[Interpreter] = []

    def start(source: str, limits: Limits) -> Interpreter:
        made.append(cls(source, limits))
        return made[-1]

    return made, start


def test_statement_and_loop_hooks_see_every_statement_and_every_loop_run() -> None:
    made, start = _made(Counting)
    ev = evaluate(LOOPS, interpreter=start)
    (run,) = made
    assert isinstance(run, Counting)
    # Inner loops run once per outer iteration, the zero-iteration ones included.
    assert run.loops == [(3, 3), (4, 0), (6, 0), (4, 1), (6, 0), (4, 2), (6, 0)]
    assert run.started == [1, 2, 3, 4, 6, 4, 5, 6, 4, 5, 5, 6, 8, 9, 10]
    # Done in the order statements finish: a loop or an `if` after its body.
    assert run.done == [1, 2, 4, 6, 5, 4, 6, 5, 5, 4, 6, 3, 9, 8, 10]
    assert ev.branches == [(8, True)]
    torch.testing.assert_close(ev.tensors["z"], _plain(LOOPS)["z"])


def test_a_failing_statement_is_started_but_never_done_and_line_is_reset() -> None:
    made, start = _made(Counting)
    source = "x = torch.ones(2)\nfor i in range(2):\n    y = x + torch.ones(3)\nz = x"
    with pytest.raises(ExpressionError) as err:
        evaluate(source, interpreter=start)
    assert err.value.line == 3 and "cannot be broadcast" in err.value.message
    (run,) = made
    assert run.started == [1, 2, 3] and run.done == [1] and run.loops == [(2, 2)]
    assert run.line is None


def test_a_loop_over_the_limit_is_refused_before_on_loop_or_its_body() -> None:
    made, start = _made(Counting)
    with pytest.raises(ExpressionError, match="limited to 4 iterations"):
        evaluate("y = 0\nfor i in range(5):\n    y = y + i", limits=Limits(max_loop=4),
                 interpreter=start)  # fmt: skip
    assert made[0].loops == [] and made[0].started == [1, 2]


class Substituting(Interpreter):
    """Binds another tensor to `x`, as gradcheck binds its inputs, and notes every binding."""

    def __init__(self, source: str, limits: Limits) -> None:
        super().__init__(source, limits)
        self.seen: list[tuple[str, int, int | None]] = []
        self.x = torch.tensor([3.0, -1.0], requires_grad=True)

    def on_assign(self, name: str, value: object, line: int) -> object:
        self.seen.append((name, line, self.line))
        return self.x if name == "x" else value


SUBSTITUTED = """x = torch.tensor([1.0, 2.0], requires_grad=True)
a, b = x
for i in range(2):
    b = b + i * a
y = (x * x).sum() + b
y.backward()
g = x.grad
"""


def test_on_assign_substitutes_the_value_bound_and_sees_every_name() -> None:
    made, start = _made(Substituting)
    ev = evaluate(SUBSTITUTED, interpreter=start)
    (run,) = made
    assert ev.tensors["x"] is run.x
    oracle = _plain(SUBSTITUTED.replace("[1.0, 2.0]", "[3.0, -1.0]"))
    for name in ("a", "b", "y", "g"):
        torch.testing.assert_close(ev.tensors[name], oracle[name])
    assert [name for name, _, _ in run.seen] == ["x", "a", "b", "i", "b", "i", "b", "y", "g"]
    # The line passed is the statement's; `line` is the statement running (the `for` binds i).
    assert all(line == running for _, line, running in run.seen)
    assert [line for _, line, _ in run.seen] == [1, 2, 2, 3, 4, 3, 4, 5, 7]


class Skipping(Interpreter):
    def __init__(self, source: str, limits: Limits) -> None:
        super().__init__(source, limits)
        self.asked: list[tuple[float, bool]] = []

    def on_backward(self, tensor: torch.Tensor, retain_graph: bool) -> bool | None:
        self.asked.append((tensor.item(), retain_graph))
        return None


class Retaining(Interpreter):
    def on_backward(self, tensor: torch.Tensor, retain_graph: bool) -> bool | None:
        return True


TWICE = """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
y.backward()
"""


def test_on_backward_returning_none_skips_the_backward_pass() -> None:
    made, start = _made(Skipping)
    ev = evaluate(TWICE, interpreter=start)
    assert made[0].asked == [(5.0, True), (5.0, False)]
    assert ev.tensors["x"].grad is None
    plain = evaluate(TWICE)  # the base interpreter runs both
    torch.testing.assert_close(plain.tensors["x"].grad, torch.tensor([4.0, 8.0]))


def test_on_backward_decides_retain_graph() -> None:
    source = TWICE.replace("retain_graph=True", "")
    with pytest.raises(ExpressionError, match="second time"):
        evaluate(source)
    _, start = _made(Retaining)
    x = evaluate(source, interpreter=start).tensors["x"]
    oracle = _plain(TWICE)["x"]
    torch.testing.assert_close(x.grad, oracle.grad)  # type: ignore[union-attr]


def test_backward_is_charged_to_the_budget_before_the_hook_is_asked() -> None:
    made, start = _made(Skipping)
    forward = evaluate(TWICE.rsplit("y.backward", 2)[0]).flops
    skipped = evaluate(TWICE, interpreter=start)
    assert skipped.flops == 3 * 3 * forward  # each backward costs twice the work so far
    made.clear()
    with pytest.raises(ExpressionError, match="compute"):
        evaluate(TWICE, limits=Limits(max_flops=2 * forward), interpreter=start)
    assert made[0].asked == []  # refused before the hook could skip it


def test_gradcheck_keeps_the_programs_graph_and_skips_a_backward_with_none() -> None:
    # gradcheck differentiates the output itself, so its re-runs keep the graph (retain) ...
    twice = TWICE.replace("retain_graph=True", "")
    assert check_gradients(twice)["passed"] is True
    # ... and skip a backward that has no graph to go back through.
    free = "x = torch.tensor([1.0, 2.0], requires_grad=True)\nc = torch.ones(2).sum()\n"
    free += "c.backward()\ny = (x * x).sum()"
    with pytest.raises(ExpressionError, match="does not require grad"):
        evaluate(free)
    assert check_gradients(free)["passed"] is True


class Lines(TorchFunctionMode):
    """Notes the interpreter's `line` at each real (not dry-run) tensor operation."""

    def __init__(self, made: list[Interpreter]) -> None:
        super().__init__()
        self.made = made
        self.seen: list[tuple[str, int | None]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and not out.is_meta:
            self.seen.append((func.__name__, self.made[-1].line if self.made else None))
        return out


def test_line_is_the_innermost_statement_or_expression_running() -> None:
    source = """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x *
     2 +
     x.sin()
     ).sum()
for i in range(2):
    z = (y
         + torch.tanh(
             y))
"""
    made, start = _made(Interpreter)
    with Lines(made) as lines:
        evaluate(source, interpreter=start)
    assert lines.seen == [
        ("tensor", 1),
        ("mul", 2),   # `x * 2` starts on line 2
        ("sin", 4),   # `x.sin()` is on line 4 of the same statement
        ("add", 2),
        ("sum", 2),
        *[("tanh", 8), ("add", 7)] * 2,
    ]  # fmt: skip
    assert made[0].line is None  # nothing runs after the program
