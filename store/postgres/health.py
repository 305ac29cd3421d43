"""``taiyaku db check`` on a PostgreSQL database: what a client can see (the server answers,
its version, taiyaku's schema version and tables), and one line for a driver error that
reached the CLI. Page-level damage is the server's to detect and repair (checksums,
``amcheck``, its backups): ``db recover`` is SQLite-only."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from taiyaku.core.errors import StoreError
from taiyaku.store.postgres import _first_line, masked_address
from taiyaku.store.postgres.schema import SCHEMA_VERSION, VERSION_TABLE

__all__ = ["PgHealthReport", "check_database", "explain_error", "refuse_recover"]

_TABLES = ("meta", "documents", "units", "segments", "terms", "term_forms", "fuzzy_keys",
           "fuzzy_postings", "fuzzy_tokens", "unit_holders", "beads", "bead_revisions",
           "bead_edits", "term_dismissed", "term_removed_forms", "qa_false_positives")


@dataclass(frozen=True, slots=True)
class PgHealthReport:
    """What ``taiyaku db check`` found on a PostgreSQL database.

    :ivar address: the address, password masked
    :ivar problems: what is wrong (empty: the server answers and the schema is this taiyaku's)
    """

    address: str
    problems: tuple[str, ...]
    schema_version: int | None
    server_version: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"path": self.address, "backend": "postgresql", "check": "connection and schema",
                "ok": self.ok, "problems": list(self.problems),
                "schema_version": self.schema_version, "server_version": self.server_version,
                "seconds": round(self.seconds, 3)}

    def render(self) -> str:
        if self.ok:
            return (f"{self.address}: ok (PostgreSQL {self.server_version}, schema "
                    f"{self.schema_version}, {self.seconds:.1f} s; damage to the server's files "
                    "is the server's to check: data checksums, amcheck)")
        return "\n".join(f"{self.address}: {p}" for p in self.problems)


def check_database(address: str, **_: Any) -> PgHealthReport:
    """Connect to *address* (without creating or migrating anything) and report the server's
    version, taiyaku's schema version and any of its tables missing."""
    import psycopg

    start = time.monotonic()
    shown = masked_address(address)
    problems: list[str] = []
    version: int | None = None
    server: str | None = None
    try:
        with psycopg.connect(address, autocommit=True, connect_timeout=10) as conn:
            server = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).fetchone()
            if row is not None and row[0]:
                got = conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
                version = 0 if got is None else int(got[0])
            else:
                version = 0
            if version == 0:
                problems.append("no taiyaku database here (the database is empty)")
            elif version > SCHEMA_VERSION:
                problems.append(f"schema {version} is newer than this taiyaku's "
                                f"({SCHEMA_VERSION}); upgrade taiyaku")
            else:
                missing = [t for t in _TABLES if not conn.execute(
                    "SELECT to_regclass(%s) IS NOT NULL", (t,)).fetchone()[0]]  # type: ignore[index]
                if version == SCHEMA_VERSION and missing:
                    problems.append("tables missing: " + ", ".join(missing))
    except psycopg.Error as e:
        problems.append(f"cannot connect to PostgreSQL ({_first_line(e)})")
    return PgHealthReport(shown, tuple(problems), version, server, time.monotonic() - start)


def explain_error(e: BaseException, hint: str = "") -> str | None:
    """One line for a PostgreSQL driver error that reached the CLI, or None."""
    try:
        import psycopg
    except ImportError:
        return None
    if not isinstance(e, psycopg.Error):
        return None
    if isinstance(e, psycopg.OperationalError):
        return f"PostgreSQL: the connection failed ({_first_line(e)}){hint}"
    return f"PostgreSQL: {_first_line(e)}{hint}"


def refuse_recover(source: str) -> StoreError:
    """The one-line refusal of ``db recover`` on a server database."""
    return StoreError(
        f"{masked_address(source)}: `db recover` works on SQLite files only; a PostgreSQL "
        "database is recovered by the server's own means (pg_dump backups, WAL archiving)")
