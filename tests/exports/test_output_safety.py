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
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import delimited
from taiyaku.exports.cells import FORMULA_TRIGGERS, guard_cell, unguard_cell
from taiyaku.store import Store, open_store

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
    from taiyaku.cli import cli

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


# -- CLI helpers -----------------------------------------------------------------------------------
DATA = ROOT / "tests" / "data"


def _invoke(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner
    from taiyaku.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tm_db(pt_tm_store: Store) -> Path:
    """The pre-translation test TM and glossary as a closed database file."""
    pt_tm_store.close()
    assert pt_tm_store.path is not None
    return pt_tm_store.path


def _one_error_line(code: int, stderr: str, *needles: str) -> None:
    lines = stderr.strip().splitlines()
    assert code == 1, stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- 15.15: outputs that would overwrite the database or an input ---------------------------------
@pytest.mark.parametrize(("group", "name"), [("tm", "memory.tsv"), ("terms", "glossary.csv"),
                                             ("tm", "tm.db")])
def test_export_over_the_database_is_refused(tm_db: Path, group: str, name: str) -> None:
    """``--db`` given the export's name (a slip of the hand: both are paths)."""
    db = tm_db.with_name(name)
    if db != tm_db:
        tm_db.rename(db)
    before = db.read_bytes()
    code, _, err = _invoke(group, "export", "-o", str(db), "--db", str(db))
    _one_error_line(code, err, str(db), "database")
    assert db.read_bytes() == before


def test_export_over_the_databases_wal_file_is_refused(tm_db: Path) -> None:
    wal = Path(f"{tm_db}-wal")
    code, _, err = _invoke("tm", "export", "-o", f"{wal}.tsv", "--db", str(tm_db))
    assert code == 0, err  # a name that merely starts like the database's is fine
    from taiyaku.core.errors import ExportError
    from taiyaku.exports.outfile import check_outputs

    with pytest.raises(ExportError, match="wal"):
        check_outputs({"output": wal}, database=tm_db)


def test_pretranslate_output_and_report_with_one_name_is_refused(tm_db: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    same = out / "same.json"
    code, _, err = _invoke("pretranslate", str(DATA / "pt_new_ja.txt"), "-o", str(same),
                           "--report", str(same), "--db", str(tm_db))
    _one_error_line(code, err, "same.json", "report", "output")
    assert _files(out) == []


def test_pretranslate_over_its_input_is_refused(tm_db: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    text = (DATA / "pt_new_ja.txt").read_text("utf-8")
    src.write_text(text, encoding="utf-8")
    code, _, err = _invoke("pretranslate", str(src), "-o", str(src), "--db", str(tm_db))
    _one_error_line(code, err, "in.json", "input")
    assert src.read_text("utf-8") == text


def test_ingest_review_over_its_input_is_refused(tmp_path: Path) -> None:
    article = tmp_path / "article.html"
    text = (DATA / "ingest_interleaved.txt").read_text("utf-8")
    article.write_text(text, encoding="utf-8")
    db = tmp_path / "new.db"
    code, _, err = _invoke("ingest", str(article), "--review", str(article), "--db", str(db))
    _one_error_line(code, err, "article.html", "review", "input")
    assert article.read_text("utf-8") == text
    en = tmp_path / "en.html"
    en.write_text((DATA / "ingest_pair_en.txt").read_text("utf-8"), encoding="utf-8")
    code, _, err = _invoke("ingest", str(DATA / "ingest_pair_ja.txt"), "--en", str(en),
                           "--review", str(en), "--db", str(db))
    _one_error_line(code, err, "en.html", "English")


# -- 16.12: a failing command writes no output ----------------------------------------------------
def test_pretranslate_with_a_report_in_a_missing_folder_writes_nothing(
        tm_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    code, _, err = _invoke("pretranslate", str(DATA / "pt_new_ja.txt"), "-o", str(out),
                           "--report", str(tmp_path / "nodir" / "rep.html"), "--db", str(tm_db))
    _one_error_line(code, err, "nodir")
    assert not out.exists()


def test_pretranslate_whose_report_fails_midway_keeps_the_old_output(
        tm_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report fails while being written (disk full): the new output is not renamed into
    place, the old one stays, and no temporary file is left."""
    import errno

    import taiyaku.exports.html as report_html

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report_html, "write_report", full)
    out, rep = tmp_path / "o.json", tmp_path / "rep.html"
    out.write_text("old pre-translation", encoding="utf-8")
    before = _files(tmp_path)
    code, _, err = _invoke("pretranslate", str(DATA / "pt_new_ja.txt"), "-o", str(out),
                           "--report", str(rep), "--db", str(tm_db))
    _one_error_line(code, err, "rep.html", "No space left")
    assert out.read_text("utf-8") == "old pre-translation"
    assert _files(tmp_path) == before


# -- 15.16: permissions ----------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_new_outputs_get_the_umasks_permissions(tmp_path: Path, umask: int) -> None:
    from taiyaku.exports.outfile import atomic_output

    old = os.umask(umask)
    try:
        with atomic_output(tmp_path / "new.tmx") as fp:
            fp.write(b"x")
        plain = tmp_path / "plain.txt"
        plain.write_bytes(b"x")  # what a normal write gives
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "new.tmx").stat().st_mode)
    assert mode == 0o666 & ~umask == stat.S_IMODE(plain.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_overwriting_keeps_the_files_mode(tm_db: Path, tmp_path: Path, mode: int) -> None:
    out = tmp_path / "memory.tmx"
    out.write_bytes(b"old")
    out.chmod(mode)
    code, _, err = _invoke("tm", "export", "-o", str(out), "--db", str(tm_db))
    assert code == 0, err
    assert out.read_bytes() != b"old"
    assert stat.S_IMODE(out.stat().st_mode) == mode


# -- 15.15: XLSX never cuts a cell -----------------------------------------------------------------
LONG = "長" * 32_768


def test_tm_xlsx_export_refuses_a_unit_too_long_for_a_cell(tm_db: Path, tmp_path: Path) -> None:
    from taiyaku.core.model import NewUnit

    with open_store(tm_db) as store, store.transaction():
        doc = store.documents.add("long.txt", layout="pair", kind="bilingual")
        store.units.add(doc, [NewUnit(LONG, "A very long unit.", 0)])
    out = tmp_path / "memory.xlsx"
    code, _, err = _invoke("tm", "export", "-o", str(out), "--db", str(tm_db))
    _one_error_line(code, err, "memory.xlsx", "long.txt", "32,768 characters", "32,767")
    assert not out.exists()
    assert [name for name in _files(tmp_path) if name.endswith(".part")] == []


def test_glossary_xlsx_export_names_the_entry_too_long_for_a_cell(tm_db: Path,
                                                                   tmp_path: Path) -> None:
    from taiyaku.glossary.store import add_term

    with open_store(tm_db) as store:
        entry = add_term(store, "岸壁", "quay", note=LONG)
    out = tmp_path / "glossary.xlsx"
    out.write_bytes(b"previous")
    code, _, err = _invoke("terms", "export", "-o", str(out), "--db", str(tm_db))
    _one_error_line(code, err, "glossary.xlsx", f"entry {entry.id} (岸壁)", "note")
    assert out.read_bytes() == b"previous"


def test_pretranslate_xlsx_refuses_a_segment_too_long_for_a_cell(tm_db: Path,
                                                                  tmp_path: Path) -> None:
    src = tmp_path / "long.txt"
    src.write_text("港湾" * 17_000 + "\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    code, _, err = _invoke("pretranslate", str(src), "-o", str(out), "--db", str(tm_db))
    _one_error_line(code, err, "o.xlsx", "segment 1", "34,000 characters")
    assert not out.exists()


# -- 16.6: a full disk gives one line and nothing after it ---------------------------------------
FULL_DISK = '''
import errno, os, sys
import taiyaku.exports.outfile as outfile_module

real_fdopen = os.fdopen


class Full:
    """The temporary output file on a full disk: every write fails with ENOSPC."""

    def __init__(self, fp):
        self.fp = fp

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.fp, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fp.close()


outfile_module.os.fdopen = lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k))
from taiyaku.cli import cli

cli(sys.argv[1:])
'''


@pytest.mark.parametrize("command", ["pretranslate", "review", "tm-export"])
def test_xlsx_on_a_full_disk_prints_one_line_and_nothing_else(
        tm_db: Path, tmp_path: Path, command: str) -> None:
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    args = {
        "pretranslate": ["pretranslate", str(DATA / "pt_new_ja.txt"), "-o", str(out)],
        "review": ["ingest", str(DATA / "ingest_pair_ja.txt"), "--en",
                   str(DATA / "ingest_pair_en.txt"), "--review", str(out)],
        "tm-export": ["tm", "export", "-o", str(out)],
    }[command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script), *args, "--db", str(tm_db)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [f"Error: {out}: cannot write (No space left on device)"]
    assert not out.exists()


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_an_output_that_is_a_symlink_writes_the_file_it_points_to(tmp_path: Path) -> None:
    from taiyaku.exports.outfile import atomic_output

    real = tmp_path / "shared" / "memory.tmx"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "memory.tmx"
    link.symlink_to(real)
    with atomic_output(link) as fp:
        fp.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
