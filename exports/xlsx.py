"""XLSX glossaries and TMs (openpyxl, imported only when used): one sheet of rows plus "About".

The data sheet ("Glossary" or "TM") has one bold header row (columns of
:mod:`exports.tabular`), frozen and filtered, sensible column widths, wrapped text, and for
glossaries a drop-down list on the status column. User text never becomes a formula: every
text cell is written as a string cell, even when it starts with ``=``, ``+``, ``-`` or ``@``;
characters XML cannot carry are removed; a text longer than a cell holds (32,767 characters)
is refused with the entry or unit named, never cut. The "About" sheet says how and when the file was
produced (taiyaku version, date, database meta).

The readers match columns by header name (case-insensitive, any order, extra columns ignored),
skip the "About" sheet, and refuse damaged or oversized archives (zip bombs) before openpyxl
opens them. A formula cell (e.g. typed by a user into an exported sheet) is read as its formula
text, never evaluated and never replaced by a possibly missing cached value.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import STATUSES, TermEntry
from taiyaku.exports.cells import XLSX_CELL_LIMIT, check_xlsx_text
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

__all__ = ["read", "write", "read_units", "write_units", "save_workbook", "NAME", "EXTENSIONS",
           "MAX_UNCOMPRESSED", "MAX_RATIO"]

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


#: names a record in a message: (row, its number counted from 1) → "entry 12 (港湾)"
Describe = Callable[[Mapping[str, Any], int], str]


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


def _write_book(title: str, columns: Sequence[str], widths: Mapping[str, int],
                rows: Iterable[Mapping[str, Any]], fp: IO[bytes],
                meta: Mapping[str, str] | None, *, status_list: bool, layout: str,
                describe: Describe) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        _fill_book(wb, title, columns, widths, rows, status_list=status_list, layout=layout,
                   meta=meta, describe=describe)
    except BaseException as e:
        _failed(wb, e)
        raise
    save_workbook(wb, fp)


def save_workbook(wb: Workbook, fp: IO[bytes]) -> None:
    """Save *wb* into *fp*: into memory first, then one write.

    openpyxl's zip writer, saving straight into a file that then fails (a full disk), is left
    half-closed; when it is garbage-collected it tries again and Python prints "Exception
    ignored in: ZipFile.__del__ … seek of closed file" after taiyaku's own one-line error.
    In memory nothing can fail that way, and an I/O failure of openpyxl's own temporary files
    comes out as an :class:`OSError` (see :func:`_as_os_error`).

    >>> from openpyxl import Workbook
    >>> buf = io.BytesIO()
    >>> save_workbook(Workbook(), buf)
    >>> buf.getvalue()[:2]
    b'PK'
    """
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except BaseException as e:
        _failed(wb, e)
        raise
    fp.write(buf.getvalue())


def _failed(wb: Workbook, e: BaseException) -> None:
    """After *e* stopped a workbook: close its streams, and raise *e* as an :class:`OSError`
    when it is an I/O failure (the caller re-raises any other error as it is)."""
    _discard(wb)
    io_error = _as_os_error(e)
    if io_error is not None:
        raise io_error from None


def _fill_book(wb: Workbook, title: str, columns: Sequence[str], widths: Mapping[str, int],
               rows: Iterable[Mapping[str, Any]], *, status_list: bool, layout: str,
               meta: Mapping[str, str] | None, describe: Describe) -> None:
    """Append the header and the rows (text cells as strings, never formulas).

    :raises CellTooLong: a text longer than an XLSX cell holds (openpyxl would cut it)
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.filters import AutoFilter

    ws: Any = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(col, 14)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color="DDE6F0", end_color="DDE6F0")

    def header_cell(text: str) -> Any:
        c = WriteOnlyCell(ws, value=text)
        c.font = bold
        c.fill = fill
        return c

    ws.append([header_cell(c) for c in columns])
    n = 0
    for row in rows:
        cells: list[Any] = []
        for col in columns:
            value = row.get(col)
            if value is None or value == "":
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws)
            if isinstance(value, str):
                text = clean_xml_text(value)
                if len(text) > XLSX_CELL_LIMIT:
                    check_xlsx_text(text, f"{describe(row, n + 1)}, column {col}")
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = value
            cell.alignment = wrap if col in _WRAPPED else top
            cells.append(cell)
        ws.append(cells)
        n += 1
    last = get_column_letter(len(columns))
    ws.auto_filter = AutoFilter(ref=f"A1:{last}{n + 1}")
    if status_list and "status" in columns:
        letter = get_column_letter(columns.index("status") + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"',
                            allow_blank=True, showErrorMessage=True,
                            errorTitle="status", error="Use candidate, approved or forbidden.")
        dv.add(f"{letter}2:{letter}{max(n + 1, 2) + 1000}")
        ws.data_validations.append(dv)
    _about_sheet(wb, meta, layout, n, columns)


def _discard(wb: Workbook) -> None:
    """After a failed write: close openpyxl's half-written sheet streams (else their generators
    report the same I/O error again when garbage-collected) and remove its temporary files."""
    for ws in list(getattr(wb, "_sheets", [])):
        writer = getattr(ws, "_writer", None)
        for gen in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if gen is not None:
                with contextlib.suppress(Exception):
                    gen.close()
        if writer is not None and isinstance(getattr(writer, "out", None), str):
            with contextlib.suppress(Exception):
                writer.cleanup()


def _as_os_error(e: BaseException) -> OSError | None:
    """The I/O failure behind an openpyxl write error as an :class:`OSError` (which
    :func:`exports.outfile.atomic_output` reports as "cannot write"), or ``None`` when *e* is
    not an I/O failure.

    openpyxl streams write-only sheets through lxml into temporary files, so a full disk or a
    file-size limit surfaces as ``lxml.etree.SerialisationError: IO_EFBIG`` / ``IO_ENOSPC``.

    >>> _as_os_error(OSError(28, "No space left on device")).strerror
    'No space left on device'
    >>> _as_os_error(ValueError("x")) is None
    True
    """
    if isinstance(e, OSError):
        return e
    if isinstance(e, (zipfile.BadZipFile, zipfile.LargeZipFile)):
        return OSError(f"zip archive: {e}")
    if type(e).__name__ != "SerialisationError":
        return None
    message = str(e).strip()
    code = getattr(errno, message[3:], None) if message.startswith("IO_") else None
    if isinstance(code, int):
        return OSError(code, os.strerror(code))
    return OSError(message or "serialisation error")


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
        v = WriteOnlyCell(ws)
        v.value = clean_xml_text(str(value))
        v.data_type = "s"
        ws.append([k, v])


# -- reader ------------------------------------------------------------------------------------
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
