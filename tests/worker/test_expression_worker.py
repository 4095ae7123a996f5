"""What the worker computes for the Expression Lab: node names, gradients, gradcheck."""

from __future__ import annotations

import json

import pytest

from graphlab.lessons.expressions import EXPRESSION_EXAMPLES
from graphlab.sandbox import ExpressionError, evaluate
from graphlab.sandbox.gradcheck import check_gradients
from graphlab.worker import shared_pool
from graphlab.worker.payload import build_payload

SQUARE = "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = (x * x).sum()"


def payload(source: str) -> dict:
    reply = build_payload(evaluate(source))
    json.dumps(reply, allow_nan=False)  # strict JSON, as the worker sends it
    return reply


def test_auto_backward_fills_leaf_grads() -> None:
    reply = payload(SQUARE)
    assert reply["backward"] == "auto" and reply["output"] == "y"
    assert reply["tensors"]["x"]["grad"]["value"] == [2.0, 4.0, 6.0]


def test_program_backward_is_not_repeated() -> None:
    reply = payload(SQUARE + "\ny.backward()")
    assert reply["backward"] == "program"
    assert reply["tensors"]["x"]["grad"]["value"] == [2.0, 4.0, 6.0]  # not doubled


def test_no_backward_for_non_scalar_or_grad_free_outputs() -> None:
    assert payload("x = torch.ones(2, requires_grad=True)\ny = x * 2")["backward"] is None
    assert payload("x = torch.ones(2)\ny = x.sum()")["backward"] is None


def test_names_tie_graph_nodes_to_variables() -> None:
    src = (
        "a = torch.ones(2, requires_grad=True)\nh = a * 3\nh.retain_grad()\ny = torch.tanh(h).sum()"
    )
    reply = payload(src)
    nodes = {n["id"]: n for n in reply["graph"]["nodes"]}
    names = reply["names"]
    assert names["o0"] == "y"
    held = {names[i]: nodes[i]["name"] for i in names if i != "o0"}
    assert held == {"a": "a", "h": "MulBackward0", "y": "SumBackward0"}
    assert "grad" in reply["tensors"]["h"]  # retain_grad kept it


def test_gradcheck_passes_fails_and_has_nothing_to_check() -> None:
    ok = check_gradients(SQUARE)
    assert (ok["passed"], ok["inputs"], ok["output"], ok["mode"]) == (True, ["x"], "y", "full")
    kink = check_gradients("x = torch.tensor([0., 2.], requires_grad=True)\ny = x.relu().sum()")
    assert kink["passed"] is False and "Jacobian mismatch" in kink["message"]
    assert check_gradients("x = torch.ones(2)\ny = x.sum()")["passed"] is None
    big = check_gradients("w = torch.randn(8, 8, requires_grad=True)\ny = torch.tanh(w @ w)")
    assert big["passed"] is True and big["mode"] == "fast"


def test_gradcheck_keeps_aliases_as_one_input_and_survives_backward_in_program() -> None:
    loop = check_gradients(EXPRESSION_EXAMPLES["loop"].source)
    assert loop["passed"] is True and loop["inputs"] == ["x"]
    assert check_gradients(SQUARE + "\ny.backward()")["passed"] is True


def test_gradcheck_reports_program_errors_with_position() -> None:
    with pytest.raises(ExpressionError) as err:
        check_gradients("x = torch.ones(2, requires_grad=True)\ny = x + nope")
    assert (err.value.line, err.value.col) == (2, 9)


@pytest.mark.parametrize("name", list(EXPRESSION_EXAMPLES))
def test_examples_run_and_check(name: str) -> None:
    source = EXPRESSION_EXAMPLES[name].source
    reply = payload(source)
    assert reply["graph"]["nodes"] and reply["backward"] == "auto"
    # no_grad / detach hide a real dependence from autograd: gradcheck must notice.
    assert check_gradients(source)["passed"] is (name != "no_grad")


def test_worker_answers_gradcheck_requests() -> None:
    worker = shared_pool()
    reply = worker.run(SQUARE, kind="gradcheck")
    assert reply["ok"] and reply["gradcheck"]["passed"] is True
    error = worker.run("x = 1\nimport os", kind="gradcheck")
    assert error["ok"] is False and (error["error"]["line"], error["error"]["col"]) == (2, 1)
    plain = worker.run(SQUARE)
    assert "gradcheck" not in plain and plain["names"]["o0"] == "y"
