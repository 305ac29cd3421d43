"""Output files that do no harm (issue 15.15, 15.16, 16.6, 16.12): CSV cells never become
formulas, XLSX never cuts a cell silently, outputs never overwrite the database or an input,
outputs get the permissions of a normal write, and a failing command writes nothing."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports import delimited
from exports.cells import FORMULA_TRIGGERS, guard_cell, unguard_cell
from glossary.model import TermEntry, TermForm
from tm.model import TMUnit

ROOT = Path(__file__).resolve().parent.parent.parent
DANGEROUS = ["=HYPERLINK(\"http://example.invalid\",\"quay\")", "+81 3 1234", "-3% year on year",
             "@SUM(A1:A2)", "\tindented", "\rreturn", "'=already quoted", "''+twice"]


def _raw_cells(data: bytes, dialect: delimited.Delimited) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))


# -- 15.15: CSV/TSV formula guard ----------------------------------------------------------------
@pytest.mark.parametrize("dialect", [delimited.CSV, delimited.TSV], ids=["csv", "tsv"])
def test_tm_cells_that_start_a_formula_are_prefixed_and_read_back(
        dialect: delimited.Delimited) -> None:
    units = [TMUnit(ja=f"第{i}号岸壁", en=text, note=text) for i, text in enumerate(DANGEROUS)]
    buf = io.BytesIO()
    dialect.write_units(units, buf)
    rows = _raw_cells(buf.getvalue(), dialect)[1:]
    for row, text in zip(rows, DANGEROUS, strict=True):
        en = row[1]
        assert en == "'" + text, en  # what a spreadsheet program sees: text, not a formula
        assert not en.startswith(FORMULA_TRIGGERS)
    back = list(dialect.read_units(io.BytesIO(buf.getvalue()), "m" + dialect.extensions[0]))
    assert [(u.en, u.note) for u in back] == [(t, t) for t in DANGEROUS]


@pytest.mark.parametrize("dialect", [delimited.CSV, delimited.TSV], ids=["csv", "tsv"])
def test_glossary_cells_that_start_a_formula_are_prefixed_and_read_back(
        dialect: delimited.Delimited) -> None:
    entry = TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm("=port", "en"),),
                      note="-see the style guide", definition="@harbour",
                      status="approved")
    buf = io.BytesIO()
    dialect.write([entry], buf)
    text = buf.getvalue().decode("utf-8")
    assert "'=port" in text and "'-see the style guide" in text and "'@harbour" in text
    [back] = dialect.read(io.BytesIO(buf.getvalue()), "g" + dialect.extensions[0])
    assert [f.text for f in back.en] == ["=port"]
    assert (back.note, back.definition) == ("-see the style guide", "@harbour")


def test_another_tools_csv_keeps_its_apostrophes() -> None:
    """Only files taiyaku wrote lose the guard: another tool's leading ' is the user's text."""
    data = "ja,en,note\n港湾,'=port,'-dash\n".encode()
    [unit] = delimited.CSV.read_units(io.BytesIO(data), "other.csv")
    assert (unit.en, unit.note) == ("'=port", "'-dash")
    [unit] = delimited.CSV.read_units(io.BytesIO(data), "other.csv", unguard=True)
    assert (unit.en, unit.note) == ("=port", "-dash")


@given(st.text())
def test_guard_round_trip_and_never_a_formula(text: str) -> None:
    guarded = guard_cell(text)
    assert unguard_cell(guarded) == text
    assert not guarded.startswith(FORMULA_TRIGGERS)
    assert guarded in (text, "'" + text)


def test_csv_round_trip_through_the_cli(tmp_path: Path) -> None:
    """tm export -o m.csv, then tm import m.csv into a new database: the same text."""
    from click.testing import CliRunner

    from cli import cli

    src = tmp_path / "src.tsv"
    src.write_text("ja\ten\n港湾\t=port\n岸壁\t-quay\n", encoding="utf-8")
    runner = CliRunner()
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    out = tmp_path / "m.csv"
    for args in (["tm", "import", str(src), "--db", str(a)],
                 ["tm", "export", "-o", str(out), "--db", str(a)],
                 ["tm", "import", str(out), "--db", str(b)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert "'=port" in out.read_text("utf-8")
    import sqlite3

    with sqlite3.connect(b) as conn:
        stored = sorted(r[0] for r in conn.execute("SELECT en FROM units"))
    assert stored == ["-quay", "=port"]
