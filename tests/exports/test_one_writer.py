"""One safe XLSX sheet writer and one extension → writer map for every file taiyaku writes
(issue 17, "File writers"): every XLSX a command writes has the same frozen, filtered, styled
header and keeps user text that starts a formula as text; every output option refuses an unknown
extension with the same one-line error, listing the extensions that work."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from taiyaku.store import Store

#: a text a spreadsheet program would run as a formula if it were not typed as text
FORMULA = "=HYPERLINK(\"http://example.invalid\",\"x\")"


def _invoke(*args: str) -> tuple[int, str]:
    from taiyaku.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stderr


@pytest.fixture
def formula_db(store: Store, tmp_path: Path) -> Path:
    """A database whose TM unit, glossary entry and (below) new article start with '='."""
    from taiyaku.core.model import NewUnit
    from taiyaku.glossary.store import add_term

    with store.transaction():
        doc = store.documents.add("d", layout="pair", kind="bilingual")
        store.units.add(doc, [NewUnit(FORMULA + "港湾の整備。", FORMULA + " Port works.", 0)])
    add_term(store, "港湾", FORMULA)
    assert store.path is not None
    path = store.path
    store.close()
    return path


def _xlsx_outputs(db: Path, tmp_path: Path) -> dict[str, Path]:
    """Every XLSX the commands write, from the same database."""
    article = tmp_path / "new.txt"
    article.write_text(FORMULA + "港湾の整備。\n", encoding="utf-8")
    outs = {name: tmp_path / f"{name}.xlsx" for name in ("glossary", "tm", "pretranslation")}
    runs = [("terms", "export", "-o", str(outs["glossary"])),
            ("tm", "export", "-o", str(outs["tm"])),
            ("pretranslate", str(article), "-o", str(outs["pretranslation"]))]
    for args in runs:
        code, err = _invoke(*args, "--db", str(db))
        assert code == 0, (args, err)
    return outs


def test_every_xlsx_has_the_same_safe_sheet(formula_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    for name, path in _xlsx_outputs(formula_db, tmp_path).items():
        ws = load_workbook(path).worksheets[0]
        assert ws.freeze_panes == "A2", name
        last = ws.cell(row=1, column=ws.max_column).column_letter
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", name
        header = ws[1]
        assert all(c.font.b for c in header), name
        assert {c.fill.start_color.rgb for c in header} == {"00DDE6F0"}, name
        assert all(ws.column_dimensions[c.column_letter].width for c in header), name
        formulas = [c for row in ws.iter_rows(min_row=2) for c in row
                    if isinstance(c.value, str) and c.value.startswith(FORMULA)]
        assert formulas, name
        assert all(c.data_type == "s" for c in formulas), name


def test_too_long_text_is_refused_the_same_way_by_every_sheet(tmp_path: Path) -> None:
    """The 32,767-character limit names the record and the column, and nothing is written."""
    from taiyaku.core.errors import ExportError
    from taiyaku.core.model import Match, Segment, TMUnit
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.exports.registry import write_output
    from taiyaku.tm.pretranslate import PretranslatedDocument, pretranslate_segment

    long = "港" * 40_000
    seg = pretranslate_segment(Segment("港湾。", "ja"), [Match(1, 80.0, "港湾", long)])
    cases = [("glossary", [TermEntry(ja=(TermForm("港湾", "ja"),), note=long)], "column 'note'"),
             ("TM", [TMUnit(ja="港湾", en=long)], "column 'en'"),
             ("pre-translation", PretranslatedDocument("d", "ja", "en", (seg,)),
              "column 'Its translation'")]
    for kind, records, column in cases:
        out = tmp_path / f"{kind}.xlsx"
        with pytest.raises(ExportError, match=rf"^{re.escape(str(out))}: .*{column} holds "
                                              r"40,000 characters; an XLSX cell holds at most "
                                              "32,767"):
            write_output(kind, records, out)
        assert not out.exists()


#: kind of output, the option that names it, and the extensions that work (in this order)
OPTIONS = [
    ("pre-translation", ("pretranslate", "{article}", "-o", "{out}"),
     ".xlf, .xliff, .xlsx, .json or .tmx"),
    ("report", ("pretranslate", "{article}", "-o", "{tmp}/ok.json", "--report", "{out}"),
     ".htm, .html or .json"),
    ("TM", ("tm", "export", "-o", "{out}"), ".tmx, .xlsx, .csv or .tsv"),
    ("glossary", ("terms", "export", "-o", "{out}"), ".tbx, .xlsx, .csv or .tsv"),
    ("review", ("ingest", "{article}", "--review", "{out}"), ".htm, .html or .xlsx"),
]


@pytest.mark.parametrize(("kind", "args", "works"), OPTIONS, ids=[k for k, *_ in OPTIONS])
def test_every_output_option_refuses_an_unknown_extension_the_same_way(
        formula_db: Path, tmp_path: Path, kind: str, args: tuple[str, ...], works: str) -> None:
    article = tmp_path / "new.txt"
    article.write_text("港湾の整備が進んだ。\n", encoding="utf-8")
    out = tmp_path / "out.docx"
    filled = [a.format(article=article, out=out, tmp=tmp_path) for a in args]
    before = formula_db.read_bytes()
    code, err = _invoke(*filled, "--db", str(formula_db))
    assert code == 1
    assert err.strip().splitlines() == [
        f"Error: {out}: unknown {kind} format '.docx'; use {works}"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".db" and "-" not in
                  p.name) == ["new.txt"]
    assert formula_db.read_bytes() == before


def test_the_registry_lists_what_the_errors_promise() -> None:
    from taiyaku.exports.registry import OUTPUT_FORMATS, output_format_for

    for kind, _, works in OPTIONS:
        assert ", ".join(OUTPUT_FORMATS[kind]) == works.replace(" or ", ", ")
        for ext in OUTPUT_FORMATS[kind]:
            assert output_format_for(kind, f"x{ext.upper()}").kind == kind


def _module(spec: str) -> str:
    return spec.partition(":")[0]


def test_a_format_read_and_written_has_one_module_for_both() -> None:
    """Every format taiyaku both reads and writes is one module of exports/, which has the
    reader and the writer the registry names."""
    from taiyaku.exports.registry import GLOSSARY_FORMATS, OUTPUT_FORMATS, TM_FORMATS, resolve

    readers: dict[str, set[str]] = {}
    writers: dict[str, set[str]] = {}
    for name, spec in GLOSSARY_FORMATS.values():
        assert callable(resolve(spec).read) and callable(resolve(spec).write), spec
        readers.setdefault(name, set()).add(_module(spec))
    for name, spec, reader, _ in TM_FORMATS.values():
        assert callable(getattr(resolve(spec), reader)), (spec, reader)
        readers.setdefault(name, set()).add(_module(spec))
    for kind, formats in OUTPUT_FORMATS.items():
        for name, spec in formats.values():
            if not spec:
                assert kind == "review"  # its writers are still tm/review.py's
                continue
            assert callable(resolve(spec)), spec
            writers.setdefault(name, set()).add(_module(spec))
    both = sorted(readers.keys() & writers.keys())
    assert both == ["CSV", "TBX", "TMX", "TSV", "XLIFF", "XLSX"]
    for name in both:
        assert len(readers[name] | writers[name]) == 1, (name, readers[name], writers[name])
        assert all(m.startswith("taiyaku.exports.") for m in readers[name]), name


def test_the_sheet_writer_takes_the_review_layout(tmp_path: Path) -> None:
    """What the review XLSX needs from the one sheet writer: rows tinted by confidence except
    the reviewer's columns, numbers kept as numbers, empty cells left empty, a document title."""
    from openpyxl import load_workbook
    from taiyaku.exports.sheet import Column, write_rows, write_workbook

    columns = [Column("number", "#", 6), Column("ja", "Japanese", 60, wrap=True),
               Column("ok", "OK?", 6, tinted=False)]
    rows = [{"number": 1, "ja": "=1+1", "colour": "F8C4C4"}, {"number": 2, "ja": "港湾"}]
    path = tmp_path / "review.xlsx"

    def build(wb: Any) -> None:
        write_rows(wb, "review", columns, rows, describe=lambda row, n: f"bead {row['number']}",
                   tint=lambda row: row.get("colour"))

    with path.open("wb") as fp:
        write_workbook(fp, build, title="Alignment review: a\x00b")
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    assert wb.properties.title == "Alignment review: ab"
    assert [c.value for c in ws[1]] == ["#", "Japanese", "OK?"]
    assert (ws["A2"].value, ws["A2"].data_type) == (1, "n")
    assert (ws["B2"].value, ws["B2"].data_type) == ("=1+1", "s")
    assert ws["B2"].fill.start_color.rgb == "00F8C4C4" and ws["B2"].alignment.wrap_text
    assert ws["C2"].value is None and ws["C2"].fill.fill_type is None
    assert ws["B3"].fill.fill_type is None  # an untinted row
    assert ws.auto_filter.ref == "A1:C3" and ws.freeze_panes == "A2"
