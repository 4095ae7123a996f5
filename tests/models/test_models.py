"""Model specs: built-ins build, every bad spec names its layer and the fix, ops land in the
module that ran them (checked against forward hooks, independently of the capture's tagging)."""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch

import graphlab as gl
from graphlab.core.modules import track_modules
from graphlab.models import Standardize, build_model
from graphlab.models import builder as models

SMALL = ["mlp", "cnn", "resnet", "transformer", "gru"]


def test_every_builtin_builds_and_is_plain_json():
    for name, builtin in models.BUILTINS.items():
        assert json.loads(json.dumps(builtin.spec)) == builtin.spec
        if name != "resnet_deep":
            model = models.build(builtin.spec)
            out = model(torch.randn(builtin.spec["input"]))
            assert out.shape[0] == builtin.spec["input"][0]


def test_parameter_count_matches_a_hand_built_model():
    hand = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.Linear(512, 256), torch.nn.Linear(256, 10)
    )
    assert models.plan(models.spec_of("mlp")).params == sum(p.numel() for p in hand.parameters())


def test_build_is_seeded_and_shapes_come_from_the_dry_run():
    spec = models.spec_of("cnn")
    a, b = models.build(spec), models.build(spec)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert models.plan(spec).shapes[-1] == (4, 10)
    assert models.plan(spec).shapes[3] == (4, 16, 14, 14)


def _spec(*layers, input=(4, 16)):
    return {"input": list(input), "layers": list(layers)}


IMG = (2, 3, 8, 8)
BAD = [
    ([1, 2], None, "a model spec is an object"),
    ({"input": [2, 4], "layers": [], "extra": 1}, None, "unknown key 'extra'"),
    ({"input": "2,4", "layers": [{"type": "relu"}]}, None, '"input" must be a shape list'),
    ({"input": [2, 0], "layers": [{"type": "relu"}]}, None, "from 1 to 4096"),
    ({"input": [2, 3, 4, 5, 6], "layers": [{"type": "relu"}]}, None, "at most 4"),
    ({"input": [2, 4], "layers": []}, None, "non-empty list"),
    ({"input": [2, 4], "layers": [{"type": "relu"}] * 65}, None, "at most 64"),
    (_spec("relu"), 0, "each layer is an object"),
    (_spec({"type": "conv3d"}), 0, "unknown type 'conv3d'; choose one of: linear"),
    (_spec({"type": "__import__('os')"}), 0, "unknown type"),
    (_spec({"type": "linear", "out": 3}), 0, "unknown setting 'out'; linear takes: out_features"),
    (_spec({"type": "linear"}), 0, "`out_features` is required: an integer from 1 to 4096"),
    (_spec({"type": "linear", "out_features": 0}), 0, "from 1 to 4096, not 0"),
    (_spec({"type": "linear", "out_features": 2.5}), 0, "must be an integer"),
    (_spec({"type": "linear", "out_features": True}), 0, "must be an integer"),
    (_spec({"type": "linear", "out_features": "8"}), 0, 'not "8"'),
    (_spec({"type": "dropout", "p": 1.5}), 0, "`p` must be a number from 0 to 0.9"),
    (_spec({"type": "linear", "out_features": 4, "bias": "yes"}), 0, "true or false"),
    (_spec({"type": "relu", "name": "a.b"}), 0, "`name` must be an identifier"),
    (_spec({"type": "relu", "name": "a"}, {"type": "tanh", "name": "a"}), 1, "used twice"),
    (_spec({"type": "relu", "repeat": 0}), 0, "`repeat` must be an integer"),
    (_spec({"type": "relu"}, {"type": "conv2d", "out_channels": 4}), 1, "needs an image batch"),
    (_spec({"type": "linear", "out_features": 4}, input=IMG), 0, "add a `flatten`"),
    (_spec({"type": "gru", "hidden_size": 4}), 0, "[N, T, features]"),
    (_spec({"type": "conv2d", "out_channels": 4, "kernel_size": 11}, input=IMG), 0,
     "kernel 11 is larger than its 8x8 input"),
    (_spec({"type": "maxpool2d", "kernel_size": 4}, {"type": "maxpool2d", "kernel_size": 4},
           input=IMG), 1, "pool size 4 is larger than its 2x2 input"),
    (_spec({"type": "attention", "heads": 3}, input=(2, 5, 8)), 0, "cannot be split into 3 heads"),
    (_spec({"type": "batchnorm"}, input=(1, 8)), 0, "batch of at least 2"),
    (_spec({"type": "linear", "out_features": 4096}, {"type": "linear", "out_features": 4096}),
     1, "parameters here; the limit is 5,000,000"),
    (_spec({"type": "linear", "out_features": 4096}, {"type": "relu"}, input=(4096, 16)), 1,
     "activations reach"),
    ({"input": [1000, 1000, 2], "layers": [{"type": "relu"}]}, None, "the limit is 1,000,000"),
]  # fmt: skip


