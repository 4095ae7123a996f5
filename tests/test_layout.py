"""The package layout's rules, checked: import contracts, no private names across packages,
no figure library or streamlit loaded by the library, small files, and the public API (the lazy
root package and every package's `__all__`)."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphlab

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "graphlab"
APP = [
    ROOT / "app.py",
    *sorted((ROOT / "app_pages").glob("*.py")),
    *sorted((ROOT / "widgets").glob("*.py")),
]
MAX_LINES = 300
PACKAGES = sorted(p.name for p in LIBRARY.iterdir() if (p / "__init__.py").is_file())


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
        ("core/ui.py", "import widgets.graph_view\n", "graphlab.core.ui -> widgets"),
        ("lessons/ui.py", "from app_pages import home\n", "graphlab.lessons.ui -> app_pages"),
        ("train/chart.py", "import plotly.express\n", "graphlab.train.chart -> plotly"),
        # The one exception is exactly one import: Graph's display may use render.dot, nothing
        # else in core may, and core.graph may use nothing else in render.
        (
            "core/walk.py",
            "import graphlab.render.dot\n",
            "graphlab.core.walk -> graphlab.render.dot",
        ),
        (
            "core/graph.py",
            "from graphlab.render import frames\n",
            "graphlab.core.graph -> graphlab.render.frames",
        ),
        (
            "train/sideways.py",
            "import graphlab.worker\n",
            "graphlab.train.sideways -> graphlab.worker",
        ),
        (
            "worker/upward.py",
            "import graphlab.lessons\n",
            "graphlab.worker.upward -> graphlab.lessons",
        ),
        ("lessons/upward.py", "import graphlab.cli\n", "graphlab.lessons.upward -> graphlab.cli"),
        # train.plots may draw with plotly, altair and pandas, and with nothing else of the kind.
        ("train/plots.py", "import torchviz\n", "graphlab.train.plots -> torchviz"),
        ("train/plots.py", "import streamlit\n", "graphlab.train.plots -> streamlit"),
    ],
)
def test_a_module_breaking_a_rule_fails_the_check(tmp_path, where, line, chain) -> None:
    root = _copy_of_the_library(tmp_path)
    path = root / "graphlab" / where
    path.write_text((path.read_text() if path.exists() else "") + line)  # new, or appended
    result = _lint(root)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert chain in result.stdout, result.stdout[-3000:]


def _modules() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*.py") if "__pycache__" not in p.parts)


def _package(path: Path) -> str:
    """The subpackage `path` belongs to ("" for graphlab's own files, "app" outside graphlab)."""
    if not path.is_relative_to(LIBRARY):
        return "app"
    parts = path.relative_to(LIBRARY).parts
    return parts[0] if len(parts) > 1 else ""


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module a `from ... import` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    here = ["graphlab", *path.relative_to(LIBRARY).with_suffix("").parts]
    base = here[: len(here) - node.level]  # level 1: the package (of a module, or an __init__)
    return ".".join(base + ([node.module] if node.module else []))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _crossings(path: Path, text: str) -> list[str]:
    """Private names of another graphlab package that `text` (the file at `path`) reaches:
    `from graphlab.x import _y` (relative or not), a private module on the way, or `m._y` (or
    `m.sub._y`) where `m` names a module of another package."""
    mine = _package(path)
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> the graphlab module (or name) it stands for

    def cross(dotted: str, shown: str) -> None:
        parts = dotted.split(".")
        other = parts[0] == "graphlab" and (parts[1] if len(parts) > 1 else "") != mine
        if other and any(_private(p) for p in parts[1:]):
            found.append(f"{path.name}: {shown}")

    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                cross(a.name, a.name)
                if a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node) if path.is_relative_to(LIBRARY) else node.module or ""
            for a in node.names:
                cross(f"{module}.{a.name}", f"{module}.{a.name}")
                aliases[a.asname or a.name] = f"{module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root, _, rest = ast.unparse(node.value).partition(".")
            base = root if root == "graphlab" else aliases.get(root)
            if base:
                cross(".".join(filter(None, [base, rest, node.attr])), ast.unparse(node))
    return found


def test_no_private_name_is_imported_across_packages() -> None:
    crossings = [c for path in _modules() + APP for c in _crossings(path, path.read_text())]
    assert crossings == []


@pytest.mark.parametrize(
    ("across", "within"),
    [
        ("from graphlab.core.walk import _op_kinds\n", "from .walk import _op_kinds\n"),
        ("from ..core.walk import _op_kinds\n", "from graphlab.core.walk import _op_kinds\n"),
        ("from ..core import walk\nwalk._op_kinds\n", "from . import walk\nwalk._op_kinds\n"),
        ("import graphlab.core.walk as w\nw._op_kinds\n", "from .. import core\ncore._x\n"),
        ("from .. import core\ncore.walk._op_kinds\n", "import graphlab.core._x\n"),
        ("import graphlab.core.walk\ngraphlab.core.walk._op_kinds\n", "x._y\n"),
        ("import graphlab as gl\ngl._WHERE\n", "from graphlab.render import dot\ndot.x\n"),
    ],
)
def test_the_private_name_check_sees_every_way_across(across, within) -> None:
    assert _crossings(LIBRARY / "render" / "dot.py", across)
    assert not _crossings(LIBRARY / "core" / "summary.py", within)
    absolute = across.replace("from .. ", "from graphlab ").replace("..core", "graphlab.core")
    assert _crossings(ROOT / "widgets" / "stepper.py", absolute)  # the app is another package


