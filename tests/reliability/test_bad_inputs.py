"""A catalogue of bad inputs run through the real CLI: one clean error, database untouched.

Each case builds its hostile file at test time, runs ``taiyaku`` in a subprocess against a
database holding some content, and checks: exit 1, no traceback, exactly one ``Error:`` line
on stderr naming the file and the problem, and the database file byte-identical (sha256 after
a WAL checkpoint) before and after.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import badfiles as bf
from .support import (
    assert_one_line_error,
    db_counts,
    db_hash,
    describe,
    integrity,
    require,
    run_cli,
    write_pair,
)

INGEST = ("tm.ingest",)
TM_IO = ("tm.tmio", "exports.tmx")
GLOSSARY_IO = ("glossary.io",)
PRETRANSLATE = ("tm.pretranslate", "tm.search", "exports.xliff")


@dataclass(frozen=True)
class Ctx:
    """What a case builder gets: a scratch folder and the database under test."""

    tmp: Path
    db: Path


@dataclass(frozen=True)
class Case:
    """One bad input.

    :ivar build: writes the input, returns (argv after ``taiyaku``, text the error must name)
    :ivar problem: regex the error line must match (what is wrong)
    :ivar needs: modules the case exercises (each must import, else the case fails)
    """

    name: str
    build: Callable[[Ctx], tuple[list[str], str]]
    problem: str
    needs: tuple[str, ...] = ()
    timeout: float = 90
    exit_code: int = 1
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


def file_case(name: str, command: list[str], filename: str, data: Callable[[], bytes | str],
              problem: str, needs: tuple[str, ...], extra: tuple[str, ...] = (),
              **kw: object) -> Case:
    """A case where FILE is a generated file given to *command*."""

    def build(ctx: Ctx) -> tuple[list[str], str]:
        path = bf.write(ctx.tmp, filename, data())
        return [*command, str(path), *extra], filename

    return Case(name, build, problem, needs, **kw)  # type: ignore[arg-type]


def ingest_case(name: str, filename: str, data: Callable[[], bytes | str], problem: str,
                extra: tuple[str, ...] = (), **kw: object) -> Case:
    return file_case(name, ["ingest"], filename, data, problem, INGEST, extra, **kw)


# Problems, as regexes over the one error line.
EMPTY = r"empty|no text"
BINARY = r"binary|not a text|image|archive|PNG|zip"
UNDECODABLE = r"decode|encoding|UTF-8|invalid"
NUL = r"NUL|binary|UTF-16"
XML_BROKEN = r"malformed|not well-formed|XML|truncated|unclosed|syntax|no element"
UNSAFE = r"unsafe|entit|external|DTD|refused"
WRONG_ROOT = r"root|not a (TMX|TBX)|expected|<tmx>|<tbx>|<martif>"
NO_LANG = r"lang"
DEEP = r"nested more than \d+ levels deep"
XLSX_BROKEN = r"xlsx|zip|corrupt|damaged|truncated|not a valid|workbook"
TOO_BIG = r"too (large|big|long)|uncompressed|bomb|limit|exceed"
FULL = r"space|full|cannot write|ENOSPC|No space"
COLUMNS = r"column|header"
NOT_ONE_LANGUAGE = r"English|Japanese|language|mono|half|bilingual"


def _dir(ctx: Ctx) -> tuple[list[str], str]:
    d = ctx.tmp / "a-folder.txt"
    d.mkdir()
    return ["ingest", str(d)], d.name


def _missing(ctx: Ctx) -> tuple[list[str], str]:
    return ["ingest", str(ctx.tmp / "no-such-article.txt")], "no-such-article.txt"


def _loop(ctx: Ctx) -> tuple[list[str], str]:
    return ["ingest", str(bf.symlink_loop(ctx.tmp, "loop.txt"))], "loop.txt"


def _unreadable(ctx: Ctx) -> tuple[list[str], str]:
    path = bf.write(ctx.tmp, "secret.txt", bf.bilingual_bytes())
    path.chmod(0)
    return ["ingest", str(path)], "secret.txt"


def _pair_bad_en(ctx: Ctx) -> tuple[list[str], str]:
    ja, _ = write_pair(ctx.tmp, 8)
    en = bf.write(ctx.tmp, "english.txt", bf.png_bytes())
    return ["ingest", str(ja), "--en", str(en)], "english.txt"


def _review_full(ctx: Ctx) -> tuple[list[str], str]:
    ja, en = write_pair(ctx.tmp, 8)
    review = bf.link_to_dev_full(ctx.tmp, "review.html")
    return ["ingest", str(ja), "--en", str(en), "--review", str(review)], "review.html"


def _segment_png(ctx: Ctx) -> tuple[list[str], str]:
    return ["segment", str(bf.write(ctx.tmp, "picture.txt", bf.png_bytes()))], "picture.txt"


def _bomb(command: list[str], rows: Callable[[], list[list[str]]]) -> Callable[[Ctx], tuple[
        list[str], str]]:
    def build(ctx: Ctx) -> tuple[list[str], str]:
        path = bf.xlsx_bomb(ctx.tmp / "bomb.xlsx", rows())
        return [*command, str(path)], "bomb.xlsx"
    return build


def _import_dir(ctx: Ctx) -> tuple[list[str], str]:
    d = ctx.tmp / "glossary.tbx"
    d.mkdir()
    return ["terms", "import", str(d)], d.name


def _db_not_sqlite(ctx: Ctx) -> tuple[list[str], str]:
    bad = bf.write(ctx.tmp, "notes.db", "these are my notes, not a database\n" * 50)
    return ["stats", "--db", str(bad)], "notes.db"


def _db_dir(ctx: Ctx) -> tuple[list[str], str]:
    d = ctx.tmp / "dbfolder"
    d.mkdir()
    return ["stats", "--db", str(d)], "dbfolder"


def _export_to(command: list[str], filename: str) -> Callable[[Ctx], tuple[list[str], str]]:
    def build(ctx: Ctx) -> tuple[list[str], str]:
        return [*command, "-o", str(bf.link_to_dev_full(ctx.tmp, filename))], filename
    return build


def _export_missing_folder(ctx: Ctx) -> tuple[list[str], str]:
    return ["tm", "export", "-o", str(ctx.tmp / "no-folder" / "out.tmx")], "out.tmx"


def _export_unknown(ctx: Ctx) -> tuple[list[str], str]:
    return ["terms", "export", "-o", str(ctx.tmp / "glossary.docx")], "glossary.docx"


def _export_dir(ctx: Ctx) -> tuple[list[str], str]:
    d = ctx.tmp / "out.tmx"
    d.mkdir()
    return ["tm", "export", "-o", str(d)], "out.tmx"


def _pretranslate_full(ctx: Ctx) -> tuple[list[str], str]:
    src = bf.write(ctx.tmp, "new.txt", bf.japanese_only_text(6))
    out = bf.link_to_dev_full(ctx.tmp, "new.xlf")
    return ["pretranslate", str(src), "-o", str(out)], "new.xlf"


def _pretranslate_png(ctx: Ctx) -> tuple[list[str], str]:
    src = bf.write(ctx.tmp, "new.txt", bf.png_bytes())
    return ["pretranslate", str(src), "-o", str(ctx.tmp / "new.xlf")], "new.txt"



IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

CATALOGUE: list[Case] = [
    # -- text documents ------------------------------------------------------------------
    ingest_case("empty", "empty.txt", lambda: b"", EMPTY),
    ingest_case("whitespace-only", "blank.txt", lambda: " \n\t\n\u3000\n  \r\n", EMPTY),
    ingest_case("png-image", "photo.txt", bf.png_bytes, BINARY),
    ingest_case("zip-archive", "archive.txt", bf.zip_bytes, BINARY),
    ingest_case("truncated-utf8", "cut.txt", bf.truncated_utf8, UNDECODABLE),
    ingest_case("mixed-encodings", "mixed.txt", bf.mixed_encodings, UNDECODABLE),
    ingest_case("mixed-encodings-short-utf8-line", "mixed2.txt", bf.mixed_encodings_short_utf8,
                UNDECODABLE),
    ingest_case("utf16-without-bom", "utf16.txt", bf.utf16_no_bom, NUL),
    ingest_case("nul-bytes", "nul.txt", bf.with_nul_bytes, NUL),
    ingest_case("lone-surrogate", "surrogate.txt", bf.lone_surrogate, UNDECODABLE),
    ingest_case("control-characters", "controls.txt", bf.control_chars, r"binary|control"),
    ingest_case("ten-mb-single-line", "oneline.txt", bf.huge_line,
                TOO_BIG + r"|line|segment|English|language", timeout=120),
    ingest_case("japanese-only-as-bilingual", "ja-only.txt", bf.japanese_only_text,
                NOT_ONE_LANGUAGE),
    ingest_case("japanese-only-halves", "ja-only.txt", bf.japanese_only_text,
                NOT_ONE_LANGUAGE, extra=("--layout", "halves")),
    ingest_case("english-only-as-bilingual", "en-only.txt", bf.english_only_text,
                NOT_ONE_LANGUAGE),
    Case("directory-as-file", _dir, r"directory", INGEST),
    Case("missing-file", _missing, r"no such file|not found|does not exist|missing", INGEST),
    Case("symlink-loop-unreadable", _loop, r"cannot read|symbolic|loop|unreadable", INGEST),
    Case("chmod-000-unreadable", _unreadable, r"permission|cannot read|unreadable", INGEST,
         marks=(pytest.mark.skipif(IS_ROOT, reason="root reads chmod 000 files"),)),
    Case("pair-english-file-binary", _pair_bad_en, BINARY, INGEST),
    Case("review-to-full-disk", _review_full, FULL, INGEST),
    Case("segment-binary", _segment_png, BINARY, ("tm.segment",)),
    # -- TMX -----------------------------------------------------------------------------
    file_case("tmx-wrong-root", ["tm", "import"], "memory.tmx", bf.tmx_wrong_root, WRONG_ROOT,
              TM_IO),
    file_case("tmx-missing-xml-lang", ["tm", "import"], "memory.tmx", bf.tmx_missing_lang,
              NO_LANG, TM_IO),
    file_case("tmx-truncated", ["tm", "import"], "memory.tmx", bf.tmx_truncated, XML_BROKEN,
              TM_IO),
    file_case("tmx-billion-laughs", ["tm", "import"], "memory.tmx", bf.tmx_billion_laughs,
              UNSAFE, TM_IO),
    file_case("tmx-external-entity", ["tm", "import"], "memory.tmx", bf.tmx_external_entity,
              UNSAFE, TM_IO),
    file_case("tmx-external-parameter-entity", ["tm", "import"], "memory.tmx",
              bf.tmx_parameter_entity, UNSAFE, TM_IO),
    file_case("tmx-unknown-encoding", ["tm", "import"], "memory.tmx", bf.tmx_unknown_encoding,
              r"encoding", TM_IO),
    file_case("tmx-deep-nesting", ["tm", "import"], "memory.tmx", bf.tmx_deep_nesting,
              DEEP, TM_IO),
    file_case("tmx-not-xml", ["tm", "import"], "memory.tmx",
              lambda: "港湾計画\tharbour plan\n", XML_BROKEN, TM_IO),
    file_case("tmx-empty-file", ["tm", "import"], "memory.tmx", lambda: b"",
              EMPTY + "|" + XML_BROKEN, TM_IO),
    file_case("tmx-png", ["tm", "import"], "memory.tmx", bf.png_bytes,
              BINARY + "|" + XML_BROKEN, TM_IO),
    file_case("tm-import-unknown-format", ["tm", "import"], "memory.docx",
              lambda: bf.zip_bytes(), r"format|extension|support|unknown|not an XLSX", TM_IO),
    file_case("tm-import-truncated-xlsx", ["tm", "import"], "memory.xlsx",
              lambda: bf.xlsx_truncated(bf.tm_rows()), XLSX_BROKEN, TM_IO),
    Case("tm-import-zip-bomb-xlsx", _bomb(["tm", "import"], bf.tm_rows), TOO_BIG, TM_IO,
         timeout=120),
    file_case("tm-import-csv-missing-columns", ["tm", "import"], "memory.csv",
              bf.csv_missing_columns, COLUMNS, TM_IO),
    # -- TBX / glossary ------------------------------------------------------------------
    file_case("tbx-wrong-root", ["terms", "import"], "glossary.tbx", bf.tbx_wrong_root,
              WRONG_ROOT, GLOSSARY_IO),
    file_case("tbx-missing-xml-lang", ["terms", "import"], "glossary.tbx", bf.tbx_missing_lang,
              NO_LANG, GLOSSARY_IO),
    file_case("tbx-truncated", ["terms", "import"], "glossary.tbx", bf.tbx_truncated,
              XML_BROKEN, GLOSSARY_IO),
    file_case("tbx-billion-laughs", ["terms", "import"], "glossary.tbx",
              bf.tbx_billion_laughs, UNSAFE, GLOSSARY_IO),
    file_case("tbx-external-entity", ["terms", "import"], "glossary.tbx",
              bf.tbx_external_entity, UNSAFE, GLOSSARY_IO),
    file_case("tbx-unknown-encoding", ["terms", "import"], "glossary.tbx",
              bf.tbx_unknown_encoding, r"encoding", GLOSSARY_IO),
    file_case("tbx-deep-nesting", ["terms", "import"], "glossary.tbx", bf.tbx_deep_nesting,
              DEEP, GLOSSARY_IO),
    file_case("glossary-truncated-xlsx", ["terms", "import"], "glossary.xlsx",
              lambda: bf.xlsx_truncated(bf.glossary_rows()), XLSX_BROKEN, GLOSSARY_IO),
    file_case("glossary-text-named-xlsx", ["terms", "import"], "glossary.xlsx", bf.fake_xlsx,
              XLSX_BROKEN, GLOSSARY_IO),
    Case("glossary-zip-bomb-xlsx", _bomb(["terms", "import"], bf.glossary_rows), TOO_BIG,
         GLOSSARY_IO, timeout=120),
    file_case("glossary-csv-missing-columns", ["terms", "import"], "glossary.csv",
              bf.csv_missing_columns, COLUMNS, GLOSSARY_IO),
    file_case("glossary-csv-nul-bytes", ["terms", "import"], "glossary.csv",
              lambda: b"ja,en\n\x00\x00\xff\xfe" + bytes(range(256)), NUL + "|" + BINARY
              + "|" + UNDECODABLE, GLOSSARY_IO),
    Case("glossary-directory-as-file", _import_dir, r"directory|not a file", GLOSSARY_IO),
    # -- the database itself -------------------------------------------------------------
    Case("db-not-sqlite", _db_not_sqlite, r"not a (taiyaku )?database|damaged|encrypted",
         ("tm.stats",)),
    Case("db-is-directory", _db_dir, r"directory", ("tm.stats",), exit_code=2),
    # -- exports -------------------------------------------------------------------------
    Case("tm-export-full-disk", _export_to(["tm", "export"], "memory.tmx"), FULL, TM_IO),
    Case("tm-export-xlsx-full-disk", _export_to(["tm", "export"], "memory.xlsx"), FULL,
         TM_IO + ("exports.xlsx",)),
    Case("terms-export-tbx-full-disk", _export_to(["terms", "export"], "glossary.tbx"), FULL,
         GLOSSARY_IO + ("exports.tbx",)),
    Case("terms-export-csv-full-disk", _export_to(["terms", "export"], "glossary.csv"), FULL,
         GLOSSARY_IO + ("exports.delimited",)),
    Case("tm-export-missing-folder", _export_missing_folder, r"folder|exist|directory", TM_IO),
    Case("tm-export-to-directory", _export_dir, r"directory", TM_IO, exit_code=2),
    Case("terms-export-unknown-format", _export_unknown, r"format|extension|support|unknown",
         GLOSSARY_IO),
    Case("pretranslate-binary-input", _pretranslate_png, BINARY, PRETRANSLATE),
    Case("pretranslate-output-full-disk", _pretranslate_full, FULL, PRETRANSLATE),
]


def test_catalogue_is_large_enough() -> None:
    """Issue 8 asks for at least 30 generated bad inputs, each named once."""
    names = [c.name for c in CATALOGUE]
    assert len(names) >= 30
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.name, marks=c.marks) for c in CATALOGUE]
)
def test_bad_input_is_refused_cleanly(case: Case, tmp_path: Path, seeded_db: Path) -> None:
    require(*case.needs)
    work = tmp_path / "work"
    work.mkdir()
    args, names = case.build(Ctx(work, seeded_db))
    before = db_hash(seeded_db)
    counts = db_counts(seeded_db)
    proc = run_cli(args, db=seeded_db, timeout=case.timeout)
    assert_one_line_error(proc, names, case.problem, case.exit_code)
    assert db_counts(seeded_db) == counts
    assert db_hash(seeded_db) == before, "the database changed although the command failed"
    # Nothing half-written next to the inputs: no temp/part files, no partial outputs.
    leftovers = [p.name for p in work.iterdir() if p.name.endswith(".part")]
    assert leftovers == [], leftovers


READ_ONLY_COMMANDS = [
    ["stats", "--json"],
    ["tm", "search", "港湾計画を承認した", "--json"],
    ["tm", "search", "harbour plan", "--concordance"],
    ["terms", "search", "港湾"],
    ["terms", "list", "--json"],
    ["tm", "export", "-o", "{tmp}/memory.tmx"],
    ["terms", "export", "-o", "{tmp}/glossary.tbx"],
]


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_leave_the_database_byte_identical(
    tmp_path: Path, seeded_db: Path, args: list[str]
) -> None:
    """Opening the store writes nothing (no meta refresh, no migration on a current file):
    the byte-identical checks above would be meaningless otherwise."""
    require("tm.search", "glossary.lookup", "tm.tmio", "glossary.io")
    before = db_hash(seeded_db)
    proc = run_cli([a.format(tmp=tmp_path) for a in args], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert db_hash(seeded_db) == before


def test_bad_database_file_is_left_as_it_was(tmp_path: Path) -> None:
    """A --db that is not SQLite is refused without touching the file."""
    require("tm.stats")
    bad = bf.write(tmp_path, "notes.db", "my notes\n" * 100)
    data = bad.read_bytes()
    proc = run_cli(["stats", "--db", str(bad)])
    assert_one_line_error(proc, "notes.db", r"database")
    assert bad.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"], describe(proc)


# -- XLSX formulas: kept as text, never evaluated or lost -------------------------------------
FORMULA = '=HYPERLINK("http://example.invalid","harbour plan")'


def _replace_cell(path: Path, old: str, new: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    hits = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == old:
                    cell.value = new  # openpyxl stores a leading '=' as a formula
                    hits += 1
    assert hits, f"{old!r} not found in {path.name}"
    wb.save(path)


def test_glossary_xlsx_formula_cells_import_as_text(tmp_path: Path, seeded_db: Path) -> None:
    require("glossary.io", "exports.xlsx", "glossary.store")
    sheet = tmp_path / "glossary.xlsx"
    proc = run_cli(["terms", "export", "-o", str(sheet)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    _replace_cell(sheet, "harbour plan", FORMULA)
    fresh = tmp_path / "fresh.db"
    proc = run_cli(["terms", "import", str(sheet)], db=fresh)
    assert proc.returncode == 0, describe(proc)
    proc = run_cli(["terms", "list", "--json", "--limit", "100"], db=fresh)
    assert proc.returncode == 0, describe(proc)
    assert FORMULA in proc.stdout.replace('\\"', '"'), describe(proc)
    # and written back as a text cell, not a live formula
    again = tmp_path / "again.xlsx"
    proc = run_cli(["terms", "export", "-o", str(again)], db=fresh)
    assert proc.returncode == 0, describe(proc)
    import openpyxl

    cells = [c for ws in openpyxl.load_workbook(again).worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells), [(c.value, c.data_type)
                                                              for c in cells]


def test_tm_xlsx_formula_cells_import_as_text(tmp_path: Path, seeded_db: Path) -> None:
    require("tm.tmio", "exports.xlsx")
    from .support import sentence_pair

    sheet = tmp_path / "memory.xlsx"
    proc = run_cli(["tm", "export", "-o", str(sheet)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    en = sentence_pair(10_000)[1]
    formula = '=CONCATENATE("' + en + '")'
    _replace_cell(sheet, en, formula)
    fresh = tmp_path / "fresh.db"
    proc = run_cli(["tm", "import", str(sheet)], db=fresh)
    assert proc.returncode == 0, describe(proc)
    import sqlite3

    conn = sqlite3.connect(fresh)
    try:
        stored = {r[0] for r in conn.execute("SELECT en FROM units")}
    finally:
        conn.close()
    assert formula in stored, sorted(stored)[:5]


# -- a failing export never leaves a half-written file ----------------------------------------
def _limit_file_size(limit: int) -> Callable[[], None]:
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


@pytest.mark.parametrize("target", ["memory.tmx", "memory.csv", "memory.xlsx"])
def test_export_failing_midway_leaves_old_file_and_no_part(
    tmp_path: Path, big_db: Path, target: str
) -> None:
    """A file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so writes fail with EFBIG)
    makes the export fail after writing some bytes: the previous file must survive intact."""
    require("tm.tmio", "exports.tmx", *(("exports.xlsx",) if target.endswith("xlsx") else ()))
    out = tmp_path / target
    old = b"previous export, must survive\n"
    out.write_bytes(old)
    proc = run_cli(["tm", "export", "-o", str(out)], db=big_db)
    assert proc.returncode == 0, describe(proc)
    full_size = out.stat().st_size
    out.write_bytes(old)
    # Room for the database's 32 KB shared-memory file, not for the whole export.
    limit = max(full_size // 3, 64 * 1024)
    assert limit < full_size
    proc = run_cli(["tm", "export", "-o", str(out)], db=big_db,
                   preexec_fn=_limit_file_size(limit))
    if proc.returncode == 0:
        pytest.fail(f"export of {full_size} bytes succeeded under a {limit}-byte limit\n"
                    + describe(proc))
    assert_one_line_error(proc, target, r"large|cannot write|limit|space|File too large")
    assert out.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name or p.name.startswith(
        "." + target)] == []
    assert integrity(big_db) == "ok"


def test_atomic_output_removes_part_file_on_exception(tmp_path: Path) -> None:
    """In-process: an exception in the middle of writing leaves the target as it was."""
    from taiyaku.exports.outfile import atomic_output

    target = tmp_path / "glossary.tbx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as fp:
        fp.write(b"<tbx>half")
        raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary.tbx"]


EXPORTS = [
    ("tm", "memory.tmx"), ("tm", "memory.csv"), ("tm", "memory.xlsx"),
    ("glossary", "glossary.tbx"), ("glossary", "glossary.csv"), ("glossary", "glossary.xlsx"),
]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # openpyxl
@pytest.mark.parametrize("failure", ["disk-full", "bug"])
@pytest.mark.parametrize(("what", "target"), EXPORTS, ids=[t for _, t in EXPORTS])
def test_export_dying_midway_in_process_keeps_the_old_file(
    tmp_path: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch, what: str, target: str,
    failure: str,
) -> None:
    """The records stop coming after three (ENOSPC, or a programming error): the previous
    export is still there, byte for byte, and no temporary file is left beside it."""
    if what == "tm":
        require("tm.tmio")
        import taiyaku.tm.tmio as module

        source_module, source_name = module, "iter_units"
    else:
        require("glossary.io", "glossary.store")
        import taiyaku.glossary.store as module

        source_module, source_name = module, "iter_entries"
    if target.endswith(".xlsx"):
        require("exports.xlsx")
    real = getattr(source_module, source_name)

    def dying(*args: object, **kwargs: object) -> Iterator[object]:
        for i, record in enumerate(real(*args, **kwargs)):
            if i == 3:
                if failure == "disk-full":
                    raise OSError(28, "No space left on device")
                raise RuntimeError("writer bug")
            yield record

    monkeypatch.setattr(source_module, source_name, dying)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / target
    out.write_bytes(b"previous export")
    from taiyaku.core.errors import ExportError
    from taiyaku.store import open_store

    expected: type[BaseException] = ExportError if failure == "disk-full" else RuntimeError
    with open_store(seeded_db) as store, pytest.raises(expected) as info:
        if what == "tm":
            from taiyaku.tm.tmio import export_tm

            export_tm(store, out)
        else:
            from taiyaku.glossary.io import export_glossary

            export_glossary(store, out)
    if failure == "disk-full":
        assert target in str(info.value) and "space" in str(info.value)
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in out_dir.iterdir()) == [target]


def test_tmx_with_a_remote_dtd_imports_without_fetching_it(tmp_path: Path,
                                                           seeded_db: Path) -> None:
    """Real TMX files name their DTD by URL; taiyaku imports them and never fetches it (the
    address below is a closed local port: a fetch would fail or hang)."""
    require(*TM_IO)
    body = bf.tmx_valid(6).split("\n", 2)[2]
    path = bf.write(tmp_path, "remote-dtd.tmx", '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<!DOCTYPE tmx SYSTEM "http://127.0.0.1:9/tmx14.dtd">\n'
                    '<?xml-stylesheet href="file:///etc/passwd"?>\n' + body)
    before = db_counts(seeded_db)
    proc = run_cli(["tm", "import", str(path)], db=seeded_db, timeout=60)
    assert proc.returncode == 0, describe(proc)
    assert db_counts(seeded_db)["units"] == before["units"] + 6
