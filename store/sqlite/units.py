"""The SQLite backend's units area: TM units with their normalised forms and match-key hashes,
each write keeping the fuzzy index exact in the same transaction."""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from taiyaku.core.matchkeys import text_hash
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import StoredUnit, UnitText
from taiyaku.store.sqlite import index
from taiyaku.store.sqlite.schema import dumps, now_iso

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteUnits", "UNIT_CHUNK", "hand_over"]

#: units inserted (and handed to the index) per executemany
UNIT_CHUNK = 5000

_UNIT_SQL = (
    "SELECT u.id, u.doc_id, d.name, u.position, u.ja, u.en, u.ja_norm, u.en_norm, u.bead, "
    "u.confidence, u.created, u.props, {holders} FROM units u "
    "JOIN documents d ON d.id = u.doc_id"
)
_HOLDERS_SQL = ("(SELECT json_group_array(hd.name) FROM unit_holders h JOIN documents hd "
                "ON hd.id = h.doc_id WHERE h.unit_id = u.id)")


def hand_over(conn: sqlite3.Connection, doc_id: int,
              unit_ids: Sequence[int] | None = None) -> set[int]:
    """Pass the units *doc_id* lets go of (*unit_ids*, or every unit it owns) that another
    document holds too (``unit_holders``, migration 5) to the oldest such document, at that
    document's position: a unit stays as long as any document holds it. Returns the ids
    handed over; the caller deletes the others."""
    if unit_ids is None:
        rows = conn.execute(
            "SELECT h.unit_id, h.doc_id, h.position FROM unit_holders h "
            "JOIN units u ON u.id = h.unit_id "
            "WHERE u.doc_id = ? AND h.doc_id != ? ORDER BY h.unit_id, h.doc_id",
            (doc_id, doc_id)).fetchall()
    elif unit_ids:
        marks = ",".join("?" * len(unit_ids))
        rows = conn.execute(
            f"SELECT unit_id, doc_id, position FROM unit_holders WHERE unit_id IN ({marks}) "
            "AND doc_id != ? ORDER BY unit_id, doc_id", [*unit_ids, doc_id]).fetchall()
    else:
        return set()
    heirs: dict[int, tuple[int, int]] = {}
    for unit_id, holder, position in rows:
        heirs.setdefault(int(unit_id), (int(holder), int(position)))
    conn.executemany("UPDATE units SET doc_id = ?, position = ? WHERE id = ?",
                     [(holder, position, uid) for uid, (holder, position) in heirs.items()])
    conn.executemany("DELETE FROM unit_holders WHERE unit_id = ? AND doc_id = ?",
                     [(uid, holder) for uid, (holder, _) in heirs.items()])
    return set(heirs)


def _stored(row: Sequence[Any]) -> StoredUnit:
    props = json.loads(row[11]) if row[11] else {}
    also = tuple(json.loads(row[12])) if row[12] else ()
    return StoredUnit(int(row[0]), int(row[1]), str(row[2]), int(row[3]), row[4], row[5],
                      row[6], row[7], row[8], float(row[9]), row[10], props, also)


