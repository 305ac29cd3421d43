"""Which module reads and writes a file: extension → ``"module:attr"``, resolved lazily.

Formats are named by strings and imported only when used (openpyxl loads only for ``.xlsx``).
Unknown extensions fall back to sniffing the first bytes (``<tbx``/``<martif`` → TBX, ``<tmx``
→ TMX, ``<xliff`` → XLIFF, ``PK`` → XLSX, a tab in the first line → TSV, a comma → CSV).

Glossary formats offer ``read(fp, name)`` / ``write(entries, fp, **opts)``; TM formats
``read_units(fp, name)`` / ``write_units(units, fp, **opts)``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tm.errors import ExportError, InputError

__all__ = [
    "GlossaryFormat", "TMFormat", "GLOSSARY_FORMATS", "TM_FORMATS", "glossary_format_for",
    "tm_format_for", "sniff", "resolve",
]

#: extension → (format name, "module" or "module:attr" that has read/write)
GLOSSARY_FORMATS: dict[str, tuple[str, str]] = {
    ".tbx": ("TBX", "exports.tbx"),
    ".xlsx": ("XLSX", "exports.xlsx"),
    ".csv": ("CSV", "exports.delimited:CSV"),
    ".tsv": ("TSV", "exports.delimited:TSV"),
}
#: extension → (format name, "module[:attr]", reader name, writer name)
TM_FORMATS: dict[str, tuple[str, str, str, str]] = {
    ".tmx": ("TMX", "exports.tmx", "read", "write"),
    ".xlsx": ("XLSX", "exports.xlsx", "read_units", "write_units"),
    ".csv": ("CSV", "exports.delimited:CSV", "read_units", "write_units"),
    ".tsv": ("TSV", "exports.delimited:TSV", "read_units", "write_units"),
}
_SNIFF_EXT = {"tbx": ".tbx", "tmx": ".tmx", "xliff": ".xlf", "xlsx": ".xlsx", "csv": ".csv",
              "tsv": ".tsv"}


def resolve(spec: str) -> Any:
    """Import ``"module"`` or ``"module:attr"`` and return the module or the attribute.

    >>> resolve("exports.delimited:TSV").delimiter
    '\\t'
    """
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


@dataclass(frozen=True)
class GlossaryFormat:
    """A glossary format: its name and its lazily imported ``read``/``write``."""

    name: str
    spec: str

    def read(self, fp: IO[bytes], name: str) -> Iterator[Any]:
        """Entries from *fp* (see the format module)."""
        reader: Callable[[IO[bytes], str], Iterator[Any]] = resolve(self.spec).read
        return reader(fp, name)

    def write(self, records: Iterable[Any], fp: IO[bytes], **opts: Any) -> None:
        """Write entries to *fp*; options the format does not know are ignored."""
        resolve(self.spec).write(records, fp, **opts)


@dataclass(frozen=True)
class TMFormat:
    """A TM format: its name and its lazily imported unit reader and writer."""

    name: str
    spec: str
    reader: str
    writer: str

    def read_units(self, fp: IO[bytes], name: str, *,
                   one_sided: Callable[[int | None, str], None] | None = None
                   ) -> Iterator[Any]:
        """TM units from *fp*.

        :param one_sided: for the spreadsheet formats (XLSX, CSV, TSV): called with (line,
            missing side) for a row with text in one language only, which is then skipped;
            without it such a row is a :class:`~tm.errors.ParseError`. (The TMX reader always
            skips units without both languages.)
        """
        import inspect

        fn: Callable[..., Iterator[Any]] = getattr(resolve(self.spec), self.reader)
        if one_sided is not None and "one_sided" in inspect.signature(fn).parameters:
            return fn(fp, name, one_sided=one_sided)
        return fn(fp, name)

    def write_units(self, units: Iterable[Any], fp: IO[bytes], **opts: Any) -> None:
        """Write TM units to *fp*."""
        getattr(resolve(self.spec), self.writer)(units, fp, **opts)


def sniff(head: bytes) -> str | None:
    """Guess a format from the first bytes of a file (``"tbx"``, ``"tmx"``, ``"xliff"``,
    ``"xlsx"``, ``"tsv"``, ``"csv"``) or ``None``.

    >>> sniff(b'<?xml version="1.0"?>\\n<tbx type="TBX-Basic">'), sniff(b"PK\\x03\\x04")
    ('tbx', 'xlsx')
    """
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lowered = text[:4096].lower()
    if lowered.startswith(b"<"):
        for marker, kind in ((b"<martif", "tbx"), (b"<tbx", "tbx"), (b"<tmx", "tmx"),
                             (b"<xliff", "xliff")):
            if marker in lowered:
                return kind
        return None
    first = text.split(b"\n", 1)[0]
    if b"\t" in first:
        return "tsv"
    if b"," in first:
        return "csv"
    return None


def _sniff_path(path: Path) -> str | None:
    try:
        with open(path, "rb") as fp:
            return sniff(fp.read(4096))
    except OSError:
        return None


def _ext(path: str | os.PathLike[str]) -> str:
    return Path(path).suffix.lower()


def glossary_format_for(path: str | os.PathLike[str], *, for_writing: bool = False
                        ) -> GlossaryFormat:
    """The glossary format for *path*, by extension (sniffing the content when reading a file
    whose extension is unknown).

    :raises InputError: (reading) no glossary format fits
    :raises ExportError: (writing) the extension is not a glossary format

    >>> glossary_format_for("terms.TBX").name
    'TBX'
    """
    ext = _ext(path)
    if ext not in GLOSSARY_FORMATS and not for_writing:
        kind = _sniff_path(Path(path))
        ext = _SNIFF_EXT.get(kind or "", ext)
    if ext in GLOSSARY_FORMATS:
        name, spec = GLOSSARY_FORMATS[ext]
        return GlossaryFormat(name, spec)
    message = (f"{path}: unsupported glossary format {ext or '(no extension)'!r} "
               "(use .tbx, .xlsx, .csv, .tsv)")
    raise ExportError(message) if for_writing else InputError(message)


def tm_format_for(path: str | os.PathLike[str], *, for_writing: bool = False) -> TMFormat:
    """The TM format for *path* (``.tmx`` → :mod:`exports.tmx`, ``.xlsx``, ``.csv``, ``.tsv``).

    :raises InputError: (reading) no TM format fits
    :raises ExportError: (writing) the extension is not a TM format

    >>> tm_format_for("memory.tsv").name
    'TSV'
    """
    ext = _ext(path)
    if ext not in TM_FORMATS and not for_writing:
        kind = _sniff_path(Path(path))
        ext = _SNIFF_EXT.get(kind or "", ext)
    if ext in TM_FORMATS:
        return TMFormat(*TM_FORMATS[ext])
    message = (f"{path}: unsupported TM format {ext or '(no extension)'!r} "
               "(use .tmx, .xlsx, .csv, .tsv)")
    raise ExportError(message) if for_writing else InputError(message)
