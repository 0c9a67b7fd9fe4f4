"""The layers of docs/architecture.md hold: import-linter keeps the contracts in pyproject.toml,
and a deliberate upward import (core importing the case loop) breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=240,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "gongzhi", tree / "gongzhi", ignore=shutil.ignore_patterns("static", "locale", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_tree_keeps_its_layers(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_contract(tmp_path):
    tree = _copy(tmp_path)
    (tree / "gongzhi" / "core" / "upward.py").write_text("from gongzhi.cases import selectors  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "gongzhi.core is not allowed to import gongzhi.cases" in result.stdout
