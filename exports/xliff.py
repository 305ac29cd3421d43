"""XLIFF: pre-translated documents written (2.1 by default, or 1.2) and read back, and finished
bilingual XLIFF from CAT tools read into the TM (:func:`read_segments`, see the end).

Records (what the pre-translation step hands over, one :class:`XliffSegment` per segment):

- :class:`XliffSegment` ``(id, source, target, state, candidates, terms, note)``: *id* is an
  XML NMTOKEN (e.g. ``"12"``); *target* is the filled translation or ``None``; *state* uses the
  XLIFF 2 vocabulary ``initial`` / ``translated`` / ``reviewed`` / ``final`` (a segment without
  a target is written as ``initial``).
- :class:`Candidate` ``(score, source, target, origin)``: a TM match, *score* 0–100.
- :class:`TermRef` ``(ja, en, status)``: a glossary hit; *en* ``None`` or ``""`` when the
  glossary has no English term; *status* ``approved`` / ``candidate`` / ``forbidden``.

XLIFF 2.1 (``urn:oasis:names:tc:xliff:document:2.0``, ``version="2.1"``): one ``unit`` per
segment; candidates in the Translation Candidates module (``mtc:matches`` / ``mtc:match`` with
``similarity`` and ``matchQuality`` = score, ``origin``, ``ref`` to the segment); terms in the
Glossary module (``gls:glossary`` / ``gls:glossEntry`` / ``gls:term`` / ``gls:translation``,
status in a Metadata module ``mda:meta type="status"``, and a ``gls:definition`` for entries
without translation or with a non-approved status); the note in ``notes/note``.

XLIFF 1.2: one ``trans-unit`` per segment, ``target`` with ``state`` (new / translated /
signed-off / final), candidates as ``alt-trans`` with ``match-quality`` and ``origin``, terms as
``note from="taiyaku-term"`` lines ``ja → en [status]`` and the note as ``note from="taiyaku"``.

States, so that CAT tools and Translate Toolkit count what they should:

=============================  ==============================  ==============================
record                         XLIFF 2.x ``segment``           XLIFF 1.2 ``trans-unit``
=============================  ==============================  ==============================
no target                      ``state="initial"``             no ``target``
target, ``initial`` (a fuzzy   ``state="initial"``,            ``target state="needs-review-
fill: to be checked)           ``subState="taiyaku:fuzzy-      translation"``, ``state-
                               match"``                        qualifier="fuzzy-match"``
target, ``translated`` (an     ``state="translated"``,         ``approved="yes"``, ``target
exact match)                   ``subState="taiyaku:exact-      state="translated"``, ``state-
                               match"``                        qualifier="exact-match"``
target, ``reviewed``/``final`` ``state="reviewed"``/``final``  ``approved="yes"``, ``signed-
                                                               off`` / ``final``
=============================  ==============================  ==============================

The qualifiers are written when a candidate says so (a 100% candidate with the same target
for an exact match, any candidate for a fuzzy fill). Translate Toolkit counts a 1.2 target
without ``approved="yes"`` as fuzzy whatever its state, and a 2.x ``initial`` target as fuzzy.
Everything else taiyaku writes is readable text (notes say "repetition of segment 3",
"港湾 → port [approved]"); the one tool-private value, a 2.x glossary entry's status, is in
the Metadata module (``mda:meta``), which tools do not show.

:func:`read` reads both back into the same records (for round trips and tests). Inline
markup in sources and targets is read as plain text (:func:`exports.xmlutil.inline_text`, which
the TM's XLIFF importer uses too): the text of paired codes and markers (1.2 ``g``, ``mrk``,
``sub``; 2.x ``pc``, ``mrk``) is kept, native code inside 1.2 ``bpt`` / ``ept`` / ``ph`` /
``it`` / ``ut``, Trados's deleted text (``mrk mtype="x-sdl-deleted"``) and standalone codes
(``x``, ``bx``, ``ex``, ``ph``, ``sc``, ``ec``, ``sm``, ``em``) are dropped without leaving a
double space; ``cp`` becomes its character.

Finished bilingual XLIFF is read back for the TM by :func:`read_segments` (the reader ``tm
import`` uses): XLIFF 1.2 and 2.x, and the flavours CAT tools write (Trados ``.sdlxliff``,
memoQ ``.mqxliff``, Phrase ``.mxliff``), one :class:`BilingualSegment` per segment with its
languages and whether the file marks it as confirmed:

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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from taiyaku.core.errors import ExportError, ParseError
from taiyaku.core.pretranslated import (
    NOT_SUBSTITUTED,
    PretranslatedDocument,
    suggested_target,
)
from taiyaku.exports.xmlutil import inline_text, local_name, namespace_uri, safe_iterparse
from taiyaku.exports.xmlwriter import XmlWriter

__all__ = ["XliffSegment", "Candidate", "TermRef", "TermHit", "read", "write",
           "write_pretranslation", "BilingualSegment", "read_segments", "CONFIRMED_STATES",
           "NS20", "NS12", "NAME", "EXTENSIONS", "BILINGUAL_EXTENSIONS"]

NAME = "XLIFF"
EXTENSIONS = (".xlf", ".xliff")
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
NS12 = "urn:oasis:names:tc:xliff:document:1.2"
MTC = "urn:oasis:names:tc:xliff:matches:2.0"
GLS = "urn:oasis:names:tc:xliff:glossary:2.0"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STATES = ("initial", "translated", "reviewed", "final")
_STATE_12 = {"initial": "new", "translated": "translated", "reviewed": "signed-off",
             "final": "final"}
_STATE_FROM_12 = {v: k for k, v in _STATE_12.items()}
_STATE_FROM_12.update({"needs-review-translation": "initial", "needs-translation": "initial"})
#: 1.2 states of a target to be checked (written for an ``initial`` record with a target)
REVIEW_12 = "needs-review-translation"
#: the prefix of the XLIFF 2 ``subState`` values taiyaku writes
SUBSTATE_PREFIX = "taiyaku:"
_NMTOKEN = re.compile(r"[\w.:-]+")
TERM_NOTE_FROM = "taiyaku-term"
NOTE_FROM = "taiyaku"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A translation candidate from the TM.

    :ivar score: 0–100 (CAT-style fuzzy score)
    :ivar source: the matched TM unit's source text
    :ivar target: its translation
    :ivar origin: where it comes from (document name, ``"tm"``)
    """

    score: float
    source: str
    target: str
    origin: str = "tm"


