"""Which module reads and writes a file: extension → ``"module:attr"``, resolved lazily. This is
the one place that maps an extension to its reader or writer, for every file taiyaku reads or
writes; an unknown output extension is refused here, the same way for every output option
(:func:`unknown_output`).

Formats are named by strings and imported only when used (openpyxl loads only for ``.xlsx``).
Unknown extensions fall back to sniffing the first bytes (for XML, the root element:
``<tbx>``/``<martif>`` → TBX, ``<tmx>`` → TMX, ``<xliff>`` → XLIFF; ``PK`` → XLSX, a tab in
the first line → TSV, a comma → CSV).

Glossary formats offer ``read(fp, name)`` / ``write(entries, fp, **opts)``; TM formats
``read_units(fp, name)`` / ``write_units(units, fp, **opts)``; XLIFF is a TM format for
reading only (:func:`exports.xliff.read_segments`, finished bilingual files into the TM).

:data:`OUTPUT_FORMATS` names, per kind of output (``glossary``, ``TM``, ``pre-translation``,
``report``, ``review``, ``qa report``), the extensions that work and their writer
``writer(record, fp, **opts)``; :func:`write_output` writes a record to a path through it.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from taiyaku.core.errors import ExportError, InputError

if TYPE_CHECKING:
    from taiyaku.exports.outfile import OutputSet

__all__ = [
    "GlossaryFormat", "TMFormat", "GLOSSARY_FORMATS", "TM_FORMATS", "glossary_format_for",
    "tm_format_for", "sniff", "resolve", "xml_root", "XML_ROOTS", "OUTPUT_FORMATS",
    "OutputFormat", "output_format_for", "unknown_output", "write_output",
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
    **{ext: ("XLIFF", "taiyaku.exports.xliff", "read_segments", "")
       for ext in (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")},
}
#: kind of output → extension → (format name, ``"module:function"`` that writes it). The
#: order of the extensions is the order an error lists them in.
OUTPUT_FORMATS: dict[str, dict[str, tuple[str, str]]] = {
    "glossary": {ext: (name, f"{spec}:write" if ":" not in spec else f"{spec}.write")
                 for ext, (name, spec) in GLOSSARY_FORMATS.items()},
    "TM": {ext: (name, f"{spec}:{writer}" if ":" not in spec else f"{spec}.{writer}")
           for ext, (name, spec, _reader, writer) in TM_FORMATS.items() if writer},
    "pre-translation": {
        ".xlf": ("XLIFF", "taiyaku.exports.xliff:write_pretranslation"),
        ".xliff": ("XLIFF", "taiyaku.exports.xliff:write_pretranslation"),
        ".xlsx": ("XLSX", "taiyaku.exports.xlsx:write_pretranslation"),
        ".json": ("JSON", "taiyaku.exports.jsonfile:write_pretranslation"),
        ".tmx": ("TMX", "taiyaku.exports.tmx:write_pretranslation"),
    },
    "report": {
        ".htm": ("HTML", "taiyaku.exports.html:write_report"),
        ".html": ("HTML", "taiyaku.exports.html:write_report"),
        ".json": ("JSON", "taiyaku.exports.jsonfile:write_report"),
    },
    "review": {
        ".htm": ("HTML", "taiyaku.exports.review:write_review_html"),
        ".html": ("HTML", "taiyaku.exports.review:write_review_html"),
        ".xlsx": ("XLSX", "taiyaku.exports.review:write_review_xlsx"),
    },
    "qa report": {
        ".htm": ("HTML", "taiyaku.exports.qa_report:write_html"),
        ".html": ("HTML", "taiyaku.exports.qa_report:write_html"),
        ".xlsx": ("XLSX", "taiyaku.exports.xlsx:write_findings"),
    },
}
_SNIFF_EXT = {"tbx": ".tbx", "tmx": ".tmx", "xliff": ".xliff", "xlsx": ".xlsx", "csv": ".csv",
              "tsv": ".tsv"}
#: root element (local name, lowercased) → the interchange format it starts
XML_ROOTS = {"tmx": "tmx", "xliff": "xliff", "martif": "tbx", "tbx": "tbx"}


def resolve(spec: str) -> Any:
    """Import ``"module"`` or ``"module:attr"`` and return the module or the attribute.

    >>> resolve("taiyaku.exports.delimited:TSV").delimiter
    '\\t'
    >>> resolve("taiyaku.exports.delimited:TSV.write_units").__name__
    'write_units'
    """
    module_name, _, attr = spec.partition(":")
    found: Any = importlib.import_module(module_name)
    for name in attr.split(".") if attr else ():
        found = getattr(found, name)
    return found


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
        """TM units from *fp* (for XLIFF: :class:`exports.xliff.BilingualSegment` records).

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
    if for_writing:
        raise unknown_output("glossary", path)
    raise InputError(f"{path}: unsupported glossary format {ext or '(no extension)'!r} "
                     "(use .tbx, .xlsx, .csv, .tsv)")


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
        raise unknown_output("TM", path)
    what = f"{ext!r}" if ext else "(no extension)"
    if sniffed != ext:
        what += f", content looks like {sniffed.lstrip('.').upper()}"
    raise InputError(f"{path}: unsupported TM format {what} (use .tmx, .xlsx, .csv, .tsv, or "
                     "XLIFF: .xlf, .xliff, .sdlxliff, .mqxliff, .mxliff)")


