"""The connection pool of ``taiyaku serve`` on PostgreSQL (:mod:`taiyaku.store.postgres.pool`):
a request's store borrows a connection and gives it back clean, a failed request's writes
are rolled back, and an unreachable server is one line without the password."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from taiyaku.core.errors import StoreError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgcluster  # noqa: E402


@pytest.fixture
def address() -> Iterator[str]:
    pgcluster.need_server()
    found = pgcluster.fresh_database()
    yield found
    pgcluster.drop_database(found)


def _backend_pid(store: object) -> int:
    (pid,) = store.conn.execute("SELECT pg_backend_pid()").fetchone()  # type: ignore[attr-defined]
    return int(pid)


def test_a_request_borrows_one_connection_and_gives_it_back(address: str) -> None:
    from taiyaku.store.postgres.pool import PgPool

    pool = PgPool(address, size=1)
    try:
        with pool.store() as first:
            pid = _backend_pid(first)
            first.close()  # a route closing its store gives nothing back early
            assert _backend_pid(first) == pid
        with pool.store() as second:
            assert _backend_pid(second) == pid  # the same connection, reused
            (name,) = second.conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE pid = ?",
                (pid,)).fetchone()
            assert name.startswith("taiyaku serve pid ")
    finally:
        pool.close()


def test_a_failed_request_leaves_nothing_written_and_the_connection_clean(
        address: str) -> None:
    from taiyaku.store.postgres.pool import PgPool

    pool = PgPool(address, size=1)
    try:
        with pytest.raises(RuntimeError), pool.store() as store:
            store.conn.execute("BEGIN")
            store.conn.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
            raise RuntimeError("the route failed")
        with pool.store() as store:
            assert not store.conn.in_transaction
            assert store.meta.get("half") is None
            with store.transaction():  # and it writes as any store does
                store.meta.set("whole", "yes")
        with pool.store() as store:
            assert store.meta.get("whole") == "yes"
    finally:
        pool.close()


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    from taiyaku.store.postgres.pool import PgPool

    pool = PgPool("postgresql://ann:s3cret@127.0.0.1:1/none", size=1)
    with pytest.raises(StoreError) as caught, pool.store():
        pass
    text = str(caught.value)
    assert "s3cret" not in text and "ann:***@" in text and "\n" not in text


def test_a_bulk_import_leaves_the_planner_statistics_of_what_it_grew(address: str,
                                                                     tmp_path: Path) -> None:
    # before autovacuum analyses them the planner took each posting-list key to match
    # thousands of rows and planned a search's reads for that
    import psycopg
    from reliability.support import sentence_pairs, tmx_text
    from taiyaku.store import open_store
    from taiyaku.store.postgres.units import ANALYZED
    from taiyaku.tm.tmio import import_tm

    tmx = tmp_path / "tm.tmx"
    tmx.write_text(tmx_text(sentence_pairs(400)), encoding="utf-8")
    with open_store(address) as store:
        import_tm(store, tmx)
    with psycopg.connect(address) as conn:
        for table in ANALYZED:
            (estimate,) = conn.execute(  # type: ignore[misc]
                "SELECT reltuples FROM pg_class WHERE relname = %s", (table,)).fetchone()
            (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
            assert rows > 0 and estimate == rows, (table, estimate, rows)
