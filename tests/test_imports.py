"""Start-up stays light: importing cli (and --help everywhere) loads none of the heavy libraries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["sudachipy", "polars", "openpyxl", "rapidfuzz", "numpy", "fastapi", "starlette",
         "jinja2", "uvicorn"]

PROBE = """
import json, sys
from taiyaku import cli
after_import = sorted(m for m in {heavy} if m in sys.modules)
from click.testing import CliRunner
import click

def walk(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))

runner = CliRunner()
codes = [runner.invoke(cli.cli, ["--help"]).exit_code]
codes += [runner.invoke(cli.cli, [*p, "--help"]).exit_code for p in walk(cli.cli)]
after_help = sorted(m for m in {heavy} if m in sys.modules)
print(json.dumps({{"import": after_import, "help": after_help, "codes": codes}}))
"""

LIBRARY_PROBE = """
import json, sys
import taiyaku.core.errors, taiyaku.store, taiyaku.tm.textio, taiyaku.core.normalize
import taiyaku.tm.stats, taiyaku.core.signature, taiyaku.core.progress
import taiyaku.core.japanese, taiyaku.store.sqlite.index, taiyaku.tm.search
print(json.dumps(sorted(m for m in {heavy} + ["click"] if m in sys.modules)))
"""


def probe(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cli_import_and_help_stay_light() -> None:
    result = json.loads(probe(PROBE.format(heavy=HEAVY)))
    assert result["import"] == []
    assert result["help"] == []
    assert len(result["codes"]) > 10
    assert set(result["codes"]) == {0}


def test_foundation_modules_import_neither_heavy_libraries_nor_click() -> None:
    assert json.loads(probe(LIBRARY_PROBE.format(heavy=HEAVY))) == []


def test_every_import_uses_the_installed_names() -> None:
    """``import tm…`` works from the repository root by accident (the folder is on sys.path) and
    nowhere else: every import names the package, ``taiyaku.tm…``."""
    old = re.compile(r"^\s*(?:>>> |\.\.\. )?(?:from|import) (?:tm|glossary|exports|core|store|web"
                     r"|cli)\b", re.M)
    files = [p for p in ROOT.rglob("*.py") if not {".venv", "build"} & set(p.parts)]
    offenders = [f"{p.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}"
                 for p in files for text in [p.read_text(encoding="utf-8")]
                 for m in old.finditer(text)]
    assert len(files) > 50
    assert offenders == []
