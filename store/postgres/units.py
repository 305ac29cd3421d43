"""What the PostgreSQL backend does its own way in the units, QA and fuzzy areas: unit ids
come from the ``units`` identity sequence, unit rows go to the server with ``COPY`` (a bulk
import sends a chunk in one stream instead of a statement per row), and a search checks the
index's version once per connection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from taiyaku.core.findings import Finding
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.sqlite import index
from taiyaku.store.sqlite.index import SqliteFuzzy
from taiyaku.store.sqlite.qa import SqliteQaMemory
from taiyaku.store.sqlite.schema import now_iso
from taiyaku.store.sqlite.units import SqliteUnits

if TYPE_CHECKING:
    from taiyaku.store.postgres import PgStore

__all__ = ["PgUnits", "PgQaMemory", "PgFuzzy"]

#: the tables a bulk import grows, analysed at its end: until autovacuum gets to them the
#: planner takes a posting list's key to match thousands of rows (it matches one or two) and
#: plans a search's reads for that
ANALYZED = ("units", "fuzzy_keys", "fuzzy_postings", "fuzzy_tokens")

_UNIT_COLUMNS = ("id, doc_id, position, ja, en, ja_norm, en_norm, ja_hash, en_hash, bead, "
                 "confidence, props, created")


class PgUnits(SqliteUnits):
    """TM units on PostgreSQL (:class:`taiyaku.store.interface.Units`)."""

    def _pg(self) -> PgStore:
        return self._store  # type: ignore[return-value]

    def _first_new_id(self) -> int:
        """The next value of the identity sequence, not taken yet: the chunk's rows are
        numbered from it (so one COPY sends them), and :meth:`_write_units` moves the
        sequence past them. The write lock keeps other writers out meanwhile."""
        (next_id,) = self._store.conn.execute(
            "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
            "FROM units_id_seq").fetchone()
        return int(next_id)

    def _write_units(self, params: list[tuple[Any, ...]]) -> None:
        """Send the rows with ``COPY``, then set the identity sequence to the last id."""
        if not params:
            return
        raw = self._pg().conn.raw
        with raw.cursor() as cur:
            with cur.copy(f"COPY units ({_UNIT_COLUMNS}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            cur.execute("SELECT setval('units_id_seq', %s)", (max(int(r[0]) for r in params),))

    @contextlib.contextmanager
    def _bulk(self, progress: Progress) -> Iterator[None]:
        """:meth:`bulk`: the index is built in one pass at the block's end (the server
        sizes its own caches: no page-cache setting as on SQLite), then the server's
        statistics of the tables it grew are brought up to date (:data:`ANALYZED`)."""
        with index.deferred(self._store, progress):
            yield
        self._store.conn.execute(f"ANALYZE {', '.join(ANALYZED)}")


class PgQaMemory(SqliteQaMemory):
    """False positives of ``taiyaku qa`` on PostgreSQL."""

    def _has_table(self) -> bool:
        return True  # every PostgreSQL database is migrated when opened

    def remember(self, file_id: str, findings: Iterable[Finding]) -> int:
        """Store *findings* as false positives of *file_id* (one transaction); how many are
        new."""
        rows = {(file_id, f.unit, f.check, f.source, f.target) for f in findings}
        conn = self._store.conn
        count = "SELECT count(*) FROM qa_false_positives WHERE file_id = ?"
        with self._store.atomic():
            (before,) = conn.execute(count, (file_id,)).fetchone()
            conn.executemany(
                "INSERT OR IGNORE INTO qa_false_positives (file_id, unit, check_name, source, "
                "target, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(*r, now_iso()) for r in sorted(rows)])
            (after,) = conn.execute(count, (file_id,)).fetchone()
            return int(after) - int(before)


class PgFuzzy(SqliteFuzzy):
    """The fuzzy index on PostgreSQL: the SQLite backend's posting lists and look-ups, with
    :meth:`prepare` checked once per connection (three reads of ``meta`` are three round
    trips to the server, on every search otherwise; an index this version built stays
    exact, as every write keeps it so)."""

    _prepared = False

    def prepare(self, progress: Progress = no_progress) -> None:
        """:func:`taiyaku.store.sqlite.index.prepare`, once."""
        if not self._prepared:
            index.prepare(self._store, progress)
            self._prepared = not self._store.meta.get("fuzzy_deferred")