def _root_imports(path: Path, text: str) -> list[str]:
    """Imports of the root package itself (not of a subpackage): `import graphlab`,
    `from graphlab import capture`. Its names resolve lazily, so the import contracts see only
    `-> graphlab`, never the layer such a name comes from."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "graphlab"]
        elif isinstance(node, ast.ImportFrom) and _absolute(path, node) == "graphlab":
            found += [a.name for a in node.names if a.name not in PACKAGES]
    return found


def test_no_library_module_goes_through_the_root_package() -> None:
    found = {
        str(p.relative_to(ROOT)): names
        for p in _modules()
        if p.parent != LIBRARY and (names := _root_imports(p, p.read_text()))
    }
    assert found == {}
    core = LIBRARY / "core" / "walk.py"
    assert _root_imports(core, "import graphlab as gl\n") == ["graphlab"]
    assert _root_imports(core, "from .. import to_dot, render\n") == ["to_dot"]


def test_every_module_is_short() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_the_library_loads_no_app_library() -> None:
    # Every module but the two that run on import (__main__) and the two allowed to draw.
    code = (
        "import importlib, pkgutil, sys, graphlab as gl\n"
        "for m in pkgutil.walk_packages(gl.__path__, 'graphlab.'):\n"
        "    if not m.name.endswith('__main__') and m.name not in (\n"
        "            'graphlab.train.plots', 'graphlab.train.gradient_plots'):\n"
        "        importlib.import_module(m.name)\n"
        "gl.capture, gl.to_dot, gl.Recorder, gl.evaluate\n"
        "app = {'streamlit', 'plotly', 'altair', 'pandas', 'torchviz', 'widgets', 'app_pages'}\n"
        "print(len(sys.modules), sorted(app & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr[-2000:]
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 100 and loaded.strip() == "[]"


# The public API of ../shared/DESIGN.md, and where each name is defined.
API = {
    "capture": "graphlab.core.walk",
    "to_dot": "graphlab.render.dot",
    "to_svg": "graphlab.render.dot",
    "Recorder": "graphlab.record.recorder",
    "trace_forward": "graphlab.record.forward",
    "summarize": "graphlab.core.summary",
    "diff": "graphlab.core.graph_diff",
    "evaluate": "graphlab.sandbox.evaluation",
    "ExpressionError": "graphlab.sandbox.errors",
    "Graph": "graphlab.core.graph",
    "Node": "graphlab.core.graph",
    "Edge": "graphlab.core.graph",
    "track_modules": "graphlab.core.modules",
    "GraphvizNotFound": "graphlab.render.dot",
}


def test_the_root_package_is_lazy_and_resolves_the_documented_api() -> None:
    code = (
        "import json, sys\n"
        "import graphlab as gl\n"
        "before = sorted(m for m in sys.modules if m.startswith(('graphlab.', 'torch')))\n"
        f"where = {{n: getattr(gl, n).__module__ for n in {list(API)!r}}}\n"
        "deep = [gl.data.load_mnist.__module__, gl.train.Trainer.__module__,\n"
        "        gl.train.TrainConfig.__module__]\n"
        "try:\n"
        "    gl.no_such_name\n"
        "except AttributeError as err:\n"
        "    missing = str(err)\n"
        "print(json.dumps([before, where, deep, missing, dir(gl), gl.__all__]))\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr[-2000:]
    before, where, deep, missing, listed, public = json.loads(result.stdout)
    assert before == []  # `import graphlab` loads neither a subpackage nor torch
    assert where == API
    assert deep == ["graphlab.data.mnist", "graphlab.train.trainer", "graphlab.train.config"]
    assert missing == "module 'graphlab' has no attribute 'no_such_name'"
    # Tab completion offers the API (and the dunders), not this file's own imports.
    assert set(public) <= set(listed) and "__version__" in listed
    assert set(API) | set(PACKAGES) <= set(public)  # every subpackage is `gl.<name>` too
    assert not {"Any", "annotations", "importlib"} & set(listed)
    assert [n for n in listed if n.startswith("_") and not n.startswith("__")] == []


def test_star_import_gives_every_public_name() -> None:
    namespace: dict = {}
    exec("from graphlab import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(graphlab.__all__)
    assert namespace["capture"] is graphlab.core.capture and namespace["data"] is graphlab.data


def _isort_key(name: str) -> tuple[int, str]:
    """The order of every `__all__` here: CONSTANTS, then Classes, then functions and modules."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def _library_modules() -> list[str]:
    found = pkgutil.walk_packages(graphlab.__path__, "graphlab.")
    return [m.name for m in found if not m.name.endswith("__main__")]


@pytest.mark.parametrize("name", ["graphlab", *_library_modules()])
def test_every_all_names_what_exists_once(name) -> None:
    module = importlib.import_module(name)
    public = getattr(module, "__all__", None)
    if public is None:
        assert name.startswith("graphlab.cli."), f"{name} has no __all__"
        return
    assert [n for n in public if not hasattr(module, n)] == []
    assert len(set(public)) == len(public)
    if name == "graphlab" or name.removeprefix("graphlab.") in PACKAGES:
        assert list(public) == sorted(public, key=_isort_key)  # an API reads in order


@pytest.mark.parametrize(
    "package",
    PACKAGES,
)
def test_a_package_api_hides_none_of_its_modules(package) -> None:
    """`import graphlab.render.frames as m` must give the module, not a function of that name
    the package's `__init__` imported."""
    pkg = importlib.import_module(f"graphlab.{package}")
    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name != "__main__":
            module = importlib.import_module(f"{pkg.__name__}.{m.name}")
            assert getattr(pkg, m.name) is module, f"graphlab.{package}.{m.name}"
