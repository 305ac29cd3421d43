"""The glossary in the SQLite store: entries (terms) with their forms (term_forms)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import InputError
from taiyaku.core.terms import FORM_KINDS, STATUSES, TermEntry, TermForm
from taiyaku.glossary.keys import en_key, ja_key, reading_key
from taiyaku.store import SqliteStore as Store
from taiyaku.store.sqlite.schema import dumps, now_iso

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer

__all__ = [
    "list_terms", "add_term", "set_status", "get_entry", "iter_entries", "upsert_entries",
    "insert_entry", "replace_entry", "find_entry_id", "protected_keys", "form_key",
    "load_entries", "delete_extracted_candidates", "ImportOutcome", "import_entries",
    "IMPORT_ACTIONS",
]

_ENTRY_COLS = (
    "id, status, origin, pos, note, definition, context, sources, evidence, frequency, score"
)


def form_key(form: TermForm) -> str:
    """The ``term_forms.norm`` of a form: :func:`ja_key` or :func:`en_key` by language."""
    return en_key(form.text) if form.lang == "en" else ja_key(form.text)


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise InputError(f"unknown term status {status!r}: use one of {', '.join(STATUSES)}")


def _evidence_ids(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return ()
    try:
        data = json.loads(raw)
    except ValueError:
        return ()
    ids = data.get("segments", []) if isinstance(data, dict) else data
    return tuple(int(i) for i in ids if isinstance(i, int))


def load_entries(store: Store, ids: Sequence[int]) -> list[TermEntry]:
    """Entries with these ids, in the order given (missing ids are skipped)."""
    if not ids:
        return []
    rows: dict[int, Any] = {}
    forms: dict[int, list[Any]] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        for row in store.conn.execute(
            f"SELECT {_ENTRY_COLS} FROM terms WHERE id IN ({marks})", part
        ):
            rows[int(row[0])] = row
        for f in store.conn.execute(
            "SELECT term_id, lang, text, kind, reading, status, pos FROM term_forms "
            f"WHERE term_id IN ({marks}) ORDER BY term_id, lang, rank, id",
            part,
        ):
            forms.setdefault(int(f[0]), []).append(f)
    out = []
    for i in ids:
        row = rows.get(i)
        if row is None:
            continue
        fs = [TermForm(text=f[2], lang=f[1], kind=f[3], reading=f[4], status=f[5], pos=f[6])
              for f in forms.get(i, [])]
        sources = tuple(json.loads(row[7])) if row[7] else ()
        out.append(TermEntry(
            ja=tuple(f for f in fs if f.lang == "ja"),
            en=tuple(f for f in fs if f.lang == "en"),
            id=int(row[0]), status=row[1], origin=row[2], pos=row[3], note=row[4],
            definition=row[5], context=row[6], sources=sources,
            evidence=_evidence_ids(row[8]), frequency=int(row[9]), score=float(row[10]),
        ))
    return out


def get_entry(store: Store, term_id: int) -> TermEntry:
    """One entry by id.

    :raises InputError: no entry has this id

    >>> s = Store.open(":memory:")
    >>> e = add_term(s, "台湾有事", "Taiwan contingency")
    >>> get_entry(s, e.id).en[0].text
    'Taiwan contingency'
    """
    found = load_entries(store, [term_id])
    if not found:
        raise InputError(f"no term with id {term_id} (see `taiyaku terms list`)")
    return found[0]


def list_terms(store: Store, *, status: str | None = None, limit: int = 50) -> list[TermEntry]:
    """The glossary, best first (score, then frequency, then id).

    >>> s = Store.open(":memory:")
    >>> _ = add_term(s, "川習会")
    >>> [e.ja[0].text for e in list_terms(s)]
    ['川習会']
    """
    return load_entries(store, _ranked_ids(store, status, limit))


def iter_entries(store: Store, *, status: str | None = None) -> Iterator[TermEntry]:
    """Every entry (best first), loaded in batches; for exports.

    >>> s = Store.open(":memory:")
    >>> _ = add_term(s, "戦後秩序", "post-war order")
    >>> [e.en[0].text for e in iter_entries(s, status="approved")]
    ['post-war order']
    """
    ids = _ranked_ids(store, status, None)
    for start in range(0, len(ids), 500):
        yield from load_entries(store, ids[start : start + 500])


def _ranked_ids(store: Store, status: str | None, limit: int | None) -> list[int]:
    """Entry ids, best first (score, then frequency), optionally of one status."""
    if status is not None:
        _check_status(status)
    sql = "SELECT id FROM terms"
    params: list[Any] = []
    if status is not None:
        sql += " WHERE status = ?"
        params.append(status)
    sql += " ORDER BY score DESC, frequency DESC, id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [int(r[0]) for r in store.conn.execute(sql, params)]


def _with_readings(entry: TermEntry, analyzer: Analyzer | None) -> tuple[TermForm, ...]:
    """JA forms with a reading filled in where Sudachi can give one."""
    out = []
    for f in entry.ja:
        if f.reading is None and analyzer is not None:
            f = TermForm(f.text, f.lang, f.kind, analyzer.reading(f.text), f.status, f.pos)
        out.append(f)
    return tuple(out)


def _write_forms(store: Store, term_id: int, forms: Iterable[TermForm]) -> None:
    rank = {"ja": 0, "en": 0}
    rows = []
    for f in forms:
        if not f.text.strip():
            continue
        kind = f.kind if f.kind in FORM_KINDS else "variant"
        reading = reading_key(f.reading) if f.reading else None
        if f.lang == "ja" and reading is None:
            # A kana term is its own reading, so hiragana queries find katakana words.
            r = reading_key(f.text)
            reading = r if r and all("\u3041" <= c <= "\u309f" or c == "ー" for c in r) else None
        r_index = rank.setdefault(f.lang, 0)
        rows.append((term_id, f.lang, f.text.strip(), form_key(f), reading, r_index, kind,
                     f.status, f.pos))
        rank[f.lang] = r_index + 1
    store.conn.executemany(
        "INSERT INTO term_forms(term_id, lang, text, norm, reading, rank, kind, status, pos) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _evidence_json(entry: TermEntry, extra: dict[str, Any] | None) -> str | None:
    if not entry.evidence and not extra:
        return None
    data: dict[str, Any] = {"segments": list(entry.evidence)}
    if extra:
        data.update(extra)
    return dumps(data)


def insert_entry(
    store: Store, entry: TermEntry, *, origin: str | None = None, edited: bool = False,
    evidence: dict[str, Any] | None = None, analyzer: Analyzer | None = None,
) -> int:
    """Insert *entry* as a new row (inside the caller's transaction); return its id.

    :param evidence: extra JSON kept in ``terms.evidence`` next to the segment ids
        (units, pairing method and confidence)
    """
    _check_status(entry.status)
    now = now_iso()
    cur = store.conn.execute(
        "INSERT INTO terms(status, origin, edited, pos, note, definition, context, sources, "
        "evidence, frequency, score, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (entry.status, origin or entry.origin, int(edited), entry.pos, entry.note,
         entry.definition, entry.context, dumps(list(entry.sources)) if entry.sources else None,
         _evidence_json(entry, evidence), int(entry.frequency), float(entry.score), now, now),
    )
    term_id = cur.lastrowid
    assert term_id is not None
    _write_forms(store, term_id, (*_with_readings(entry, analyzer), *entry.en))
    return term_id


def replace_entry(
    store: Store, term_id: int, entry: TermEntry, *, origin: str,
    analyzer: Analyzer | None = None,
) -> None:
    """Overwrite entry *term_id* with the fields and forms of *entry*."""
    _check_status(entry.status)
    store.conn.execute(
        "UPDATE terms SET status=?, origin=?, pos=?, note=?, definition=?, context=?, "
        "sources=?, evidence=COALESCE(?, evidence), frequency=?, score=?, updated=? WHERE id=?",
        (entry.status, origin, entry.pos, entry.note, entry.definition, entry.context,
         dumps(list(entry.sources)) if entry.sources else None, _evidence_json(entry, None),
         int(entry.frequency), float(entry.score), now_iso(), term_id),
    )
    store.conn.execute("DELETE FROM term_forms WHERE term_id = ?", (term_id,))
    _write_forms(store, term_id, (*_with_readings(entry, analyzer), *entry.en))


def find_entry_id(store: Store, entry: TermEntry) -> int | None:
    """The id of the stored entry whose preferred JA form (or EN form, for entries without
    Japanese) has the same key as *entry*'s, or None."""
    if entry.ja:
        lang, key = "ja", ja_key(entry.ja[0].text)
    elif entry.en:
        lang, key = "en", en_key(entry.en[0].text)
    else:
        return None
    if lang == "en":
        # An EN-only entry matches only entries without Japanese.
        row = store.conn.execute(
            "SELECT f.term_id FROM term_forms f WHERE f.lang='en' AND f.norm=? AND f.rank=0 "
            "AND NOT EXISTS (SELECT 1 FROM term_forms j WHERE j.term_id=f.term_id "
            "AND j.lang='ja') ORDER BY f.term_id LIMIT 1",
            (key,),
        ).fetchone()
    else:
        row = store.conn.execute(
            "SELECT term_id FROM term_forms WHERE lang='ja' AND norm=? AND rank=0 "
            "ORDER BY term_id LIMIT 1",
            (key,),
        ).fetchone()
    return None if row is None else int(row[0])


def upsert_entries(
    store: Store, entries: Iterable[TermEntry], *, origin: str = "import"
) -> int:
    """Insert or update entries (inside the caller's transaction); return how many were written.

    An entry matches a stored one by its preferred Japanese form (or English form when it has
    no Japanese); a match is overwritten with all the fields of the new entry, else a new row
    is inserted. Japanese forms without a reading get one from Sudachi.

    >>> s = Store.open(":memory:")
    >>> with s.transaction():
    ...     upsert_entries(s, [TermEntry(ja=(TermForm("台湾有事", "ja"),), status="approved")])
    1
    >>> with s.transaction():
    ...     upsert_entries(s, [TermEntry(ja=(TermForm("台湾有事", "ja"),),
    ...                                  en=(TermForm("Taiwan contingency", "en"),))])
    1
    >>> [(e.ja[0].text, e.en[0].text, e.status) for e in iter_entries(s)]
    [('台湾有事', 'Taiwan contingency', 'candidate')]
    """
    if origin not in ("extracted", "manual", "import"):
        raise InputError(f"unknown term origin {origin!r}")
    analyzer: Analyzer | None = None
    count = 0
    with store.transaction():
        for entry in entries:
            if not entry.ja and not entry.en:
                continue
            if analyzer is None and any(f.reading is None for f in entry.ja):
                from taiyaku.core.japanese import Analyzer

                analyzer = Analyzer()
            existing = find_entry_id(store, entry)
            if existing is None:
                insert_entry(store, entry, origin=origin, analyzer=analyzer)
            else:
                replace_entry(store, existing, entry, origin=origin, analyzer=analyzer)
            count += 1
    return count


def add_term(
    store: Store, ja: str, en: str | None = None, *, note: str | None = None,
    status: str = "approved",
) -> TermEntry:
    """Add a term by hand (origin ``manual``); an existing entry with the same Japanese term
    gains the English form and note instead of being duplicated.

    :raises InputError: empty term or unknown status

    >>> s = Store.open(":memory:")
    >>> e = add_term(s, "戦略的曖昧さ", "strategic ambiguity", note="US policy on Taiwan")
    >>> e.ja[0].reading, e.status, e.origin
    ('せんりゃくてきあいまいさ', 'approved', 'manual')
    """
    _check_status(status)
    ja = ja.strip()
    if not ja:
        raise InputError("the Japanese term is empty")
    from taiyaku.core.japanese import Analyzer

    analyzer = Analyzer()
    new_en = (TermForm(en.strip(), "en"),) if en and en.strip() else ()
    entry = TermEntry(ja=(TermForm(ja, "ja"),), en=new_en, status=status, note=note,
                      origin="manual")
    with store.transaction():
        existing = find_entry_id(store, entry)
        if existing is None:
            term_id = insert_entry(store, entry, origin="manual", edited=True, analyzer=analyzer)
        else:
            old = get_entry(store, existing)
            keys = {en_key(f.text) for f in old.en}
            en_forms = list(old.en)
            for f in new_en:
                if en_key(f.text) in keys:
                    en_forms = [f] + [g for g in en_forms if en_key(g.text) != en_key(f.text)]
                else:
                    en_forms.insert(0, f)
            merged = TermEntry(
                ja=old.ja, en=tuple(en_forms), status=status, pos=old.pos,
                note=note if note is not None else old.note, definition=old.definition,
                context=old.context, sources=old.sources, frequency=old.frequency,
                score=old.score, evidence=old.evidence,
            )
            replace_entry(store, existing, merged, origin="manual", analyzer=analyzer)
            store.conn.execute("UPDATE terms SET edited=1 WHERE id=?", (existing,))
            term_id = existing
    return get_entry(store, term_id)


def set_status(store: Store, term_id: int, status: str) -> TermEntry:
    """Approve, demote or forbid an entry; a status set by hand marks it edited, so
    extraction never replaces it.

    :raises InputError: unknown id or status

    >>> s = Store.open(":memory:")
    >>> e = add_term(s, "習会", status="candidate")
    >>> set_status(s, e.id, "forbidden").status
    'forbidden'
    """
    _check_status(status)
    with store.transaction():
        cur = store.conn.execute(
            "UPDATE terms SET status=?, edited=1, updated=? WHERE id=?",
            (status, now_iso(), term_id),
        )
        if cur.rowcount == 0:
            raise InputError(f"no term with id {term_id} (see `taiyaku terms list`)")
    return get_entry(store, term_id)


def protected_keys(store: Store) -> tuple[set[str], set[str]]:
    """JA and EN keys of entries extraction must leave alone (approved, forbidden, manual,
    imported or edited); any of their forms counts."""
    ja: set[str] = set()
    en: set[str] = set()
    for lang, norm in store.conn.execute(
        "SELECT f.lang, f.norm FROM term_forms f JOIN terms t ON t.id = f.term_id "
        "WHERE t.status != 'candidate' OR t.origin != 'extracted' OR t.edited = 1"
    ):
        (en if lang == "en" else ja).add(norm)
    return ja, en


def delete_extracted_candidates(store: Store) -> int:
    """Drop the candidates of the previous extraction run (never edited or protected ones)."""
    cur = store.conn.execute(
        "DELETE FROM terms WHERE origin='extracted' AND status='candidate' AND edited=0"
    )
    return cur.rowcount


# -- import: add, merge, update, never overwrite a human decision --------------------------------
#: what an import did with one entry of the file (see :func:`import_entries`)
IMPORT_ACTIONS = ("added", "merged", "updated", "unchanged", "skipped")


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one entry of an imported file.

    :ivar action: one of :data:`IMPORT_ACTIONS`
    :ivar term_id: the stored entry it became or went into
    :ivar forms_added: forms (``"lang:text"``) added to an existing entry
    :ivar kept: fields of a protected entry the file would have changed (left as they are)
    """

    action: str
    term_id: int
    term: str
    forms_added: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        return {"action": self.action, "id": self.term_id, "term": self.term,
                "forms_added": list(self.forms_added), "kept": list(self.kept)}


def _stored_state(store: Store, term_id: int) -> tuple[str, str, bool]:
    row = store.conn.execute(
        "SELECT status, origin, edited FROM terms WHERE id = ?", (term_id,)
    ).fetchone()
    return str(row[0]), str(row[1]), bool(row[2])


def _same_term_ids(store: Store, entry: TermEntry, max_id: int) -> list[int]:
    """Entries stored before this import (id <= *max_id*) whose preferred term is *entry*'s,
    letter for letter (``ＡＢＣ会社`` is not ``ABC会社``); English only for entries without
    Japanese on either side."""
    if entry.ja:
        form, lang = entry.ja[0], "ja"
    else:
        form, lang = entry.en[0], "en"
    text = form.text.strip()
    rows = store.conn.execute(
        "SELECT f.term_id, f.text FROM term_forms f WHERE f.lang = ? AND f.norm = ? "
        "AND f.rank = 0 AND f.term_id <= ? AND (? = 'ja' OR NOT EXISTS ("
        "SELECT 1 FROM term_forms j WHERE j.term_id = f.term_id AND j.lang = 'ja')) "
        "ORDER BY f.term_id",
        (lang, form_key(form), max_id, lang),
    ).fetchall()
    return [int(r[0]) for r in rows if r[1] == text]


def _pick_match(store: Store, entry: TermEntry, ids: list[int]) -> TermEntry | None:
    """The stored entry that is *entry*'s concept: one sharing an English form (exact text);
    else, for a file entry without English, the oldest; else one without any English (the
    file fills in its translation). Two concepts with different translations stay apart."""
    if not ids:
        return None
    olds = load_entries(store, ids)
    if not entry.ja:
        return olds[0]
    mine = {f.text.strip() for f in entry.en}
    for old in olds:
        if mine & {f.text.strip() for f in old.en}:
            return old
    if not mine:
        return olds[0]
    return next((old for old in olds if not old.en), None)


def _with_status(f: TermForm, effective: str, entry_status: str) -> TermForm:
    """*f* with a per-form status that keeps *effective* under an entry of *entry_status*."""
    return dataclasses.replace(f, status=None if effective == entry_status else effective)


def _merge_forms(old: TermEntry, new: TermEntry, lang: str, protected: bool,
                 status: str) -> tuple[tuple[TermForm, ...], list[str]]:
    """Forms of *lang* after the import, and the ones that are new (``"lang:text"``)."""
    olds = old.ja if lang == "ja" else old.en
    news = new.ja if lang == "ja" else new.en
    have = {f.text.strip() for f in olds}
    added = [f for f in news if f.text.strip() not in have]
    label = [f"{lang}:{f.text.strip()}" for f in added]
    # every form keeps the status it had (explicit or through its entry)
    kept = [_with_status(f, f.status or old.status, status) for f in olds]
    incoming = [_with_status(dataclasses.replace(f, kind="synonym" if f.kind == "term"
                                                 and (olds or f is not news[0]) else f.kind),
                             f.status or new.status, status) for f in added]
    if protected or not news:
        return tuple(kept + incoming), label
    # an unreviewed entry takes the file's order and form data; its own extra forms follow
    by_text = {f.text.strip(): f for f in news}
    stored = {f.text.strip(): f for f in olds}
    ordered = []
    for f in news:
        was = stored.get(f.text.strip())
        if was is not None:
            # what the file leaves empty, the stored form keeps
            f = dataclasses.replace(f, reading=f.reading or was.reading, pos=f.pos or was.pos)
        ordered.append(_with_status(f, f.status or new.status, status))
    ordered = [dataclasses.replace(f, kind="term") if i == 0 and f.kind == "synonym" else f
               for i, f in enumerate(ordered)]
    rest = [f for f in kept if f.text.strip() not in by_text]
    return tuple(ordered + rest), label


def _merged_entry(old: TermEntry, new: TermEntry, protected: bool
                  ) -> tuple[TermEntry, list[str], list[str]]:
    """(entry after the import, forms added, fields of a protected entry left as they were)"""
    kept: list[str] = []
    if protected:
        status = old.status
        # a file's "candidate" (also what a file without a status column says) claims nothing
        if new.status not in (old.status, "candidate"):
            kept.append("status")
        for name in ("pos", "note", "definition", "context"):
            value = getattr(new, name)
            if value is not None and value != getattr(old, name):
                kept.append(name)
        fields = {}
    else:
        status = new.status
        fields = {name: getattr(new, name) if getattr(new, name) is not None
                  else getattr(old, name) for name in ("pos", "note", "definition", "context")}
        fields["sources"] = tuple(dict.fromkeys((*old.sources, *new.sources)))
    ja, ja_added = _merge_forms(old, new, "ja", protected, status)
    en, en_added = _merge_forms(old, new, "en", protected, status)
    merged = dataclasses.replace(old, ja=ja, en=en, status=status, **fields)
    return merged, ja_added + en_added, kept


def import_entries(store: Store, entries: Iterable[TermEntry]) -> list[ImportOutcome]:
    """Store the entries of an imported file (inside the caller's transaction).

    The rules (README, "terms import"):

    - entries of one file are never merged with each other: two concepts that share a term
      (銀行 *bank* and 銀行 *blood bank*) stay two entries;
    - a file entry goes into a stored entry only when both have the same preferred term,
      letter for letter, and they share an English form (or one of them has no English);
      otherwise it is a new entry;
    - a stored entry that is approved, forbidden, added by hand or edited is protected: it
      keeps its status, fields and forms; the file can only add forms it lacks (each with
      the status the file gives it, so a candidate translation is not approved by the
      import): ``merged``; a file that differs only in what is kept is ``skipped``;
    - an unreviewed stored entry takes the file's status and fields (empty cells keep what
      was there) and gains its forms: ``updated``;
    - an entry already stored as it is in the file is ``unchanged``.

    >>> s = Store.open(":memory:")
    >>> port = add_term(s, "港湾", "port", note="our house style")
    >>> with s.transaction():
    ...     done = import_entries(s, [TermEntry(ja=(TermForm("港湾", "ja"),),
    ...                                          en=(TermForm("port", "en"),
    ...                                              TermForm("harbour", "en")))])
    >>> [(o.action, o.forms_added, o.kept) for o in done]
    [('merged', ('en:harbour',), ())]
    >>> e = get_entry(s, port.id)
    >>> e.status, e.note, [(f.text, f.status) for f in e.en]
    ('approved', 'our house style', [('port', None), ('harbour', 'candidate')])
    """
    analyzer: Analyzer | None = None
    row = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM terms").fetchone()
    max_id = int(row[0])
    out: list[ImportOutcome] = []
    for entry in entries:
        if not entry.ja and not entry.en:
            continue
        _check_status(entry.status)
        if analyzer is None and any(f.reading is None for f in entry.ja):
            from taiyaku.core.japanese import Analyzer

            analyzer = Analyzer()
        label = (entry.ja or entry.en)[0].text.strip()
        old = _pick_match(store, entry, _same_term_ids(store, entry, max_id))
        if old is None or old.id is None:
            term_id = insert_entry(store, entry, origin="import", analyzer=analyzer)
            out.append(ImportOutcome("added", term_id, label))
            continue
        status, origin, edited = _stored_state(store, old.id)
        protected = status != "candidate" or origin == "manual" or edited
        merged, added, kept = _merged_entry(old, entry, protected)
        if (protected and not added) or merged == old:
            # a protected entry is written only when it gains forms
            action = "skipped" if kept else "unchanged"
        else:
            action = "merged" if protected else "updated"
            replace_entry(store, old.id, merged, origin=origin if protected else "import",
                          analyzer=analyzer)
        out.append(ImportOutcome(action, old.id, label, tuple(added), tuple(kept)))
    return out