@dataclass(frozen=True, slots=True)
class TermRef:
    """A glossary term found in the segment.

    :ivar ja: the Japanese term as in the glossary
    :ivar en: its English term, ``None`` or ``""`` when there is none
    :ivar status: ``approved``, ``candidate`` or ``forbidden``
    """

    ja: str
    en: str | None = None
    status: str = "approved"


#: the name the design notes use
TermHit = TermRef


@dataclass(frozen=True, slots=True)
class XliffSegment:
    """One segment to translate.

    :ivar id: unique, an XML NMTOKEN (letters, digits, ``.-_:``)
    :ivar target: the filled translation (exact matches, or fuzzy ones when asked) or ``None``
    :ivar state: ``initial``, ``translated``, ``reviewed`` or ``final``
    :ivar candidates: TM matches, best first
    :ivar terms: glossary hits
    :ivar note: a remark for the translator (e.g. "repetition of segment 3")
    """

    id: str
    source: str
    target: str | None = None
    state: str = "initial"
    candidates: tuple[Candidate, ...] = ()
    terms: tuple[TermRef, ...] = ()
    note: str | None = None


def _score_text(score: float) -> str:
    value = max(0.0, min(100.0, float(score)))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _check_id(seg_id: str, seen: set[str]) -> None:
    if not _NMTOKEN.fullmatch(seg_id):
        raise ExportError(f"XLIFF segment id {seg_id!r} is not an XML NMTOKEN")
    if seg_id in seen:
        raise ExportError(f"XLIFF segment id {seg_id!r} is used twice")
    seen.add(seg_id)


def write(segments: Iterable[XliffSegment], fp: IO[bytes], *, version: str = "2.1",
          src_lang: str = "ja", trg_lang: str = "en", original: str = "document") -> None:
    """Write segments as XLIFF 2.1 (default) or 1.2.

    :param original: the source document's name (``file/@original``)
    :raises ExportError: unknown version, bad or duplicate segment id

    >>> import io
    >>> buf = io.BytesIO()
    >>> seg = XliffSegment("1", "輸出規制を強化する。", candidates=(
    ...     Candidate(88.0, "輸出規制を強化した。", "Export controls were tightened."),),
    ...     terms=(TermRef("輸出規制", "export controls"),))
    >>> write([seg], buf, original="new.txt")
    >>> [s.candidates[0].score for s in read(io.BytesIO(buf.getvalue()), "new.xlf")]
    [88.0]
    """
    if version not in ("2.1", "2.0", "1.2"):
        raise ExportError(f"XLIFF version {version!r} is not supported: use 2.1 or 1.2")
    if version == "1.2":
        _write12(segments, fp, src_lang, trg_lang, original)
    else:
        _write2(segments, fp, version, src_lang, trg_lang, original)



