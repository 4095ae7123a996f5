"""python -m graphlab demo NAME -o out.{svg,dot,json}."""

import json
import shutil
import subprocess
import sys

import pytest

import graphlab as gl
from graphlab.cli.main import main
from graphlab.lessons import gallery


def test_help_lists_every_demo():
    result = subprocess.run(
        [sys.executable, "-m", "graphlab", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    for name in gallery.EXAMPLES:
        assert name in result.stdout


def test_demo_writes_json_and_dot(tmp_path, capsys):
    assert main(["demo", "mlp", "-o", str(tmp_path / "g.json")]) == 0
    graph = gl.Graph.from_json((tmp_path / "g.json").read_text())
    assert graph == gallery.graph("mlp")
    assert main(["demo", "gru", "-o", str(tmp_path / "g.dot"), "--rankdir", "LR"]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "wrote" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_demo_writes_svg(tmp_path):
    assert main(["demo", "cnn", "-o", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()


def test_demo_refuses_unknown_suffix_and_name(tmp_path, capsys):
    assert main(["demo", "mlp", "-o", str(tmp_path / "g.png")]) == 2
    assert "unknown output type" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "nope"])


def test_demo_prints_dot_without_output(capsys):
    assert main(["demo", "neuron"]) == 0
    assert json.dumps("SigmoidBackward0")[1:-1] in capsys.readouterr().out
