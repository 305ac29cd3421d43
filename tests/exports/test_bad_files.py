"""Bad files and failing writes: formula cells, one-sided TM rows, TBX without languages, XLSX
writes that run out of space (bugs B4, B5, B6 of the reliability tests)."""

from __future__ import annotations

import gc
import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from taiyaku.core.errors import ExportError, ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import delimited, tbx, xlsx
from taiyaku.exports.outfile import atomic_output
from taiyaku.exports.registry import tm_format_for
from taiyaku.exports.xmlutil import safe_iterparse

TBX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<tbx type="TBX-Basic" style="dca" xml:lang="en" '
            'xmlns="urn:iso:std:iso:30042:ed-2">\n<text><body>\n')
TBX_TAIL = "</body></text></tbx>\n"


def _sheet(rows: list[list[Any]]) -> bytes:
    """An XLSX made with openpyxl, as a user or a script would (formulas never calculated)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- B6: formula cells ---------------------------------------------------------------------------
def test_xlsx_glossary_formula_cell_reads_as_its_formula_text() -> None:
    formula = '=HYPERLINK("http://example.invalid","quay wall")'
    data = _sheet([["ja", "en", "note"], ["岸壁", formula, "=1+1"]])
    [entry] = list(xlsx.read(io.BytesIO(data), "g.xlsx"))
    assert [f.text for f in entry.en] == [formula]
    assert entry.note == "=1+1"


def test_xlsx_formula_text_is_written_back_as_a_string_cell() -> None:
    import openpyxl

    formula = '=CONCATENATE("tide ","gauge")'
    data = _sheet([["ja", "en"], ["検潮所", formula]])
    [unit] = list(xlsx.read_units(io.BytesIO(data), "m.xlsx"))
    assert (unit.ja, unit.en) == ("検潮所", formula)
    buf = io.BytesIO()
    xlsx.write_units([unit], buf)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["TM"]
    cell = ws["B2"]
    assert (cell.value, cell.data_type) == (formula, "s")


# -- B6: a TM row with one side only is never a unit with an empty side --------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "tsv"])
def test_tm_row_with_one_side_is_refused_with_its_line(fmt: str) -> None:
    rows = [["ja", "en"], ["防波堤", "breakwater"], ["灯台", ""], ["", ""], ["   ", "jetty"]]
    if fmt == "xlsx":
        data = _sheet([[c or None for c in r] for r in rows])
    else:
        sep = "," if fmt == "csv" else "\t"
        data = "".join(sep.join(r) + "\n" for r in rows).encode()
    reader = xlsx.read_units if fmt == "xlsx" else (
        delimited.CSV.read_units if fmt == "csv" else delimited.TSV.read_units)
    with pytest.raises(ParseError) as err:
        list(reader(io.BytesIO(data), f"m.{fmt}"))
    assert err.value.line == 3
    assert "en cell is empty" in str(err.value) and f"m.{fmt}" in str(err.value)

    skipped: list[tuple[int | None, str]] = []
    units = list(reader(io.BytesIO(data), f"m.{fmt}",
                        one_sided=lambda line, side: skipped.append((line, side))))
    assert [(u.ja, u.en) for u in units] == [("防波堤", "breakwater")]
    assert skipped == [(3, "en"), (5, "ja")]


def test_registry_passes_one_sided_to_spreadsheet_readers_only(tmp_path: Path) -> None:
    data = b"ja,en\n\xe7\x81\xaf\xe5\x8f\xb0,\n"  # 灯台 without English
    seen: list[tuple[int | None, str]] = []
    fmt = tm_format_for(tmp_path / "m.csv")
    assert list(fmt.read_units(io.BytesIO(data), "m.csv",
                               one_sided=lambda line, side: seen.append((line, side)))) == []
    assert seen == [(2, "en")]
    with pytest.raises(ParseError):
        list(fmt.read_units(io.BytesIO(data), "m.csv"))
    # the TMX reader has no such option (it skips one-sided units itself): not passed to it
    tmx = (b'<tmx version="1.4"><header srclang="ja"/><body><tu><tuv xml:lang="ja"><seg>'
           b'\xe7\x81\xaf\xe5\x8f\xb0</seg></tuv></tu></body></tmx>')
    assert list(tm_format_for(tmp_path / "m.tmx").read_units(
        io.BytesIO(tmx), "m.tmx", one_sided=lambda line, side: None)) == []


# -- B5: TBX language sections ------------------------------------------------------------------
def test_tbx_langsec_without_xml_lang_is_an_error_with_its_line() -> None:
    data = (TBX_HEAD + '<conceptEntry id="c1">\n<langSec xml:lang="ja"><termSec><term>岸壁'
            "</term></termSec></langSec>\n<langSec><termSec><term>quay</term></termSec>"
            "</langSec>\n</conceptEntry>\n" + TBX_TAIL).encode()
    with pytest.raises(ParseError) as err:
        list(tbx.read(io.BytesIO(data), "g.tbx"))
    assert err.value.line == 6  # xml decl, tbx, body, conceptEntry, ja, here
    assert "langSec> without xml:lang" in str(err.value) and "g.tbx:6" in str(err.value)


def test_tbx_2008_langset_without_xml_lang_is_an_error() -> None:
    data = ('<martif type="TBX-Basic" xml:lang="en"><text><body><termEntry id="c1">'
            "<langSet><tig><term>岸壁</term></tig></langSet></termEntry></body></text>"
            "</martif>").encode()
    with pytest.raises(ParseError, match="langSet> without xml:lang"):
        list(tbx.read(io.BytesIO(data), "g.tbx"))


def test_tbx_with_entries_but_no_japanese_or_english_is_an_error() -> None:
    entry = ('<conceptEntry id="c{n}"><langSec xml:lang="de"><termSec><term>Kai{n}</term>'
             '</termSec></langSec><langSec xml:lang="fr"><termSec><term>quai{n}</term>'
             "</termSec></langSec></conceptEntry>\n")
    data = (TBX_HEAD + "".join(entry.format(n=n) for n in range(3)) + TBX_TAIL).encode()
    with pytest.raises(ParseError) as err:
        list(tbx.read(io.BytesIO(data), "g.tbx"))
    assert "none of its 3 entries" in str(err.value) and "de, fr" in str(err.value)


def test_tbx_other_languages_beside_japanese_are_skipped_not_refused() -> None:
    data = (TBX_HEAD + '<conceptEntry id="c4"><langSec xml:lang="de"><termSec><term>Kai'
            '</term></termSec></langSec><langSec xml:lang="ja-JP"><termSec><term>岸壁</term>'
            "</termSec></langSec></conceptEntry>\n" + TBX_TAIL).encode()
    [entry] = list(tbx.read(io.BytesIO(data), "g.tbx"))
    assert ([f.text for f in entry.ja], entry.en, entry.id) == (["岸壁"], (), 4)


def test_tbx_empty_glossary_still_round_trips() -> None:
    buf = io.BytesIO()
    tbx.write([], buf)
    assert list(tbx.read(io.BytesIO(buf.getvalue()), "empty.tbx")) == []


def test_safe_iterparse_records_start_lines() -> None:
    import weakref

    lines: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
    seen = [(elem.tag, lines[elem]) for _, elem in safe_iterparse(
        io.BytesIO(b"<a>\n\n<b>\n<c/></b></a>"), "x.xml", ("start",), lines=lines)]
    assert seen == [("a", 1), ("b", 3), ("c", 4)]
    # the safety rules are the same with line tracking on
    bomb = b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    with pytest.raises(ParseError, match="unsafe"):
        list(safe_iterparse(io.BytesIO(bomb), "x.xml", lines=lines))


# -- B4: an XLSX write that fails midway ---------------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/dev/full") or sys.platform != "linux",
                    reason="needs /dev/full")
def test_xlsx_write_out_of_space_is_an_export_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl streams sheets into temporary files through lxml: make them /dev/full."""
    from openpyxl.worksheet import _writer

    made: list[Path] = []

    def full_temp(suffix: str = "") -> str:
        link = tmp_path / f"sheet{len(made)}.xml"
        link.symlink_to("/dev/full")
        made.append(link)
        return str(link)

    monkeypatch.setattr(_writer, "create_temporary_file", full_temp)
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    target = tmp_path / "memory.xlsx"
    target.write_bytes(b"previous export")
    units = (TMUnit(ja=f"第{i}号岸壁", en=f"quay wall No. {i} " + "x" * 200) for i in range(3000))
    with pytest.raises(ExportError) as err, atomic_output(target) as fp:
        xlsx.write_units(units, fp)
    assert str(err.value).startswith(f"{target}: cannot write (No space left on device")
    gc.collect()
    assert unraisable == []  # the half-written sheet streams were closed, not left to the GC
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.xlsx"]  # temp files removed
    assert made


def test_xlsx_write_does_not_hide_other_errors() -> None:
    """Only I/O failures become "cannot write"; a failing record source keeps its own error."""
    def entries() -> Any:
        yield TermEntry(ja=(TermForm("岸壁", "ja"),))
        raise ParseError("source.tbx", "broken on purpose", 3)

    with pytest.raises(ParseError, match="broken on purpose"):
        xlsx.write(entries(), io.BytesIO())
