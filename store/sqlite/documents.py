"""The SQLite backend's documents area: adding, finding, listing and removing documents.

Removing a document takes its segments, its units and their postings in the fuzzy index out in
the caller's transaction; a unit another document holds too (``unit_holders``, migration 5)
passes to the oldest such document instead of going.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taiyaku.core.errors import StoreError
from taiyaku.store.interface import DocumentInfo, DocumentSummary, RemovedDocument
from taiyaku.store.sqlite import index
from taiyaku.store.sqlite.schema import now_iso
from taiyaku.store.sqlite.units import hand_over

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteDocuments"]

_COLUMNS = "id, name, layout, kind, created, source_path, sha256"


class SqliteDocuments:
    """Documents (:class:`taiyaku.store.interface.Documents`).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     doc = s.documents.add("a.txt", layout="pair", kind="bilingual")
    >>> s.documents.find("a.txt").id == doc, s.documents.get(doc + 1)
    (True, None)
    """

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def add(
        self, name: str, *, layout: str, kind: str, source_path: str | None = None,
        sha256: str | None = None, created: str | None = None,
    ) -> int:
        """Insert a document row and return its id (inside the caller's transaction).

        A name already taken is refused: replacing a document is the caller's explicit
        :meth:`remove` first (nothing is deleted as a side effect).

        :raises StoreError: a document of that name exists
        """
        if self.find(name) is not None:
            raise StoreError(f"a document named {name!r} is already stored")
        cur = self._store.conn.execute(
            "INSERT INTO documents(name, source_path, sha256, layout, kind, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, source_path, sha256, layout, kind, created or now_iso()),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def get(self, doc_id: int) -> DocumentInfo | None:
        """The document with id *doc_id*, or None."""
        row = self._store.conn.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else DocumentInfo(*row)

    def find(self, name: str) -> DocumentInfo | None:
        """The document called *name*, or None."""
        row = self._store.conn.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE name = ?", (name,)).fetchone()
        return None if row is None else DocumentInfo(*row)

    def all(self) -> list[DocumentInfo]:
        """All documents, oldest first."""
        rows = self._store.conn.execute(f"SELECT {_COLUMNS} FROM documents ORDER BY id")
        return [DocumentInfo(*r) for r in rows]

    def summaries(self) -> list[DocumentSummary]:
        """All documents with their segment and unit counts, oldest first."""
        q = self._store.conn.execute
        segs: dict[tuple[int, str], int] = {
            (int(d), str(lang)): int(n) for d, lang, n in q(
                "SELECT doc_id, lang, count(*) FROM segments GROUP BY doc_id, lang")}
        units = {int(d): int(n) for d, n in q(
            "SELECT doc_id, count(*) FROM units GROUP BY doc_id")}
        shared = {int(d): int(n) for d, n in q(
            "SELECT doc_id, count(*) FROM unit_holders GROUP BY doc_id")}
        return [DocumentSummary(d, segs.get((d.id, "ja"), 0), segs.get((d.id, "en"), 0),
                                units.get(d.id, 0), shared.get(d.id, 0)) for d in self.all()]

    def from_source(self, source_path: str) -> list[DocumentInfo]:
        """The documents stored from *source_path*, newest first."""
        rows = self._store.conn.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE source_path = ? ORDER BY id DESC",
            (source_path,))
        return [DocumentInfo(*r) for r in rows]

    def source_ends_with(self, tail: str) -> bool:
        """True if a stored document's source path ends with *tail*."""
        row = self._store.conn.execute(
            "SELECT 1 FROM documents WHERE substr(source_path, -?) = ? LIMIT 1",
            (len(tail), tail),
        ).fetchone()
        return row is not None

    def remove(self, doc_id: int) -> RemovedDocument | None:
        """Delete document *doc_id*, its segments, and its units with their index entries
        (inside the caller's transaction); None if there is no such document.

        Units that other documents hold too (they were skipped as duplicates when those were
        imported, see ``unit_holders``) are not deleted: each passes to the oldest other
        document holding it, at that document's position.
        """
        doc = self.get(doc_id)
        if doc is None:
            return None
        conn = self._store.conn
        kept = len(hand_over(conn, doc_id))
        rows = [(int(i), str(j), str(e)) for i, j, e in conn.execute(
            "SELECT id, ja_norm, en_norm FROM units WHERE doc_id = ? ORDER BY id", (doc_id,))]
        (segments,) = conn.execute(
            "SELECT count(*) FROM segments WHERE doc_id = ?", (doc_id,)).fetchone()
        rebuild = index.units_removed(self._store, rows)
        conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))  # cascades
        if rebuild:
            index.rebuild(self._store)
        return RemovedDocument(doc, int(segments), len(rows), kept)
