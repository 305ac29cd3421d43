"""Which module reads and writes a file: extension → ``"module:attr"``, resolved lazily.

Formats are named by strings and imported only when used (openpyxl loads only for ``.xlsx``).
Unknown extensions fall back to sniffing the first bytes (for XML, the root element:
``<tbx>``/``<martif>`` → TBX, ``<tmx>`` → TMX, ``<xliff>`` → XLIFF; ``PK`` → XLSX, a tab in
the first line → TSV, a comma → CSV).

Glossary formats offer ``read(fp, name)`` / ``write(entries, fp, **opts)``; TM formats
``read_units(fp, name)`` / ``write_units(units, fp, **opts)``; XLIFF is a TM format for
reading only (:mod:`exports.xliffin`, finished bilingual files into the TM).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from taiyaku.core.errors import ExportError, InputError

__all__ = [
    "GlossaryFormat", "TMFormat", "GLOSSARY_FORMATS", "TM_FORMATS", "glossary_format_for",
    "tm_format_for", "sniff", "resolve", "xml_root", "XML_ROOTS",
]

#: extension → (format name, "module" or "module:attr" that has read/write)
GLOSSARY_FORMATS: dict[str, tuple[str, str]] = {
    ".tbx": ("TBX", "taiyaku.exports.tbx"),
    ".xlsx": ("XLSX", "taiyaku.exports.xlsx"),
    ".csv": ("CSV", "taiyaku.exports.delimited:CSV"),
    ".tsv": ("TSV", "taiyaku.exports.delimited:TSV"),
}
#: extension → (format name, "module[:attr]", reader name, writer name); an empty writer name
#: means the format is read only (bilingual XLIFF goes into the TM through ``tm import``; the
#: TM is not exported as XLIFF)
TM_FORMATS: dict[str, tuple[str, str, str, str]] = {
    ".tmx": ("TMX", "taiyaku.exports.tmx", "read", "write"),
    ".xlsx": ("XLSX", "taiyaku.exports.xlsx", "read_units", "write_units"),
    ".csv": ("CSV", "taiyaku.exports.delimited:CSV", "read_units", "write_units"),
    ".tsv": ("TSV", "taiyaku.exports.delimited:TSV", "read_units", "write_units"),
    **{ext: ("XLIFF", "taiyaku.exports.xliffin", "read_segments", "")
       for ext in (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")},
}
_SNIFF_EXT = {"tbx": ".tbx", "tmx": ".tmx", "xliff": ".xliff", "xlsx": ".xlsx", "csv": ".csv",
              "tsv": ".tsv"}
#: root element (local name, lowercased) → the interchange format it starts
XML_ROOTS = {"tmx": "tmx", "xliff": "xliff", "martif": "tbx", "tbx": "tbx"}


def resolve(spec: str) -> Any:
    """Import ``"module"`` or ``"module:attr"`` and return the module or the attribute.

    >>> resolve("taiyaku.exports.delimited:TSV").delimiter
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
                   one_sided: Callable[[int | None, str], None] | None = None,
                   skipped: Callable[[int | None, str, tuple[str, ...]], None] | None = None,
                   ) -> Iterator[Any]:
        """TM units from *fp* (for XLIFF: :class:`exports.xliffin.BilingualSegment` records).

        :param one_sided: for the spreadsheet formats (XLSX, CSV, TSV): called with (line,
            missing side) for a row with text in one language only, which is then skipped;
            without it such a row is a :class:`~core.errors.ParseError`.
        :param skipped: for TMX: called with (line, reason, languages) for each ``<tu>``
            without both a Japanese and an English side (see :data:`exports.tmx.Skipped`)
        """
        import inspect

        fn: Callable[..., Iterator[Any]] = getattr(resolve(self.spec), self.reader)
        params = inspect.signature(fn).parameters
        kwargs: dict[str, Any] = {}
        if one_sided is not None and "one_sided" in params:
            kwargs["one_sided"] = one_sided
        if skipped is not None and "skipped" in params:
            kwargs["skipped"] = skipped
        return fn(fp, name, **kwargs)

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
    root = xml_root(head)
    if root is not None:
        return XML_ROOTS.get(root.lower())
    first = head.lstrip(b"\xef\xbb\xbf").lstrip().split(b"\n", 1)[0]
    if b"\t" in first:
        return "tsv"
    if b"," in first:
        return "csv"
    return None


_XML_SKIP = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL | re.IGNORECASE)
_XML_NAME = re.compile(r"<([^\s/>!?]+)")


def xml_root(head: bytes) -> str | None:
    """The local name of the root element of the XML document that starts with *head* (the
    XML declaration, comments, processing instructions and a DOCTYPE skipped; in any
    encoding the XML readers take, see :func:`exports.xmlutil.head_text`), or None when
    *head* does not start like XML.

    >>> xml_root(b'<?xml version="1.0"?>\\n<!-- c --><!DOCTYPE tmx SYSTEM "x.dtd"><tmx v="1">')
    'tmx'
    >>> xml_root(b'<xlf:xliff xmlns:xlf="urn:x">'), xml_root(b"plain text")
    ('xliff', None)
    """
    from taiyaku.exports.xmlutil import head_text

    text = head_text(head)
    pos = 0
    while True:
        m = _XML_SKIP.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    name = _XML_NAME.match(text, pos)
    return name.group(1).rsplit(":", 1)[-1] if name else None


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
    """The TM format for *path* (``.tmx`` → :mod:`exports.tmx`, ``.xlsx``, ``.csv``, ``.tsv``;
    reading also XLIFF: ``.xlf``, ``.xliff``, ``.sdlxliff``, ``.mqxliff``, ``.mxliff``).

    :raises InputError: (reading) no TM format fits
    :raises ExportError: (writing) the extension is not a TM format TM exports write

    >>> tm_format_for("memory.tsv").name, tm_format_for("job.sdlxliff").name
    ('TSV', 'XLIFF')
    """
    ext = _ext(path)
    sniffed = ext
    if ext not in TM_FORMATS and not for_writing:
        kind = _sniff_path(Path(path))
        sniffed = _SNIFF_EXT.get(kind or "", ext)
    if sniffed in TM_FORMATS and (TM_FORMATS[sniffed][3] or not for_writing):
        return TMFormat(*TM_FORMATS[sniffed])
    if for_writing:
        raise ExportError(f"{path}: unsupported TM format {ext or '(no extension)'!r} for "
                          "export (use .tmx, .xlsx, .csv, .tsv)")
    what = f"{ext!r}" if ext else "(no extension)"
    if sniffed != ext:
        what += f", content looks like {sniffed.lstrip('.').upper()}"
    raise InputError(f"{path}: unsupported TM format {what} (use .tmx, .xlsx, .csv, .tsv, or "
                     "XLIFF: .xlf, .xliff, .sdlxliff, .mqxliff, .mxliff)")
