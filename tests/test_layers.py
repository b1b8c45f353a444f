"""The layer contracts (pyproject.toml, [tool.importlinter]) that `make lint`
checks in CI: portal (the frame) <- networking <- appservice, aks <- labs
<- classroom, and the engines import no Django. A wrong import fails the linter."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("portal", "networking", "appservice", "aks", "labs", "classroom")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter isn't installed (requirements-dev.txt)")


def _lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(cwd)}, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's Python packages and its contracts."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("templates", "static", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_networking_and_the_engines_keep_their_layers():
    result = _lint(ROOT, "networking", "engines")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_five_contracts_are_configured():
    result = _lint(ROOT)
    for name in (
        "The frame (portal) imports no app",
        "networking imports neither appservice nor aks",
        "The labs sit above every app: no app imports labs",
        "The classroom sits above the labs: nothing below imports classroom",
        "The engines import no Django",
    ):
        assert name in result.stdout


@pytest.mark.parametrize(
    "module, line, broken",
    [
        ("networking/wrong.py", "from appservice.models import WebApp\n", "networking imports neither appservice nor aks"),
        ("networking/wrong.py", "import aks.models\n", "networking imports neither appservice nor aks"),
        ("networking/engine/wrong.py", "from django.db import models\n", "The engines import no Django"),
        ("portal/wrong.py", "import networking.models\n", "The frame (portal) imports no app"),
        ("appservice/wrong.py", "from labs import checks\n", "The labs sit above every app: no app imports labs"),
        (
            "labs/wrong.py",
            "from classroom.models import Instructor\n",
            "The classroom sits above the labs: nothing below imports classroom",
        ),
        ("portal/wrong.py", "import classroom\n", "The classroom sits above the labs: nothing below imports classroom"),
    ],
)
def test_a_wrong_import_breaks_its_contract_and_is_named(tree: Path, module: str, line: str, broken: str):
    (tree / module).write_text(line)
    result = _lint(tree)
    assert result.returncode != 0
    assert f"{broken} BROKEN" in result.stdout
    assert module.removesuffix(".py").replace("/", ".") + " ->" in result.stdout


def test_apps_above_the_engines_may_use_django(tree: Path):
    (tree / "aks" / "wrong.py").write_text("import django\n")
    assert "aks.wrong" not in _lint(tree).stdout


def test_the_aks_planner_is_an_engine_too(tree: Path):
    planning = tree / "aks" / "planning.py"
    planning.write_text(planning.read_text() + "\nimport django  # noqa: E402\n")
    result = _lint(tree, "engines")
    assert result.returncode != 0 and "The engines import no Django BROKEN" in result.stdout
