"""Specs a hostile visitor types: refused quickly with a clear SpecError, never another error,
and never a graph of a million nodes (issue 15, reproduction 4)."""

from __future__ import annotations

import contextlib
import time

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphlab import models
from graphlab.models.builder import BUILTINS, Budget, plan
from graphlab.models.edit import parse_spec

LONG_LSTM = {"input": [1, 4096, 8],
             "layers": [{"type": "lstm", "hidden_size": 8, "sequence": True, "repeat": 8}]}  # fmt: skip


def _refusal(spec) -> tuple[models.SpecError, float]:
    plan({"input": [1, 2, 3], "layers": [{"type": "lstm", "hidden_size": 2}]})  # warm: first use
    start = time.perf_counter()
    with pytest.raises(models.SpecError) as caught:
        plan(spec)
    return caught.value, time.perf_counter() - start


def test_the_96_character_lstm_spec_is_refused_at_once_naming_its_layer():
    err, seconds = _refusal(LONG_LSTM)
    assert seconds < 1.0  # it made 1,007,641 nodes in 45 s before
    assert err.layer == 0 and err.kind == "lstm"
    assert "operations" in err.message and "shorter sequence" in err.message


@pytest.mark.parametrize(
    "layers",
    [
        [{"type": "lstm", "hidden_size": 8, "sequence": True}] * 10,  # ten layers: 229 s before
        [{"type": "lstm", "hidden_size": 8, "sequence": True, "repeat": 400},
         {"type": "lstm", "hidden_size": 8, "sequence": True, "repeat": 250}],  # 650 layers
    ],
)  # fmt: skip
def test_many_recurrent_layers_over_a_long_sequence_are_refused(layers):
    err, seconds = _refusal({"input": [1, 512, 8], "layers": layers})
    assert seconds < 2.0 and "operations" in err.message


@pytest.mark.parametrize("sequence", [True, False])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_recurrent_layer_is_planned_with_its_real_shape_and_op_count(kind, sequence):
    spec = {"input": [2, 30, 5],
            "layers": [{"type": kind, "hidden_size": 6, "sequence": sequence,
                        "repeat": 2 if sequence else 1}]}  # fmt: skip
    planned = plan(spec)
    model = models.build(spec)
    out = model(torch.randn(2, 30, 5))
    assert planned.shapes == [tuple(out.shape)]
    graph_ops = sum(1 for n in models.graph(spec).nodes if n.kind == "op")
    tight = Budget(ops=graph_ops // 3)  # the count is of the same order as the graph's ops
    with pytest.raises(models.SpecError):
        plan(spec, tight)


def test_every_builtin_model_fits_the_op_budget():
    for name in BUILTINS:
        plan(models.spec_of(name))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"input": [2, 4], "layers": [{"type": ["linear"]}]}', "`type` must be one name"),
        ("[" * 5000 + "]" * 5000, "nests 5,000 brackets deep"),
        ('{"input": [2, 4], "seed": [1], "layers": [{"type": "relu"}]}', '"seed" must be'),
    ],
)
def test_malformed_specs_get_a_clear_message(text, words):
    with pytest.raises(models.SpecError) as caught:
        plan(parse_spec(text))
    assert words in str(caught.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = ["type", "out_features", "hidden_size", "sequence", "repeat", "name", "kernel_size", "p"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["linear", "lstm", "conv2d", "dropout", "residual", "relu"]) | JSON,
    extra=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=3),
    shape=JSON | st.lists(st.integers(-3, 5000), min_size=1, max_size=5),
    seed=JSON,
)
def test_any_json_in_any_field_gives_a_spec_error_or_a_plan(kind, extra, shape, seed):
    spec = {"input": shape, "seed": seed, "layers": [{"type": kind, **extra}]}
    with contextlib.suppress(models.SpecError):
        plan(spec)
