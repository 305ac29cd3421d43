"""Finished bilingual XLIFF read back for the TM: XLIFF 1.2 and 2.x, and the flavours CAT tools
write (Trados ``.sdlxliff``, memoQ ``.mqxliff``, Phrase ``.mxliff``).

:func:`read_segments` streams one :class:`BilingualSegment` per segment with its languages and
whether the file marks it as confirmed:

- XLIFF 2.x: ``segment/@state`` ``translated``, ``reviewed`` or ``final`` (absent means
  ``initial``); a segment of a ``unit`` is a segment of its own.
- XLIFF 1.2: ``trans-unit/@approved="yes"``, or ``target/@state`` ``translated``,
  ``signed-off`` or ``final``. A ``seg-source`` split into ``<mrk mtype="seg" mid=…>``
  segments (Trados, Okapi) gives one segment per ``mid``, paired with the target's ``mrk`` of
  the same ``mid``.
- Trados ``.sdlxliff``: each ``mid``'s ``sdl:seg/@conf`` in ``sdl:seg-defs``: ``Translated``,
  ``ApprovedTranslation`` or ``ApprovedSignOff`` (``Draft``, ``RejectedTranslation``,
  ``RejectedSignOff`` and no ``conf`` are not confirmed).
- memoQ ``.mqxliff``: ``trans-unit/@mq:status`` ``ManuallyConfirmed``, ``Confirmed``,
  ``Reviewer1Confirmed``, ``Reviewer2Confirmed`` or ``Proofread`` (``NotStarted``,
  ``PreTranslated``, ``PartiallyEdited``, ``MachineTranslated``, ``AssembledFromFragments``,
  ``Rejected`` are not).
- Phrase ``.mxliff``: ``trans-unit/@m:confirmed`` of 1 or more (the workflow step that
  confirmed it; 0 is not confirmed).

Where a tool's own mark is present it decides; otherwise the standard attributes do.
Segment text is the text of the markup with inline codes flattened the way the XLIFF reader
does it (:func:`exports.xmlutil.inline_text`): the text inside ``<g>``, ``<mrk>``, ``<pc>`` and
``<sub>`` is kept; the native code inside ``<bpt>``, ``<ept>``, ``<ph>``, ``<it>`` and ``<ut>``
is dropped; text Trados marks as deleted in tracked changes (``mrk mtype="x-sdl-deleted"``) is
dropped; standalone codes are dropped without leaving a double space; ``<cp hex>`` becomes its
character. The text is stripped at both ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from taiyaku.core.errors import ParseError
from taiyaku.exports.xmlutil import inline_text, local_name, namespace_uri, safe_iterparse

__all__ = ["BilingualSegment", "read_segments", "CONFIRMED_STATES", "EXTENSIONS"]

EXTENSIONS = (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")

#: the marks that count as translated and confirmed, per kind of mark
CONFIRMED_STATES: dict[str, frozenset[str]] = {
    "xliff2": frozenset({"translated", "reviewed", "final"}),
    "xliff12": frozenset({"translated", "signed-off", "final"}),
    "sdl": frozenset({"Translated", "ApprovedTranslation", "ApprovedSignOff"}),
    "memoq": frozenset({"ManuallyConfirmed", "Confirmed", "Reviewer1Confirmed",
                        "Reviewer2Confirmed", "Proofread"}),
}
_SDL_NS = "http://sdl.com/FileTypes/SdlXliff/1.0"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class BilingualSegment:
    """One segment of a bilingual XLIFF file.

    :ivar id: the unit's id (``trans-unit/@id`` or ``unit/@id``), with ``:mid`` or ``:segment
        id`` when the unit holds several segments
    :ivar target: ``None`` when the segment has no target
    :ivar src_lang: the source language tag as written (``ja-JP``), or None
    :ivar trg_lang: the target language tag as written, or None
    :ivar state: the mark the file gives (``final``, ``approved``, ``Translated``,
        ``ManuallyConfirmed``, ``confirmed=1`` …), or None
    :ivar confirmed: the mark counts as translated and confirmed (see the module docstring)
    :ivar translatable: False for ``translate="no"`` units
    :ivar file: the ``file/@original`` it belongs to
    :ivar note: the unit's notes, one per line
    """

    id: str
    source: str
    target: str | None
    src_lang: str | None
    trg_lang: str | None
    state: str | None
    confirmed: bool
    translatable: bool = True
    file: str | None = None
    note: str | None = None


def flat_text(elem: Any) -> str:
    """The text of *elem* with inline codes flattened (:func:`exports.xmlutil.inline_text`, as
    the XLIFF reader does) and stripped at both ends.

    >>> import xml.etree.ElementTree as ET
    >>> flat_text(ET.fromstring('<t> Click <bpt id="1">&lt;b&gt;</bpt>here<ept id="1">&lt;/b&gt;'
    ...                         '</ept> <ph>{1<sub>note</sub>}</ph>.</t>'))
    'Click here note.'
    """
    return inline_text(elem).strip()


def _children(elem: Any, local: str) -> list[Any]:
    return [c for c in elem if local_name(c.tag) == local]


def _notes(elem: Any) -> str | None:
    notes = [flat_text(n) for n in elem.iter() if local_name(n.tag) == "note"]
    notes = [n for n in notes if n]
    return "\n".join(notes) if notes else None


def _segments_by_mid(elem: Any | None) -> dict[str, Any]:
    if elem is None:
        return {}
    return {m.get("mid") or "": m for m in elem.iter()
            if local_name(m.tag) == "mrk" and m.get("mtype") == "seg"}


def _tool_mark(tu: Any) -> tuple[str, bool] | None:
    """A memoQ or Phrase confirmation mark on a trans-unit: (shown state, confirmed)."""
    for key, value in tu.attrib.items():
        if not key.startswith("{"):
            continue
        ns, local = namespace_uri(key).lower(), local_name(key)
        if local == "status" and ("mqxliff" in ns or "memoq" in ns):
            return value, value in CONFIRMED_STATES["memoq"]
        if local == "confirmed" and "memsource" in ns:
            try:
                level = int(value)
            except ValueError:
                level = 0
            return f"confirmed={value}", level > 0
    return None


def _standard_12(tu: Any, target: Any | None) -> tuple[str | None, bool]:
    if tu.get("approved") == "yes":
        return "approved", True
    state = target.get("state") if target is not None else None
    return state, state in CONFIRMED_STATES["xliff12"]


def _unit12(tu: Any, langs: tuple[str | None, str | None], original: str | None
            ) -> Iterator[BilingualSegment]:
    src_lang, trg_lang = langs
    sources, targets = _children(tu, "source"), _children(tu, "target")
    source = sources[0] if sources else None
    target = targets[0] if targets else None
    if target is not None and target.get(_XML_LANG):
        trg_lang = target.get(_XML_LANG)
    uid = tu.get("id") or ""
    translatable = tu.get("translate") != "no"
    note = _notes(tu)
    tool = _tool_mark(tu)
    seg_source = _children(tu, "seg-source")
    mids = _segments_by_mid(seg_source[0] if seg_source else None)
    if mids:
        trg_mids = _segments_by_mid(target)
        defs = {}
        for group in _children(tu, "seg-defs"):
            defs.update({s.get("id") or "": s for s in group if local_name(s.tag) == "seg"})
        for mid, mrk in mids.items():
            t = trg_mids.get(mid)
            sdl = defs.get(mid)
            if sdl is not None:
                conf = sdl.get("conf")
                state, confirmed = conf, conf in CONFIRMED_STATES["sdl"]
            elif tool is not None:
                state, confirmed = tool
            else:
                state, confirmed = _standard_12(tu, target)
            yield BilingualSegment(f"{uid}:{mid}", flat_text(mrk),
                                   flat_text(t) if t is not None else None, src_lang, trg_lang,
                                   state, confirmed, translatable, original, note)
        return
    state, confirmed = tool if tool is not None else _standard_12(tu, target)
    yield BilingualSegment(uid, flat_text(source) if source is not None else "",
                           flat_text(target) if target is not None else None, src_lang,
                           trg_lang, state, confirmed, translatable, original, note)


def _unit2(unit: Any, langs: tuple[str | None, str | None], original: str | None
           ) -> Iterator[BilingualSegment]:
    src_lang, trg_lang = langs
    uid = unit.get("id") or ""
    translatable = unit.get("translate") != "no"
    note = _notes(unit)
    segments = _children(unit, "segment")
    for i, seg in enumerate(segments):
        sources, targets = _children(seg, "source"), _children(seg, "target")
        tool = _tool_mark(seg)
        if tool is not None:
            state: str | None
            state, confirmed = tool
        else:
            state = seg.get("state") or "initial"
            confirmed = state in CONFIRMED_STATES["xliff2"]
        sid = uid if len(segments) == 1 else f"{uid}:{seg.get('id') or i + 1}"
        yield BilingualSegment(sid, flat_text(sources[0]) if sources else "",
                               flat_text(targets[0]) if targets else None, src_lang, trg_lang,
                               state, confirmed, translatable and seg.get("translate") != "no",
                               original, note)


def read_segments(fp: IO[bytes], name: str) -> Iterator[BilingualSegment]:
    """Stream the segments of an XLIFF 1.2 or 2.x file (any of the flavours above).

    :raises ParseError: malformed or unsafe XML, or not XLIFF

    >>> import io
    >>> data = (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" '
    ...         b'srcLang="ja" trgLang="en"><file id="f"><unit id="1"><segment state="final">'
    ...         b'<source>\\xe5\\xaf\\xbe\\xe8\\xa8\\xb3</source><target>parallel text</target>'
    ...         b'</segment></unit></file></xliff>')
    >>> [(s.source, s.target, s.confirmed) for s in read_segments(io.BytesIO(data), "x.xlf")]
    [('対訳', 'parallel text', True)]
    """
    version2 = None
    langs: tuple[str | None, str | None] = (None, None)
    original: str | None = None
    for event, elem in safe_iterparse(fp, name):
        local = local_name(elem.tag)
        if event == "start":
            if version2 is None:
                if local != "xliff":
                    raise ParseError(name, f"not an XLIFF file (root element <{local}>, "
                                           "expected <xliff>)", 1)
                version2 = (elem.get("version") or "1.2").startswith("2")
                if version2:
                    langs = (elem.get("srcLang"), elem.get("trgLang"))
            elif local == "file":
                original = elem.get("original") or elem.get("id")
                if not version2:
                    langs = (elem.get("source-language"), elem.get("target-language"))
            continue
        if version2 is False and local == "trans-unit":
            yield from _unit12(elem, langs, original)
            elem.clear()
        elif version2 and local == "unit":
            yield from _unit2(elem, langs, original)
            elem.clear()
    if version2 is None:
        raise ParseError(name, "empty file (no XML root element)")
