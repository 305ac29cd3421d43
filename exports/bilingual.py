"""Bilingual files read for quality checks: one :class:`core.findings.QaUnit` per segment.

XLIFF 1.2/2.x and the CAT flavours through :mod:`taiyaku.exports.xliff` (with the inline codes of
each side, for the ``tags`` check), TMX through :mod:`exports.tmx`, the XLSX that
``pretranslate -o X.xlsx`` writes (columns "#", "Segment" … "Target") once a translator has
filled its Target column, and the TM spreadsheets (ja/en columns) through
:mod:`exports.registry`. Japanese → English and English → Japanese; anything else is refused
with one line.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from taiyaku.core.errors import InputError, ParseError
from taiyaku.core.findings import QaUnit
from taiyaku.core.normalize import has_japanese

__all__ = ["read_bilingual", "read_xliff", "read_pretranslated_xlsx", "inline_codes"]

#: inline code elements of XLIFF 1.2 and 2.x
_CODES = {"ph", "bpt", "ept", "it", "x", "bx", "ex", "g", "pc", "sc", "ec"}


def _lang(tag: str | None) -> str:
    return (tag or "").replace("_", "-").split("-")[0].lower()


def inline_codes(elem: Any) -> tuple[str, ...]:
    """The inline codes inside *elem*, in order, as ``name:id``.

    >>> import xml.etree.ElementTree as ET
    >>> t = '<t>a <bpt id="1">&lt;b&gt;</bpt>b<ept id="1"/> <x id="2"/></t>'
    >>> inline_codes(ET.fromstring(t))
    ('bpt:1', 'ept:1', 'x:2')
    """
    from taiyaku.exports.xmlutil import local_name

    out = []
    for e in elem.iter():
        name = local_name(e.tag)
        if e is not elem and name in _CODES:
            ident = e.get("id") or e.get("rid") or e.get("startRef") or ""
            out.append(f"{name}:{ident}")
    return tuple(out)


def read_xliff(fp: IO[bytes], name: str) -> tuple[str | None, list[QaUnit]]:
    """The units of an XLIFF file and its ``file/@original`` (the first one).

    :raises InputError: not Japanese–English
    """
    from taiyaku.exports.xliff import read_segments

    data = fp.read()
    segments = list(read_segments(io.BytesIO(data), name))
    codes = _codes_by_id(data, name)
    units = []
    original = None
    for seg in segments:
        pair = (_lang(seg.src_lang), _lang(seg.trg_lang))
        if pair not in (("ja", "en"), ("en", "ja")):
            raise InputError(f"{name}: languages {seg.src_lang or '(none)'} → "
                             f"{seg.trg_lang or '(none)'}; taiyaku qa checks Japanese–English")
        if not seg.translatable:
            continue
        original = original or seg.file
        src_codes, trg_codes = codes.get(seg.id, ((), ()))
        units.append(QaUnit(seg.id, seg.source, seg.target, pair[0], src_codes, trg_codes))
    return original, units


def _codes_by_id(data: bytes, name: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Inline codes of each unit's source and target (units of one segment only)."""
    from taiyaku.exports.xmlutil import local_name, safe_iterparse

    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for event, elem in safe_iterparse(io.BytesIO(data), name):
        if event != "end" or local_name(elem.tag) not in ("trans-unit", "unit"):
            continue
        sources = [e for e in elem.iter() if local_name(e.tag) == "source"]
        targets = [e for e in elem.iter() if local_name(e.tag) == "target"]
        if len(sources) == 1:
            out[elem.get("id") or ""] = (inline_codes(sources[0]),
                                         inline_codes(targets[0]) if targets else ())
        elem.clear()
    return out


def read_pretranslated_xlsx(fp: IO[bytes], name: str) -> list[QaUnit] | None:
    """The units of a filled-in pre-translation sheet, or None when the workbook has no
    sheet with "Segment" and "Target" columns."""
    from openpyxl import load_workbook
    from taiyaku.exports.xlsx import _check_zip

    _check_zip(fp, name)  # damaged archives and zip bombs are refused before openpyxl
    try:
        wb = load_workbook(fp, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many kinds on a damaged archive
        raise ParseError(name, f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = [str(c or "").strip().lower() for c in next(rows, ())]
            if "segment" not in header or "target" not in header:
                continue
            si, ti = header.index("segment"), header.index("target")
            ni = header.index("#") if "#" in header else None
            units = []
            for r, row in enumerate(rows, 2):
                if row is None:
                    continue
                source = str(row[si] or "") if si < len(row) else ""
                target = row[ti] if ti < len(row) else None
                if not source.strip():
                    continue
                uid = str(row[ni]) if ni is not None and row[ni] is not None else str(r)
                units.append(QaUnit(uid, source, None if target is None else str(target),
                                    "ja" if has_japanese(source) else "en"))
            return units
    finally:
        wb.close()
    return None


def read_bilingual(path: Path) -> tuple[str, list[QaUnit]]:
    """The file's id (what remembered false positives are stored under: the XLIFF's
    ``file/@original`` where it has one, else the file name) and its units.

    :raises InputError: missing, not bilingual, not Japanese–English, or no units
    :raises ParseError: damaged
    """
    from taiyaku.exports.registry import tm_format_for

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = tm_format_for(path)
    try:
        fp = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    original: str | None = None
    with fp:
        if fmt.name == "XLIFF":
            original, units = read_xliff(fp, str(path))
        elif fmt.name == "XLSX" and (sheet := read_pretranslated_xlsx(fp, str(path))) is not None:
            units = sheet
        else:
            fp.seek(0)
            languages: set[str] = set()

            def skipped(_line: int | None, _reason: str, langs: tuple[str, ...] = ()) -> None:
                languages.update(langs)

            units = [QaUnit(str(u.props.get("tuid") or i), u.ja, u.en, "ja")
                     for i, u in enumerate(fmt.read_units(fp, str(path), skipped=skipped), 1)]
            if not units and languages:
                raise InputError(f"{path}: no Japanese–English unit (languages found: "
                                 f"{', '.join(sorted(languages))})")
    if not units:
        raise InputError(f"{path}: no translation units to check")
    if not any(u.target and u.target.strip() for u in units):
        raise InputError(f"{path}: no unit has a target (not a translated bilingual file)")
    return original or path.name, units