# -- outputs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutputFormat:
    """An output format: the kind of output, the format's name and its lazily imported writer."""

    kind: str
    name: str
    spec: str

    def write(self, record: Any, fp: IO[bytes], **opts: Any) -> None:
        """Write *record* (what the kind of output holds: entries, units, a pre-translated
        document, an analysis) to *fp*; options the format does not know are ignored.

        :raises NotImplementedError: the format's writer is not in exports/ yet
        """
        if not self.spec:
            raise NotImplementedError(f"the {self.kind} {self.name} writer is not in exports/ yet")
        writer: Callable[..., None] = resolve(self.spec)
        writer(record, fp, **opts)


def unknown_output(kind: str, path: str | os.PathLike[str]) -> ExportError:
    """The one-line error for an output whose extension no writer of *kind* takes, listing the
    extensions that work.

    >>> print(unknown_output("report", "r.pdf"))
    r.pdf: unknown report format '.pdf'; use .htm, .html or .json
    """
    ext = _ext(path)
    works = list(OUTPUT_FORMATS[kind])
    listed = ", ".join(works[:-1]) + " or " + works[-1] if len(works) > 1 else works[0]
    return ExportError(f"{path}: unknown {kind} format {ext or '(no extension)'!r}; "
                       f"use {listed}")


def output_format_for(kind: str, path: str | os.PathLike[str]) -> OutputFormat:
    """The writer of *kind* (a key of :data:`OUTPUT_FORMATS`) for *path*, by its extension.

    :raises ExportError: the extension is not one *kind* is written in (:func:`unknown_output`)

    >>> output_format_for("pre-translation", "new.XLF").name
    'XLIFF'
    """
    formats = OUTPUT_FORMATS[kind]
    ext = _ext(path)
    if ext not in formats:
        raise unknown_output(kind, path)
    return OutputFormat(kind, *formats[ext])


def write_output(kind: str, record: Any, path: str | os.PathLike[str], *,
                 outputs: OutputSet | None = None, **opts: Any) -> None:
    """Write *record* to *path* in the format of *kind* its extension names, through a
    temporary file renamed into place (:mod:`exports.outfile`).

    :param outputs: the set of files this output belongs to (renamed into place together);
        by default the file stands alone
    :param opts: passed to the writer (e.g. ``xliff_version``, ``meta``)
    :raises ExportError: unknown extension (before anything is written), or the file cannot
        be written
    """
    import contextlib

    from taiyaku.exports.outfile import OutputSet

    fmt = output_format_for(kind, path)
    with contextlib.ExitStack() as stack:
        if outputs is None:
            outputs = stack.enter_context(OutputSet())
        fp = stack.enter_context(outputs.open(path))
        fmt.write(record, fp, **opts)
