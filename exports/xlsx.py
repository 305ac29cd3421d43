"""XLSX glossaries, TMs and pre-translations (openpyxl, imported only when used).

Every sheet is written by the one sheet writer, :mod:`exports.sheet`: one bold header row,
frozen and filtered, sensible column widths, wrapped text; user text never becomes a formula
(every text cell is a string cell, even when it starts with ``=``, ``+``, ``-`` or ``@``);
characters XML cannot carry are removed; a text longer than a cell holds (32,767 characters)
is refused with the record and column named, never cut.

- Glossary ("Glossary" sheet, columns of :mod:`exports.tabular`, a drop-down list on the status
  column) and TM ("TM" sheet), each with an "About" sheet that says how and when the file was
  produced (taiyaku version, date, database meta); both are read back.
- Pre-translation ("Pretranslation" sheet, :func:`write_pretranslation`): one row per segment,
  tinted by its match band; written only.

The readers match columns by header name (case-insensitive, any order, extra columns ignored),
skip the "About" sheet, and refuse damaged or oversized archives (zip bombs) before openpyxl
opens them. A formula cell (e.g. typed by a user into an exported sheet) is read as its formula
text, never evaluated and never replaced by a possibly missing cached value.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from taiyaku.core.analysis import BAND_LABELS, BAND_TINTS
from taiyaku.core.errors import ParseError
from taiyaku.core.findings import Finding
from taiyaku.core.model import TMUnit
from taiyaku.core.pretranslated import PretranslatedDocument, suggested_target
from taiyaku.core.terms import STATUSES, TermEntry
from taiyaku.exports.sheet import (
    Column,
    Describe,
    save_workbook,
    text_cell,
    write_rows,
    write_workbook,
)
from taiyaku.exports.tabular import (
    GLOSSARY_COLUMNS,
    GLOSSARY_KNOWN,
    GLOSSARY_REQUIRED,
    TM_COLUMNS,
    TM_REQUIRED,
    OneSided,
    entry_to_row,
    header_index,
    row_to_entry,
    row_to_unit,
    unit_to_row,
)
from taiyaku.exports.xmlutil import clean_xml_text

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["read", "write", "read_units", "write_units", "write_pretranslation",
           "save_workbook", "NAME", "EXTENSIONS", "MAX_UNCOMPRESSED", "MAX_RATIO",
           "PRETRANSLATION_COLUMNS", "write_findings"]

NAME = "XLSX"
EXTENSIONS = (".xlsx",)
#: refuse workbooks whose members unpack to more than this in total
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
#: refuse a large member that compresses better than this (a zip bomb; real sheets reach ~20)
MAX_RATIO = 200
ABOUT = "About"

_GLOSSARY_WIDTHS = {
    "taiyaku_id": 11, "ja": 24, "ja_variants": 28, "reading": 20, "en": 28, "en_variants": 30,
    "status": 12, "pos": 10, "definition": 40, "note": 40, "context": 50, "sources": 24,
    "frequency": 11, "score": 9, "origin": 11, "ja_pos": 10, "ja_kind": 10, "ja_status": 11,
    "en_pos": 10, "en_kind": 10, "en_status": 11, "en_reading": 14,
    "en_suggested": 13, "en_method": 14, "en_confidence": 14,
}
_TM_WIDTHS = {"ja": 60, "en": 60, "document": 24, "position": 10, "confidence": 12,
              "bead": 8, "created": 20, "note": 30, "props": 30}
_WRAPPED = {"ja", "en", "ja_variants", "en_variants", "definition", "note", "context", "sources"}


# -- writer ------------------------------------------------------------------------------------
def write(records: Iterable[TermEntry], fp: IO[bytes], *,
          meta: Mapping[str, str] | None = None, **_opts: Any) -> None:
    """Write glossary entries to an XLSX workbook (sheets "Glossary" and "About").

    >>> buf = io.BytesIO()
    >>> from taiyaku.core.terms import TermForm
    >>> write([TermEntry(ja=(TermForm("=1+1", "ja"),))], buf)
    >>> [e.ja[0].text for e in read(io.BytesIO(buf.getvalue()), "g.xlsx")]
    ['=1+1']
    """
    _write_book("Glossary", GLOSSARY_COLUMNS, _GLOSSARY_WIDTHS,
                (entry_to_row(e) for e in records), fp, meta, status_list=True,
                layout="taiyaku glossary (one row per concept)", describe=_entry_label)


def write_units(units: Iterable[TMUnit], fp: IO[bytes], *,
                meta: Mapping[str, str] | None = None, **_opts: Any) -> None:
    """Write TM units to an XLSX workbook (sheets "TM" and "About")."""
    _write_book("TM", TM_COLUMNS, _TM_WIDTHS, (unit_to_row(u) for u in units), fp, meta,
                status_list=False, layout="taiyaku translation memory (one row per unit)",
                describe=_unit_label)


def _short(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= 20 else text[:20] + "…"


def _entry_label(row: Mapping[str, Any], n: int) -> str:
    """``entry 12 (港湾)``: the stored id where there is one, else the position."""
    number = row.get("id") or row.get("taiyaku_id") or f"#{n}"
    return f"entry {number} ({_short(row.get('ja') or row.get('en'))})"


def _unit_label(row: Mapping[str, Any], n: int) -> str:
    """``unit 3 (第1号岸壁…, document a.txt)``: the unit's place in the export."""
    doc = f", document {row['document']}" if row.get("document") else ""
    return f"unit {n} ({_short(row.get('ja'))}{doc})"


