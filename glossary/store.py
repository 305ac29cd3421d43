"""The glossary in the SQLite store: entries (terms) with their forms (term_forms)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tm.errors import InputError
from tm.store import Store, dumps, now_iso

from .keys import en_key, ja_key, reading_key
from .model import FORM_KINDS, STATUSES, TermEntry, TermForm

if TYPE_CHECKING:
    from tm.japanese import Analyzer

__all__ = [
    "list_terms", "add_term", "set_status", "get_entry", "iter_entries", "upsert_entries",
    "insert_entry", "replace_entry", "find_entry_id", "protected_keys", "form_key",
    "load_entries", "delete_extracted_candidates",
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
    >>> with s.atomic():
    ...     upsert_entries(s, [TermEntry(ja=(TermForm("台湾有事", "ja"),), status="approved")])
    1
    >>> with s.atomic():
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
    with store.atomic():
        for entry in entries:
            if not entry.ja and not entry.en:
                continue
            if analyzer is None and any(f.reading is None for f in entry.ja):
                from tm.japanese import Analyzer

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
    from tm.japanese import Analyzer

    analyzer = Analyzer()
    new_en = (TermForm(en.strip(), "en"),) if en and en.strip() else ()
    entry = TermEntry(ja=(TermForm(ja, "ja"),), en=new_en, status=status, note=note,
                      origin="manual")
    with store.atomic():
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
    with store.atomic():
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
