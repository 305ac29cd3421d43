"""Rows of the spreadsheet-like formats (XLSX, CSV, TSV): glossary entries and TM units as dicts.

Glossary columns as taiyaku writes them (one row per entry)::

    taiyaku_id, ja, en, status, reading, ja_variants, en_variants, pos, definition, note,
    context, sources, ja_pos, ja_kind, ja_status, en_pos, en_kind, en_status, en_reading,
    frequency, score, origin, en_suggested, en_method, en_confidence

``ja``/``en`` hold the preferred term and nothing else (an Excel lookup or a CAT tool's CSV
import reads the cell as the term); ``reading``, ``ja_pos`` … say what the preferred terms
have beyond their text (``*_kind`` and ``*_status`` are empty for a plain term with the
entry's status). ``en_method`` and ``en_confidence`` say how the machine found the preferred
English (``aligned``, ``dictionary``, ``composed``…; empty for English a person or a file
gave), and ``en_suggested`` is ``yes`` while that English is the machine's suggestion nobody
has approved. ``*_variants`` hold the other forms separated by ``"; "``, each with a
bracketed annotation for what differs from a plain variant: ``"EAR [abbreviation]"``,
``"輸出統制 [synonym, forbidden, reading: ゆしゅつとうせい]"``, ``"export ctrl [pos: noun]"``;
``\\``, ``;``, ``[`` (and ``,`` ``]`` inside annotations) are escaped with a backslash.
``sources`` uses the same ``"; "`` list.

That syntax applies only to files taiyaku wrote, recognised by the ``taiyaku_id`` column
(or, for files from earlier versions, by the old header ``id, ja, ja_variants, reading, en,
en_variants, status, pos, definition, note, context, sources, frequency, score, origin``, whose
``ja``/``en`` cells carried annotations too). In any other file every cell is read as it is:
``C:\\Program Files\\App``, ``Windows [OS]`` and ``\\d+ pattern`` stay what they are;
``*_variants`` and ``sources`` cells are split on ``;`` only.

TM columns: ``ja, en, document, position, confidence, bead, created, note, props`` (``props``
is a JSON object, empty when there are none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import FORM_KINDS, STATUSES, TermEntry, TermForm
from taiyaku.exports.numbers import parse_float, parse_int

__all__ = [
    "GLOSSARY_COLUMNS", "GLOSSARY_KNOWN", "LEGACY_GLOSSARY_COLUMNS", "TM_COLUMNS",
    "entry_to_row", "row_to_entry", "unit_to_row", "row_to_unit", "header_index", "join_list",
    "split_list", "OneSided",
]

GLOSSARY_COLUMNS = (
    "taiyaku_id", "ja", "en", "status", "reading", "ja_variants", "en_variants", "pos",
    "definition", "note", "context", "sources", "ja_pos", "ja_kind", "ja_status", "en_pos",
    "en_kind", "en_status", "en_reading", "frequency", "score", "origin", "en_suggested",
    "en_method", "en_confidence",
)
#: the header of taiyaku's files before the term columns held the term only
LEGACY_GLOSSARY_COLUMNS = (
    "id", "ja", "ja_variants", "reading", "en", "en_variants", "status", "pos", "definition",
    "note", "context", "sources", "frequency", "score", "origin",
)
#: every column name the glossary readers recognise
GLOSSARY_KNOWN = (*GLOSSARY_COLUMNS, "id")
GLOSSARY_REQUIRED = ("ja",)
TM_COLUMNS = ("ja", "en", "document", "position", "confidence", "bead", "created", "note",
              "props")
TM_REQUIRED = ("ja", "en")

_ITEM_ESC = "\\;["
_ANN_ESC = "\\;[],"


def _esc(text: str, chars: str) -> str:
    out = []
    for ch in text:
        if ch in chars:
            out.append("\\")
        out.append(ch)
    return "".join(out)


def join_list(items: Sequence[str]) -> str:
    """Join list items with ``"; "``, escaping separators.

    >>> join_list(["a;b", "c"])
    'a\\\\;b; c'
    """
    return "; ".join(_esc(i, _ITEM_ESC) for i in items)


def _split(text: str, sep: str) -> list[tuple[str, bool]]:
    """Split on unescaped *sep*; return (raw item, had-escapes) pairs with escapes kept."""
    items: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    items.append("".join(cur))
    return [(it, "\\" in it) for it in items]


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _find_unescaped(text: str, ch: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def split_list(text: str | None) -> list[str]:
    """Split a ``"; "`` list (blank items dropped).

    >>> split_list("a\\\\;b;  c ;")
    ['a;b', 'c']
    """
    if not text:
        return []
    out = []
    for raw, _ in _split(text, ";"):
        item = _unescape(raw.strip())
        if item:
            out.append(item)
    return out


def _form_item(form: TermForm, default_kind: str, entry: TermEntry, with_reading: bool) -> str:
    ann = []
    if form.kind != default_kind:
        ann.append(form.kind)
    if form.status is not None and form.status != entry.status:
        ann.append(form.status)
    if form.pos is not None:
        ann.append("pos: " + _esc(form.pos, _ANN_ESC))
    if with_reading and form.reading:
        ann.append("reading: " + _esc(form.reading, _ANN_ESC))
    text = _esc(form.text.strip(), _ITEM_ESC)
    return f"{text} [{', '.join(ann)}]" if ann else text


def _parse_item(raw: str, lang: str, default_kind: str) -> TermForm | None:
    cut = _find_unescaped(raw, "[")
    ann_text = ""
    if cut >= 0:
        ann_text = raw[cut + 1:]
        end = _find_unescaped(ann_text, "]")
        if end >= 0:
            ann_text = ann_text[:end]
        raw = raw[:cut]
    text = _unescape(raw.strip())
    if not text:
        return None
    kind, status, pos, reading = default_kind, None, None, None
    for part_raw, _ in _split(ann_text, ","):
        part = part_raw.strip()
        if not part:
            continue
        low = part.lower()
        if low in FORM_KINDS:
            kind = low
        elif low in STATUSES:
            status = low
        elif low.startswith("pos:"):
            pos = _unescape(part[4:].strip()) or None
        elif low.startswith("reading:"):
            reading = _unescape(part[8:].strip()) or None
    return TermForm(text=text, lang=lang, kind=kind, reading=reading, status=status, pos=pos)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else _num_text(value)
    return text if text != "" else None


def _num_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _main_cells(forms: Sequence[TermForm], entry: TermEntry, lang: str) -> dict[str, str]:
    """The preferred term's cells: its text alone, and what it has beyond the text."""
    forms = [f for f in forms if f.text.strip()]
    if not forms:
        return {}
    f = forms[0]
    reading_col = "reading" if lang == "ja" else "en_reading"
    return {
        lang: f.text.strip(), reading_col: f.reading or "", f"{lang}_pos": f.pos or "",
        f"{lang}_kind": f.kind if f.kind != "term" else "",
        f"{lang}_status": f.status if f.status is not None and f.status != entry.status else "",
        f"{lang}_variants": "; ".join(_form_item(g, "variant", entry, with_reading=True)
                                      for g in forms[1:]),
    }


