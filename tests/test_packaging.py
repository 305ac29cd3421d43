"""What ``pip install .`` puts into site-packages: the package taiyaku and nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_only_the_taiyaku_package(tmp_path: Path) -> None:
    # built from a copy: setuptools leaves a build/ folder in the tree it builds
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis",
        "demo-output", "bench-output"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(tmp_path), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("taiyaku-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"taiyaku", wheel.name.split("-py")[0] + ".dist-info"}
    modules = {name.removesuffix(".py").replace("/", ".") for name in names
               if name.endswith(".py")}
    # every room is there, under its installed name; the tests and samples are not
    assert {"taiyaku.cli", "taiyaku.core.errors", "taiyaku.tm.align", "taiyaku.glossary.lookup",
            "taiyaku.exports.tmx"} <= modules
    assert not any(m.startswith(("taiyaku.tests", "taiyaku.samples")) for m in modules)
    assert "taiyaku/tm/data/lexicon.tsv" in names and "taiyaku/py.typed" in names
    # the workbench's templates and static files (taiyaku serve)
    assert {"taiyaku/web/templates/base.html", "taiyaku/web/templates/align.html",
            "taiyaku/web/static/app.js", "taiyaku/web/static/app.css",
            "taiyaku/web/static/align.js", "taiyaku/web/routes/documents.py"} <= set(names)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "taiyaku = taiyaku.cli:cli" in entry_points