def _columns(names: Sequence[str], widths: Mapping[str, int]) -> list[Column]:
    return [Column(c, width=widths.get(c, 14), wrap=c in _WRAPPED) for c in names]


def _write_book(title: str, columns: Sequence[str], widths: Mapping[str, int],
                rows: Iterable[Mapping[str, Any]], fp: IO[bytes],
                meta: Mapping[str, str] | None, *, status_list: bool, layout: str,
                describe: Describe) -> None:
    def build(wb: Workbook) -> None:
        ws, n = write_rows(wb, title, _columns(columns, widths), rows, describe=describe)
        if status_list and "status" in columns:
            _status_list(ws, columns.index("status") + 1, n)
        _about_sheet(wb, meta, layout, n, columns)

    write_workbook(fp, build)


def _status_list(ws: Any, column: int, n: int) -> None:
    """A drop-down list of the statuses on the status column (and 1,000 rows more for
    entries a reviewer adds)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(column)
    dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"',
                        allow_blank=True, showErrorMessage=True,
                        errorTitle="status", error="Use candidate, approved or forbidden.")
    dv.add(f"{letter}2:{letter}{max(n + 1, 2) + 1000}")
    ws.data_validations.append(dv)


def _about_sheet(wb: Workbook, meta: Mapping[str, str] | None, layout: str, n: int,
                 columns: Sequence[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from taiyaku.core.signature import taiyaku_version

    ws: Any = wb.create_sheet(ABOUT)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 80
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    rows = [("produced by", f"taiyaku {taiyaku_version()}"), ("date (UTC)", now),
            ("layout", layout), ("rows", str(n)), ("columns", ", ".join(columns))]
    rows += [(k, v) for k, v in sorted((meta or {}).items())]
    bold = Font(bold=True)
    for key, value in rows:
        k = WriteOnlyCell(ws, value=clean_xml_text(str(key)))
        k.font = bold
        ws.append([k, text_cell(ws, str(value), f"About sheet, {key}")])


# -- the pre-translation sheet -----------------------------------------------------------------
#: the pre-translation sheet's columns: (key, header, width)
PRETRANSLATION_COLUMNS = (
    Column("index", "#", 6, wrap=True), Column("source", "Segment", 60, wrap=True),
    Column("match", "Best match", 60, wrap=True), Column("score", "Score", 8, wrap=True),
    Column("match_target", "Its translation", 60, wrap=True),
    Column("terms", "Terms", 40, wrap=True), Column("band", "Band", 12, wrap=True),
    Column("target", "Target", 60, wrap=True),
)


def write_pretranslation(doc: PretranslatedDocument, fp: IO[bytes], **_opts: Any) -> None:
    """A pre-translated document as one sheet ("Pretranslation"): segment, best match, score,
    its translation (numbers put in where only numbers differ), terms, band, target; each row
    tinted by its band (:data:`core.analysis.BAND_TINTS`)."""

    def rows() -> Iterator[dict[str, Any]]:
        for s in doc.segments:
            best = s.best
            yield {
                "index": s.index + 1, "source": s.source,
                "match": best.source if best else None,
                "score": round(best.score, 1) if best else None,
                "match_target": suggested_target(best) if best else None,
                "terms": "\n".join(t.describe() for t in s.terms),
                "band": BAND_LABELS[s.band], "target": s.target, "_band": s.band,
            }

    def build(wb: Workbook) -> None:
        write_rows(wb, "Pretranslation", PRETRANSLATION_COLUMNS, rows(),
                   describe=lambda row, _n: f"segment {row['index']}",
                   instead=".xlf or .json", tint=lambda row: BAND_TINTS[row["_band"]])

    write_workbook(fp, build)


# -- reader ------------------------------------------------------------------------------------
# -- the findings of taiyaku qa ----------------------------------------------------------------
#: the QA sheet's columns (the JSON keys of a finding)
FINDING_COLUMNS = (
    Column("unit", width=10), Column("check", width=16), Column("severity", width=10),
    Column("source", width=60, wrap=True), Column("target", width=60, wrap=True),
    Column("message", width=60, wrap=True),
)
#: row tints by severity (RGB hex)
SEVERITY_TINTS = {"error": "F8D7D7", "warning": "FFF2CC"}


def write_findings(findings: Sequence[Finding], fp: IO[bytes], *, title: str = "QA report",
                   **_opts: Any) -> None:
    """The findings of ``taiyaku qa`` as one sheet "QA": a row per finding, tinted by severity;
    header frozen and filtered; user text never a formula."""

    def build(wb: Workbook) -> None:
        write_rows(wb, "QA", FINDING_COLUMNS, (f.to_json() for f in findings),
                   describe=lambda row, n: f"finding {n} (unit {row.get('unit')})",
                   instead=".html", tint=lambda row: SEVERITY_TINTS.get(str(row["severity"])))

    write_workbook(fp, build, title=title)


def _check_zip(data: IO[bytes], name: str) -> None:
    try:
        with zipfile.ZipFile(data) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                if (info.file_size > 10 * 1024 * 1024
                        and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                    raise ParseError(name, f"refused: member {info.filename} unpacks to "
                                           f"{info.file_size} bytes from {info.compress_size} "
                                           "(zip bomb?)")
            if total > MAX_UNCOMPRESSED:
                raise ParseError(name, f"refused: the workbook unpacks to {total} bytes "
                                       f"(limit {MAX_UNCOMPRESSED})")
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise ParseError(name, "not an XLSX workbook (a zip file without "
                                       "[Content_Types].xml)")
    except zipfile.BadZipFile as e:
        raise ParseError(name, f"not a readable XLSX workbook (truncated or damaged: {e})") \
            from None
    data.seek(0)


def _rows(fp: IO[bytes], name: str, required: Sequence[str],
          known: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    data: IO[bytes]
    if fp.seekable():
        data = fp
    else:
        data = io.BytesIO(fp.read())
    _check_zip(data, name)
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell reads as its formula text. Its cached value is None
        # whenever no spreadsheet program calculated it (files written by openpyxl, scripts,
        # LibreOffice without recalculation), which would silently lose the cell's text.
        wb = load_workbook(data, read_only=True, data_only=False)
    except ParseError:
        raise
    except Exception as e:  # openpyxl raises many types for damaged parts
        raise ParseError(name, f"not a readable XLSX workbook ({type(e).__name__}: "
                               f"{str(e).splitlines()[0] if str(e) else 'damaged'})") from None
    try:
        sheets = [ws for ws in wb.worksheets if ws.title != ABOUT] or list(wb.worksheets)
        if not sheets:
            raise ParseError(name, "the workbook has no sheet")
        rows = sheets[0].iter_rows(values_only=True)
        try:
            header = next(rows, None)
            if header is None:
                raise ParseError(name, f"empty sheet: expected a header row with "
                                       f"{', '.join(required)}", 1)
            index = header_index(header, required, name, known)
            for line, cells in enumerate(rows, 2):
                if cells is None or all(c is None or c == "" for c in cells):
                    continue
                yield line, {k: (_cell_value(cells[i]) if i < len(cells) else None)
                             for k, i in index.items()}
        except ParseError:
            raise
        except Exception as e:
            raise ParseError(name, f"damaged XLSX sheet ({type(e).__name__})") from None
    finally:
        wb.close()


def _cell_value(value: Any) -> Any:
    """A cell's value as the readers want it: formulas as their text (``"=SUM(A1:A2)"``;
    array and data-table formulas are objects whose ``text`` holds it), others unchanged."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text if text.startswith("=") else "=" + text
    return value


def read(fp: IO[bytes], name: str) -> Iterator[TermEntry]:
    """Read glossary entries from the first sheet that is not "About".

    :raises ParseError: damaged/oversized workbook, no ``ja`` column, bad values
    """
    for line, row in _rows(fp, name, GLOSSARY_REQUIRED, GLOSSARY_KNOWN):
        entry = row_to_entry(row, name, line)
        if entry is not None:
            yield entry


def read_units(fp: IO[bytes], name: str, *, one_sided: OneSided | None = None
               ) -> Iterator[TMUnit]:
    """Read TM units (``ja`` and ``en`` columns required) from the first data sheet.

    A row with text in one language only is refused, or reported to *one_sided* and skipped
    (see :func:`exports.tabular.row_to_unit`).
    """
    for line, row in _rows(fp, name, TM_REQUIRED, TM_COLUMNS):
        unit = row_to_unit(row, name, line, one_sided=one_sided)
        if unit is not None:
            yield unit