def entry_to_row(entry: TermEntry) -> dict[str, Any]:
    """One glossary entry as a row (column name → cell value) of :data:`GLOSSARY_COLUMNS`.

    >>> row = entry_to_row(TermEntry(ja=(TermForm("トランプ", "ja", pos="noun"),),
    ...                              status="approved"))
    >>> row["ja"], row["ja_pos"], row["status"]
    ('トランプ', 'noun', 'approved')
    >>> row = entry_to_row(TermEntry(ja=(TermForm("追加関税", "ja"),), en=(TermForm(
    ...     "additional tariff", "en", method="dictionary", confidence=0.6),)))
    >>> row["en"], row["en_suggested"], row["en_method"], row["en_confidence"]
    ('additional tariff', 'yes', 'dictionary', 0.6)
    """
    row: dict[str, Any] = {c: "" for c in GLOSSARY_COLUMNS}
    row.update(_main_cells(entry.ja, entry, "ja"))
    row.update(_main_cells(entry.en, entry, "en"))
    en = next((f for f in entry.en if f.text.strip()), None)
    if en is not None and en.method is not None:
        row.update(en_method=en.method, en_suggested="yes" if en.suggested(entry.status) else "",
                   en_confidence="" if en.confidence is None else round(en.confidence, 4))
    row.update({
        "taiyaku_id": entry.id, "status": entry.status, "pos": entry.pos or "",
        "definition": entry.definition or "", "note": entry.note or "",
        "context": entry.context or "", "sources": join_list(entry.sources),
        "frequency": entry.frequency, "score": entry.score, "origin": entry.origin,
    })
    return row


