"""The one XLSX sheet writer: every sheet of rows taiyaku writes goes through :func:`write_rows`
(glossary and TM exports, the pre-translation sheet, and the alignment review sheet), and every
workbook through :func:`write_workbook` (openpyxl, imported only when used).

A sheet of rows has one bold, tinted header row, frozen and filtered, a width per column and
top-aligned (optionally wrapped) cells; a row may be tinted (a match band, a confidence). User
text never becomes a formula: :func:`text_cell` is the only place that makes a text cell, and it
types every text as a string, even when it starts with ``=``, ``+``, ``-`` or ``@`` (unlike CSV,
an XLSX cell needs no ``'`` for that, see :mod:`exports.cells`), removes the characters XML
cannot carry, and refuses a text longer than a cell holds (32,767 characters) with the record
and column named (:func:`exports.cells.check_xlsx_text`), never cutting it.

Workbooks are written in openpyxl's write-only mode (rows are streamed, not kept) and saved into
memory first, then into the output in one write (:func:`save_workbook`).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from taiyaku.exports.cells import XLSX_CELL_LIMIT, check_xlsx_text
from taiyaku.exports.xmlutil import clean_xml_text

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["Column", "Describe", "HEADER_TINT", "text_cell", "write_rows", "write_workbook",
           "save_workbook"]

#: the header row's background (RGB hex)
HEADER_TINT = "DDE6F0"

#: names a record in a message: (row, its number counted from 1) → "entry 12 (港湾)"
Describe = Callable[[Mapping[str, Any], int], str]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet of rows.

    :ivar key: the key of the column's value in each row mapping
    :ivar header: the header cell's text (the key when empty)
    :ivar width: the column's width in characters
    :ivar wrap: wrap the column's text (else one line, top-aligned)
    :ivar tinted: the row's tint colours this column's cells
    """

    key: str
    header: str = ""
    width: float = 14
    wrap: bool = False
    tinted: bool = True

    @property
    def title(self) -> str:
        """The header cell's text."""
        return self.header or self.key


def text_cell(ws: Any, text: str, what: str, *, instead: str = ".tmx, .tbx or .csv") -> Any:
    """A write-only cell holding *text* as text: never a formula, whatever it starts with.

    :param what: the record and column, for the message when the text is too long
    :param instead: the formats to suggest, which keep such text whole
    :raises exports.cells.CellTooLong: *text* is longer than an XLSX cell holds

    >>> from openpyxl import Workbook
    >>> c = text_cell(Workbook().active, "=1+1\\x00", "row 1")
    >>> c.value, c.data_type
    ('=1+1', 's')
    """
    from openpyxl.cell import WriteOnlyCell

    cleaned = clean_xml_text(text)
    if len(cleaned) > XLSX_CELL_LIMIT:
        check_xlsx_text(cleaned, what, instead=instead)
    cell = WriteOnlyCell(ws)
    cell.value = cleaned
    cell.data_type = "s"  # after the value: openpyxl types text starting with "=" a formula
    return cell


def write_rows(wb: Workbook, title: str, columns: Sequence[Column],
               rows: Iterable[Mapping[str, Any]], *, describe: Describe,
               instead: str = ".tmx, .tbx or .csv",
               tint: Callable[[Mapping[str, Any]], str | None] | None = None) -> tuple[Any, int]:
    """Append a sheet of *rows* (values by :attr:`Column.key`) to the write-only workbook *wb*.

    Text goes through :func:`text_cell`; numbers stay numbers; ``None`` and ``""`` are empty
    cells (styled, when the row is tinted).

    :param describe: names a row in the message for a too long text
    :param instead: the output formats that keep a too long text whole
    :param tint: a row's background (RGB hex) or ``None``
    :returns: the sheet (a caller may add data validation) and the number of rows written
    :raises exports.cells.CellTooLong: a text longer than an XLSX cell holds

    >>> done = []
    >>> write_workbook(io.BytesIO(), lambda wb: done.append(write_rows(
    ...     wb, "S", [Column("ja", width=20)], [{"ja": "=x"}], describe=lambda row, n: "")))
    >>> ws, n = done[0]
    >>> n, ws.freeze_panes, ws.auto_filter.ref
    (1, 'A2', 'A1:A2')
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter

    ws: Any = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    fills: dict[str, Any] = {}

    def fill(colour: str) -> Any:
        if colour not in fills:
            fills[colour] = PatternFill("solid", start_color=colour, end_color=colour)
        return fills[colour]

    bold = Font(bold=True)
    header = []
    for col in columns:
        c = WriteOnlyCell(ws, value=col.title)
        c.font = bold
        c.fill = fill(HEADER_TINT)
        header.append(c)
    ws.append(header)
    n = 0
    for row in rows:
        colour = tint(row) if tint is not None else None
        cells: list[Any] = []
        for col in columns:
            value = row.get(col.key)
            tinted = colour is not None and col.tinted
            if value is None or value == "":
                if not tinted:
                    cells.append(None)
                    continue
                cell = WriteOnlyCell(ws)
            elif isinstance(value, str):
                what = f"{describe(row, n + 1)}, column {col.title!r}"
                cell = text_cell(ws, value, what, instead=instead)
            else:
                cell = WriteOnlyCell(ws, value=value)
            cell.alignment = wrap if col.wrap else top
            if tinted:
                assert colour is not None
                cell.fill = fill(colour)
            cells.append(cell)
        ws.append(cells)
        n += 1
    ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(len(columns))}{n + 1}")
    return ws, n


def write_workbook(fp: IO[bytes], build: Callable[[Workbook], None], *,
                   title: str | None = None) -> None:
    """Make a write-only workbook, let *build* add its sheets, and save it into *fp*.

    :param title: the document title a spreadsheet program shows in the file's properties

    On any error openpyxl's half-written sheets and temporary files are cleaned up; an I/O
    failure comes out as an :class:`OSError` (see :func:`_as_os_error`).

    >>> buf = io.BytesIO()
    >>> write_workbook(buf, lambda wb: None)
    >>> buf.getvalue()[:2]
    b'PK'
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    if title is not None:
        wb.properties.title = clean_xml_text(title)[:200]
    try:
        build(wb)
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
