"""The glossary area of the SQLite backend: tables ``terms`` and ``term_forms``.

Every SQL statement about the glossary lives here (entries, forms, evidence, the lookup
queries, and what a removed document takes out of the evidence). Writes run inside the
caller's ``store.transaction()``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import StoreError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.store.glossary import EntryState, KeyedForm, MatchHow, StoredEntry
from taiyaku.store.sqlite.schema import dumps, now_iso

if TYPE_CHECKING:
    import sqlite3

    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteGlossary"]

_ENTRY_COLS = (
    "id, status, origin, pos, note, definition, context, sources, evidence, frequency, score"
)
#: rows per ``IN (…)`` query: well below SQLite's limit on host parameters
_BATCH = 500
#: what makes an entry protected (:attr:`EntryState.protected`), as SQL on ``terms``
_PROTECTED = "(status != 'candidate' OR origin != 'extracted' OR edited = 1)"
_COLUMNS = frozenset({"norm", "reading"})
#: the meta key counting writes to the glossary (see :meth:`SqliteGlossary.fingerprint`)
_REVISION = "glossary_revision"


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
    return dumps(data)


def _fold_en(text: str) -> str:
    # English compared loosely (case, dashes, a plural s): the pairing evidence may hold the
    # key extraction compared rather than the form as stored
    words = text.lower().replace("–", " ").replace("—", " ").replace("-", " ").split()
    return " ".join(w.removesuffix("s") for w in words)


def _with_method(forms: list[TermForm], raw: str | None) -> list[TermForm]:
    """The forms, the English one the extraction's pairing found carrying its method and
    confidence (the evidence's ``pairing``); a form a person replaced matches nothing."""
    pairing = _evidence_data(raw).get("pairing")
    if not isinstance(pairing, dict) or not isinstance(pairing.get("en"), str):
        return forms
    method, confidence = pairing.get("method"), pairing.get("confidence")
    if not isinstance(method, str):
        return forms
    want = _fold_en(pairing["en"])
    for i, f in enumerate(forms):
        if f.lang == "en" and _fold_en(f.text) == want:
            conf = float(confidence) if isinstance(confidence, int | float) else None
            forms[i] = dataclasses.replace(f, method=method, confidence=conf)
            break
    return forms


def _column(column: str) -> str:
    # column names cannot be bound parameters: only the two known ones are spliced in
    if column not in _COLUMNS:
        raise ValueError(f"unknown term form column {column!r}")
    return column


class SqliteGlossary:
    """:class:`taiyaku.store.glossary.GlossaryArea` on a SQLite store.

    :param store: the store whose connection and transactions it uses

    >>> from taiyaku.store import open_store
    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> s = open_store(":memory:")
    >>> g = s.glossary
    >>> f = TermForm("港湾", "ja")
    >>> with s.atomic():
    ...     i = g.add(TermEntry(ja=(f,)), [KeyedForm(f, "港湾", "こうわん")], origin="manual")
    >>> [e.ja[0].text for e in g.get([i])], g.state(i)
    (['港湾'], EntryState(status='candidate', origin='manual', edited=False))
    """

    def __init__(self, store: SqliteStore) -> None:
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
            fs = _with_method([TermForm(text=f[2], lang=f[1], kind=f[3], reading=f[4],
                                        status=f[5], pos=f[6]) for f in forms.get(i, [])],
                              row[8])
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

    def filtered_ids(self, *, status: str | None = None, has_en: bool | None = None,
                     source: str | None = None, min_score: float | None = None,
                     max_score: float | None = None) -> list[int]:
        """Entry ids best first of the entries that pass every filter given."""
        where = ["1"]
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if has_en is not None:
            where.append(("" if has_en else "NOT ") + "EXISTS (SELECT 1 FROM term_forms f "
                         "WHERE f.term_id = terms.id AND f.lang = 'en')")
        if source is not None:
            # sources is a JSON list of document names
            where.append("sources IS NOT NULL AND EXISTS "
                         "(SELECT 1 FROM json_each(terms.sources) WHERE value = ?)")
            params.append(source)
        if min_score is not None:
            where.append("score >= ?")
            params.append(float(min_score))
        if max_score is not None:
            where.append("score <= ?")
            params.append(float(max_score))
        return [int(r[0]) for r in self.conn.execute(
            f"SELECT id FROM terms WHERE {' AND '.join(where)} "
            "ORDER BY score DESC, frequency DESC, id", params)]

    def fingerprint(self) -> str:
        """The glossary's revision (bumped by every write of this area, in its transaction)
        with the tables' counts, largest ids and latest change: a file an older taiyaku
        wrote to (no revision kept) still shows a new stamp for any added, removed or
        (a second later) changed entry."""
        (revision,) = self.conn.execute(
            f"SELECT COALESCE((SELECT value FROM meta WHERE key = '{_REVISION}'), '0')"
        ).fetchone()
        terms = self.conn.execute(
            "SELECT count(*), COALESCE(max(id), 0), COALESCE(max(updated), '') FROM terms"
        ).fetchone()
        forms = self.conn.execute(
            "SELECT count(*), COALESCE(max(id), 0) FROM term_forms").fetchone()
        return ":".join(str(v) for v in (revision, *terms, *forms))

    def _changed(self) -> None:
        """Bump the glossary's revision (inside the caller's transaction)."""
        self.conn.execute(
            f"INSERT INTO meta(key, value) VALUES ('{_REVISION}', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")

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

    def stored(self, ids: Sequence[int]) -> list[StoredEntry]:
        """Everything stored of the entries *ids*, in the order given."""
        entries = self.get(ids)
        rows: dict[int, Any] = {}
        keys: dict[tuple[int, str], list[tuple[str, str | None]]] = {}
        for start in range(0, len(ids), _BATCH):
            part = list(ids[start : start + _BATCH])
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(
                f"SELECT id, status, origin, edited, evidence, created, updated FROM terms "
                f"WHERE id IN ({marks})", part
            ):
                rows[int(row[0])] = row
            # the same order as get() reads the forms in, so the keys line up with them
            for term_id, lang, norm, reading in self.conn.execute(
                "SELECT term_id, lang, norm, reading FROM term_forms "
                f"WHERE term_id IN ({marks}) ORDER BY term_id, lang, rank, id", part,
            ):
                keys.setdefault((int(term_id), str(lang)), []).append((str(norm), reading))
        out = []
        for e in entries:
            assert e.id is not None
            row = rows[e.id]
            # the keys of each language in the order get() gives that language's forms
            forms = tuple(KeyedForm(f, norm, reading) for f, (norm, reading) in zip(
                (*e.ja, *e.en), [*keys.get((e.id, "ja"), []), *keys.get((e.id, "en"), [])],
                strict=True))
            out.append(StoredEntry(
                e, forms, EntryState(str(row[1]), str(row[2]), bool(row[3])),
                _evidence_data(row[4]), str(row[5]), str(row[6]),
                frozenset(self.removed(e.id))))
        return out

    def add(self, entry: TermEntry, forms: Sequence[KeyedForm], *, origin: str,
            edited: bool = False, evidence: dict[str, Any] | None = None,
            term_id: int | None = None, created: str | None = None,
            updated: str | None = None) -> int:
        """Store a new entry with *forms*; return its id."""
        now = now_iso()
        if term_id is not None and self.conn.execute(
                "SELECT 1 FROM terms WHERE id = ?", (term_id,)).fetchone():
            raise StoreError(f"a term with id {term_id} is already stored")
        values = (entry.status, origin, int(edited), entry.pos, entry.note, entry.definition,
                  entry.context, dumps(list(entry.sources)) if entry.sources else None,
                  _evidence_json(entry, evidence), int(entry.frequency), float(entry.score),
                  created or now, updated or created or now)
        columns = ("status, origin, edited, pos, note, definition, context, sources, evidence, "
                   "frequency, score, created, updated")
        if term_id is None:
            cur = self.conn.execute(
                f"INSERT INTO terms({columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", values)
            term_id = cur.lastrowid
        else:
            self.conn.execute(
                f"INSERT INTO terms(id, {columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (term_id, *values))
            self._kept_id(term_id)
        assert term_id is not None
        self._write_forms(term_id, forms)
        self._changed()
        return term_id

    def _kept_id(self, term_id: int) -> None:
        """After an entry was given the id *term_id*: a backend whose ids come from a
        sequence moves it past it. SQLite needs nothing (a new id is the largest + 1);
        PostgreSQL, which uses this class too, moves the identity sequence of ``terms`` (a
        ``PgGlossary`` override in store/postgres would be its tidier home)."""
        from taiyaku.store.sqlite import SqliteStore

        if isinstance(self.store, SqliteStore):
            return
        self.conn.execute("SELECT setval('terms_id_seq', GREATEST(?, "
                          "(SELECT last_value FROM terms_id_seq)))", (term_id,))

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
             dumps(list(entry.sources)) if entry.sources else None,
             _evidence_json(entry, evidence), int(entry.frequency), float(entry.score), now_iso(),
             None if edited is None else int(edited), term_id),
        )
        self.conn.execute("DELETE FROM term_forms WHERE term_id = ?", (term_id,))
        self._write_forms(term_id, forms)
        self._changed()

    def set_status(self, term_id: int, status: str) -> bool:
        """Set an entry's status by hand (marks it edited)."""
        cur = self.conn.execute(
            "UPDATE terms SET status=?, edited=1, updated=? WHERE id=?",
            (status, now_iso(), term_id),
        )
        self._changed()
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
        self._changed()
        return gone

    def dismiss(self, lang: str, keys: Iterable[str]) -> None:
        """Remember that a person deleted the terms with these keys."""
        now = now_iso()
        self.conn.executemany(
            "INSERT OR IGNORE INTO term_dismissed(lang, norm, created) VALUES (?, ?, ?)",
            [(lang, k, now) for k in dict.fromkeys(keys)])

    def dismissed(self, lang: str) -> set[str]:
        """Keys of the terms of *lang* a person deleted."""
        return {str(r[0]) for r in self.conn.execute(
            "SELECT norm FROM term_dismissed WHERE lang = ?", (lang,))}

    def note_removed(self, term_id: int, forms: Iterable[tuple[str, str]]) -> None:
        """Remember that a person removed these (lang, key) forms from entry *term_id*."""
        now = now_iso()
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
        self._changed()
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

    # -- documents ---------------------------------------------------------------------------
    def forget_document(self, doc_id: int) -> int:
        """:meth:`GlossaryArea.forget_document`: called before the document's rows go, so
        its segments, its units (those no other document holds) and its name can be read."""
        q = self.conn.execute
        row = q("SELECT name FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return 0
        name = str(row[0])
        (shared,) = q("SELECT count(*) FROM documents WHERE name = ? AND id != ?",
                      (name, doc_id)).fetchone()
        segments = {int(i) for (i,) in q("SELECT id FROM segments WHERE doc_id = ?", (doc_id,))}
        units = {int(i) for (i,) in q(
            "SELECT id FROM units WHERE doc_id = ? AND id NOT IN "
            "(SELECT unit_id FROM unit_holders WHERE doc_id != ?)", (doc_id, doc_id))}
        changed: list[tuple[str | None, str | None, str, int]] = []
        for term_id, raw_sources, raw_evidence in q(
            "SELECT id, sources, evidence FROM terms WHERE evidence IS NOT NULL OR "
            "sources IS NOT NULL"
        ).fetchall():
            sources = list(json.loads(raw_sources)) if raw_sources else []
            kept_sources = sources if shared else [s for s in sources if s != name]
            data = _evidence_data(raw_evidence)
            new = dict(data)
            for key, gone in (("segments", segments), ("units", units)):
                ids = data.get(key)
                if isinstance(ids, list):
                    new[key] = [i for i in ids if not (isinstance(i, int) and i in gone)]
            if new == data and kept_sources == sources:
                continue
            changed.append((dumps(kept_sources) if kept_sources else None,
                            dumps(new) if any(new.values()) else None, now_iso(),
                            int(term_id)))
        self.conn.executemany(
            "UPDATE terms SET sources = ?, evidence = ?, updated = ? WHERE id = ?", changed)
        if changed:
            self._changed()
        return len(changed)
