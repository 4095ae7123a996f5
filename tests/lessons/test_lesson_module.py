"""Lesson 8, nn.Module: the tables against the shapes nn.Linear and nn.BatchNorm1d are documented
to have, the counts against those formulas, the buffers against `named_buffers()`, the network
against the one Model Graph builds from its spec, BatchNorm's running mean against its update
rule, and the answers against torch computed another way."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import graphlab as gl
from graphlab.lessons import lesson
from graphlab.lessons import lesson_module as lm
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load

SIZES = [(8, 1, True), (1, 1, False), (16, 2, True), (64, 3, True), (5, 3, False)]


def expected_shapes(width: int, depth: int, batchnorm: bool) -> dict[str, tuple]:
    """Each parameter's name and shape, from nn.Linear's (out, in) weight and BatchNorm1d's
    per-feature weight and bias, written out without building the model."""
    shapes, fan_in = {}, lm.IN_FEATURES
    for i in range(depth):
        shapes[f"hidden.{i}.weight"], shapes[f"hidden.{i}.bias"] = (width, fan_in), (width,)
        fan_in = width
    for i in range(depth if batchnorm else 0):
        shapes[f"norms.{i}.weight"], shapes[f"norms.{i}.bias"] = (width,), (width,)
    shapes["out.weight"], shapes["out.bias"] = (lm.OUT_FEATURES, width), (lm.OUT_FEATURES,)
    return shapes


@pytest.mark.parametrize(("width", "depth", "batchnorm"), SIZES)
def test_the_parameter_table_is_named_parameters(width, depth, batchnorm):
    model = lm.make(width, depth, batchnorm)
    rows = lm.parameter_rows(model)
    want = expected_shapes(width, depth, batchnorm)
    assert {r.name: r.shape for r in rows} == want
    assert [r.name for r in rows] == [n for n, _ in model.named_parameters()]
    assert all(r.numel == torch.Size(r.shape).numel() and r.requires_grad for r in rows)
    counts = lm.totals(model)
    numel = sum(torch.Size(s).numel() for s in want.values())
    assert counts["tensors"] == len(want) and counts["numel"] == counts["trainable"] == numel


@pytest.mark.parametrize(("width", "depth", "batchnorm"), SIZES)
def test_state_dict_is_the_parameters_and_the_buffers(width, depth, batchnorm):
    model = lm.make(width, depth, batchnorm)
    rows = lm.state_rows(model)
    buffers = dict(model.named_buffers())
    assert [r.name for r in rows] == list(model.state_dict())
    assert {r.name for r in rows if r.kind == lm.BUFFER} == set(buffers)
    assert {r.name for r in rows if r.kind == lm.PARAMETER} == set(
        expected_shapes(width, depth, batchnorm)
    )
    want = {f"norms.{i}.{b}" for i in range(depth) for b in ("running_mean", "running_var",
                                                              "num_batches_tracked")} if batchnorm else set()  # fmt: skip
    assert set(buffers) == want and lm.totals(model)["buffers"] == len(want)
    assert lm.totals(model)["entries"] == len(expected_shapes(width, depth, batchnorm)) + len(want)


@pytest.mark.parametrize(("width", "depth", "batchnorm"), SIZES)
def test_model_graphs_spec_builds_the_same_network(width, depth, batchnorm):
    ours = lm.make(width, depth, batchnorm).eval()
    theirs = gl.models.build(lm.spec(width, depth, batchnorm)).eval()
    assert sorted(p.shape for p in ours.parameters()) == sorted(
        p.shape for p in theirs.parameters()
    )
    assert len(ours.state_dict()) == len(theirs.state_dict())
    x = lm.batch()
    with torch.no_grad():  # the same seed, the same order of Linear layers: the same weights
        assert torch.equal(ours(x), theirs(x))
    assert ours(x).shape == (lm.BATCH, lm.OUT_FEATURES)


def test_layers_in_a_plain_list_are_invisible_to_nn_module():
    proper, plain = lm.make(8, 2, True), lm.make(8, 2, True, plain_list=True)
    hidden = {n for n, _ in proper.named_parameters() if n.startswith("hidden")}
    assert len(hidden) == 4 and not hidden & set(plain.state_dict())
    assert lm.totals(plain)["tensors"] == lm.totals(proper)["tensors"] - 4
    assert "in_features=4" in repr(proper) and "in_features=4" not in repr(plain)
    # The forward pass still uses them: the hidden layers are there, only unregistered.
    assert plain(lm.batch()).shape == (lm.BATCH, lm.OUT_FEATURES)
    names = {n.name for n in lm.graph(8, 2, True, True, False).nodes if n.kind == "param"}
    assert not names & hidden and "parameter" in names  # in the graph, but without their names


def test_a_frozen_first_layer_is_saved_but_not_trained_nor_in_the_graph():
    model = lm.make(8, 1, True, frozen=True)
    flags = {r.name: r.requires_grad for r in lm.parameter_rows(model)}
    assert not flags["hidden.0.weight"] and not flags["hidden.0.bias"] and flags["out.weight"]
    counts = lm.totals(model)
    assert counts["trainable"] == counts["numel"] - (lm.IN_FEATURES * 8 + 8)
    assert "hidden.0.weight" in model.state_dict()
    frozen = {n.name for n in lm.graph(8, 1, True, False, True).nodes if n.kind == "param"}
    free = {n.name for n in lm.graph(8, 1, True, False, False).nodes if n.kind == "param"}
    assert free == set(flags) and frozen == free - {"hidden.0.weight", "hidden.0.bias"}


def test_the_graph_groups_ops_by_module():
    graph = lm.graph(8, 2, True, False, False)
    modules = {n.module for n in graph.nodes if n.kind == "op"}
    assert {"hidden.0", "hidden.1", "norms.0", "norms.1", "out"} <= modules


def test_batchnorm_moves_its_running_mean_in_training_mode_only():
    model = lm.make(8, 1, True)
    with torch.no_grad():
        h = model.hidden[0](lm.batch())
    momentum = model.norms[0].momentum
    assert lm.running_mean_moves(train=True) and not lm.running_mean_moves(train=False)
    with torch.no_grad():
        model(lm.batch())
    want = (1 - momentum) * torch.zeros(8) + momentum * h.mean(dim=0)
    assert torch.allclose(model.norms[0].running_mean, want, atol=1e-6)
    assert not model.norms[0].running_mean.requires_grad


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("module")
    start = nn.ModuleList([nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)])
    assert item.predict.answer() == f"{len(list(start.parameters()))} and {len(start.state_dict())}"
    answers = {q.id: q for q in item.questions}
    two = nn.ModuleList([nn.Linear(4, 16), nn.BatchNorm1d(16), nn.Linear(16, 16),
                         nn.BatchNorm1d(16), nn.Linear(16, 3)])  # fmt: skip
    numel = sum(p.numel() for p in two.parameters())
    assert answers["numel"].answer() == str(numel)
    assert numel == (4 * 16 + 16) + (16 * 16 + 16) + 2 * (16 + 16) + (16 * 3 + 3)  # why:numel
    for lang in ("en", "zh"):
        said = " ".join(load(lang, "module")["why:numel"].split())
        assert "`(4 * 16 + 16) + (16 * 16 + 16) + 2 * (16 + 16) + (16 * 3 + 3)`" in said
    assert grade(answers["numel"], str(numel)).ok and not grade(answers["numel"], "400").ok

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = [nn.Linear(4, 8), nn.Linear(8, 8)]
            self.norms = nn.ModuleList([nn.BatchNorm1d(8), nn.BatchNorm1d(8)])
            self.out = nn.Linear(8, 3)

    assert answers["plain_list"].answer() == str(len(list(Plain().parameters())))
    assert answers["buffers"].answer() == "True"


def test_what_the_prose_says_holds():
    # Predict names Play's start.
    assert lm.START == {"width": 8, "depth": 1, "batchnorm": True}
    assert "width 8" in load("en", "module")["predict"]
    # Try this: without BatchNorm1d, each hidden layer has 2 tensors and 5 entries fewer.
    for depth in (1, 2, 3):
        on, off = lm.totals(lm.make(8, depth, True)), lm.totals(lm.make(8, depth, False))
        assert on["tensors"] - off["tensors"] == 2 * depth
        assert on["entries"] - off["entries"] == 5 * depth


@pytest.mark.parametrize("args", [(0, 1), (65, 1), (8, 0), (8, 4), (8.5, 1), ("8", 1)])
def test_bad_sizes_are_refused_with_the_reason(args):
    with pytest.raises(ValueError, match="must be a whole number"):
        lm.make(*args)


def test_saw_quotes_the_model():
    model = lm.make(16, 2, True, frozen=True)
    numbers = lm.saw(model, frozen=True)
    counts = lm.totals(model)
    assert (numbers["width"], numbers["depth"], numbers["batchnorm"]) == ("16", "2", "True")
    assert numbers["tensors"] == str(counts["tensors"]) == "10"
    assert numbers["numel"] == f"{sum(p.numel() for p in model.parameters()):,}" == "467"
    assert numbers["trainable"] == str(467 - (4 * 16 + 16))
    assert numbers["entries"] == str(len(model.state_dict())) and numbers["buffers"] == "6"
    assert numbers["first_buffer"] == "norms.0.running_mean" and numbers["frozen"] == "True"
    assert numbers["hidden_numel"] == str((4 * 16 + 16) + (16 * 16 + 16))
    plain = lm.saw(lm.make(8, 1, False, plain_list=True))
    assert plain["plain_list"] == "True" and plain["first_buffer"] == "-"
    assert plain["hidden_numel"] == "40" and plain["numel"] == str(8 * 3 + 3)
