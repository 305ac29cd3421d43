"""What the PostgreSQL backend does its own way in the units, QA and fuzzy areas: unit ids
come from the ``units`` identity sequence, unit rows go to the server with ``COPY`` (a bulk
import sends a chunk in one stream instead of a statement per row), and a search checks the
index's version once per connection."""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from taiyaku.core.findings import Finding
from taiyaku.core.matchkeys import ids_from_blob
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import Candidates
from taiyaku.store.sqlite import index
from taiyaku.store.sqlite.index import DEFAULT_BUDGET, WIDE_BUDGET, WIDE_MAX_DF, SqliteFuzzy
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
        conn = self._pg().conn
        conn.copy_rows("units", _UNIT_COLUMNS, params)
        conn.execute("SELECT setval('units_id_seq', ?)", (max(int(r[0]) for r in params),))

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


#: a query's key counts and, in the same statement, the posting lists of the keys
#: :func:`~taiyaku.store.sqlite.index.choose_keys` picks (rarest first, ties by key, until
#: the budget, at least two): one round trip instead of two. Each part has one plan whatever
#: the statistics say (a primary-key look-up of the given keys, materialised; a window over
#: those few rows; a primary-key range scan per chosen key, which OFFSET 0 keeps a nested
#: loop): a join the planner could reorder took 30–190 ms before the tables were analysed.
#: Key rows come with chunk -1 and no ids.
_KEYS_AND_LISTS = """
WITH k AS MATERIALIZED (SELECT key, df FROM fuzzy_keys WHERE key = ANY(?)),
c AS MATERIALIZED (
    SELECT key FROM (
        SELECT key, sum(df) OVER w AS run, row_number() OVER w AS rn FROM k WHERE df > 0
        WINDOW w AS (ORDER BY df, key ROWS UNBOUNDED PRECEDING)) s
    WHERE run <= ? OR rn <= 2)
SELECT key, df, -1 AS chunk, NULL::bytea AS ids FROM k
UNION ALL
SELECT p.key, 0, p.chunk, p.ids FROM c CROSS JOIN LATERAL (
    SELECT f.key, f.chunk, f.ids FROM fuzzy_postings f WHERE f.key = c.key
    ORDER BY f.chunk OFFSET 0) p"""


class PgFuzzy(SqliteFuzzy):
    """The fuzzy index on PostgreSQL: the SQLite backend's posting lists and look-ups, with
    :meth:`prepare` checked once per connection (three reads of ``meta`` are three round
    trips to the server, on every search otherwise; an index this version built stays
    exact, as every write keeps it so), and fewer round trips per search: a query's key
    counts and its rarest keys' posting lists come in one statement, and the wide pass that
    follows reuses those counts."""

    _prepared = False
    #: the last :meth:`candidates` call's keys and their counts (for :meth:`wide_candidates`)
    _last_counts: tuple[frozenset[str], dict[str, int]] | None = None

    def prepare(self, progress: Progress = no_progress) -> None:
        """:func:`taiyaku.store.sqlite.index.prepare`, once."""
        if not self._prepared:
            index.prepare(self._store, progress)
            self._prepared = not self._store.meta.get("fuzzy_deferred")

    def candidates(
        self, keys: Iterable[str], *, length: int, top: int = 150, budget: int = DEFAULT_BUDGET,
        df_cache: dict[str, int] | None = None,
        postings_cache: dict[str, array[int]] | None = None, short: int = 0,
    ) -> Candidates:
        """:meth:`SqliteFuzzy.candidates`, the key counts and posting lists read in one
        statement (:data:`_KEYS_AND_LISTS`); a batch lookup's caches take the SQLite path."""
        keys = list(keys)
        self._last_counts = None
        if df_cache is not None or postings_cache is not None:
            return super().candidates(keys, length=length, top=top, budget=budget,
                                      df_cache=df_cache, postings_cache=postings_cache,
                                      short=short)
        dfs: dict[str, int] = {}
        parts: dict[str, list[tuple[int, bytes]]] = {}
        for key, df, chunk, blob in self._store.conn.execute(
                _KEYS_AND_LISTS, (list(dict.fromkeys(keys)), budget)):
            if chunk < 0:
                dfs[key] = int(df)
            else:
                parts.setdefault(key, []).append((int(chunk), bytes(blob)))
        chosen, total = index.choose_keys(dfs, budget)
        lists: dict[str, array[int]] = {}
        for key, chunks in parts.items():
            got = array("I")
            for _, blob in sorted(chunks):
                got.extend(ids_from_blob(blob))
            lists[key] = got
        missed = [k for k in chosen if k not in lists]
        if missed:  # the server chose otherwise (it should not): read those lists as SQLite does
            for key in missed:
                lists[key] = index.posting_ids(self._store, key)
        self._last_counts = (frozenset(keys), dfs)
        unseen: list[int] = []
        ids = index.count_candidates(self._store, dfs, chosen, total, lists, top=top,
                                     short=short, unseen=unseen)
        return self.bounded(ids, keys, unseen, length)

    def wide_candidates(
        self, keys: Iterable[str], *, top: int = 300, exclude: Iterable[int] = (),
        budget: int = WIDE_BUDGET, max_df: int = WIDE_MAX_DF,
        df_cache: dict[str, int] | None = None,
    ) -> list[int]:
        """:meth:`SqliteFuzzy.wide_candidates`; keys whose counts the :meth:`candidates`
        call just before read are not read again (a Japanese query's wide pass counts the
        same keys: one round trip fewer)."""
        keys = list(keys)
        last, self._last_counts = self._last_counts, None
        if df_cache is None and last is not None and last[0].issuperset(keys):
            df_cache = {k: last[1].get(k, 0) for k in last[0]}
        return super().wide_candidates(keys, top=top, exclude=exclude, budget=budget,
                                       max_df=max_df, df_cache=df_cache)
