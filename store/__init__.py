"""All persistence behind one typed interface (:mod:`taiyaku.store.interface`).

:func:`open_store` opens the database (the SQLite backend, :mod:`taiyaku.store.sqlite`, or
the PostgreSQL one, :mod:`taiyaku.store.postgres`, when the address names a server). Outside
this package nothing runs SQL or imports
``sqlite3``: ``tm/`` and ``glossary/`` take a :class:`Store` and call its areas.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taiyaku.store.interface import (
    Candidates,
    DocumentInfo,
    DocumentSummary,
    NewSegment,
    NewUnit,
    RemovedDocument,
    Store,
    StoredSegment,
    StoredUnit,
)

if TYPE_CHECKING:
    from taiyaku.store.postgres.health import PgHealthReport
    from taiyaku.store.sqlite import SqliteStore, default_db_path
    from taiyaku.store.sqlite.health import (
        DamageMark,
        HealthReport,
        describe_database_error,
        remember_damage,
    )
    from taiyaku.store.sqlite.recover import RecoverReport
    from taiyaku.store.sqlite.schema import SCHEMA_VERSION

# The SQLite backend's names are imported when first asked for (PEP 562): a command that
# only reads, such as a cold `terms search`, need not load db check / recover / migrations.
_LAZY = {
    "SqliteStore": "taiyaku.store.sqlite",
    "default_db_path": "taiyaku.store.sqlite",
    "DamageMark": "taiyaku.store.sqlite.health",
    "HealthReport": "taiyaku.store.sqlite.health",
    "describe_database_error": "taiyaku.store.sqlite.health",
    "remember_damage": "taiyaku.store.sqlite.health",
    "RecoverReport": "taiyaku.store.sqlite.recover",
    "SCHEMA_VERSION": "taiyaku.store.sqlite.schema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'taiyaku.store' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "open_store",
    "Store",
    "SqliteStore",
    "default_db_path",
    "check_database",
    "recover_database",
    "describe_database_error",
    "explain_error",
    "driver_errors",
    "unavailable",
    "remember_damage",
    "HealthReport",
    "RecoverReport",
    "DamageMark",
    "SCHEMA_VERSION",
    "Candidates",
    "DocumentInfo",
    "DocumentSummary",
    "NewSegment",
    "NewUnit",
    "RemovedDocument",
    "StoredSegment",
    "StoredUnit",
]


def open_store(path: str | os.PathLike[str] | None = None, **options: Any) -> Store:
    """Open (and create and migrate) the database at *path*; *options* are ``create``,
    ``readonly``, ``on_wait`` and ``command`` (:meth:`SqliteStore.open`).

    *path* is a PostgreSQL address when it is a string that starts with ``postgresql://`` or
    ``postgres://`` (``postgresql://`` alone: everything from the ``PG*`` environment
    variables) or with ``service=`` (a libpq service): the PostgreSQL backend
    (:class:`taiyaku.store.postgres.PgStore`) opens it. Anything else is an SQLite file
    (``":memory:"`` works; None: the default, :func:`default_db_path`, which reads
    ``TAIYAKU_DB`` and so may be an address too).

    :raises taiyaku.core.errors.StoreError: the database cannot be opened (the message says
        why)
    """
    from taiyaku.store.postgres import is_postgres_address

    if path is None and is_postgres_address(os.environ.get("TAIYAKU_DB", "")):
        path = os.environ["TAIYAKU_DB"]
    if is_postgres_address(path):
        from taiyaku.store.postgres import PgStore

        return PgStore.open(str(path), **options)
    from taiyaku.store.sqlite import SqliteStore

    return SqliteStore.open(path, **options)


def _names_server(path: object) -> bool:
    """*path* names a PostgreSQL database, also after click turned it into a Path (which
    folds ``//`` into ``/``)."""
    from taiyaku.store.postgres import is_postgres_address

    text = str(path) if path is not None else os.environ.get("TAIYAKU_DB", "")
    return is_postgres_address(text) or text.lower().startswith(("postgresql:", "postgres:"))


def check_database(path: str | os.PathLike[str] | None, *, full: bool = True,
                   command: str = "taiyaku db check") -> HealthReport | PgHealthReport:
    """``taiyaku db check``: SQLite's integrity check on a file
    (:func:`taiyaku.store.sqlite.health.check_database`), or on a PostgreSQL database what a
    client can check (:func:`taiyaku.store.postgres.health.check_database`: the connection,
    the schema version and tables)."""
    if _names_server(path):
        from taiyaku.store.postgres.health import check_database as check_server

        return check_server(str(path) if path is not None else os.environ["TAIYAKU_DB"])
    from taiyaku.store.sqlite import default_db_path
    from taiyaku.store.sqlite.health import check_database as check_file

    return check_file(path if path is not None else default_db_path(), full=full,
                      command=command)


def recover_database(source: str | os.PathLike[str], output: str | os.PathLike[str],
                     **options: Any) -> RecoverReport:
    """``taiyaku db recover`` (:func:`taiyaku.store.sqlite.recover.recover_database`): SQLite
    files only; a PostgreSQL address is refused in one line.

    :raises StoreError: *source* names a PostgreSQL database
    """
    if _names_server(source):
        from taiyaku.store.postgres.health import refuse_recover

        raise refuse_recover(str(source))
    from taiyaku.store.sqlite.recover import recover_database as recover

    return recover(source, output, **options)


def driver_errors(db: Path | str) -> tuple[type[Exception], ...]:
    """The exception classes of the database driver behind *db* that may escape a store's
    call (SQLite's, and psycopg's for a PostgreSQL address): what a long-running caller such
    as the workbench catches to answer with :func:`explain_error`'s line.

    >>> [c.__name__ for c in driver_errors(Path("tm.db"))]
    ['DatabaseError']
    """
    import sqlite3

    if not _names_server(db):
        return (sqlite3.DatabaseError,)
    import psycopg

    return (sqlite3.DatabaseError, psycopg.Error)


def unavailable(e: BaseException) -> bool:
    """A driver's error says the database cannot answer now, or is damaged — not that the
    caller did something wrong: SQLite's operational errors (locked, full, read-only) and its
    damage (a plain ``DatabaseError``), PostgreSQL's operational errors (the connection
    failed). A constraint violation, say, is a bug and says no.

    >>> import sqlite3
    >>> unavailable(sqlite3.OperationalError("database is locked")), unavailable(
    ...     sqlite3.IntegrityError("UNIQUE constraint failed"))
    (True, False)
    """
    import sqlite3

    if isinstance(e, sqlite3.DatabaseError):
        return isinstance(e, sqlite3.OperationalError) or type(e) is sqlite3.DatabaseError
    if "psycopg" not in sys.modules:
        return False
    import psycopg

    return isinstance(e, psycopg.OperationalError)


def explain_error(e: BaseException, db: Path | None, command: str, *, hint: str = ""
                  ) -> str | None:
    """One line for a database error that reached the CLI (SQLite's,
    :func:`taiyaku.store.sqlite.health.explain_error`, or PostgreSQL's), or None."""
    from taiyaku.store.sqlite.health import explain_error as explain_sqlite

    known = explain_sqlite(e, db, command, hint=hint)
    if known is None and "psycopg" in sys.modules:
        from taiyaku.store.postgres.health import explain_error as explain_server

        known = explain_server(e, hint)
    return known