def _plain_forms(row: Mapping[str, Any], lang: str, reading: str | None
                 ) -> tuple[TermForm, ...]:
    """Forms of a file taiyaku did not write: each cell as it is, variants split on ``;``."""
    out: list[TermForm] = []
    main = (_text(row.get(lang)) or "").strip()
    if main:
        out.append(TermForm(main, lang, reading=reading))
    for item in (_text(row.get(f"{lang}_variants")) or "").split(";"):
        if item.strip():
            out.append(TermForm(item.strip(), lang, kind="variant"))
    return tuple(out)


def _own_forms(row: Mapping[str, Any], lang: str) -> tuple[TermForm, ...]:
    """Forms of a file taiyaku wrote: the term cell as it is, its data in their own columns,
    variants in taiyaku's list syntax."""
    out: list[TermForm] = []
    main = (_text(row.get(lang)) or "").strip()
    if main:
        kind = (_text(row.get(f"{lang}_kind")) or "term").strip().lower()
        status = (_text(row.get(f"{lang}_status")) or "").strip().lower() or None
        method = (_text(row.get(f"{lang}_method")) or "").strip() or None
        conf_raw = (_text(row.get(f"{lang}_confidence")) or "").strip()
        out.append(TermForm(
            main, lang, kind=kind if kind in FORM_KINDS else "term",
            reading=_text(row.get("reading" if lang == "ja" else "en_reading")),
            status=status if status in STATUSES else None, pos=_text(row.get(f"{lang}_pos")),
            method=method, confidence=_confidence(conf_raw) if method else None))
    for raw, _ in _split(_text(row.get(f"{lang}_variants")) or "", ";"):
        f = _parse_item(raw, lang, "variant")
        if f is not None:
            out.append(f)
    return tuple(out)


