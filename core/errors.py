"""Exception types of taiyaku: one base, a few subclasses, made one-line errors by cli.py."""

from __future__ import annotations

__all__ = [
    "TaiyakuError",
    "InputError",
    "ParseError",
    "NotFoundError",
    "StoreError",
    "DamagedDatabaseError",
    "UnavailableError",
    "ExportError",
    "DependencyError",
    "StaleEditError",
]


class TaiyakuError(Exception):
    """Base of every error taiyaku raises on purpose.

    The message is one line that says what failed and, where possible, how to fix it.
    """


class InputError(TaiyakuError):
    """A file or argument cannot be used: missing, unreadable, binary, wrong encoding, empty."""


class ParseError(InputError):
    """A structured file (TMX, TBX, XLIFF, XLSX, CSV) is malformed or unsafe.

    :param path: the file name shown to the user
    :param problem: what is wrong
    :param line: line number where known
    """

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.problem = problem
        self.line = line


class NotFoundError(InputError):
    """An id given on the command line (a document, a unit, a term) names nothing stored."""


class StoreError(TaiyakuError):
    """The database cannot be opened, migrated or written."""


class UnavailableError(StoreError):
    """The database is there but cannot answer now: its server cannot be reached, no
    connection came free in time, or another writer held it past the lock timeout. Nothing
    was changed; the same request may succeed later (the workbench answers 503)."""


class DamagedDatabaseError(StoreError):
    """The database file is damaged (SQLite's integrity checks fail); nothing is written to it."""


class ExportError(TaiyakuError):
    """An output file cannot be written (full disk, unwritable folder, unknown format)."""


class DependencyError(TaiyakuError):
    """An optional or required component (e.g. the Sudachi dictionary) is missing."""


class StaleEditError(InputError):
    """An edit was made from an old state of what it changes (another tab or reviewer changed
    it since): refused, nothing changed; the caller reloads and tries again."""
