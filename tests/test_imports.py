"""Start-up stays light: importing cli (and --help everywhere) loads none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["sudachipy", "polars", "openpyxl", "rapidfuzz", "numpy"]

PROBE = """
import json, sys
import cli
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
import tm.errors, tm.store, tm.textio, tm.normalize, tm.stats, tm.signature, tm.progress
import tm.japanese, tm.index, tm.search
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
