"""A psycopg connection that answers the SQL the SQLite backend's areas send.

The PostgreSQL backend reuses those areas (:mod:`taiyaku.store.sqlite.units`, ``.index``,
``.beads``, ``.glossary`` …) rather than a second copy of their logic: the posting lists,
the hand-over rule, the glossary's matching and the bead edits are one code for both
backends, so both give the same answers. This module makes that possible: :class:`PgConnection`
has the part of :class:`sqlite3.Connection` they use (``execute`` returning a cursor with
``fetchone``/``fetchall``/``fetchmany``/iteration, ``rowcount``, ``lastrowid``;
``executemany``; ``in_transaction``), and :func:`translate` rewrites the few SQLite-only
constructs of their statements into PostgreSQL's. Every value still travels as a bound
parameter (``?`` becomes psycopg's ``%s``): no text is ever spliced into a statement.

The rewrites are exact string patterns of the statements those areas send; a statement that
none of them matches is sent as it is (after the placeholder change).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["PgConnection", "PgCursor", "translate"]

#: tables whose id an INSERT returns (``cursor.lastrowid``)
_ID_TABLES = frozenset({"documents", "units", "segments", "terms", "term_forms"})

_REWRITES: list[tuple[re.Pattern[str], str]] = [
    # SQLite takes the other columns of a bare max() from the row holding the maximum
    (re.compile(r"SELECT key, max\(chunk\), n FROM fuzzy_postings WHERE key IN \(([^)]*)\) "
                r"GROUP BY key"),
     r"SELECT DISTINCT ON (key) key, chunk, n FROM fuzzy_postings WHERE key IN (\1) "
     r"ORDER BY key, chunk DESC"),
    (re.compile(r"INSERT OR REPLACE INTO fuzzy_tokens\(id, codes\) VALUES \(\?, \?\)"),
     "INSERT INTO fuzzy_tokens(id, codes) VALUES (?, ?) "
     "ON CONFLICT (id) DO UPDATE SET codes = excluded.codes"),
    # an unqualified column in ON CONFLICT … SET is ambiguous in PostgreSQL
    (re.compile(r"SET df = df \+"), "SET df = fuzzy_keys.df +"),
    (re.compile(r"\bWHERE 1(?=\s|$)"), "WHERE TRUE"),
    # instr() used as a truth value: PostgreSQL's strpos() needs the comparison
    (re.compile(r"instr\((lower\(\w+\)), lower\(\?\)\)(?!\s*>)"), r"strpos(\1, lower(?)) > 0"),
    (re.compile(r"\binstr\("), "strpos("),
    # SQLite's LIKE folds ASCII case and has no escape character
    (re.compile(r" LIKE \?"), " ILIKE ? ESCAPE ''"),
    (re.compile(r"substr\((\w+), -\?\)"), r"right(\1, ?)"),
    (re.compile(r"json_group_array\(hd\.name\)"), "json_agg(hd.name ORDER BY h.doc_id)::text"),
    (re.compile(r"FROM json_each\((\w+\.\w+)\) WHERE value = "),
     r"FROM jsonb_array_elements_text(CAST(\1 AS jsonb)) AS e(value) WHERE value = "),
]
#: an INSERT of one row of placeholders, with or without an ON CONFLICT clause (translated)
_COPYABLE = re.compile(
    r"^\s*INSERT INTO (\w+)\s*\(([\w, ]+)\)\s*VALUES\s*\((?:%s\s*,\s*)*%s\)\s*(ON CONFLICT\b.*)?$",
    re.S)
#: whole-table reads (export, index rebuild, duplicate pairs) that stream from the server
_STREAMED = re.compile(
    r"ORDER BY u\.doc_id, u\.position, u\.id$|^SELECT id, ja_norm, en_norm FROM units WHERE "
    r"|^SELECT key, ids FROM fuzzy_postings ORDER BY key, chunk$")
_SCANS = itertools.count(1)
#: executemany() sends at least this many rows of such an INSERT with COPY
COPY_MIN = 200
_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT INTO (\w+)\s*\(", re.I)


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """PostgreSQL's form of a statement written for SQLite (placeholders as ``%s``).

    >>> translate("SELECT id FROM terms WHERE 1 AND status = ?")
    'SELECT id FROM terms WHERE TRUE AND status = %s'
    >>> translate("INSERT OR IGNORE INTO t(a) VALUES (?)")
    'INSERT INTO t(a) VALUES (%s) ON CONFLICT DO NOTHING'
    >>> translate("SELECT 1 FROM documents WHERE substr(source_path, -?) = ? LIMIT 1")
    'SELECT 1 FROM documents WHERE right(source_path, %s) = %s LIMIT 1'
    """
    for pattern, replacement in _REWRITES:
        sql = pattern.sub(replacement, sql)
    if _INSERT_OR_IGNORE.match(sql):
        sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql) + " ON CONFLICT DO NOTHING"
    return sql.replace("%", "%%").replace("?", "%s")


_IN_LIST = re.compile(r" IN \((%s(?:\s*,\s*%s)*)\)")


@functools.lru_cache(maxsize=256)
def _any_form(query: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """*query* with each ``IN (%s, …)`` list as ``= ANY(%s)``, and where each list's
    parameters start and how many there are."""
    lists = []
    out, at, seen = [], 0, 0
    for m in _IN_LIST.finditer(query):
        seen += query.count("%s", at, m.start())
        n = m.group(1).count("%s")
        lists.append((seen, n))
        out.append(query[at:m.start()] + " = ANY(%s)")
        seen += n
        at = m.end()
    out.append(query[at:])
    return "".join(out), tuple(lists)


def _as_any(query: str, params: list[Any]) -> tuple[str, list[Any]]:
    """``IN (?, ?, …)`` as one array parameter (``= ANY(?)``): the areas send lists of up
    to 500 ids or keys, which psycopg would otherwise parse as a new statement each time.

    >>> _as_any("SELECT 1 WHERE a = %s AND k IN (%s,%s) AND b = %s", [1, "x", "y", 2])
    ('SELECT 1 WHERE a = %s AND k = ANY(%s) AND b = %s', [1, ['x', 'y'], 2])
    """
    form, lists = _any_form(query)
    if not lists:
        return query, params
    out: list[Any] = []
    at = 0
    for start, n in lists:
        out += params[at:start]
        out.append(list(params[start:start + n]))
        at = start + n
    out += params[at:]
    return form, out


class PgCursor:
    """The result of one statement, read like an :class:`sqlite3.Cursor`.

    :param streamed: a server-side cursor, closed when read to its end
    """

    def __init__(self, cursor: Any, lastrowid: int | None = None, *,
                 streamed: bool = False) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount: int = cursor.rowcount if cursor is not None else -1
        self._streamed = streamed

    def _done(self) -> None:
        if self._streamed and not self._cursor.closed:
            self._cursor.close()

    def fetchone(self) -> Any:
        if self._cursor is None or self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        if self._cursor is None or self._cursor.description is None:
            return []
        return list(self._cursor.fetchall())

    def fetchmany(self, size: int = 1) -> list[Any]:
        if self._cursor is None or self._cursor.description is None:
            return []
        rows = list(self._cursor.fetchmany(size))
        if len(rows) < size:
            self._done()
        return rows

    def __iter__(self) -> Iterator[Any]:
        if self._cursor is None or self._cursor.description is None:
            return iter(())
        if not self._streamed:
            # every row at once: psycopg builds them in C, where iterating the cursor is a
            # Python call per row (a search reads some 300 rows: a millisecond)
            return iter(self._cursor.fetchall())
        return self._drain()

    def _drain(self) -> Iterator[Any]:
        try:
            yield from self._cursor
        finally:
            self._done()


class PgConnection:
    """A psycopg connection (autocommit: transactions are the store's explicit ``BEGIN`` …
    ``COMMIT``) with :class:`sqlite3.Connection`'s ``execute``/``executemany``.

    :param conn: an open :class:`psycopg.Connection` in autocommit mode
    """

    def __init__(self, conn: Any) -> None:
        self.raw = conn
        #: tables a straight ``COPY`` met a conflict in (:meth:`_copy_rows`)
        self._conflicted: set[str] = set()
        #: (table, columns) → their type oids, for binary COPY
        self._types: dict[tuple[str, str], list[int]] = {}

    @property
    def in_transaction(self) -> bool:
        """True inside a ``BEGIN`` … ``COMMIT``."""
        from psycopg import pq

        return bool(self.raw.info.transaction_status != pq.TransactionStatus.IDLE)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        """Run one statement (SQLite's SQL, :func:`translate`); ``PRAGMA`` is SQLite's
        alone and does nothing here."""
        if sql.lstrip().upper().startswith("PRAGMA"):
            return PgCursor(None)
        query = translate(sql)
        if params is not None and " IN (%s," in query:
            query, params = _as_any(query, list(params))
        match = _INSERT_INTO.match(sql)
        returning = match is not None and match.group(1) in _ID_TABLES and "RETURNING" not in sql
        if returning:
            query += " RETURNING id"
        if _STREAMED.search(sql):
            return self._stream(query, list(params) if params is not None else [])
        # results in binary: posting lists and token codes (bytea) come as they are stored,
        # not as hex text twice their size that both ends encode and decode
        cur = self.raw.cursor(binary=True)
        cur.execute(query, list(params) if params is not None else [])
        lastrowid = None
        if returning:
            row = cur.fetchone()
            lastrowid = None if row is None else int(row[0])
        return PgCursor(cur, lastrowid)

    def _stream(self, query: str, params: list[Any]) -> PgCursor:
        """Run a whole-table read through a server-side cursor, fetched in batches: a client
        cursor would hold every row of a million-unit export in memory at once. Outside a
        transaction the cursor is ``WITH HOLD`` (it outlives the statement's implicit
        one); it is closed once read to its end."""
        cur = self.raw.cursor(name=f"taiyaku_scan_{next(_SCANS)}",
                              withhold=not self.in_transaction)
        cur.itersize = 5000
        cur.execute(query, params)
        return PgCursor(cur, streamed=True)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        """Run one statement once per row of *rows*: pipelined by psycopg, or, for an
        INSERT of at least :data:`COPY_MIN` rows, sent with ``COPY`` (an import writes
        hundreds of thousands of posting-list rows: a statement each took 5 times longer
        than the rest of the import)."""
        query = translate(sql)
        match = _COPYABLE.match(query)
        if match is not None:
            batch = rows if isinstance(rows, list) else list(rows)
            if len(batch) >= COPY_MIN:
                self._copy_rows(match.group(1), match.group(2), match.group(3) or "", batch)
                return PgCursor(None)
            rows = batch
        cur = self.raw.cursor()
        cur.executemany(query, rows)
        return PgCursor(cur)

    def _copy_rows(self, table: str, columns: str, conflict: str,
                   rows: list[Sequence[Any]]) -> None:
        """``INSERT INTO table (columns) VALUES … conflict`` for every row, by ``COPY``:
        straight into *table*, or, with an ``ON CONFLICT`` clause, into a temporary copy of
        it whose rows one ``INSERT … SELECT`` then moves with that clause (the rows of one
        call have distinct keys, as the callers' rows do).

        With a conflict clause, the rows first go straight into *table* under a savepoint:
        when none of them is there yet (a first import's posting keys, the token codes of
        new units) that is the clause's outcome at half the cost (the temporary copy wrote
        every row twice: a third of a million-unit import's server time). A conflict undoes
        that attempt, and *table* takes the temporary path on this connection from then on
        (a second import's keys mostly exist)."""
        with self.raw.cursor() as cur:
            if not conflict.strip():
                self._copy_into(cur, table, columns, rows)
                return
            if table not in self._conflicted and self.in_transaction:
                from psycopg import errors

                cur.execute("SAVEPOINT taiyaku_copy")
                try:
                    self._copy_into(cur, table, columns, rows)
                except errors.UniqueViolation:
                    cur.execute("ROLLBACK TO SAVEPOINT taiyaku_copy")
                    self._conflicted.add(table)
                else:
                    cur.execute("RELEASE SAVEPOINT taiyaku_copy")
                    return
            temp = f"taiyaku_copy_{table}"
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} "
                        f"(LIKE {table} INCLUDING DEFAULTS)")
            cur.execute(f"TRUNCATE {temp}")
            self._copy_into(cur, temp, columns, rows, like=table)
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} "
                        f"{conflict}".replace("%%", "%"))
            cur.execute(f"TRUNCATE {temp}")

    def _copy_into(self, cur: Any, table: str, columns: str, rows: Iterable[Sequence[Any]], *,
                   like: str | None = None) -> None:
        """``COPY`` *rows* into *table* in binary format (*like*: a table of the same
        column types, for a temporary copy). Binary: the server neither parses numbers nor
        decodes hexadecimal bytea (posting lists sent as text were twice their size, and
        their COPY took three times as long)."""
        types = self._column_types(like or table, columns)
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def copy_rows(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        """``COPY`` *rows* (values of *columns*, comma-separated) into *table*."""
        with self.raw.cursor() as cur:
            self._copy_into(cur, table, columns, rows)

    def _column_types(self, table: str, columns: str) -> list[int]:
        """The type oids of *columns* of *table* (read once per connection)."""
        got = self._types.get((table, columns))
        if got is None:
            oid = dict(self.raw.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
            got = self._types[(table, columns)] = [oid[c.strip()] for c in columns.split(",")]
        return got

    def close(self) -> None:
        self.raw.close()
