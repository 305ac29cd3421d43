"""The glossary area of the SQLite backend: tables ``terms`` and ``term_forms``.

Every SQL statement about the glossary lives here (entries, forms, evidence, the lookup
queries, and what term extraction reads of the documents). Writes run inside the caller's
``store.atomic()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.store.glossary import EntryState, KeyedForm, MatchHow, SourceText

if TYPE_CHECKING:
    import sqlite3

    from taiyaku.tm.store import Store

__all__ = ["SqliteGlossary", "glossary_of", "m006_term_dismissed"]

_ENTRY_COLS = (
    "id, status, origin, pos, note, definition, context, sources, evidence, frequency, score"
)
#: rows per ``IN (…)`` query: well below SQLite's limit on host parameters
_BATCH = 500
#: what makes an entry protected (:attr:`EntryState.protected`), as SQL on ``terms``
_PROTECTED = "(status != 'candidate' OR origin != 'extracted' OR edited = 1)"
_COLUMNS = frozenset({"norm", "reading"})


def _dumps(value: object) -> str:
    """JSON for TEXT columns (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    from taiyaku.tm.store import now_iso

    return now_iso()


def _evidence_data(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if isinstance(data, list):  # the first schema kept a bare list of segment ids
        return {"segments": data}
    return data if isinstance(data, dict) else {}


def _segment_ids(raw: str | None) -> tuple[int, ...]:
    ids = _evidence_data(raw).get("segments", [])
    return tuple(int(i) for i in ids if isinstance(i, int)) if isinstance(ids, list) else ()


def _evidence_json(entry: TermEntry, extra: dict[str, Any] | None) -> str | None:
    if not entry.evidence and not extra:
        return None
    data: dict[str, Any] = {"segments": list(entry.evidence)}
    if extra:
        data.update(extra)
    return _dumps(data)


def m006_term_dismissed(conn: sqlite3.Connection) -> None:
    """What a person removed, so that no machine brings it back (a removal is a human
    decision): the keys of deleted terms (term extraction does not propose them again), and
    the forms removed from an entry (an import does not add them to it again)."""
    conn.execute(
        "CREATE TABLE term_dismissed (lang TEXT NOT NULL, norm TEXT NOT NULL, "
        "created TEXT NOT NULL, PRIMARY KEY (lang, norm)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE term_removed_forms (term_id INTEGER NOT NULL REFERENCES terms(id) "
        "ON DELETE CASCADE, lang TEXT NOT NULL, norm TEXT NOT NULL, created TEXT NOT NULL, "
        "PRIMARY KEY (term_id, lang, norm)) WITHOUT ROWID"
    )


def _column(column: str) -> str:
    # column names cannot be bound parameters: only the two known ones are spliced in
    if column not in _COLUMNS:
        raise ValueError(f"unknown term form column {column!r}")
    return column


class SqliteGlossary:
    """:class:`taiyaku.store.glossary.GlossaryArea` on a SQLite store.

    :param store: the store whose connection and transactions it uses

    >>> from taiyaku.tm.store import Store
    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> s = Store.open(":memory:")
    >>> g = glossary_of(s)
    >>> f = TermForm("港湾", "ja")
    >>> with s.atomic():
    ...     i = g.add(TermEntry(ja=(f,)), [KeyedForm(f, "港湾", "こうわん")], origin="manual")
    >>> [e.ja[0].text for e in g.get([i])], g.state(i)
    (['港湾'], EntryState(status='candidate', origin='manual', edited=False))
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def conn(self) -> sqlite3.Connection:
        """The store's connection (read at each use: a store may reopen it)."""
        return self.store.conn

    # -- entries ---------------------------------------------------------------------------
    def get(self, ids: Sequence[int]) -> list[TermEntry]:
        """Entries with these ids in the order given (unknown ids are skipped)."""
        if not ids:
            return []
        rows: dict[int, Any] = {}
        forms: dict[int, list[Any]] = {}
        for start in range(0, len(ids), _BATCH):
            part = list(ids[start : start + _BATCH])
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"SELECT {_ENTRY_COLS} FROM terms WHERE id IN ({marks})", part
            ):
                rows[int(row[0])] = row
            for f in self.conn.execute(
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
            fs = [TermForm(text=f[2], lang=f[1], kind=f[3], reading=f[4], status=f[5],
                           pos=f[6]) for f in forms.get(i, [])]
            sources = tuple(json.loads(row[7])) if row[7] else ()
            out.append(TermEntry(
                ja=tuple(f for f in fs if f.lang == "ja"),
                en=tuple(f for f in fs if f.lang == "en"),
                id=int(row[0]), status=row[1], origin=row[2], pos=row[3], note=row[4],
                definition=row[5], context=row[6], sources=sources,
                evidence=_segment_ids(row[8]), frequency=int(row[9]), score=float(row[10]),
            ))
        return out

    def ranked_ids(self, *, status: str | None = None, limit: int | None = None) -> list[int]:
        """Entry ids best first (score, then frequency, then id)."""
        sql = "SELECT id FROM terms"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY score DESC, frequency DESC, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [int(r[0]) for r in self.conn.execute(sql, params)]

    def standing(self, ids: Sequence[int]) -> dict[int, tuple[str, float]]:
        """(status, score) of each known entry among *ids*."""
        out: dict[int, tuple[str, float]] = {}
        for start in range(0, len(ids), _BATCH):
            part = list(ids[start : start + _BATCH])
            marks = ",".join("?" * len(part))
            for i, status, score in self.conn.execute(
                f"SELECT id, status, score FROM terms WHERE id IN ({marks})", part
            ):
                out[int(i)] = (str(status), float(score))
        return out

    def state(self, term_id: int) -> EntryState | None:
        """Status, origin and edited mark of an entry."""
        row = self.conn.execute(
            "SELECT status, origin, edited FROM terms WHERE id = ?", (term_id,)
        ).fetchone()
        return None if row is None else EntryState(str(row[0]), str(row[1]), bool(row[2]))

    def evidence(self, term_id: int) -> dict[str, Any]:
        """The stored evidence of an entry (empty when none)."""
        row = self.conn.execute("SELECT evidence FROM terms WHERE id = ?", (term_id,)).fetchone()
        return {} if row is None else _evidence_data(row[0])

    def max_id(self) -> int:
        """The largest entry id so far (0 when empty)."""
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM terms").fetchone()[0])

    def count(self, *, status: str | None = None, protected: bool = False) -> int:
        """How many entries (of *status*; only protected ones with *protected*)."""
        where = ["1"]
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if protected:
            where.append(_PROTECTED)
        row = self.conn.execute(
            f"SELECT count(*) FROM terms WHERE {' AND '.join(where)}", params).fetchone()
        return int(row[0])

    # -- writing ---------------------------------------------------------------------------
    def _write_forms(self, term_id: int, forms: Sequence[KeyedForm]) -> None:
        rank: dict[str, int] = {}
        rows = []
        for k in forms:
            f = k.form
            r = rank.get(f.lang, 0)
            rows.append((term_id, f.lang, f.text, k.norm, k.reading, r, f.kind, f.status, f.pos))
            rank[f.lang] = r + 1
        self.conn.executemany(
            "INSERT INTO term_forms(term_id, lang, text, norm, reading, rank, kind, status, pos) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def add(self, entry: TermEntry, forms: Sequence[KeyedForm], *, origin: str,
            edited: bool = False, evidence: dict[str, Any] | None = None) -> int:
        """Store a new entry with *forms*; return its id."""
        now = _now()
        cur = self.conn.execute(
            "INSERT INTO terms(status, origin, edited, pos, note, definition, context, sources, "
            "evidence, frequency, score, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (entry.status, origin, int(edited), entry.pos, entry.note, entry.definition,
             entry.context, _dumps(list(entry.sources)) if entry.sources else None,
             _evidence_json(entry, evidence), int(entry.frequency), float(entry.score), now,
             now),
        )
        term_id = cur.lastrowid
        assert term_id is not None
        self._write_forms(term_id, forms)
        return term_id

    def replace(self, term_id: int, entry: TermEntry, forms: Sequence[KeyedForm], *,
                origin: str, edited: bool | None = None,
                evidence: dict[str, Any] | None = None) -> None:
        """Overwrite the fields and forms of entry *term_id*."""
        if evidence is None and entry.evidence:
            # new segment ids; the units and pairing found by extraction stay
            evidence = {k: v for k, v in self.evidence(term_id).items() if k != "segments"}
        self.conn.execute(
            "UPDATE terms SET status=?, origin=?, pos=?, note=?, definition=?, context=?, "
            "sources=?, evidence=COALESCE(?, evidence), frequency=?, score=?, updated=?, "
            "edited=COALESCE(?, edited) WHERE id=?",
            (entry.status, origin, entry.pos, entry.note, entry.definition, entry.context,
             _dumps(list(entry.sources)) if entry.sources else None,
             _evidence_json(entry, evidence), int(entry.frequency), float(entry.score), _now(),
             None if edited is None else int(edited), term_id),
        )
        self.conn.execute("DELETE FROM term_forms WHERE term_id = ?", (term_id,))
        self._write_forms(term_id, forms)

    def set_status(self, term_id: int, status: str) -> bool:
        """Set an entry's status by hand (marks it edited)."""
        cur = self.conn.execute(
            "UPDATE terms SET status=?, edited=1, updated=? WHERE id=?",
            (status, _now(), term_id),
        )
        return cur.rowcount > 0

    def delete(self, ids: Sequence[int]) -> int:
        """Remove these entries (their forms go with them: ON DELETE CASCADE, and explicitly,
        for a connection opened without foreign keys)."""
        gone = 0
        for start in range(0, len(ids), _BATCH):
            part = list(ids[start : start + _BATCH])
            marks = ",".join("?" * len(part))
            self.conn.execute(f"DELETE FROM term_forms WHERE term_id IN ({marks})", part)
            self.conn.execute(
                f"DELETE FROM term_removed_forms WHERE term_id IN ({marks})", part)
            gone += self.conn.execute(f"DELETE FROM terms WHERE id IN ({marks})", part).rowcount
        return gone

    def dismiss(self, lang: str, keys: Iterable[str]) -> None:
        """Remember that a person deleted the terms with these keys."""
        now = _now()
        self.conn.executemany(
            "INSERT OR IGNORE INTO term_dismissed(lang, norm, created) VALUES (?, ?, ?)",
            [(lang, k, now) for k in dict.fromkeys(keys)])

    def dismissed(self, lang: str) -> set[str]:
        """Keys of the terms of *lang* a person deleted."""
        return {str(r[0]) for r in self.conn.execute(
            "SELECT norm FROM term_dismissed WHERE lang = ?", (lang,))}

    def note_removed(self, term_id: int, forms: Iterable[tuple[str, str]]) -> None:
        """Remember that a person removed these (lang, key) forms from entry *term_id*."""
        now = _now()
        self.conn.executemany(
            "INSERT OR IGNORE INTO term_removed_forms(term_id, lang, norm, created) "
            "VALUES (?, ?, ?, ?)", [(term_id, lang, k, now) for lang, k in dict.fromkeys(forms)])

    def forget_removed(self, term_id: int, forms: Iterable[tuple[str, str]]) -> None:
        """A person gave entry *term_id* these (lang, key) forms back."""
        self.conn.executemany(
            "DELETE FROM term_removed_forms WHERE term_id = ? AND lang = ? AND norm = ?",
            [(term_id, lang, k) for lang, k in dict.fromkeys(forms)])

    def removed(self, term_id: int) -> set[tuple[str, str]]:
        """(lang, key) of the forms a person removed from entry *term_id*."""
        return {(str(a), str(b)) for a, b in self.conn.execute(
            "SELECT lang, norm FROM term_removed_forms WHERE term_id = ?", (term_id,))}

    def delete_extracted_candidates(self) -> int:
        """Remove the unprotected entries of a previous extraction."""
        self.conn.execute(
            "DELETE FROM term_forms WHERE term_id IN "
            f"(SELECT id FROM terms WHERE NOT {_PROTECTED})"
        )
        return self.conn.execute(f"DELETE FROM terms WHERE NOT {_PROTECTED}").rowcount

    # -- finding ---------------------------------------------------------------------------
    def preferred_matches(self, lang: str, key: str, *, without_ja: bool = False,
                          upto: int | None = None) -> list[tuple[int, str]]:
        """(id, text) of entries whose preferred *lang* form has this key, oldest first."""
        sql = "SELECT f.term_id, f.text FROM term_forms f WHERE f.lang = ? AND f.norm = ? " \
              "AND f.rank = 0"
        params: list[Any] = [lang, key]
        if upto is not None:
            sql += " AND f.term_id <= ?"
            params.append(upto)
        if without_ja:
            sql += (" AND NOT EXISTS (SELECT 1 FROM term_forms j WHERE j.term_id = f.term_id "
                    "AND j.lang = 'ja')")
        sql += " ORDER BY f.term_id"
        return [(int(i), str(t)) for i, t in self.conn.execute(sql, params)]

    def match_forms(self, column: str, lang: str | None, key: str, how: MatchHow) -> list[int]:
        """Ids of entries with a form whose *column* equals, starts with or contains *key*."""
        col = _column(column)
        where = f"{col} IS NOT NULL" + ("" if lang is None else " AND lang = ?")
        base: tuple[Any, ...] = () if lang is None else (lang,)
        args: tuple[str, ...]
        if how == "exact":
            sql, args = f"{col} = ?", (key,)
        elif how == "prefix":
            sql, args = f"{col} > ? AND {col} < ?", (key, key + "\U0010ffff")
        else:
            # instr() on lower() is what LIKE '%key%' does (ASCII-only case folding) with no
            # limit on the query's length: LIKE refuses patterns over 50,000 bytes
            sql, args = f"instr(lower({col}), lower(?))", (key,)
        return [int(r[0]) for r in self.conn.execute(
            f"SELECT term_id FROM term_forms WHERE {where} AND {sql}", (*base, *args))]

    def fuzzy_pool(self, column: str, lang: str | None, key: str,
                   limit: int) -> list[tuple[int, str]]:
        """Forms that may be fuzzy matches of *key* (a length window and a shared character
        or English word start), as (entry id, column value)."""
        col = _column(column)
        where = f"{col} IS NOT NULL" + ("" if lang is None else " AND lang = ?")
        base: tuple[Any, ...] = () if lang is None else (lang,)
        # a length window (as CAT tools do) and at least one shared character (Japanese) or
        # word start (English), so the scorer sees a small pool
        lo, hi = max(1, int(len(key) * 0.5)), int(len(key) * 2) + 2
        if col == "norm" and lang == "en":
            grams = sorted({w[:3] for w in key.split() if len(w) >= 3})[:6]
            likes = [f"{col} LIKE ?" for _ in grams] * 2
            args = [g + "%" for g in grams] + ["% " + g + "%" for g in grams]
        else:
            chars = sorted(set(key) - {" "})[:8]
            likes = [f"instr({col}, ?) > 0" for _ in chars]
            args = chars
        if not likes:
            return []
        return [(int(i), str(t)) for i, t in self.conn.execute(
            f"SELECT term_id, {col} FROM term_forms WHERE {where} "
            f"AND length({col}) BETWEEN ? AND ? AND ({' OR '.join(likes)}) LIMIT {int(limit)}",
            (*base, lo, hi, *args),
        )]

    def protected_keys(self) -> tuple[set[str], set[str]]:
        """Japanese and English keys of every form of a protected entry."""
        ja: set[str] = set()
        en: set[str] = set()
        for lang, norm in self.conn.execute(
            "SELECT lang, norm FROM term_forms WHERE term_id IN "
            f"(SELECT id FROM terms WHERE {_PROTECTED})"
        ):
            (en if lang == "en" else ja).add(norm)
        return ja, en

    # -- what extraction reads --------------------------------------------------------------
    def document_names(self) -> dict[int, str]:
        """The name of every document by id."""
        return {int(i): str(n) for i, n in self.conn.execute("SELECT id, name FROM documents")}

    def source_texts(self) -> Iterator[SourceText]:
        """Segments by document and position, then units of documents without segments."""
        with_segments: set[int] = set()
        for sid, doc_id, lang, text, kind, unit_id in self.conn.execute(
            "SELECT id, doc_id, lang, text, kind, unit_id FROM segments "
            "ORDER BY doc_id, position"
        ):
            with_segments.add(int(doc_id))
            yield SourceText(int(sid), int(doc_id), str(lang), str(text), str(kind),
                             None if unit_id is None else int(unit_id))
        for uid, doc_id, ja_text, en_text in self.conn.execute(
            "SELECT id, doc_id, ja, en FROM units ORDER BY doc_id, position"
        ):
            if int(doc_id) in with_segments:
                continue
            # TMX imports have no segments: their units are the text (negative ids mark them)
            yield SourceText(-int(uid), int(doc_id), "ja", str(ja_text), "text", int(uid))
            yield SourceText(-int(uid), int(doc_id), "en", str(en_text), "text", int(uid))


def glossary_of(store: Store) -> SqliteGlossary:
    """The glossary area of *store* (until the store hands it out as ``store.glossary``)."""
    return SqliteGlossary(store)