def write_pretranslation(doc: PretranslatedDocument, fp: IO[bytes], *,
                         xliff_version: str = "2.1", **_opts: Any) -> None:
    """A pre-translated document as XLIFF 2.1 (matches as translation candidates, terms as
    glossary entries) or 1.2 (``alt-trans``): one :class:`XliffSegment` per segment, its
    candidates with the query's numbers put in where only numbers differ (the note says so
    where the best match's numbers could not be put right)."""
    records = []
    for s in doc.segments:
        candidates = tuple(
            Candidate(score=round(m.score, 2), source=m.source, target=suggested_target(m),
                      origin=m.document or "tm")
            for m in s.matches
        )
        terms = tuple(TermRef(ja=t.ja, en=t.en, status=t.status) for t in s.terms)
        notes = []
        if s.repetition_of is not None:
            notes.append(f"repetition of segment {s.repetition_of + 1}")
        if s.best is not None and NOT_SUBSTITUTED in s.best.flags:
            notes.append(f"best match ({s.best.score:g}): numbers differ, not substituted")
        note = "; ".join(notes) or None
        records.append(XliffSegment(
            id=str(s.index + 1), source=s.source, target=s.target,
            state=_PRETRANSLATION_STATES.get(s.state, "initial"), candidates=candidates,
            terms=terms, note=note,
        ))
    write(records, fp, version=xliff_version, src_lang=doc.src_lang, trg_lang=doc.trg_lang,
          original=doc.name or "document")


#: a pre-translated segment's state → XLIFF 2's (a fuzzy fill stays ``initial``: not reviewed)
_PRETRANSLATION_STATES = {"translated": "translated", "needs-review": "initial"}

def _state_for(seg: XliffSegment) -> str:
    has_target = seg.target is not None
    state = seg.state if seg.state in STATES else "initial"
    return state if has_target else "initial"


def _qualifier(seg: XliffSegment, state: str) -> str | None:
    """How the target came to be, in XLIFF 1.2's ``state-qualifier`` words: ``exact-match``
    (a translated target that a 100% candidate gives), ``fuzzy-match`` (a target to check,
    from a candidate), else ``None``."""
    if seg.target is None or not seg.candidates:
        return None
    if state == "initial":
        return "fuzzy-match"
    if state == "translated" and any(c.score >= 100 and c.target == seg.target
                                     for c in seg.candidates):
        return "exact-match"
    return None


def _write2(segments: Iterable[XliffSegment], fp: IO[bytes], version: str, src_lang: str,
            trg_lang: str, original: str) -> None:
    w = XmlWriter(fp)
    w.start("xliff", {"xmlns": NS20, "xmlns:mtc": MTC, "xmlns:gls": GLS, "xmlns:mda": MDA,
                      "version": version, "srcLang": src_lang, "trgLang": trg_lang})
    w.start("file", {"id": "f1", "original": original})
    seen: set[str] = set()
    wrote_unit = False
    for seg in segments:
        _check_id(seg.id, seen)
        wrote_unit = True
        sid = f"s{seg.id}"
        w.start("unit", {"id": seg.id})
        if seg.candidates:
            w.start("mtc:matches")
            for c in seg.candidates:
                score = _score_text(c.score)
                w.start("mtc:match", {"ref": f"#{sid}", "type": "tm", "origin": c.origin or None,
                                      "similarity": score, "matchQuality": score})
                w.leaf("source", c.source)
                w.leaf("target", c.target)
                w.end("mtc:match")
            w.end("mtc:matches")
        if seg.terms:
            w.start("gls:glossary")
            for t in seg.terms:
                w.start("gls:glossEntry")
                w.leaf("gls:term", t.ja, {"source": "taiyaku glossary"})
                if t.en:
                    w.leaf("gls:translation", t.en)
                if not t.en or t.status != "approved":
                    w.leaf("gls:definition", _status_words(t))
                w.start("mda:metadata")
                w.start("mda:metaGroup", {"category": "taiyaku"})
                w.leaf("mda:meta", t.status, {"type": "status"})
                w.end("mda:metaGroup")
                w.end("mda:metadata")
                w.end("gls:glossEntry")
            w.end("gls:glossary")
        if seg.note:
            w.start("notes")
            w.leaf("note", seg.note)
            w.end("notes")
        state = _state_for(seg)
        qualifier = _qualifier(seg, state)
        w.start("segment", {"id": sid, "state": state,
                            "subState": SUBSTATE_PREFIX + qualifier if qualifier else None})
        w.leaf("source", seg.source, {"xml:space": "preserve"})
        if seg.target is not None:
            w.leaf("target", seg.target, {"xml:space": "preserve"})
        w.end("segment")
        w.end("unit")
    if not wrote_unit:
        # a file needs a unit or a group: an empty document gets one empty group
        w.leaf("group", None, {"id": "empty"})
    w.end("file")
    w.end("xliff")
    w.close()