class SqliteUnits:
    """TM units (:class:`taiyaku.store.interface.Units`).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     doc = s.documents.add("d", layout="pair", kind="bilingual")
    ...     (uid,) = s.units.add(doc, [NewUnit("京都", "Kyoto", 0)])
    ...     _ = s.units.update(uid, en="Kyōto")
    >>> s.units.get(uid).en, s.units.get(uid).document
    ('Kyōto', 'd')
    """

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    # -- adding ------------------------------------------------------------------------------
    def add(
        self, doc_id: int, units: Iterable[NewUnit], *, skip_duplicates: bool = False,
        chunk_size: int = UNIT_CHUNK,
    ) -> list[int | None]:
        """Insert *units* for document *doc_id*; return their ids (None where skipped).

        Call inside a transaction. With *skip_duplicates*, a unit whose normalised JA and EN
        both equal a stored unit's (or an earlier one in this call) is skipped, and when that
        unit belongs to another document, *doc_id* is recorded as holding it too
        (``unit_holders``), so that the unit outlives the other document's replacement. Units
        are taken from *units* one chunk at a time; past one chunk, the search index is built
        in one pass at the end (:func:`index.deferred`), as appending each chunk's postings to
        the lists the chunks before it wrote would rewrite them over and over.
        """
        store = self._store
        it = iter(units)
        first = list(itertools.islice(it, chunk_size))
        second = list(itertools.islice(it, chunk_size))
        if not second:
            return self._insert_chunk(doc_id, first, skip_duplicates) if first else []
        ids: list[int | None] = []
        with index.deferred(store):
            for batch in itertools.chain((first, second), iter(
                    lambda: list(itertools.islice(it, chunk_size)), [])):
                ids.extend(self._insert_chunk(doc_id, batch, skip_duplicates))
                batch.clear()  # its texts may go before the next chunk is read
        return ids

    def bulk(self, progress: Progress = no_progress) -> contextlib.AbstractContextManager[None]:
        """A block (inside a transaction) that adds many units: the index is built in one pass
        at its end, and SQLite's page cache is raised for the random inserts into the hash
        indexes (100k units took 90 s with the default 2 MB; 256 MB keeps them in memory)."""
        return self._bulk(progress)

    @contextlib.contextmanager
    def _bulk(self, progress: Progress) -> Iterator[None]:
        conn = self._store.conn
        (cache,) = conn.execute("PRAGMA cache_size").fetchone()
        conn.execute("PRAGMA cache_size = -262144")
        try:
            with index.deferred(self._store, progress):
                yield
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _insert_chunk(self, doc_id: int, batch: list[NewUnit], skip: bool) -> list[int | None]:
        conn = self._store.conn
        created_default = now_iso()
        rows = []
        for u in batch:
            ja_norm, en_norm = normalize(u.ja), normalize(u.en)
            ja_h, en_h = text_hash(ja_norm), text_hash(en_norm.lower())
            rows.append((u, ja_norm, en_norm, ja_h, en_h))
        # Duplicates of units stored before this chunk (in this call too: the connection sees
        # its own uncommitted rows) come from the hash index; a dict only covers the chunk
        # itself. Each maps a pair to the unit that holds it and that unit's document.
        seen = self._existing_pairs({r[3] for r in rows}) if skip else {}
        # Ids are given explicitly so one statement can insert the chunk: the caller holds
        # the write lock, so no other writer can take these ids meanwhile.
        next_id = self._first_new_id()
        ids: list[int | None] = []
        added: list[tuple[int, str, str]] = []
        held: list[tuple[int, int, int]] = []
        params: list[tuple[Any, ...]] = []
        for u, ja_norm, en_norm, ja_h, en_h in rows:
            if skip:
                found = seen.get((ja_h, en_h))
                if found is not None:
                    ids.append(None)
                    if found[1] != doc_id:  # this document holds another document's unit too
                        held.append((found[0], doc_id, u.position))
                    continue
                seen[(ja_h, en_h)] = (next_id, doc_id)
            uid = next_id
            next_id += 1
            params.append(
                (uid, doc_id, u.position, u.ja, u.en, ja_norm, en_norm, ja_h, en_h, u.bead,
                 float(u.confidence), dumps(dict(u.props)) if u.props else None,
                 u.created or created_default)
            )
            ids.append(uid)
            added.append((uid, ja_norm, en_norm))
        if held:
            conn.executemany(
                "INSERT OR IGNORE INTO unit_holders(unit_id, doc_id, position) VALUES (?, ?, ?)",
                held,
            )
        self._write_units(params)
        index.units_added(self._store, added)
        return ids

    def _first_new_id(self) -> int:
        """The id the next inserted unit takes (under the write lock): SQLite numbers rows
        from the largest id; the PostgreSQL backend reads its identity sequence."""
        (next_id,) = self._store.conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM units").fetchone()
        return int(next_id)

    def _write_units(self, params: list[tuple[Any, ...]]) -> None:
        """Insert unit rows (id, doc_id, position, ja, en, ja_norm, en_norm, ja_hash,
        en_hash, bead, confidence, props, created) in one statement."""
        self._store.conn.executemany(
            "INSERT INTO units(id, doc_id, position, ja, en, ja_norm, en_norm, ja_hash, "
            "en_hash, bead, confidence, props, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            params,
        )

    def _existing_pairs(self, ja_hashes: set[int]) -> dict[tuple[int, int], tuple[int, int]]:
        """Stored pairs among *ja_hashes*: (ja_hash, en_hash) → (oldest unit id, its
        document)."""
        found: dict[tuple[int, int], tuple[int, int]] = {}
        hashes = list(ja_hashes)
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            for a, b, uid, doc in self._store.conn.execute(
                f"SELECT ja_hash, en_hash, id, doc_id FROM units WHERE ja_hash IN ({marks}) "
                "ORDER BY id DESC", part
            ):
                found[(int(a), int(b))] = (int(uid), int(doc))
        return found

    # -- reading -----------------------------------------------------------------------------
    def get(self, unit_id: int) -> StoredUnit | None:
        """The unit *unit_id*, or None."""
        row = self._store.conn.execute(
            _UNIT_SQL.format(holders=_HOLDERS_SQL) + " WHERE u.id = ?", (unit_id,)).fetchone()
        return None if row is None else _stored(row)

    def texts(self, ids: Sequence[int]) -> list[UnitText]:
        """(id, ja, en, ja_norm, en_norm, document name) of the units *ids* that exist."""
        rows: list[UnitText] = []
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            rows.extend(self._store.conn.execute(
                "SELECT u.id, u.ja, u.en, u.ja_norm, u.en_norm, d.name FROM units u "
                f"JOIN documents d ON d.id = u.doc_id WHERE u.id IN ({','.join('?' * len(part))})",
                part))
        return rows

    def ja_norms(self, ids: Sequence[int]) -> Iterator[tuple[int, str]]:
        """(id, normalised Japanese) of the units *ids* that exist (any order)."""
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            yield from self._store.conn.execute(
                f"SELECT id, ja_norm FROM units WHERE id IN ({','.join('?' * len(part))})", part)

    def ids_by_hash(self, lang: str, text_hash: int) -> list[int]:
        """Ids of the units whose *lang* side has this match-key hash."""
        col = "ja_hash" if lang == "ja" else "en_hash"
        return [int(r[0]) for r in self._store.conn.execute(
            f"SELECT id FROM units WHERE {col} = ?", (text_hash,))]

    def by_hashes(self, lang: str, hashes: Sequence[int]
                  ) -> Iterator[tuple[int, int, str, str, str]]:
        """(hash, id, *lang* side, other side, document name) of the units whose *lang* side
        has one of *hashes*, newest first per batch of 500 hashes."""
        col = "ja_hash" if lang == "ja" else "en_hash"
        source, target = ("u.ja", "u.en") if lang == "ja" else ("u.en", "u.ja")
        for k in range(0, len(hashes), 500):
            part = list(hashes[k : k + 500])
            yield from self._store.conn.execute(
                f"SELECT u.{col}, u.id, {source}, {target}, d.name FROM units u "
                f"JOIN documents d ON d.id = u.doc_id WHERE u.{col} IN "
                f"({','.join('?' * len(part))}) ORDER BY u.id DESC", part)

    def iterate(self) -> Iterator[StoredUnit]:
        """Every unit in document order (document, position, id), streamed."""
        conn = self._store.conn
        # the per-unit look-up of holders costs a fifth of an export; most TMs have none
        (any_held,) = conn.execute("SELECT EXISTS (SELECT 1 FROM unit_holders)").fetchone()
        cur = conn.execute(_UNIT_SQL.format(holders=_HOLDERS_SQL if any_held else "NULL")
                           + " ORDER BY u.doc_id, u.position, u.id")
        while rows := cur.fetchmany(5000):
            for row in rows:
                yield _stored(row)

    def of_document(self, doc_id: int) -> list[int]:
        """Ids of the units document *doc_id* holds (its own and those it shares with a
        document that stored them first), ascending; empty for an unknown document."""
        return [int(r[0]) for r in self._store.conn.execute(
            "SELECT id FROM units WHERE doc_id = ? UNION "
            "SELECT unit_id FROM unit_holders WHERE doc_id = ? ORDER BY 1", (doc_id, doc_id))]

    def repeated_pairs(self) -> Iterator[tuple[str, str, str]]:
        """(ja, en, document name) of every unit whose Japanese text another unit shares, in
        document order (pairs stored more than once are among them)."""
        yield from self._store.conn.execute(
            "SELECT u.ja, u.en, d.name FROM units u JOIN documents d ON d.id = u.doc_id "
            # grouped by the Japanese hash alone: its index answers without sorting the table
            # (0.03 s at 100k units, where grouping by both hashes took 1.3 s)
            "WHERE u.ja_hash IN (SELECT ja_hash FROM units GROUP BY ja_hash HAVING count(*) > 1) "
            "ORDER BY u.doc_id, u.position, u.id")

    def holders(self) -> Iterator[tuple[int, int, int]]:
        """(unit id, document id, position) of every recorded holder, by unit and document."""
        for u, d, p in self._store.conn.execute(
                "SELECT unit_id, doc_id, position FROM unit_holders ORDER BY unit_id, doc_id"):
            yield int(u), int(d), int(p)

    def add_holders(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """Record (unit id, document id, position) holders (inside a transaction)."""
        self._store.conn.executemany(
            "INSERT OR IGNORE INTO unit_holders(unit_id, doc_id, position) VALUES (?, ?, ?)",
            list(rows))

    # -- editing -----------------------------------------------------------------------------
    def update(self, unit_id: int, *, ja: str | None = None, en: str | None = None
               ) -> StoredUnit | None:
        """Change the texts of unit *unit_id* (inside the caller's transaction): normalised
        forms, hashes and the fuzzy index follow. Returns the unit as it is now, or None when
        there is no such unit."""
        before = self.get(unit_id)
        if before is None:
            return None
        new_ja = before.ja if ja is None else ja
        new_en = before.en if en is None else en
        ja_norm, en_norm = normalize(new_ja), normalize(new_en)
        self._store.conn.execute(
            "UPDATE units SET ja = ?, en = ?, ja_norm = ?, en_norm = ?, ja_hash = ?, "
            "en_hash = ? WHERE id = ?",
            (new_ja, new_en, ja_norm, en_norm, text_hash(ja_norm), text_hash(en_norm.lower()),
             unit_id))
        index.units_changed(self._store, (unit_id, before.ja_norm, before.en_norm),
                            (unit_id, ja_norm, en_norm))
        return self.get(unit_id)

    def delete(self, unit_id: int) -> StoredUnit | None:
        """Delete unit *unit_id* and its index entries (inside the caller's transaction);
        segments that went into it become unaligned. Returns the unit deleted, or None."""
        before = self.get(unit_id)
        if before is None:
            return None
        index.units_removed(self._store, [(unit_id, before.ja_norm, before.en_norm)])
        self._store.conn.execute("DELETE FROM units WHERE id = ?", (unit_id,))
        return before

    def count(self) -> int:
        """How many units are stored."""
        return int(self._store.conn.execute("SELECT count(*) FROM units").fetchone()[0])
