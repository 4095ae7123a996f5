"""Backward rules: every common op has one, formulas are well formed, examples are covered."""

from __future__ import annotations

import re

import pytest

from graphlab.lessons.expressions import EXPRESSION_EXAMPLES
from graphlab.record.rules import RULES, Rule, rule_for
from graphlab.sandbox import evaluate
from graphlab.worker.payload import build_payload

COMMON = [
    "MulBackward0",
    "AddBackward0",
    "SubBackward0",
    "DivBackward0",
    "PowBackward0",
    "SumBackward0",
    "MeanBackward0",
    "ExpBackward0",
    "LogBackward0",
    "SinBackward0",
    "TanhBackward0",
    "SigmoidBackward0",
    "ReluBackward0",
    "MmBackward0",
    "DotBackward0",
    "SoftmaxBackward0",
    "LogSoftmaxBackward0",
    "NllLossBackward0",
    "MseLossBackward0",
    "AccumulateGrad",
]


@pytest.mark.parametrize("name", COMMON)
def test_every_common_op_has_a_rule(name: str) -> None:
    rule = rule_for(name)
    assert isinstance(rule, Rule)
    assert rule.forward and rule.backward and rule.words.endswith(".")


@pytest.mark.parametrize("name", sorted(RULES))
def test_formulas_are_balanced_latex(name: str) -> None:
    rule = RULES[name]
    for tex in (rule.forward, rule.backward):
        depth = 0
        for char in re.sub(r"\\[{}]", "", tex):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, tex
        assert depth == 0, tex
        assert "$" not in tex  # st.latex adds the math delimiters itself


def test_node_kinds_map_to_rules_and_unknown_ops_to_none() -> None:
    assert rule_for("w", kind="param") is RULES["AccumulateGrad"]
    assert rule_for("x", kind="leaf") is RULES["AccumulateGrad"]
    assert rule_for("y", kind="output") is not None
    assert rule_for("self", kind="saved") is not None
    assert rule_for("ErfBackward0") is None
    assert rule_for("<script>") is None


@pytest.mark.parametrize("name", list(EXPRESSION_EXAMPLES))
def test_every_op_in_the_examples_has_a_rule(name: str) -> None:
    graph = build_payload(evaluate(EXPRESSION_EXAMPLES[name].source))["graph"]
    missing = {n["name"] for n in graph["nodes"] if rule_for(n["name"], n["kind"]) is None}
    assert not missing