def _status_words(t: TermRef) -> str:
    if t.status == "forbidden":
        return "Forbidden term: do not use this translation."
    if not t.en:
        return f"No English term in the glossary yet ({t.status})."
    return f"Glossary status: {t.status}."


def _write12(segments: Iterable[XliffSegment], fp: IO[bytes], src_lang: str, trg_lang: str,
             original: str) -> None:
    from taiyaku.core.signature import taiyaku_version

    w = XmlWriter(fp)
    w.start("xliff", {"version": "1.2", "xmlns": NS12})
    w.start("file", {"original": original, "source-language": src_lang,
                     "target-language": trg_lang, "datatype": "plaintext", "tool-id": "taiyaku"})
    w.start("header")
    w.leaf("tool", None, {"tool-id": "taiyaku", "tool-name": "taiyaku",
                          "tool-version": taiyaku_version()})
    w.end("header")
    w.start("body")
    seen: set[str] = set()
    for seg in segments:
        _check_id(seg.id, seen)
        state = _state_for(seg)
        # approved="yes" is what 1.2 tools read as "done" (Translate Toolkit counts any
        # other target as fuzzy); a target still to be checked says so in its state.
        approved = "yes" if seg.target is not None and state != "initial" else None
        w.start("trans-unit", {"id": seg.id, "approved": approved, "xml:space": "preserve"})
        w.leaf("source", seg.source)
        if seg.target is not None:
            w.leaf("target", seg.target, {
                "state": REVIEW_12 if state == "initial" else _STATE_12[state],
                "state-qualifier": _qualifier(seg, state)})
        for c in seg.candidates:
            w.start("alt-trans", {"match-quality": _score_text(c.score),
                                  "origin": c.origin or None})
            w.leaf("source", c.source)
            w.leaf("target", c.target)
            w.end("alt-trans")
        for t in seg.terms:
            w.leaf("note", f"{t.ja} → {t.en or ''} [{t.status}]",
                   {"from": TERM_NOTE_FROM, "annotates": "source"})
        if seg.note:
            w.leaf("note", seg.note, {"from": NOTE_FROM})
        w.end("trans-unit")
    w.end("body")
    w.end("file")
    w.end("xliff")
    w.close()


# -- reader ------------------------------------------------------------------------------------
def read(fp: IO[bytes], name: str) -> Iterator[XliffSegment]:
    """Read XLIFF 2.x or 1.2 segments written by :func:`write` (or by a CAT tool: inline
    markup is flattened to its text).

    An ``<xliff>`` root without a namespace, as some tools write it, is read in the namespace
    its ``version`` implies (2.x, else 1.2).

    :raises ParseError: malformed or unsafe XML, or not XLIFF
    """
    ns = None
    bare = ""  # "{namespace}" given to the un-namespaced elements of a bare <xliff>
    for event, elem in safe_iterparse(fp, name):
        if event == "start":
            if bare and not elem.tag.startswith("{"):
                elem.tag = bare + elem.tag
            if ns is None:
                if elem.tag == "xliff":
                    ns = NS20 if (elem.get("version") or "").startswith("2") else NS12
                    bare = f"{{{ns}}}"
                elif elem.tag == f"{{{NS20}}}xliff":
                    ns = NS20
                elif elem.tag == f"{{{NS12}}}xliff":
                    ns = NS12
                else:
                    raise _not_xliff(name, elem.tag)
            continue
        if ns == NS20 and elem.tag == f"{{{NS20}}}unit":
            yield _unit2(elem)
            elem.clear()
        elif ns == NS12 and elem.tag == f"{{{NS12}}}trans-unit":
            yield _unit12(elem)
            elem.clear()
    if ns is None:
        raise ParseError(name, "empty file (no XML root element)")


