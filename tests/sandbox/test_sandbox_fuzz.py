"""Fuzzing: valid programs agree with plain torch; any text gives a result or ExpressionError."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphlab.sandbox import ExpressionError, evaluate

torch.set_num_threads(1)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNARY = ["torch.sin({})", "torch.tanh({})", "torch.sigmoid({})", "F.relu({})", "{}.abs()",
         "torch.exp(-{})", "{}.pow(2)", "torch.clamp({}, min=-0.5)", "F.softmax({}, dim=-1)",
         "-{}", "{}.t().t()", "torch.where({} > 0, {}, 0.5 * {})"]  # fmt: skip
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (1.5 + {})", "torch.maximum({}, {} + v1)"]
NUMBER = st.floats(-3, 3, allow_nan=False).map(lambda v: f"{v:.3f}")


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A straight-line program over 2x3 tensors with an `if`, a `for` and a backward pass."""
    data = st.lists(st.lists(NUMBER, min_size=3, max_size=3), min_size=2, max_size=2)
    lines = [f"v0 = torch.tensor({draw(data)}, requires_grad=True)".replace("'", "")]
    lines.append(f"v1 = torch.tensor({draw(data)})".replace("'", ""))
    for i in range(2, draw(st.integers(3, 8))):
        pick = st.sampled_from([f"v{j}" for j in range(i)])
        if draw(st.booleans()):
            a = draw(pick)
            expr = draw(st.sampled_from(UNARY)).format(a, a, a)
        else:
            left, right = draw(pick), draw(pick | NUMBER)
            expr = draw(st.sampled_from(BINARY)).format(left, right)
        lines.append(f"v{i} = {expr}")
        if draw(st.integers(0, 4)) == 0:
            lines += [
                f"if v{i}.sum() > 0:",
                f"    v{i} = v{i} * 2",
                "else:",
                f"    v{i} = v{i} - 1",
            ]
        if draw(st.integers(0, 4)) == 0:
            k = draw(st.integers(0, 4))
            lines += [f"for k in range({k}):", f"    v{i} = v{i} * 0.5 + k"]
    lines += [f"out = (v{i} * v{i}).sum() + v0.sum()", "out.backward()", "g = v0.grad"]
    return "\n".join(lines)


@FUZZ
@given(programs())
def test_valid_programs_agree_with_plain_torch(source: str) -> None:
    ev = evaluate(source)
    oracle: dict[str, object] = {"torch": torch, "F": F}
    exec(source, oracle)  # the oracle: the same program run by Python itself (tests only)
    assert set(ev.tensors) == {n for n, v in oracle.items() if isinstance(v, torch.Tensor)}
    for name, value in ev.tensors.items():
        torch.testing.assert_close(value, oracle[name], equal_nan=True)


TOKENS = ["x", "y", "=", "torch.", "F.", "ones", "(", ")", "[", "]", ",", ":", "1", "2.5",
          "10**9", "+", "*", "@", "**", "-", "\n", "    ", "if", "for", "in", "range", "else",
          ".sum()", ".t()", "'a'", "lambda", "import", "_", "__class__", "\u200b", "ｘ",
          "requires_grad=True", "dim=0", "None", "...", "x[0]", "with torch.no_grad():"]  # fmt: skip


@FUZZ
@given(st.text(max_size=120) | st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_text_gives_a_result_or_an_expression_error(source: str) -> None:
    try:
        evaluate(source)
    except ExpressionError as err:
        assert err.message and isinstance(err.line, int) and isinstance(err.col, int)
