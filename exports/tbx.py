"""TBX glossaries: TBX-Basic 2008 ``martif`` by default, ISO 30042:2019 (TBX v3) DCA on request.

The default is TBX 2008 because the tools translators use open it and not v3: OmegaT 3.6
stops on ``<tbx>`` (``UnmarshalException: unexpected element tbx``) and Translate Toolkit's
TBX store (Weblate) reads only ``martif``/``termEntry``/``langSet``/``tig``.

Writer, v3 (``version="3"``)::

    <tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
      tbxHeader/fileDesc/sourceDesc/p     how and when the file was produced
      text/body/conceptEntry id="c<id>"
        <?taiyaku {json}?>                 status, pos, frequency, score, origin
        descrip type="definition", admin type="source" (one per source), note "Status: …"
        (the status in words), note (the user's note)
        langSec xml:lang="ja" | "en"
          termSec (preferred term first, then variants, abbreviations, synonyms)
            term
            termNote administrativeStatus  preferred (approved) / deprecated (forbidden); none
                                           for a candidate (see below)
            termNote partOfSpeech          noun / verb / adjective / adverb / other
            termNote termType              variant / abbreviation
            descrip type="context"         (on the first Japanese term)
            <?taiyaku {json}?>             reading, and status, kind or POS when TBX cannot
                                           say them; method and confidence of English the
                                           machine found

Everything is a TBX-Basic data category the Schematron allows. What a CAT tool shows a
translator is readable text: OmegaT 3.6's glossary pane (``GlossaryReaderTBX``) joins every
``descrip``, ``note`` and target-language ``termNote`` into the comment of a term, and
Translate Toolkit returns every ``note`` as the unit's notes; both skip ``admin`` and
processing instructions. What TBX-Basic has no category for (extraction score, frequency,
readings, the status of a candidate) is taiyaku's own data and travels in ``taiyaku``
processing instructions holding a JSON object: XML's place for data meant for one
application, valid against every TBX schema, and not shown by those tools. The entry's status
is also written in words (``Status: candidate — not reviewed``, with the terms whose status
differs, and the English the machine suggests that nobody approved, with its method and
confidence: ``machine suggestion, not approved: general export license (composed, confidence
0.45)``), as the entry's first note; the reader recognises that note by its text and does not
take it for the user's note. Files written by earlier versions carried the JSON in notes whose
text starts with ``taiyaku:``; the reader still takes those.

Status mapping: approved ↔ preferredTerm-admn-sts, forbidden ↔ deprecatedTerm-admn-sts
(supersededTerm-admn-sts reads as forbidden). A candidate nobody has reviewed is not an
"admitted" term, and TBX-Basic has no category for "not reviewed yet", so a candidate's
terms carry no administrativeStatus; the entry's ``taiyaku`` instruction says
``"status":"candidate"`` (and a candidate form of an approved entry says so in its own).
Files from other tools that write admittedTerm-admn-sts read as candidate.

``version="2008"`` (the default) writes the same content as TBX-Basic 2008 (``martif`` /
``termEntry`` / ``langSet`` / ``tig``). :func:`read` reads both, streaming.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from taiyaku.core.errors import ExportError, ParseError
from taiyaku.core.terms import STATUSES, TermEntry, TermForm
from taiyaku.exports.numbers import storable
from taiyaku.exports.xmlutil import (
    clean_xml_text,
    local_name,
    namespace_uri,
    normalize_space,
    safe_iterparse,
)
from taiyaku.exports.xmlwriter import XmlWriter

__all__ = ["read", "write", "status_text", "NAME", "EXTENSIONS", "TBX3_NS", "META_PREFIX",
           "META_PI"]

NAME = "TBX"
EXTENSIONS = (".tbx",)
TBX3_NS = "urn:iso:std:iso:30042:ed-2"
#: namespaces a TBX root may carry: none (TBX 2008, TBX-Basic v2), ISO 30042:2019 (v3, which
#: some tools also put on a 2008 ``martif``), and ISO 30042:2008's own URN
TBX_NAMESPACES = ("", TBX3_NS, "urn:iso:std:iso:30042:ed-1")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: target of the processing instructions that carry taiyaku's own data (a JSON object)
META_PI = "taiyaku"
#: text prefix of the notes that carried it before (JSON follows); still read
META_PREFIX = "taiyaku:"
#: the status in words, as the note a translator reads in a CAT tool
STATUS_WORDS = {
    "approved": "approved",
    "candidate": "candidate — not reviewed",
    "forbidden": "forbidden — do not use",
}

STATUS_TO_TBX = {
    "approved": "preferredTerm-admn-sts",
    "candidate": "admittedTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
}
TBX_TO_STATUS = {v: k for k, v in STATUS_TO_TBX.items()}
#: what the writer puts in administrativeStatus: a candidate gets none (it is not "admitted")
_WRITTEN_STATUS = {k: v for k, v in STATUS_TO_TBX.items() if k != "candidate"}
TBX_TO_STATUS["supersededTerm-admn-sts"] = "forbidden"
#: the short names some tools write
TBX_TO_STATUS.update({"preferred": "approved", "admitted": "candidate",
                      "deprecated": "forbidden", "superseded": "forbidden"})

TBX_POS = ("noun", "verb", "adjective", "adverb", "other")
_POS_MAP = {
    "名詞": "noun", "代名詞": "noun", "固有名詞": "noun", "普通名詞": "noun",
    "動詞": "verb", "形容詞": "adjective", "形状詞": "adjective", "連体詞": "adjective",
    "副詞": "adverb", "n": "noun", "v": "verb", "adj": "adjective", "adv": "adverb",
    "proper noun": "noun", "noun phrase": "noun",
}
_KIND_TO_TYPE = {"variant": "variant", "abbreviation": "abbreviation"}
_TYPE_TO_KIND = {"variant": "variant", "abbreviation": "abbreviation", "acronym": "abbreviation",
                 "shortForm": "abbreviation"}
_CONCEPT_ID = re.compile(r"c(\d{1,18})")
# TBX v3 DCT style writes each data category as an element of a module namespace named after
# the category (TBX-Basic's ``basic:definition``, TBX-Min's ``min:partOfSpeech`` …) where DCA
# style writes a core element with the category as its type (``descrip type="definition"``).
# The reader maps the first to the second and reads both alike.
_DCT_ELEMENT = {
    "definition": "descrip", "context": "descrip", "subjectField": "descrip",
    "source": "admin", "customerSubset": "admin", "projectSubset": "admin",
    "partOfSpeech": "termNote", "administrativeStatus": "termNote", "termType": "termNote",
    "grammaticalGender": "termNote", "geographicalUsage": "termNote",
    "termLocation": "termNote", "transactionType": "transac",
    "responsibility": "transacNote", "crossReference": "ref",
    "externalCrossReference": "xref", "xGraphic": "xref",
}


def tbx_pos(pos: str | None) -> str | None:
    """The TBX-Basic partOfSpeech value for a POS label (Sudachi's or English), if any.

    >>> tbx_pos("名詞"), tbx_pos("Noun"), tbx_pos("助詞")
    ('noun', 'noun', 'other')
    """
    if not pos:
        return None
    p = pos.strip()
    if p.lower() in TBX_POS:
        return p.lower()
    head = p.split("-")[0].split(",")[0]
    return _POS_MAP.get(head) or _POS_MAP.get(p.lower()) or "other"


def _lang_key(lang: str | None) -> str | None:
    if not lang:
        return None
    base = lang.strip().lower().replace("_", "-").split("-")[0]
    return base if base in ("ja", "en") else None


# what a processing instruction cannot hold as it is: characters XML forbids and ``>`` (so
# the data never contains ``?>``); JSON writes them as \\u escapes, which read back exactly
_PI_UNSAFE = re.compile("[^\t\n\r\x20-\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _meta_pi(data: Mapping[str, Any]) -> str:
    """A ``<?taiyaku {json}?>`` processing instruction holding *data*.

    >>> _meta_pi({"reading": "a?>b", "score": 0.5})
    '<?taiyaku {"reading":"a?\\\\u003eb","score":0.5}?>'
    """
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    body = _PI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    return f"<?{META_PI} {body}?>"


def _parse_pi(text: str | None) -> dict[str, Any] | None:
    """The JSON object of a ``taiyaku`` processing instruction (*text* as ElementTree gives
    it: target, space, data), or None for another application's instruction."""
    target, _, body = (text or "").partition(" ")
    if target != META_PI:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def status_text(status: str, forms: Iterable[TermForm]) -> str:
    """The status of an entry in words, with the terms whose own status differs: the note a
    translator reads in a CAT tool's glossary pane.

    >>> status_text("approved", [TermForm("港湾", "ja"), TermForm("port area", "en",
    ...                                                           status="candidate")])
    'Status: approved; port area: candidate — not reviewed'
    >>> for part in status_text("candidate", [TermForm("一般輸出許可", "ja"), TermForm(
    ...         "general export license", "en", method="composed", confidence=0.45)]
    ...         ).split("; "):
    ...     print(part)
    Status: candidate — not reviewed
    machine suggestion, not approved: general export license (composed, confidence 0.45)
    """
    parts = [f"Status: {STATUS_WORDS.get(status, status)}"]
    suggested = []
    for form in forms:
        if form.status is not None and form.status != status:
            parts.append(f"{form.text.strip()}: {STATUS_WORDS.get(form.status, form.status)}")
        if form.suggested(status):
            sure = f", confidence {form.confidence:.2f}" if form.confidence is not None else ""
            suggested.append(f"{form.text.strip()} ({form.method}{sure})")
    if suggested:
        parts.append("machine suggestion, not approved: " + ", ".join(suggested))
    return "; ".join(parts)


def _parse_meta(text: str | None) -> dict[str, Any] | None:
    if not text or not text.startswith(META_PREFIX):
        return None
    try:
        data = json.loads(text[len(META_PREFIX):])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _nonempty(text: str | None) -> str | None:
    if text is None:
        return None
    text = clean_xml_text(text)
    return text if text != "" else None


# -- writer ------------------------------------------------------------------------------------
def write(
    records: Iterable[TermEntry], fp: IO[bytes], *, version: str = "2008",
    meta: Mapping[str, str] | None = None, src_lang: str = "ja",
) -> None:
    """Write glossary entries as TBX-Basic (2008 ``martif`` by default, ``version="3"`` for v3).

    Entries without any term text are skipped (TBX needs a term in every language section).

    :param meta: facts for the header (taiyaku version, database meta …)
    :raises ExportError: unknown *version*

    >>> import io
    >>> buf = io.BytesIO()
    >>> write([TermEntry(ja=(TermForm("川習会", "ja"),), status="approved")], buf)
    >>> b"preferredTerm-admn-sts" in buf.getvalue()
    True
    """
    if version not in ("3", "2008"):
        raise ExportError(f"TBX version {version!r} is not supported: use 3 or 2008")
    v3 = version == "3"
    w = XmlWriter(fp, indent="\t")
    header = _header_lines(meta)
    if v3:
        w.start("tbx", {"type": "TBX-Basic", "style": "dca", "xml:lang": "en",
                        "xmlns": TBX3_NS})
        w.start("tbxHeader")
    else:
        w.start("martif", {"type": "TBX-Basic", "xml:lang": "en"})
        w.start("martifHeader")
    w.start("fileDesc")
    w.start("sourceDesc")
    for line in header:
        w.leaf("p", line)
    w.end("sourceDesc")
    w.end("fileDesc")
    if not v3:
        w.start("encodingDesc")
        w.leaf("p", "TBXBasicXCSV02.xcs", {"type": "XCSURI"})
        w.end("encodingDesc")
    w.end("tbxHeader" if v3 else "martifHeader")
    w.start("text")
    body_open = False
    used: set[str] = set()
    for n, entry in enumerate(records, 1):
        langs = [(lang, [f for f in forms if _nonempty(f.text.strip())])
                 for lang, forms in ((src_lang, entry.ja), ("en", entry.en))]
        langs = [(lang, forms) for lang, forms in langs if forms]
        if not langs:
            continue
        if not body_open:
            w.start("body")
            body_open = True
        cid = f"c{entry.id}" if entry.id is not None else f"n{n}"
        if cid in used:
            cid = f"n{n}"
        used.add(cid)
        _write_entry(w, entry, langs, cid, v3)
    if body_open:
        w.end("body")
    w.end("text")
    w.end("tbx" if v3 else "martif")
    w.close()


def _header_lines(meta: Mapping[str, str] | None) -> list[str]:
    from taiyaku.core.signature import taiyaku_version

    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    lines = [f"Exported by taiyaku {taiyaku_version()} on {now} (TBX-Basic glossary, ja-en)."]
    for key, value in sorted((meta or {}).items()):
        lines.append(f"{key}: {value}")
    return lines


def _write_entry(w: XmlWriter, entry: TermEntry, langs: list[tuple[str, list[TermForm]]],
                 cid: str, v3: bool) -> None:
    w.start("conceptEntry" if v3 else "termEntry", {"id": cid})
    # the first note is what a translator reads in a CAT tool; "status_note" tells the reader
    # that note is not the user's (it is recognised even after another tool edits statuses)
    # (cleaned as the note's text will be, so the reader finds them equal)
    shown = clean_xml_text(status_text(entry.status, (f for _, forms in langs for f in forms)))
    emeta: dict[str, Any] = {"status": entry.status, "frequency": entry.frequency,
                             "score": entry.score, "origin": entry.origin,
                             "status_note": shown}
    if entry.pos is not None:
        emeta["pos"] = entry.pos
    if entry.id is not None and cid != f"c{entry.id}":
        emeta["id"] = entry.id  # a duplicate id cannot be an XML ID: keep it here
    w.pi(_meta_pi(emeta))
    definition = _nonempty(entry.definition)
    if definition is not None:
        w.leaf("descrip", definition, {"type": "definition"})
    for source in entry.sources:
        if _nonempty(source) is not None:
            w.leaf("admin", source, {"type": "source"})
    w.leaf("note", shown)
    note = _nonempty(entry.note)
    if note is not None:
        w.leaf("note", note)
    context = _nonempty(entry.context)
    entry_tbx_pos = tbx_pos(entry.pos)
    for lang, forms in langs:
        w.start("langSec" if v3 else "langSet", {"xml:lang": lang})
        for i, form in enumerate(forms):
            w.start("termSec" if v3 else "tig")
            w.leaf("term", form.text.strip())
            status = form.status or entry.status
            if status in _WRITTEN_STATUS:
                w.leaf("termNote", _WRITTEN_STATUS[status], {"type": "administrativeStatus"})
            pos = tbx_pos(form.pos) if form.pos is not None else entry_tbx_pos
            if pos is not None:
                w.leaf("termNote", pos, {"type": "partOfSpeech"})
            ttype = _KIND_TO_TYPE.get(form.kind)
            if ttype is not None:
                w.leaf("termNote", ttype, {"type": "termType"})
            if context is not None:
                # context is a termSec-level category: it goes with the first (Japanese) term
                w.leaf("descrip", context, {"type": "context"})
                context = None
            fmeta: dict[str, Any] = {}
            if form.reading:
                fmeta["reading"] = form.reading
            if form.pos is not None and (entry.pos is not None or tbx_pos(form.pos) != form.pos):
                fmeta["pos"] = form.pos
            if form.status is not None and form.status not in _WRITTEN_STATUS:
                # a candidate form has no administrativeStatus: say so here
                fmeta["status"] = form.status
            if ttype is None and form.kind != ("term" if i == 0 else "synonym"):
                fmeta["kind"] = form.kind
            if form.method is not None:
                # how the machine found this English (the note above says it in words)
                fmeta["method"] = form.method
                if form.confidence is not None:
                    fmeta["confidence"] = round(form.confidence, 4)
            if fmeta:
                w.pi(_meta_pi(fmeta))
            w.end("termSec" if v3 else "tig")
        w.end("langSec" if v3 else "langSet")
    w.end("conceptEntry" if v3 else "termEntry")


# -- reader ------------------------------------------------------------------------------------
@dataclass
class _Form:
    text: str
    lang: str
    status: str | None = None
    pos: str | None = None
    ttype: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def read(fp: IO[bytes], name: str) -> Iterator[TermEntry]:
    """Read TBX v3 (``tbx``/``conceptEntry``) or TBX 2008 (``martif``/``termEntry``) entries.

    Languages other than Japanese and English are skipped. Entity declarations and external
    references are refused.

    :raises ParseError: malformed or unsafe XML, not a TBX file, a language section without
        ``xml:lang``, or entries none of which has a Japanese or English term

    >>> import io
    >>> buf = io.BytesIO()
    >>> write([TermEntry(ja=(TermForm("一般輸出許可", "ja"),),
    ...                  en=(TermForm("general export license", "en"),), status="forbidden")], buf)
    >>> [(e.ja[0].text, e.en[0].text, e.status) for e in read(io.BytesIO(buf.getvalue()), "g")]
    [('一般輸出許可', 'general export license', 'forbidden')]
    """
    root_seen = False
    ns = ""
    lines: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
    concepts = used = 0
    other_langs: set[str] = set()
    # ElementTree keeps no processing instructions in the tree: each taiyaku instruction's
    # JSON is kept here under the element it sits in (cleared after every entry)
    meta_of: dict[Any, dict[str, Any]] = {}
    open_elems: list[Any] = []
    for event, elem in safe_iterparse(fp, name, ("start", "end", "pi"), lines=lines):
        if event == "pi":
            data = _parse_pi(elem.text)
            if data is not None and open_elems:
                meta_of.setdefault(open_elems[-1], {}).update(data)
            continue
        tag = elem.tag
        if event == "start":
            open_elems.append(elem)
            if not root_seen:
                root_seen = True
                ns = _root_namespace(tag, name, lines.get(elem, 1))
            elif tag in (f"{ns}langSec", f"{ns}langSet"):
                lang = _lang_of(elem)
                if not lang:
                    raise ParseError(name, f"<{local_name(tag)}> without xml:lang (every language "
                                           "section must say its language)", lines.get(elem))
                if _lang_key(lang) is None:
                    other_langs.add(lang)
            continue
        open_elems.pop()
        if tag in (f"{ns}conceptEntry", f"{ns}termEntry"):
            concepts += 1
            entry = _entry_from(elem, ns, meta_of)
            meta_of.clear()
            elem.clear()
            if entry is not None:
                used += 1
                yield entry
    if not root_seen:
        raise ParseError(name, "empty file (no XML root element)")
    if concepts and not used:
        found = f" (languages found: {', '.join(sorted(other_langs))})" if other_langs else ""
        raise ParseError(name, f"none of its {concepts} entries has a Japanese or English "
                               f"term{found}")


def _lang_of(elem: Any) -> str | None:
    """A language section's language: ``xml:lang`` (or a bare ``lang`` some old tools write)."""
    lang = elem.get(XML_LANG) or elem.get("lang")
    return lang.strip() if lang and lang.strip() else None


def _root_namespace(tag: str, name: str, line: int) -> str:
    """The ``{uri}`` prefix of the core elements, from the root element; a root that is not
    ``tbx``/``martif``, or is in a namespace TBX does not use, is refused with its cause."""
    uri, local = namespace_uri(tag), local_name(tag)
    if local not in ("tbx", "martif"):
        where = f" in the namespace {uri}" if uri else ""
        raise ParseError(name, f"not a TBX file (root element <{local}>{where}; a TBX file "
                               "starts with <tbx> or <martif>)", line)
    if uri not in TBX_NAMESPACES:
        raise ParseError(name, f"not a TBX file (root element <{local}> is in the namespace "
                               f"{uri}; TBX uses no namespace or {TBX3_NS})", line)
    return f"{{{uri}}}" if uri else ""


def _text(elem: Any) -> str:
    """All text inside *elem* (inline markup such as ``hi`` flattened)."""
    return "".join(elem.itertext())


def _entry_from(ce: Any, ns: str, meta_of: Mapping[Any, dict[str, Any]]) -> TermEntry | None:
    emeta: dict[str, Any] = dict(meta_of.get(ce, {}))
    notes: list[str] = []
    sources: list[str] = []
    definitions: list[str] = []
    contexts: list[str] = []
    forms: dict[str, list[_Form]] = {"ja": [], "en": []}

    def aux(elem: Any, level: str, form: _Form | None) -> None:
        tag = elem.tag
        local = local_name(tag)
        typ = elem.get("type")
        if tag.startswith("{") and not (ns and tag.startswith(ns)):
            # a DCT-style data category (module namespace): read it as its DCA element
            typ, local = local, _DCT_ELEMENT.get(local, "")
        if local.endswith("Grp"):
            for child in elem:
                aux(child, level, form)
            return
        if local == "note":
            text = _text(elem)
            meta = _parse_meta(text)
            if meta is not None:
                if form is not None:
                    form.meta.update(meta)
                elif level == "entry":
                    emeta.update(meta)
            elif text:
                notes.append(text)
        elif local == "admin" and typ == "source":
            text = _text(elem)
            if text and text not in sources:
                sources.append(text)
        elif local == "descrip" and typ == "definition":
            definitions.append(_text(elem))
        elif local == "descrip" and typ == "context":
            contexts.append(_text(elem))
        elif local == "termNote" and form is not None:
            value = _text(elem).strip()
            if typ == "administrativeStatus":
                form.status = TBX_TO_STATUS.get(value, form.status)
            elif typ == "partOfSpeech":
                form.pos = value or None
            elif typ == "termType":
                form.ttype = value

    for child in ce:
        local = local_name(child.tag)
        if local in ("langSec", "langSet"):
            lang = _lang_key(_lang_of(child))
            if lang is None:
                continue  # another language: its terms, definitions and notes are not kept
            for sub in child:
                sl = local_name(sub.tag)
                if sl in ("termSec", "tig", "ntig"):
                    _read_term(sub, lang, forms, aux, meta_of)
                else:
                    aux(sub, "lang", None)
        else:
            aux(child, "entry", None)
    if notes and notes[0] == emeta.get("status_note"):
        notes.pop(0)  # taiyaku's status in words, for CAT tools: not the user's note
    if not forms["ja"] and not forms["en"]:
        return None
    return _build_entry(ce.get("id"), emeta, notes, sources, definitions, contexts, forms)


def _read_term(sec: Any, lang: str, forms: dict[str, list[_Form]], aux: Any,
               meta_of: Mapping[Any, dict[str, Any]]) -> None:
    form: _Form | None = None
    parts = list(sec)
    if local_name(sec.tag) == "ntig":
        grp = next((c for c in parts if local_name(c.tag) == "termGrp"), None)
        parts = (list(grp) if grp is not None else []) + [c for c in parts
                                                          if local_name(c.tag) != "termGrp"]
    for child in parts:
        if local_name(child.tag) == "term":
            text = _text(child).strip()
            if not text:
                return
            form = _Form(text, lang, meta=dict(meta_of.get(sec, {})))
            break
    if form is None:
        return
    for child in parts:
        if local_name(child.tag) != "term":
            aux(child, "term", form)
    forms[lang].append(form)


def _build_entry(cid: str | None, emeta: dict[str, Any], notes: list[str], sources: list[str],
                 definitions: list[str], contexts: list[str],
                 forms: dict[str, list[_Form]]) -> TermEntry:
    ours = "status" in emeta
    if not ours:
        # Another tool's file: its pretty-printer's line wraps and indentation are not part
        # of the text. taiyaku's own files (marked by the taiyaku: note) keep it verbatim, so
        # a note's own line breaks survive a round trip.
        notes, sources, definitions, contexts = (
            [normalize_space(t) for t in texts]
            for texts in (notes, sources, definitions, contexts))
    # several definitions (one per language section) or contexts (one per term): every
    # distinct one is kept, one per line
    definition = "\n".join(dict.fromkeys(t for t in definitions if t)) or None
    context = "\n".join(dict.fromkeys(t for t in contexts if t)) or None
    notes = [t for t in notes if t]
    sources = list(dict.fromkeys(t for t in sources if t))
    first = (forms["ja"] or forms["en"])[0]
    status = emeta.get("status") if ours else first.status
    if status not in STATUSES:
        status = first.status if first.status in STATUSES else "candidate"
    entry_pos = emeta.get("pos") if ours else first.pos
    if not isinstance(entry_pos, str):
        entry_pos = None

    def to_form(f: _Form, index: int) -> TermForm:
        kind = _TYPE_TO_KIND.get(f.ttype or "") or ("term" if index == 0 else "synonym")
        kind = str(f.meta.get("kind", kind))
        if "pos" in f.meta:
            pos: str | None = str(f.meta["pos"])
        elif ours:
            pos = None if entry_pos is not None else f.pos
        else:
            pos = f.pos if f.pos != entry_pos else None
        fstatus = f.meta.get("status", f.status)
        if fstatus == status:
            fstatus = None
        reading = f.meta.get("reading")
        method = f.meta.get("method")
        conf = f.meta.get("confidence")
        return TermForm(text=f.text, lang=f.lang, kind=kind,
                        reading=str(reading) if reading else None,
                        status=fstatus, pos=pos,
                        method=method if isinstance(method, str) else None,
                        confidence=float(conf) if isinstance(method, str)
                        and isinstance(conf, int | float) and 0 <= conf <= 1 else None)

    m = _CONCEPT_ID.fullmatch(cid or "")

    def num(key: str, cast: Any, default: Any) -> Any:
        # taiyaku's own metadata: a value that is no usable number is ignored, as a bad
        # status is (1e400, NaN or 2**64 would not fit the database)
        try:
            value = cast(emeta.get(key, default))
        except (TypeError, ValueError, OverflowError):
            return default
        return value if value is None or storable(value) else default

    origin = emeta.get("origin")
    return TermEntry(
        ja=tuple(to_form(f, i) for i, f in enumerate(forms["ja"])),
        en=tuple(to_form(f, i) for i, f in enumerate(forms["en"])),
        id=num("id", int, None) if "id" in emeta else (int(m.group(1)) if m else None),
        status=status,
        pos=entry_pos,
        note="\n".join(notes) if notes else None,
        definition=definition,
        context=context,
        sources=tuple(sources),
        frequency=num("frequency", int, 0),
        score=num("score", float, 0.0),
        origin=origin if isinstance(origin, str) else "import",
    )
