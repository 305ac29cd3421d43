"""The PostgreSQL backend: a team's shared TM and glossary on a PostgreSQL server.

:func:`is_postgres_address` tells a server address from a file path (the rule
:func:`taiyaku.store.open_store` follows); :class:`PgStore` connects (psycopg 3, the
``taiyaku[postgres]`` extra), creates and migrates the schema (:mod:`.schema`, the same
history as SQLite's), and runs each command's writes in one transaction.

Its areas are the SQLite backend's own classes (documents, segments, units, fuzzy index,
beads, glossary, meta, QA) on a connection that speaks their SQL
(:mod:`taiyaku.store.postgres.connection`): one code for the posting lists, the scoring keys,
the hand-over rule and the edits, so both backends give the same ids, scores and ranking.
:mod:`.units` replaces what SQLite does its own way (ids from the identity sequence, rows
sent with COPY).

Concurrency: readers never wait (MVCC: a search reads the last committed state, even while
an import runs). Writers queue on one transaction-scoped advisory lock per database, taken at
``BEGIN`` as SQLite's ``BEGIN IMMEDIATE`` takes its write lock: the posting lists are
read-modify-written blobs, which two writers at once would overwrite. A writer waits up to
``TAIYAKU_LOCK_TIMEOUT`` seconds (saying so once, as on SQLite).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from taiyaku.core.errors import StoreError, UnavailableError
from taiyaku.store.postgres.connection import PgConnection
from taiyaku.store.postgres.schema import MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE
from taiyaku.store.sqlite import SqlAreas

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

# psycopg reports on its "psycopg" logger the errors it ignores while cleaning up after a
# failure ("error ignored terminating <psycopg.Copy …>" when the server goes away mid-COPY,
# "error ignored in rollback …"). The failure itself reaches the user as taiyaku's one-line
# error; with no handler configured, Python's last-resort handler would print psycopg's
# warning as a second, raw line on stderr.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

__all__ = ["PgStore", "is_postgres_address", "masked_address", "SCHEMA_VERSION", "WRITE_LOCK"]

#: the advisory lock a writing transaction holds (any 64-bit number; this one spells
#: "taiyaku" in ASCII), scoped to the database by the server
WRITE_LOCK = 0x7461697961_6B75
#: how long a writer waits quietly before it says that it waits
FIRST_WAIT_SECONDS = 0.5

_URL = re.compile(r"^(postgres|postgresql)://", re.I)
_CONNINFO = re.compile(r"^\s*service\s*=", re.I)


def is_postgres_address(address: object) -> bool:
    """True when *address* names a PostgreSQL database rather than a file: a URL
    ``postgresql://…`` or ``postgres://…`` (``postgresql://`` alone takes everything from
    the ``PG*`` environment variables, as libpq does) or a libpq service ``service=NAME``.

    >>> is_postgres_address("postgresql://team@db.example:5432/tm"), is_postgres_address(
    ...     "service=team"), is_postgres_address("postgresql://")
    (True, True, True)
    >>> is_postgres_address("tm.db"), is_postgres_address(Path("postgresql:/x"))
    (False, False)
    """
    if not isinstance(address, str):
        return False
    return bool(_URL.match(address) or _CONNINFO.match(address))


def masked_address(address: str) -> str:
    """*address* with its password replaced by ``***`` (for messages).

    >>> masked_address("postgresql://ann:s3cret@db/tm"), masked_address("service=tm password=x")
    ('postgresql://ann:***@db/tm', 'service=tm password=***')
    """
    address = re.sub(r"^([a-z]+://[^:/@?]*):[^@/?]*@", r"\1:***@", address, flags=re.I)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", address, flags=re.I)


def _lock_timeout() -> float:
    from taiyaku.store.sqlite import lock_timeout_from_env

    return lock_timeout_from_env()


class PgStore(SqlAreas):
    """A taiyaku database on a PostgreSQL server (:class:`taiyaku.store.interface.Store`).

    :param conn: the adapted connection (use :meth:`open`)
    :param address: the address it was opened with (shown masked)
    """

    def __init__(self, conn: PgConnection, address: str, *, lock_timeout: float | None = None,
                 command: str = "taiyaku") -> None:
        self.conn = conn
        self.address = address
        #: a server database has no file
        self.path: Path | None = None
        #: always ``rw``: a server refuses writes by its own grants, with its own error
        self.mode = "rw"
        self.on_wait: Callable[[str], None] | None = None
        self.lock_timeout = _lock_timeout() if lock_timeout is None else lock_timeout
        self.command = command
        self._depth = 0
        self._areas: dict[str, object] = {}

    @property
    def name(self) -> str:
        """The address with its password masked."""
        return masked_address(self.address)

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, address: str, *, create: bool = True, readonly: bool = False,
             on_wait: Callable[[str], None] | None = None, command: str = "taiyaku",
             any_thread: bool = True) -> PgStore:
        """Connect to the database at *address* and create or migrate its schema.

        :param create: create taiyaku's tables in an empty database (the database itself is
            the server administrator's to create)
        :param readonly: the command only reads: an empty database is refused
        :param any_thread: accepted for SQLite's signature (a web request opens its store in
            one thread and uses it in another): a psycopg connection may be used from any
            thread, one at a time
        :raises StoreError: the server cannot be reached or refuses the login (the message
            says why, without the password), the database is empty and may not be set up
            (*readonly*, not *create*), or its schema is newer than this taiyaku's
        """
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                f"{masked_address(address)}: PostgreSQL needs the psycopg driver; install "
                "taiyaku[postgres]") from None
        try:
            raw = psycopg.connect(address, autocommit=True,
                                  application_name=f"taiyaku {command}"[:63])
        except psycopg.Error as e:
            raise UnavailableError(
                f"{masked_address(address)}: cannot connect to PostgreSQL "
                f"({_first_line(e)})") from None
        store = cls(PgConnection(raw), address, command=command)
        store.on_wait = on_wait
        try:
            version = store.schema_version
            if version == 0 and (readonly or not create):
                raise StoreError(
                    f"{store.name}: no taiyaku database here (the database is empty; a command "
                    "that writes, such as `taiyaku ingest` or `taiyaku tm import`, sets it up)")
            store.migrate()
        except psycopg.Error as e:
            raw.close()
            raise StoreError(f"{store.name}: {_first_line(e)}") from None
        except BaseException:
            raw.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def map_for_reading(self) -> None:
        """Nothing to do: the server caches pages itself (SQLite maps its file)."""

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """The version recorded in ``taiyaku_schema`` (0: no taiyaku tables yet)."""
        (exists,) = self.conn.execute(
            "SELECT to_regclass(?) IS NOT NULL", (VERSION_TABLE,)).fetchone()
        if not exists:
            return 0
        row = self.conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
        return 0 if row is None else int(row[0])

    def migrate(self, upto: int | None = None) -> list[str]:
        """Run every pending migration, each in its own transaction under the write lock;
        return their names.

        :param upto: stop at this version
        """
        target = SCHEMA_VERSION if upto is None else upto
        if not 0 <= target <= SCHEMA_VERSION:
            raise ValueError(f"upto must be between 0 and {SCHEMA_VERSION}, not {upto}")
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.name}: database schema {current} is newer than this taiyaku "
                f"({SCHEMA_VERSION}); upgrade taiyaku")
        ran = []
        for version in range(current, target):
            with self.atomic():
                # another process may have migrated while we waited for the lock
                if self.schema_version > version:
                    continue
                if version == 0:
                    self.conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version bigint NOT NULL)")
                    self.conn.execute(f"DELETE FROM {VERSION_TABLE}")
                    self.conn.execute(f"INSERT INTO {VERSION_TABLE} VALUES (0)")
                MIGRATIONS[version](self.conn)
                self.conn.execute(f"UPDATE {VERSION_TABLE} SET version = ?", (version + 1,))
            ran.append(MIGRATIONS[version].__name__)
        if self.schema_version == SCHEMA_VERSION and (ran or not self.meta.get("created")):
            from taiyaku.core import signature
            from taiyaku.store.sqlite.schema import now_iso

            with self.atomic():
                if not self.meta.get("created"):
                    self.meta.set("created", now_iso())
                for key, value in signature.static_meta().items():
                    self.meta.set(key, value)
        return ran

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic(self, *, immediate: bool = True) -> Iterator[None]:
        """One transaction holding the write lock (:data:`WRITE_LOCK`); nested calls become
        savepoints. *immediate* is accepted for SQLite's signature: the lock is always taken
        at the start, so two writers queue instead of failing later."""
        if self._depth == 0:
            self.conn.execute("BEGIN")
            try:
                self._take_write_lock()
            except BaseException:
                self._rollback()
                raise
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._rollback()
                raise
            else:
                self._depth -= 1
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
        else:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                self._depth -= 1
                self.conn.execute(f"RELEASE SAVEPOINT {name}")

    def _rollback(self) -> None:
        """End a failed transaction (quietly when the connection itself is gone)."""
        with contextlib.suppress(Exception):
            if not self.conn.raw.closed and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def _take_write_lock(self) -> None:
        """Wait up to :attr:`lock_timeout` seconds for the write lock, telling
        :attr:`on_wait` once when another writer holds it."""
        deadline = time.monotonic() + self.lock_timeout
        told = False
        while True:
            (got,) = self.conn.execute("SELECT pg_try_advisory_xact_lock(?)",
                                       (WRITE_LOCK,)).fetchone()
            if got:
                return
            if time.monotonic() >= deadline:
                raise UnavailableError(
                    f"{self.name}: gave up after waiting {self.lock_timeout:g} s for another "
                    "taiyaku to finish writing to this database (TAIYAKU_LOCK_TIMEOUT sets how "
                    "long); nothing was changed; try again when it has finished")
            if not told and self.on_wait is not None:
                self.on_wait(
                    f"waiting for another taiyaku to finish writing to {self.name} (up to "
                    f"{self.lock_timeout:g} s; TAIYAKU_LOCK_TIMEOUT sets how long)…")
            told = True
            time.sleep(min(0.05, max(deadline - time.monotonic(), 0.0)))

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """One transaction (:meth:`atomic`)."""
        return self.atomic()

    # -- areas -------------------------------------------------------------------------------
    #: areas whose class is this package's own (the others are the SQLite backend's)
    _OWN = {"units": ("units", "PgUnits"), "qa": ("units", "PgQaMemory"),
            "fuzzy": ("units", "PgFuzzy")}

    def _area(self, name: str, module: str, cls: str) -> object:
        """The area *name*, created on first use: class *cls* of the SQLite backend's
        *module*, or this package's own where :data:`_OWN` names one."""
        area = self._areas.get(name)
        if area is None:
            import importlib

            package = "taiyaku.store.sqlite"
            if name in self._OWN:
                package, (module, cls) = "taiyaku.store.postgres", self._OWN[name]
            found = importlib.import_module(f"{package}.{module}")
            area = self._areas[name] = getattr(found, cls)(self)
        return area

    def counts(self) -> dict[str, int]:
        """Row counts for ``stats`` (the same statements as SQLite's)."""
        from taiyaku.store.sqlite import SqliteStore

        return {k: int(v) for k, v in SqliteStore.counts(cast("SqliteStore", self)).items()}


def _first_line(error: BaseException) -> str:
    """The first line of a driver error, password masked."""
    text = str(error).strip().splitlines()
    return masked_address(text[0]) if text else type(error).__name__


def open_pg(address: str | os.PathLike[str], **options: Any) -> PgStore:
    """:meth:`PgStore.open` (what :func:`taiyaku.store.open_store` calls)."""
    return PgStore.open(str(address), **options)