@pytest.mark.parametrize("spec, layer, words", BAD, ids=[w for _, _, w in BAD])
def test_every_bad_spec_gives_a_clear_error_naming_the_layer(spec, layer, words):
    with pytest.raises(models.SpecError) as info:
        models.build(copy.deepcopy(spec))
    err = info.value
    assert isinstance(err, ValueError)
    assert err.layer == layer
    assert words in str(err), str(err)
    if layer is not None:
        assert str(err).startswith(f"layer {layer + 1}")


def test_a_bigger_budget_allows_what_the_demo_refuses():
    spec = _spec({"type": "linear", "out_features": 4096}, {"type": "linear", "out_features": 4096})
    with pytest.raises(models.SpecError):
        models.plan(spec)
    assert models.plan(spec, models.UNLIMITED).params > 5_000_000


def test_repeat_names_copies_and_residual_downsamples():
    spec = _spec(
        {"type": "conv2d", "out_channels": 8, "padding": 1},
        {"type": "residual", "name": "blocks", "repeat": 3},
        {"type": "residual", "out_features": 16, "stride": 2, "name": "down"},
        input=IMG,
    )
    model = models.build(spec)
    names = {n for n, _ in model.named_modules()}
    assert {"blocks.0", "blocks.2", "down.shortcut"} <= names
    assert models.plan(spec).shapes[-1] == (2, 16, 4, 4)


def _fn_to_node(graph: gl.Graph, output: torch.Tensor) -> dict:
    """autograd node -> captured node id, by walking both graphs side by side (an oracle that
    does not use the capture's module tagging)."""
    by_input = {(e.dst, e.slot): e.src for e in graph.edges if e.kind == "data"}
    ids, stack = {}, [(output.grad_fn, by_input[("o0", 0)])]
    while stack:
        fn, nid = stack.pop()
        if fn in ids:
            continue
        ids[fn] = nid
        for slot, (nxt, _) in enumerate(fn.next_functions):
            if nxt is not None and (nid, slot) in by_input:
                stack.append((nxt, by_input[(nid, slot)]))
    return ids


@pytest.mark.parametrize("name", SMALL)
def test_every_op_lands_in_the_module_that_ran_it(name):
    spec = models.spec_of(name)
    model = models.build(spec)
    produced: list[tuple[str, object]] = []
    hooks = [
        m.register_forward_hook(lambda mod, args, out, n=n: produced.append((n, out.grad_fn)))
        for n, m in model.named_modules()
        if n and not list(m.children()) and not isinstance(m, torch.nn.Flatten)
    ]
    with track_modules(model):
        out = model(torch.randn(spec["input"]))
    for h in hooks:
        h.remove()
    graph = gl.capture(out, model=model)
    ids = _fn_to_node(graph, out)
    assert produced
    for module, fn in produced:
        if fn is None:  # standardizing the input, which needs no gradient, adds no graph node
            assert isinstance(model.get_submodule(module), Standardize), module
            continue
        assert graph.node(ids[fn]).module == module, (module, fn)
    for n in graph.nodes:
        if n.kind == "op":
            assert n.module is not None
        if n.kind == "param":
            assert n.name.startswith(n.module + ".") if n.module else "." not in n.name


def test_model_graph_records_module_types():
    g = models.graph(models.spec_of("resnet"))
    types = json.loads(g.meta["modules"])
    assert types["layer1.0"] == "Residual" and types["layer1.0.conv1"] == "Conv2d"


