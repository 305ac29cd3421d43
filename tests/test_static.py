"""Static checks as tests: ruff and mypy --strict over the taiyaku package (rooms and cli.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("core", "store", "tm", "glossary", "exports", "web")


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "__init__.py", "cli.py", *ROOMS, "tests"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    # mypy finds modules by folder names, and the package's folder (the repository root) may be
    # called anything: a link named taiyaku gives mypy the installed names (taiyaku.tm…).
    (tmp_path / "taiyaku").symlink_to(ROOT, target_is_directory=True)
    packages = [arg for room in ROOMS for arg in ("-p", f"taiyaku.{room}")]
    result = subprocess.run([_tool("mypy"), "-m", "taiyaku", "-m", "taiyaku.cli", *packages],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "MYPYPATH": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout
