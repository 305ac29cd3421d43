"""Glossary import and export: TBX (v3 and 2008), XLSX, CSV and TSV through exports.registry."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tm.errors import ExportError, InputError
from tm.printable import path_text, visible
from tm.progress import Progress, no_progress

from .model import TermEntry

if TYPE_CHECKING:
    from tm.store import Store

__all__ = ["ImportResult", "ExportResult", "import_glossary", "export_glossary"]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the file, its format, entries read and entries written."""

    path: Path
    format: str
    read: int
    written: int
    by_status: dict[str, int]

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        return {"file": path_text(self.path), "format": self.format, "entries_read": self.read,
                "entries_written": self.written, "by_status": dict(self.by_status)}

    def summary(self) -> str:
        """One line for people."""
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        return (f"Imported {self.written} glossary entries from {visible(str(self.path))} "
                f"({self.format})"
                + (f": {parts}" if parts else ""))


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    entries: int
    tbx_version: str | None = None

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        return {"file": path_text(self.path), "format": self.format, "entries": self.entries,
                "tbx_version": self.tbx_version}

    def summary(self) -> str:
        """One line for people."""
        fmt = f"{self.format} {self.tbx_version}" if self.tbx_version else self.format
        return f"Exported {self.entries} glossary entries to {visible(str(self.path))} ({fmt})"


def import_glossary(store: Store, path: str | os.PathLike[str],
                    progress: Progress = no_progress) -> ImportResult:
    """Read a glossary file completely, then write every entry in one transaction.

    A malformed file fails before the database is touched; entries matching a stored one by
    their preferred Japanese (or English) term replace it.

    :raises InputError: missing file or unsupported format
    :raises ParseError: malformed or unsafe file (one line, with the line number where known)

    >>> import tempfile, pathlib
    >>> from tm.store import Store
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = p.write_text("ja,en,status\\n川習会,Kawashu meeting,approved\\n", encoding="utf-8")
    >>> import_glossary(Store.open(":memory:"), p).written
    1
    """
    from exports.registry import glossary_format_for

    from .store import upsert_entries

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a file")
    fmt = glossary_format_for(p)
    entries: list[TermEntry] = []
    try:
        with open(p, "rb") as fp:
            for entry in fmt.read(fp, str(p)):
                entries.append(entry)
                if len(entries) % 1000 == 0:
                    progress(len(entries), None, "reading")
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror or e})") from None
    by_status: dict[str, int] = {}
    for entry in entries:
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
    progress(0, len(entries), "importing")
    with store.atomic():
        written = upsert_entries(store, entries, origin="import")
    progress(len(entries), len(entries), "importing")
    return ImportResult(p, fmt.name, len(entries), written, by_status)


def export_glossary(store: Store, path: str | os.PathLike[str], *, tbx_version: str = "3",
                    status: str | None = None) -> ExportResult:
    """Write the glossary (or the entries with *status*) to *path*, format by extension.

    The file appears only when complete (temporary file + rename).

    :raises ExportError: unsupported extension, unwritable folder, unknown TBX version

    >>> import tempfile, pathlib
    >>> from tm.store import Store
    >>> from glossary.store import add_term
    >>> s = Store.open(":memory:")
    >>> _ = add_term(s, "戦略的曖昧さ", "strategic ambiguity")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.tbx"
    >>> export_glossary(s, out).entries
    1
    """
    from exports.outfile import atomic_output
    from exports.registry import glossary_format_for

    from .store import iter_entries

    p = Path(path)
    fmt = glossary_format_for(p, for_writing=True)
    if tbx_version not in ("3", "2008"):
        raise ExportError(f"TBX version {tbx_version!r} is not supported: use 3 or 2008")
    count = 0

    def counted() -> Iterator[TermEntry]:
        nonlocal count
        for entry in iter_entries(store, status=status):
            count += 1
            yield entry

    meta = {f"db {k}": v for k, v in store.meta().items()}
    with atomic_output(p) as fp:
        fmt.write(counted(), fp, version=tbx_version, meta=meta)
    return ExportResult(p, fmt.name, count, tbx_version if fmt.name == "TBX" else None)