def _not_xliff(name: str, tag: str) -> ParseError:
    """The refusal for a root element that is not XLIFF, naming what it is instead."""
    uri, local = namespace_uri(tag), local_name(tag)
    if local != "xliff":
        where = f" in the namespace {uri}" if uri else ""
        return ParseError(name, f"not an XLIFF 2.x/1.2 file (root element <{local}>{where})", 1)
    return ParseError(name, f"not an XLIFF 2.x/1.2 file (root element <xliff> is in the "
                            f"namespace {uri}; XLIFF is in {NS20} or {NS12})", 1)


def _text(elem: Any | None) -> str:
    return "" if elem is None else "".join(elem.itertext())


def _score(value: str | None) -> float:
    try:
        return float(value) if value is not None else 0.0
    except ValueError:
        return 0.0


def _unit2(unit: Any) -> XliffSegment:
    x = f"{{{NS20}}}"
    candidates = []
    for m in unit.iter(f"{{{MTC}}}match"):
        score = m.get("similarity") or m.get("matchQuality")
        candidates.append(Candidate(_score(score), inline_text(m.find(f"{x}source")),
                                    inline_text(m.find(f"{x}target")), m.get("origin") or ""))
    terms = []
    for g in unit.iter(f"{{{GLS}}}glossEntry"):
        status = "approved"
        for meta in g.iter(f"{{{MDA}}}meta"):
            if meta.get("type") == "status":
                status = _text(meta)
        tr = g.find(f"{{{GLS}}}translation")
        terms.append(TermRef(_text(g.find(f"{{{GLS}}}term")),
                             _text(tr) if tr is not None else None, status))
    notes = [_text(n) for n in unit.iter(f"{x}note")]
    sources, targets, state = [], [], "initial"
    for s in unit.findall(f"{x}segment"):
        state = s.get("state") or state
        sources.append(inline_text(s.find(f"{x}source")))
        t = s.find(f"{x}target")
        if t is not None:
            targets.append(inline_text(t))
    return XliffSegment(
        id=unit.get("id") or "", source="".join(sources),
        target="".join(targets) if targets else None, state=state,
        candidates=tuple(candidates), terms=tuple(terms),
        note="\n".join(notes) if notes else None,
    )


def _unit12(tu: Any) -> XliffSegment:
    x = f"{{{NS12}}}"
    target = tu.find(f"{x}target")
    candidates = tuple(
        Candidate(_score(a.get("match-quality", "").rstrip("%")),
                  inline_text(a.find(f"{x}source")), inline_text(a.find(f"{x}target")),
                  a.get("origin") or "")
        for a in tu.findall(f"{x}alt-trans")
    )
    terms = []
    notes = []
    for n in tu.findall(f"{x}note"):
        text = _text(n)
        if n.get("from") == TERM_NOTE_FROM:
            head, _, status = text.rpartition(" [")
            ja, _, en = head.partition(" → ")
            terms.append(TermRef(ja, en or None, status.rstrip("]") or "approved"))
        else:
            notes.append(text)
    state = "initial"
    if target is not None:
        state = _STATE_FROM_12.get(target.get("state") or "translated", "translated")
    return XliffSegment(
        id=tu.get("id") or "", source=inline_text(tu.find(f"{x}source")),
        target=inline_text(target) if target is not None else None, state=state,
        candidates=candidates, terms=tuple(terms), note="\n".join(notes) if notes else None,
    )


# -- finished bilingual XLIFF into the TM -------------------------------------------------------
#: the extensions of bilingual XLIFF files the TM imports
BILINGUAL_EXTENSIONS = (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")

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


def _bilingual_unit12(tu: Any, langs: tuple[str | None, str | None], original: str | None
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


def _bilingual_unit2(unit: Any, langs: tuple[str | None, str | None], original: str | None
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
            yield from _bilingual_unit12(elem, langs, original)
            elem.clear()
        elif version2 and local == "unit":
            yield from _bilingual_unit2(elem, langs, original)
            elem.clear()
    if version2 is None:
        raise ParseError(name, "empty file (no XML root element)")
