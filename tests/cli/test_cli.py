"""python -m graphlab demo NAME -o out.{svg,dot,json}; `model NAME` and `train --model NAME`
name the same network."""

import argparse
import json
import math
import shutil
import subprocess
import sys

import pytest
import torch

import graphlab as gl
from graphlab import train
from graphlab.cli import main
from graphlab.cli.train import add_train_parser
from graphlab.lessons import gallery, recordings
from graphlab.models import BUILTINS, TRAINABLE, build_model


def test_help_lists_every_demo():
    result = subprocess.run(
        [sys.executable, "-m", "graphlab", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    for name in gallery.EXAMPLES:
        assert name in result.stdout


def test_demo_writes_json_and_dot(tmp_path, capsys):
    assert main(["demo", "small_mlp", "-o", str(tmp_path / "g.json")]) == 0
    graph = gl.Graph.from_json((tmp_path / "g.json").read_text())
    assert graph == gallery.graph("small_mlp")
    assert main(["demo", "gru", "-o", str(tmp_path / "g.dot"), "--rankdir", "LR"]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "wrote" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_demo_writes_svg(tmp_path):
    assert main(["demo", "small_cnn", "-o", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()


def test_demo_refuses_unknown_suffix_and_name(tmp_path, capsys):
    assert main(["demo", "small_mlp", "-o", str(tmp_path / "g.png")]) == 2
    assert "unknown output type" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "nope"])


def test_demo_prints_dot_without_output(capsys):
    assert main(["demo", "neuron"]) == 0
    assert json.dumps("SigmoidBackward0")[1:-1] in capsys.readouterr().out


# -- one registry: `model NAME`, `train --model NAME` and every page mean the same network ---------


@pytest.mark.parametrize("name", TRAINABLE)
def test_model_draws_the_network_that_train_trains(name, tmp_path):
    out = tmp_path / "g.json"
    assert main(["model", name, "--max-nodes", "0", "-o", str(out)]) == 0
    drawn = gl.Graph.from_json(out.read_text())
    trained = build_model(name, torch.Generator())
    shapes = sorted(tuple(p.shape) for p in trained.parameters())
    assert sorted(n.shape for n in drawn.of_kind("param")) == shapes
    assert sum(math.prod(n.shape) for n in drawn.of_kind("param")) == sum(map(math.prod, shapes))
    # The same ops too: capture the trainer's model the way `model` captures the spec's.
    ran = gl.capture(trained(torch.rand(BUILTINS[name].spec["input"])), model=trained)
    ran = ran.without({"saved"})
    assert len(drawn.nodes) == len(ran.nodes) and len(drawn.edges) == len(ran.edges)
    ops = sorted(n.name for n in drawn.of_kind("op"))
    assert ops == sorted(n.name for n in ran.of_kind("op"))
    # Live Training, `train --model` and Step Through offer exactly the trainable models.
    assert name in train.MODELS and name in recordings.MODELS


def test_train_accepts_exactly_the_trainable_models():
    assert train.MODELS == TRAINABLE == tuple(recordings.MODELS) == ("mlp", "cnn")
    for name in BUILTINS:
        parser = argparse.ArgumentParser()
        sub = add_train_parser(parser.add_subparsers())
        if name in TRAINABLE:
            assert sub.parse_args(["--model", name]).model == name
        else:
            with pytest.raises(SystemExit):
                sub.parse_args(["--model", name])


def test_titles_come_from_the_registry(capsys):
    with pytest.raises(SystemExit):
        main(["model", "--help"])
    listed = capsys.readouterr().out
    for b in BUILTINS.values():
        assert f"{b.name:<14} {b.title}" in listed
    assert {name: BUILTINS[name].title for name in TRAINABLE} == recordings.MODELS
    assert recordings.MODELS["mlp"] == "MNIST MLP (784 → 512 → 256 → 10)"
    assert recordings.record_model("cnn")["title"] == "MNIST CNN (two conv layers)"


def test_model_depth_and_roll_reach_the_summary(tmp_path):
    out = tmp_path / "g.json"
    assert main(["model", "gru", "--depth", "0", "-o", str(out)]) == 0
    closed = gl.Graph.from_json(out.read_text())
    assert [n.attrs.get("path") for n in closed.of_kind("module")] == [""]  # one box: the model
    assert main(["model", "gru", "--depth", "2", "--roll", "-o", str(out)]) == 0
    rolled = gl.Graph.from_json(out.read_text())
    assert [n.name for n in rolled.of_kind("module")] == ["gru.cell x 6"]  # six steps, one box
