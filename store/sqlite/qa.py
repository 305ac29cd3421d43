"""The SQLite backend's QA area: false positives of ``taiyaku qa``, remembered per checked file
(table ``qa_false_positives``, migration ``m006_qa_false_positives`` in
:mod:`taiyaku.store.sqlite.schema`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from taiyaku.core.findings import Finding
from taiyaku.store.sqlite.schema import now_iso

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteQaMemory"]


class SqliteQaMemory:
    """What a reviewer marked as false positives (:class:`taiyaku.store.interface.QaMemory`),
    keyed by the file's id, the unit, the check and the source and target texts (an edited
    unit is checked afresh).

    >>> from taiyaku.store import open_store
    >>> memory = open_store(":memory:").qa
    >>> f = Finding("7", "numbers", "error", "3人", "three", "…")
    >>> memory.remember("job.xlf", [f, f]), memory.known("job.xlf"), memory.known("other")
    (1, {('7', 'numbers', '3人', 'three')}, set())
    """

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def _has_table(self) -> bool:
        # a database of an older schema opened read-only has no table yet: nothing is known
        row = self._store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'qa_false_positives'"
        ).fetchone()
        return row is not None

    def known(self, file_id: str) -> set[tuple[str, str, str, str]]:
        """(unit, check, source, target) of every false positive stored for *file_id*."""
        if not self._has_table():
            return set()
        rows = self._store.conn.execute(
            "SELECT unit, check_name, source, target FROM qa_false_positives WHERE file_id = ?",
            (file_id,))
        return {(u, c, s, t) for u, c, s, t in rows}

    def remember(self, file_id: str, findings: Iterable[Finding]) -> int:
        """Store *findings* as false positives of *file_id* (one transaction); how many are
        new."""
        rows = {(file_id, f.unit, f.check, f.source, f.target) for f in findings}
        conn = self._store.conn
        with self._store.atomic():
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO qa_false_positives (file_id, unit, check_name, source, "
                "target, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(*r, now_iso()) for r in sorted(rows)])
            return conn.total_changes - before

    def all(self) -> list[tuple[str, str, str, str, str]]:
        """(file id, unit, check, source, target) of every stored false positive, sorted."""
        if not self._has_table():
            return []
        return [(str(f), str(u), str(c), str(s), str(t)) for f, u, c, s, t in
                self._store.conn.execute(
                    "SELECT file_id, unit, check_name, source, target FROM qa_false_positives "
                    "ORDER BY file_id, unit, check_name, source, target")]
