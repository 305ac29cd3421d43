"""A pool of PostgreSQL connections for a long-running server (``taiyaku serve``).

A web request takes one connection from the pool for its whole life and gives it back at
its end (:meth:`PgPool.store`): connecting costs a TCP and login handshake per request
otherwise, and a pool caps how many connections a worker process holds. The schema is
checked and migrated once, when the pool opens (:meth:`PgStore.open`), not per request.

Each worker process has its own pool (a connection cannot cross ``fork``); its connections
name the process (``application_name`` ``taiyaku serve pid N``) so a server administrator
sees in ``pg_stat_activity`` which worker holds which connection.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from taiyaku.core.errors import StoreError, UnavailableError
from taiyaku.store.postgres import PgStore, masked_address
from taiyaku.store.postgres.connection import PgConnection

__all__ = ["PgPool", "POOL_SIZE_ENV", "DEFAULT_POOL_SIZE"]

#: the environment variable that sets how many connections one worker process holds at most
POOL_SIZE_ENV = "TAIYAKU_POOL_SIZE"
#: connections per worker process: requests beyond it wait for one to come back
DEFAULT_POOL_SIZE = 8
#: how long a request waits for a free connection before it fails (seconds)
WAIT_SECONDS = 30.0


class _PooledStore(PgStore):
    """A store on a connection borrowed from a pool: :meth:`close` gives nothing back (the
    pool's context manager does)."""

    def close(self) -> None:
        """Nothing: the connection goes back to the pool at the end of the request."""


def _pool_size() -> int:
    raw = os.environ.get(POOL_SIZE_ENV, "")
    try:
        size = int(raw) if raw.strip() else DEFAULT_POOL_SIZE
    except ValueError:
        raise StoreError(f"{POOL_SIZE_ENV}={raw!r}: not a whole number of connections") from None
    if size < 1:
        raise StoreError(f"{POOL_SIZE_ENV}={raw!r}: give at least 1 connection")
    return size


def _reset(conn: Any) -> None:
    """What a connection must not carry to the next request: a server-side cursor a
    request did not read to its end (the pool itself rolls back an open transaction)."""
    conn.execute("CLOSE ALL")


class PgPool:
    """Connections to the database at *address*, opened on first use.

    :param address: a PostgreSQL address (:func:`taiyaku.store.postgres.is_postgres_address`)
    :param command: the command named in ``application_name``
    :param size: the most connections held at once (default :data:`POOL_SIZE_ENV` or
        :data:`DEFAULT_POOL_SIZE`)
    """

    def __init__(self, address: str, *, command: str = "serve", size: int | None = None
                 ) -> None:
        self.address = address
        self.command = command
        self.size = _pool_size() if size is None else size
        self._pool: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The address, password masked."""
        return masked_address(self.address)

    def _open(self) -> Any:
        """The pool of this process (a new one in a process forked after it opened)."""
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                return self._pool
            from psycopg_pool import ConnectionPool

            # schema created or migrated once, and the address checked, with a clear error
            PgStore.open(self.address, command=self.command).close()
            app = f"taiyaku {self.command} pid {os.getpid()}"[:63]
            pool = ConnectionPool(
                self.address, min_size=1, max_size=self.size, open=False,
                kwargs={"autocommit": True, "application_name": app},
                check=ConnectionPool.check_connection, reset=_reset, timeout=WAIT_SECONDS,
                name=f"taiyaku-{os.getpid()}")
            try:
                pool.open(wait=True, timeout=WAIT_SECONDS)
            except Exception as e:
                pool.close()
                raise UnavailableError(f"{self.name}: cannot open a pool of connections to "
                                       f"PostgreSQL ({_line(e)})") from None
            self._pool, self._pid = pool, os.getpid()
            return pool

    @contextlib.contextmanager
    def store(self) -> Iterator[PgStore]:
        """A store on a connection of the pool, for one request; the connection goes back
        at the end (an open transaction rolled back).

        :raises UnavailableError: no connection could be had within :data:`WAIT_SECONDS`
        """
        pool = self._open()
        try:
            raw = pool.getconn()
        except Exception as e:
            raise UnavailableError(f"{self.name}: no connection to PostgreSQL within "
                                   f"{WAIT_SECONDS:g} s ({_line(e)})") from None
        try:
            yield _PooledStore(PgConnection(raw), self.address, command=self.command)
        finally:
            pool.putconn(raw)  # rolls back what a failed request left open, then _reset

    def close(self) -> None:
        """Close every connection (the pool opens again on next use)."""
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None


def _line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return masked_address(text[0]) if text else type(error).__name__
