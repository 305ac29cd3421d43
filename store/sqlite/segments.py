"""The SQLite backend's segments area: each document's segments, with the unit each went into."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from taiyaku.store.interface import NewSegment, StoredSegment

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteSegments"]


class SqliteSegments:
    """Segments (:class:`taiyaku.store.interface.Segments`)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def add(self, doc_id: int, segments: Iterable[NewSegment]) -> None:
        """Store *segments* of document *doc_id* (inside the caller's transaction)."""
        self._store.conn.executemany(
            "INSERT INTO segments(doc_id, lang, position, text, kind, unit_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((doc_id, s.lang, s.position, s.text, s.kind, s.unit_id) for s in segments),
        )

    def of_document(self, doc_id: int) -> list[StoredSegment]:
        """The segments of *doc_id*: Japanese side first, each side in order."""
        rows = self._store.conn.execute(
            "SELECT id, doc_id, lang, position, text, kind, unit_id FROM segments "
            "WHERE doc_id = ? ORDER BY lang = 'en', position", (doc_id,))
        return [StoredSegment(*r) for r in rows]
