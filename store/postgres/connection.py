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
]
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


class PgCursor:
    """The result of one statement, read like an :class:`sqlite3.Cursor`."""

    def __init__(self, cursor: Any, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount: int = cursor.rowcount if cursor is not None else -1

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
        return list(self._cursor.fetchmany(size))

    def __iter__(self) -> Iterator[Any]:
        if self._cursor is None or self._cursor.description is None:
            return iter(())
        return iter(self._cursor)


class PgConnection:
    """A psycopg connection (autocommit: transactions are the store's explicit ``BEGIN`` …
    ``COMMIT``) with :class:`sqlite3.Connection`'s ``execute``/``executemany``.

    :param conn: an open :class:`psycopg.Connection` in autocommit mode
    """

    def __init__(self, conn: Any) -> None:
        self.raw = conn

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
        match = _INSERT_INTO.match(sql)
        returning = match is not None and match.group(1) in _ID_TABLES and "RETURNING" not in sql
        if returning:
            query += " RETURNING id"
        cur = self.raw.cursor()
        cur.execute(query, list(params) if params is not None else [])
        lastrowid = None
        if returning:
            row = cur.fetchone()
            lastrowid = None if row is None else int(row[0])
        return PgCursor(cur, lastrowid)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        """Run one statement once per row of *rows* (pipelined by psycopg)."""
        cur = self.raw.cursor()
        cur.executemany(translate(sql), rows)
        return PgCursor(cur)

    def close(self) -> None:
        self.raw.close()
