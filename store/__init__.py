"""All persistence behind one typed interface (:mod:`taiyaku.store.interface`).

:func:`open_store` opens the database (the SQLite backend, :mod:`taiyaku.store.sqlite`; a
PostgreSQL backend will be the second). Outside this package nothing runs SQL or imports
``sqlite3``: ``tm/`` and ``glossary/`` take a :class:`Store` and call its areas.
"""

from __future__ import annotations

import os
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

# The SQLite backend's names are imported when first asked for (PEP 562): a command that
# only reads, such as a cold `terms search`, need not load db check / recover / migrations.
_LAZY = {
    "SqliteStore": "taiyaku.store.sqlite",
    "default_db_path": "taiyaku.store.sqlite",
    "DamageMark": "taiyaku.store.sqlite.health",
    "HealthReport": "taiyaku.store.sqlite.health",
    "check_database": "taiyaku.store.sqlite.health",
    "describe_database_error": "taiyaku.store.sqlite.health",
    "explain_error": "taiyaku.store.sqlite.health",
    "remember_damage": "taiyaku.store.sqlite.health",
    "RecoverReport": "taiyaku.store.sqlite.recover",
    "recover_database": "taiyaku.store.sqlite.recover",
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

    It returns the SQLite store, which is a :class:`Store`.

    :raises taiyaku.core.errors.StoreError: the file cannot be opened (the message says why)
    """
    from taiyaku.store.sqlite import SqliteStore

    return SqliteStore.open(path, **options)
