"""All persistence behind one typed interface (:mod:`taiyaku.store.interface`).

:func:`open_store` opens the database (the SQLite backend, :mod:`taiyaku.store.sqlite`; a
PostgreSQL backend will be the second). Outside this package nothing runs SQL or imports
``sqlite3``: ``tm/`` (and ``glossary/``) take a :class:`Store` and call its areas.
"""

from __future__ import annotations

import os
from typing import Any

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
from taiyaku.store.sqlite import SqliteStore, default_db_path
from taiyaku.store.sqlite.health import (
    DamageMark,
    HealthReport,
    check_database,
    describe_database_error,
    explain_error,
    remember_damage,
)
from taiyaku.store.sqlite.recover import RecoverReport, recover_database
from taiyaku.store.sqlite.schema import SCHEMA_VERSION

__all__ = [
    "open_store",
    "Store",
    "SqliteStore",
    "default_db_path",
    "check_database",
    "recover_database",
    "describe_database_error",
    "explain_error",
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


def open_store(path: str | os.PathLike[str] | None = None, **options: Any) -> SqliteStore:
    """Open (and create and migrate) the database at *path* (``":memory:"`` works; None: the
    default, :func:`default_db_path`); *options* are those of :meth:`SqliteStore.open`
    (``create``, ``readonly``, ``on_wait``, ``command``).

    It returns the SQLite store, which is a :class:`Store`; the glossary modules still take
    it as such until their SQL moves into this package.

    :raises taiyaku.core.errors.StoreError: the file cannot be opened (the message says why)
    """
    return SqliteStore.open(path, **options)
