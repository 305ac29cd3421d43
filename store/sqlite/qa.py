"""False positives of ``taiyaku qa``, remembered per checked file (table ``qa_false_positives``,
migration ``m006_qa_false_positives`` in :mod:`tm.store`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from taiyaku.core.findings import Finding

if TYPE_CHECKING:
    from taiyaku.tm.store import Store

__all__ = ["SqliteQaMemory", "qa_memory_of"]


class SqliteQaMemory:
    """What a reviewer marked as false positives, keyed by the file's id, the unit, the check
    and the source and target texts (an edited unit is checked afresh).

    >>> from taiyaku.tm.store import Store
    >>> memory = qa_memory_of(Store.open(":memory:"))
    >>> f = Finding("7", "numbers", "error", "3人", "three", "…")
    >>> memory.remember("job.xlf", [f, f]), memory.known("job.xlf"), memory.known("other")
    (1, {('7', 'numbers', '3人', 'three')}, set())
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _has_table(self) -> bool:
        # a database of an older schema opened read-only has no table yet: nothing is known
        row = self.store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'qa_false_positives'"
        ).fetchone()
        return row is not None

    def known(self, file_id: str) -> set[tuple[str, str, str, str]]:
        """(unit, check, source, target) of every false positive stored for *file_id*."""
        if not self._has_table():
            return set()
        rows = self.store.conn.execute(
            "SELECT unit, check_name, source, target FROM qa_false_positives WHERE file_id = ?",
            (file_id,))
        return {(u, c, s, t) for u, c, s, t in rows}

    def remember(self, file_id: str, findings: Iterable[Finding]) -> int:
        """Store *findings* as false positives of *file_id* (one transaction); how many are
        new."""
        from taiyaku.tm.store import now_iso

        rows = {(file_id, f.unit, f.check, f.source, f.target) for f in findings}
        with self.store.atomic():
            before = self.store.conn.total_changes
            self.store.conn.executemany(
                "INSERT OR IGNORE INTO qa_false_positives (file_id, unit, check_name, source, "
                "target, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(*r, now_iso()) for r in sorted(rows)])
            return self.store.conn.total_changes - before


def qa_memory_of(store: Store) -> SqliteQaMemory:
    """The false-positive memory of *store*."""
    return SqliteQaMemory(store)