def _confidence(raw: str) -> float | None:
    """A machine's confidence read back (informational: a cell that is not a number in
    0–1 reads as none rather than stopping the import)."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def _legacy_forms(row: Mapping[str, Any], lang: str, reading: str | None
                  ) -> tuple[TermForm, ...]:
    """Forms of a file from an earlier taiyaku: annotations in the term cells too."""
    out: list[TermForm] = []
    main_text = _text(row.get(lang)) or ""
    for i, (raw, _) in enumerate(_split(main_text, ";")):
        f = _parse_item(raw, lang, "term" if i == 0 else "variant")
        if f is not None:
            out.append(f)
    if out and reading and out[0].reading is None:
        first = out[0]
        out[0] = TermForm(first.text, first.lang, first.kind, reading, first.status, first.pos)
    for raw, _ in _split(_text(row.get(f"{lang}_variants")) or "", ";"):
        f = _parse_item(raw, lang, "variant")
        if f is not None:
            out.append(f)
    return tuple(out)


def row_to_entry(row: Mapping[str, Any], name: str, line: int | None) -> TermEntry | None:
    """A row (lower-cased column name → cell value, one key per column of the header) back to
    an entry; ``None`` for a row with no term at all.

    taiyaku's own syntax is read only from files taiyaku wrote (a ``taiyaku_id`` column, or
    the whole header of earlier versions); other files' cells are taken as they are:

    >>> e = row_to_entry({"ja": "窓", "en": "Windows [OS]", "note": "note [1]"}, "g.csv", 2)
    >>> e.en[0].text, e.note
    ('Windows [OS]', 'note [1]')

    :raises ParseError: a bad status, frequency or score
    """
    ours = "taiyaku_id" in row
    legacy = not ours and all(c in row for c in LEGACY_GLOSSARY_COLUMNS)
    reading = _text(row.get("reading"))
    if ours:
        ja, en = _own_forms(row, "ja"), _own_forms(row, "en")
    elif legacy:
        ja, en = _legacy_forms(row, "ja", reading), _legacy_forms(row, "en", None)
    else:
        ja, en = _plain_forms(row, "ja", reading), _plain_forms(row, "en", None)
    if not ja and not en:
        return None
    status = (_text(row.get("status")) or "candidate").strip().lower()
    if status not in STATUSES:
        raise ParseError(name, f"unknown status {status!r} (use {', '.join(STATUSES)})", line)
    ja = tuple(f if f.status != status else _replace_status(f) for f in ja)
    en = tuple(f if f.status != status else _replace_status(f) for f in en)
    freq_raw = _text(row.get("frequency"))
    frequency = parse_int(freq_raw, name=name, line=line, field="frequency") if freq_raw else 0
    score_raw = _text(row.get("score"))
    score = parse_float(score_raw, name=name, line=line, field="score") if score_raw else 0.0
    id_field = "taiyaku_id" if ours else "id"
    id_raw = _text(row.get(id_field))
    entry_id = parse_int(id_raw, name=name, line=line, field=id_field) if id_raw else None
    sources_raw = _text(row.get("sources"))
    if ours or legacy:
        sources = tuple(split_list(sources_raw))
    else:
        sources = tuple(s.strip() for s in (sources_raw or "").split(";") if s.strip())
    return TermEntry(
        ja=ja, en=en, id=entry_id, status=status, pos=_text(row.get("pos")),
        note=_text(row.get("note")), definition=_text(row.get("definition")),
        context=_text(row.get("context")), sources=sources,
        frequency=frequency, score=score, origin=_text(row.get("origin")) or "import",
    )


def _replace_status(f: TermForm) -> TermForm:
    return TermForm(f.text, f.lang, f.kind, f.reading, None, f.pos)


def unit_to_row(unit: TMUnit) -> dict[str, Any]:
    """One TM unit as a row."""
    return {
        "ja": unit.ja, "en": unit.en, "document": unit.document or "",
        "position": unit.position, "confidence": unit.confidence, "bead": unit.bead or "",
        "created": unit.created or "", "note": unit.note or "",
        "props": json.dumps(dict(unit.props), ensure_ascii=False) if unit.props else "",
    }


#: ``one_sided(line, missing)`` is told about a TM row with only one side (*missing* is
#: ``"ja"`` or ``"en"``); the row is then skipped
OneSided = Callable[[int | None, str], None]


def row_to_unit(row: Mapping[str, Any], name: str, line: int | None, *,
                one_sided: OneSided | None = None) -> TMUnit | None:
    """A row back to a TM unit; ``None`` when both sides are empty (a blank row).

    A row with text on one side only is never a unit (the TM would hold an empty target): it
    is refused, or, when *one_sided* is given, reported to it and skipped (``None``).

    :raises ParseError: one side empty (without *one_sided*), bad position, confidence or props

    >>> row_to_unit({"ja": "対訳", "en": "parallel text"}, "m.csv", 2).en
    'parallel text'
    >>> row_to_unit({"ja": "対訳", "en": ""}, "m.csv", 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    taiyaku.core.errors.ParseError: m.csv:3: the en cell is empty (a TM unit needs both Japanese ...
    >>> skipped = []
    >>> row_to_unit({"ja": " ", "en": "x"}, "m.csv", 4,
    ...             one_sided=lambda line, side: skipped.append((line, side))), skipped
    (None, [(4, 'ja')])
    """
    ja = _text(row.get("ja")) or ""
    en = _text(row.get("en")) or ""
    if not ja.strip() and not en.strip():
        return None
    if not ja.strip() or not en.strip():
        missing = "en" if ja.strip() else "ja"
        if one_sided is None:
            raise ParseError(name, f"the {missing} cell is empty (a TM unit needs both Japanese "
                                   "and English: fill it in or delete the row)", line)
        one_sided(line, missing)
        return None
    pos_raw = _text(row.get("position"))
    position = parse_int(pos_raw, name=name, line=line, field="position") if pos_raw else None
    conf_raw = _text(row.get("confidence"))
    confidence = (parse_float(conf_raw, name=name, line=line, field="confidence")
                  if conf_raw else None)
    props_raw = _text(row.get("props"))
    props: dict[str, str] = {}
    if props_raw:
        try:
            data = json.loads(props_raw)
        except ValueError:
            raise ParseError(name, "the props column is not a JSON object", line) from None
        if not isinstance(data, dict):
            raise ParseError(name, "the props column is not a JSON object", line)
        props = {str(k): str(v) for k, v in data.items()}
    return TMUnit(
        ja=ja, en=en, document=_text(row.get("document")), position=position,
        confidence=confidence, bead=_text(row.get("bead")), created=_text(row.get("created")),
        note=_text(row.get("note")), props=props,
    )


def header_index(header: Sequence[Any], required: Sequence[str], name: str,
                 known: Sequence[str]) -> dict[str, int]:
    """Map known column names (case-insensitive, spaces → ``_``) to their positions.

    :raises ParseError: a required column is missing (line 1)
    """
    index: dict[str, int] = {}
    for i, cell in enumerate(header):
        if cell is None:
            continue
        key = str(cell).strip().lstrip("\ufeff").lower().replace(" ", "_")
        if key in known and key not in index:
            index[key] = i
    missing = [c for c in required if c not in index]
    if missing:
        raise ParseError(name, f"missing required column(s) {', '.join(missing)} in the header "
                               f"row (expected columns: {', '.join(known)})", 1)
    return index