def _cli(*argv: str) -> int:
    import argparse

    from graphlab.cli.model import add_model_parser

    parser = argparse.ArgumentParser()
    add_model_parser(parser.add_subparsers())
    args = parser.parse_args(["model", *argv])
    return args.run(args)


def test_cli_model_writes_a_summarized_graph(tmp_path, capsys):
    out = tmp_path / "resnet.json"
    assert _cli("resnet", "--max-nodes", "30", "-o", str(out)) == 0
    graph = gl.Graph.from_json(out.read_text())
    assert len(graph.nodes) <= 30 and graph.of_kind("module")
    assert "Summarized" in capsys.readouterr().out
    # DOT, to a file and to stdout, is drawn with module clusters (`to_dot(..., modules=True)`).
    assert _cli("resnet", "--max-nodes", "30", "-o", str(tmp_path / "resnet.dot")) == 0
    assert "subgraph cluster_" in (tmp_path / "resnet.dot").read_text()
    capsys.readouterr()
    assert _cli("mlp") == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("digraph") and "subgraph cluster_" in printed.out
    assert "nodes" in printed.err
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"input": [2, 4], "layers": [{"type": "linear"}]}))
    assert _cli(str(spec)) == 2
    assert "layer 1 (linear): `out_features` is required" in capsys.readouterr().err
    assert _cli("nope") == 2


def test_builds_in_parallel_threads_give_the_seeded_weights():
    # Model Graph caches one graph for every visitor: its weights must not depend on timing.
    import threading

    spec = models.spec_of("mlp")
    want = models.build(spec).state_dict()
    differing = []

    def build_many():
        for _ in range(20):
            got = models.build(spec).state_dict()
            differing.extend(k for k in want if not torch.equal(got[k], want[k]))

    threads = [threading.Thread(target=build_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert differing == []


# -- the MNIST models: built from the registry's specs, exactly as before ------------------------


class _OldStandardize(torch.nn.Module):
    def forward(self, x):
        return (x - 0.1307) / 0.3081


def _old_build_model(name: str, generator: torch.Generator) -> torch.nn.Module:
    """A copy of graphlab.models.mnist.build_model before the MNIST models became specs."""
    nn = torch.nn
    if name == "mlp":
        model = nn.Sequential(
            _OldStandardize(), nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(),
            nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10),
        )  # fmt: skip
    else:
        model = nn.Sequential(
            _OldStandardize(), nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        )  # fmt: skip
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear | nn.Conv2d):
                bound = 1 / math.sqrt(module.weight[0].numel())
                module.weight.uniform_(-bound, bound, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=generator)
    return model


@pytest.mark.parametrize("name", ["mlp", "cnn"])
@pytest.mark.parametrize("seed", [0, 3, 2**40 + 7])
def test_build_model_gives_bit_identical_weights_to_the_old_construction(name, seed):
    old_gen, new_gen = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    old, new = _old_build_model(name, old_gen), build_model(name, new_gen)
    want, got = old.state_dict(), new.state_dict()
    assert list(got) == list(want)  # checkpoints keep their keys ("2.weight", ...)
    assert all(torch.equal(got[k], want[k]) for k in want)
    # The trainer goes on shuffling with this generator: it must be where it was, too.
    assert torch.equal(new_gen.get_state(), old_gen.get_state())
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    assert torch.equal(new(x), old(x))
    assert [type(m) for m in new.children()][1:] == [type(m) for m in old.children()][1:]


def test_build_model_builds_only_trainable_models_and_every_parameter(monkeypatch):
    with pytest.raises(ValueError, match="model must be one of mlp, cnn; got 'resnet'"):
        build_model("resnet", torch.Generator())
    # A trainable spec with a layer our init does not draw would train from uninitialised memory.
    from graphlab.models import mnist

    spec = {"input": [2, 4], "layers": [{"type": "batchnorm"}]}
    monkeypatch.setitem(models.BUILTINS, "bn", models.Builtin("bn", "BN", spec, trainable=True))
    monkeypatch.setattr(mnist, "MODELS", ("bn",))
    with pytest.raises(TypeError, match="no initialisation for BatchNorm1d"):
        build_model("bn", torch.Generator())
