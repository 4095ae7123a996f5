"""Check a visitor's program's gradients against finite differences (``torch.autograd.gradcheck``).

Runs in the worker process, like every evaluation of visitors' code. The program becomes a
function of its leaf tensors: each name ever bound to a floating-point leaf that requires grad
is an input. The program is re-run in float64 with those leaves replaced by gradcheck's inputs,
and gradcheck compares autograd's Jacobian of the last assigned tensor with central differences.
The result's ``message`` is English; its ``text`` is the same sentence for the app to translate
(:mod:`graphlab.core.messages`), or gradcheck's own report as it is.

>>> result = check_gradients("x = torch.tensor([1., 2.], requires_grad=True)\\ny = (x * x).sum()")
>>> result["passed"], result["inputs"], result["output"], result["mode"]
(True, ['x'], 'y', 'full')
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError

from graphlab.core.messages import Message, msg

from .check import check_program
from .evaluation import ExpressionError, Limits
from .interpreter import Interpreter
from .limits import Budget

__all__ = ["check_gradients"]

FULL_CHECK_ELEMENTS = 32  # above this many input or output elements, use gradcheck's fast mode
MAX_MESSAGE = 1_500


class _LeafInterpreter(Interpreter):
    """Records the leaves a program binds to names, or substitutes given tensors for them."""

    def __init__(self, source: str, budget: Budget, inputs: dict[str, torch.Tensor] | None) -> None:
        super().__init__(source, budget.limits, budget)
        self.inputs = inputs
        self.leaves: dict[str, torch.Tensor] = {}

    def on_assign(self, name: str, value: object, line: int) -> object:
        if not _is_input(value):
            return value
        if self.inputs is None:
            # `y = x` only gives x a second name; it is not a second input.
            if not any(value is leaf for leaf in self.leaves.values()):
                self.leaves[name] = value  # type: ignore[assignment]
            return value
        return self.inputs.get(name, value)

    def on_backward(self, tensor: torch.Tensor, retain_graph: bool) -> bool | None:
        # gradcheck differentiates the output itself, so a `.backward()` in the program must keep
        # the graph. A backward with no graph to go back through (a tensor made from no input),
        # or one run under the program's no_grad, is skipped rather than failing the check.
        return True if torch.is_grad_enabled() and tensor.requires_grad else None


def _is_input(value: object) -> bool:
    return (
        isinstance(value, torch.Tensor)
        and value.is_leaf
        and value.requires_grad
        and value.is_floating_point()
    )


def check_gradients(source: str, limits: Limits | None = None) -> dict[str, Any]:
    """Gradcheck the program's last assigned tensor with respect to its named leaves.

    Returns ``passed`` (True, False, or None when there is nothing to check), the ``inputs``
    and ``output`` names, the ``mode`` (``"full"`` Jacobians, or ``"fast"`` random projections
    for big tensors) and a ``message`` for the learner. Raises ExpressionError when the program
    itself fails.
    """
    limits = limits or Limits()
    tree = check_program(source, limits)
    # One budget for the request: every re-run gradcheck makes is charged to it, so a program
    # near the limits cannot be run dozens of times for the price of one.
    budget = Budget(limits)
    first = _LeafInterpreter(source, budget, None)
    first.run(tree)
    output, leaves = first.output, first.leaves
    name = first.output_name or "the output"
    if output is None or not output.requires_grad or not output.is_floating_point():
        message = msg(
            "The last tensor assigned does not depend on a tensor with requires_grad=True. "
            "There is no gradient to check."
        )
        return _result(None, [], name, "full", message)
    if not leaves:
        message = msg("No named leaf tensor requires grad, so there is no input to perturb.")
        return _result(None, [], name, "full", message)
    names = list(leaves)
    inputs = tuple(leaves[n].detach().double().requires_grad_() for n in names)
    fast = max(output.numel(), sum(t.numel() for t in inputs)) > FULL_CHECK_ELEMENTS

    # gradcheck differentiates the output once per output element (one projection in fast
    # mode); each backward pass costs about twice the forward work, charged before it starts.
    passes = 1 if fast else output.numel()
    try:
        budget.charge("gradcheck", 2 * budget.flops * passes, 0)
    except ExpressionError as err:
        raise _rerun_error(err) from None

    def program(*values: torch.Tensor) -> torch.Tensor:
        run = _LeafInterpreter(source, budget, dict(zip(names, values, strict=True)))
        run.run(tree)
        if run.output is None:  # cannot happen for a deterministic program; guard anyway
            raise ExpressionError(msg("the program assigned no tensor on a re-run"))
        return run.output

    mode = "fast" if fast else "full"
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # the worker is single-threaded: this is ours alone
    try:
        torch.autograd.gradcheck(program, inputs, fast_mode=fast)
    except ExpressionError as err:  # the first run passed, so a re-run passed a limit
        raise _rerun_error(err) from None
    except GradcheckError as err:
        return _result(False, names, name, mode, str(err)[:MAX_MESSAGE])  # gradcheck's words
    except RuntimeError as err:
        failed = msg("gradcheck could not run: {error}", error=str(err)[:500])
        return _result(False, names, name, mode, failed)
    finally:
        torch.set_default_dtype(previous)
    message = msg("Gradients match finite differences (float64, torch.autograd.gradcheck).")
    return _result(True, names, name, mode, message)


def _rerun_error(err: ExpressionError) -> ExpressionError:
    """A limit passed by gradcheck's re-runs, saying why one run alone was fine."""
    hint = msg(
        "{reason} (gradcheck runs the program again for each input element and differentiates "
        "it for each output element, all on one budget; check fewer or smaller inputs)",
        reason=err.text,
    )
    return ExpressionError(hint, err.line, err.col)


def _result(
    passed: bool | None, inputs: list[str], output: str, mode: str, message: Message | str
) -> dict[str, Any]:
    text = message.to_dict() if isinstance(message, Message) else message
    return {"passed": passed, "inputs": inputs, "output": output, "mode": mode,
            "message": str(message), "text": text}  # fmt: skip
