"""CSV and TSV glossaries and TMs: UTF-8, one header row, columns of :mod:`exports.tabular`.

Both are written with the :mod:`csv` module (quoted where needed, so tabs, newlines and quotes
inside cells survive); ``bom=True`` adds a UTF-8 byte order mark so Excel opens the file as
UTF-8. A text cell that a spreadsheet program would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is written with a ``'`` in front
(:func:`exports.cells.guard_cell`, OWASP's CSV-injection guidance). Readers accept a BOM, match
columns by header name (any order, any case, extra columns ignored), name the file in every
error, and remove that ``'`` again only from files taiyaku wrote (``unguard``: by default, when
the header row is exactly taiyaku's), so a round trip is lossless and other tools' cells are
read as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import TermEntry
from taiyaku.exports.cells import guard_cell, unguard_cell, written_by_taiyaku
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

__all__ = ["Delimited", "CSV", "TSV", "read", "write", "read_units", "write_units"]

#: refuse a single field larger than this (csv's own default is 128 KiB)
MAX_FIELD = 16 * 1024 * 1024


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    if isinstance(value, (int, float)):
        return str(value)  # a number taiyaku computed, never a formula
    return guard_cell(clean_xml_text(str(value)))


@dataclass(frozen=True)
class Delimited:
    """One delimited dialect (``","`` for CSV, ``"\\t"`` for TSV) with the four entry points."""

    name: str
    delimiter: str
    extensions: tuple[str, ...]

    def _write_rows(self, header: Sequence[str], rows: Iterable[Mapping[str, Any]],
                    fp: IO[bytes], bom: bool) -> None:
        text = io.TextIOWrapper(fp, encoding="utf-8", newline="", write_through=False)
        try:
            if bom:
                text.write("\ufeff")
            w = csv.writer(text, delimiter=self.delimiter, lineterminator="\r\n")
            w.writerow(header)
            for row in rows:
                w.writerow([_cell(row.get(c)) for c in header])
            text.flush()
        finally:
            text.detach()

    def _read_rows(self, fp: IO[bytes], name: str, required: Sequence[str],
                   known: Sequence[str], *, unguard: bool | None = None,
                   columns: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, Any]]]:
        """Rows as (line, column → cell); cells lose taiyaku's formula guard when *unguard*
        is true, or (``None``) when the header row is exactly *columns*."""
        text = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="")
        csv.field_size_limit(MAX_FIELD)
        reader = csv.reader(text, delimiter=self.delimiter, strict=False)
        try:
            try:
                header = next(reader, None)
            except UnicodeDecodeError:
                raise ParseError(name, "not UTF-8 text (save it as UTF-8 CSV)", 1) from None
            if header is None:
                raise ParseError(name, "empty file: expected a header row with "
                                       f"{', '.join(required)}", 1)
            index = header_index(header, required, name, known)
            if unguard is None:
                unguard = written_by_taiyaku(header, columns)
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except UnicodeDecodeError:
                    raise ParseError(name, "not UTF-8 text", reader.line_num + 1) from None
                except csv.Error as e:
                    raise ParseError(name, f"malformed {self.name} ({e})",
                                     reader.line_num) from None
                if not any(cells):
                    continue
                row = {k: (cells[i] if i < len(cells) else "") for k, i in index.items()}
                if unguard:
                    row = {k: unguard_cell(v) for k, v in row.items()}
                yield reader.line_num, row
        finally:
            text.detach()

    def write(self, records: Iterable[TermEntry], fp: IO[bytes], *, bom: bool = False,
              **_opts: Any) -> None:
        """Write glossary entries, one row each (extra options such as ``meta`` are ignored).

        >>> buf = io.BytesIO()
        >>> from taiyaku.core.terms import TermForm
        >>> CSV.write([TermEntry(ja=(TermForm("川習会", "ja"),))], buf)
        >>> buf.getvalue().decode().splitlines()[1].split(",")[:4]
        ['', '川習会', '', 'candidate']
        """
        self._write_rows(GLOSSARY_COLUMNS, (entry_to_row(e) for e in records), fp, bom)

    def read(self, fp: IO[bytes], name: str, *, unguard: bool | None = None
             ) -> Iterator[TermEntry]:
        """Read glossary entries; rows without any term are skipped.

        :param unguard: remove taiyaku's formula guard (``'=…`` → ``=…``); by default only
            when the header row is exactly taiyaku's glossary columns
        :raises ParseError: no ``ja`` column, not UTF-8, malformed quoting, bad numbers
        """
        for line, row in self._read_rows(fp, name, GLOSSARY_REQUIRED, GLOSSARY_KNOWN,
                                         unguard=unguard, columns=GLOSSARY_COLUMNS):
            entry = row_to_entry(row, name, line)
            if entry is not None:
                yield entry

    def write_units(self, units: Iterable[TMUnit], fp: IO[bytes], *, bom: bool = False,
                    **_opts: Any) -> None:
        """Write TM units, one row each."""
        self._write_rows(TM_COLUMNS, (unit_to_row(u) for u in units), fp, bom)

    def read_units(self, fp: IO[bytes], name: str, *, one_sided: OneSided | None = None,
                   unguard: bool | None = None) -> Iterator[TMUnit]:
        """Read TM units (``ja`` and ``en`` columns required); a row with one side only is
        refused, or reported to *one_sided* and skipped (:func:`~exports.tabular.row_to_unit`).

        :param unguard: as for :meth:`read` (by default: the header is exactly taiyaku's TM
            columns)
        """
        for line, row in self._read_rows(fp, name, TM_REQUIRED, TM_COLUMNS, unguard=unguard,
                                         columns=TM_COLUMNS):
            unit = row_to_unit(row, name, line, one_sided=one_sided)
            if unit is not None:
                yield unit


CSV = Delimited("CSV", ",", (".csv",))
TSV = Delimited("TSV", "\t", (".tsv", ".tab"))


def _dialect(name: str, delimiter: str | None) -> Delimited:
    if delimiter is not None:
        return TSV if delimiter == "\t" else CSV
    return TSV if name.lower().endswith((".tsv", ".tab")) else CSV


def read(fp: IO[bytes], name: str, *, delimiter: str | None = None,
         unguard: bool | None = None) -> Iterator[TermEntry]:
    """Read a glossary CSV (or TSV when *name* ends in ``.tsv``); *unguard* as for
    :meth:`Delimited.read`."""
    return _dialect(name, delimiter).read(fp, name, unguard=unguard)


def write(records: Iterable[TermEntry], fp: IO[bytes], *, delimiter: str = ",",
          bom: bool = False, **opts: Any) -> None:
    """Write a glossary as CSV (``delimiter="\\t"`` for TSV)."""
    _dialect("", delimiter).write(records, fp, bom=bom, **opts)


def read_units(fp: IO[bytes], name: str, *, delimiter: str | None = None,
               one_sided: OneSided | None = None, unguard: bool | None = None
               ) -> Iterator[TMUnit]:
    """Read TM units from CSV (or TSV when *name* ends in ``.tsv``); *unguard* as for
    :meth:`Delimited.read`."""
    return _dialect(name, delimiter).read_units(fp, name, one_sided=one_sided, unguard=unguard)


def write_units(units: Iterable[TMUnit], fp: IO[bytes], *, delimiter: str = ",",
                bom: bool = False, **opts: Any) -> None:
    """Write TM units as CSV (``delimiter="\\t"`` for TSV)."""
    _dialect("", delimiter).write_units(units, fp, bom=bom, **opts)
