"""The SQLite backend's meta area: key–value settings in the ``meta`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteMeta"]


class SqliteMeta:
    """Key–value settings (:class:`taiyaku.store.interface.Meta`).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     s.meta.set("probe", "1")
    >>> s.meta.get("probe"), s.meta.get("absent")
    ('1', None)
    """

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        """Value of a meta key, or None."""
        row = self._store.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        """Set a meta key (inside the caller's transaction)."""
        self._store.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def all(self) -> dict[str, str]:
        """All meta keys."""
        return {str(k): str(v) for k, v in self._store.conn.execute(
            "SELECT key, value FROM meta ORDER BY key")}
