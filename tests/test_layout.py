"""The package layout's rules, checked: import contracts, no private names across packages,
no figure library or streamlit loaded by the library, small files."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "graphlab"
MAX_LINES = 300


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the graphlab found first under `root`: without site's .pth files (-S),
    so the editable install of this checkout cannot stand in for a copy under test."""
    site = next(p for p in sys.path if p.endswith("site-packages"))
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(root)!r}]\n"
        f"sys.path.append({site!r})\n"
        "from importlinter.cli import lint_imports_command\n"
        "sys.exit(lint_imports_command(['--no-cache']))\n"
    )
    return subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )


def _copy_of_the_library(tmp_path: Path) -> Path:
    shutil.copytree(LIBRARY, tmp_path / "graphlab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_import_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("where", "line", "chain"),
    [
        ("core/upward.py", "import graphlab.cli\n", "graphlab.core.upward -> graphlab.cli"),
        (
            "sandbox/sideways.py",
            "from graphlab.record import Recorder\n",
            "graphlab.sandbox.sideways -> graphlab.record",
        ),
        ("models/ui.py", "import streamlit\n", "graphlab.models.ui -> streamlit"),
        ("train/chart.py", "import plotly.express\n", "graphlab.train.chart -> plotly"),
    ],
)
def test_a_module_breaking_a_rule_fails_the_check(tmp_path, where, line, chain) -> None:
    root = _copy_of_the_library(tmp_path)
    (root / "graphlab" / where).write_text(line)
    result = _lint(root)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert chain in result.stdout, result.stdout[-3000:]


def _modules() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*.py") if "__pycache__" not in p.parts)


def _package(path: Path) -> str:
    parts = path.relative_to(LIBRARY).parts
    return parts[0] if len(parts) > 1 else ""


def test_no_private_name_is_imported_across_packages() -> None:
    crossings = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "graphlab" or len(parts) < 2 or parts[1] == _package(path):
                continue
            names = [a.name for a in node.names] + parts[2:]
            crossings += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("_")]
    assert crossings == []


def test_every_module_is_short() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_library_loads_no_app_library() -> None:
    code = (
        "import sys, graphlab as gl\n"
        "import graphlab.cli, graphlab.lessons, graphlab.train, graphlab.worker.child\n"
        "gl.capture, gl.to_dot, gl.Recorder, gl.evaluate\n"
        "loaded = {'streamlit', 'plotly', 'altair', 'pandas', 'torchviz'} & set(sys.modules)\n"
        "print(sorted(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.stdout.strip() == "[]", result.stderr[-2000:]
