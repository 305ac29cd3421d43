"""The SQLite store that holds the TM and the glossary, with migrations and one transaction helper.

Storage stays behind :class:`Store`: modules call its methods (or, for backend-specific
indexes, its :attr:`Store.conn`) so a PostgreSQL backend can slot in later.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import StoreError

__all__ = ["Store", "default_db_path", "MIGRATIONS", "SCHEMA_VERSION", "DocumentInfo"]

APP_NAME = "taiyaku"


def default_db_path() -> Path:
    """``$TAIYAKU_DB`` if set, else ``taiyaku.db`` in the user data folder (click's app dir).

    click is imported here only, so the library stays usable without the CLI loaded.
    """
    env = os.environ.get("TAIYAKU_DB")
    if env:
        return Path(env)
    import click

    return Path(click.get_app_dir(APP_NAME)) / "taiyaku.db"


# --- migrations -------------------------------------------------------------------------------
# Ordered; index i upgrades user_version i -> i+1. Never edit a released migration: add one.

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    ``executescript`` would COMMIT first, breaking the one-transaction-per-migration rule.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise StoreError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            source_path TEXT,
            sha256 TEXT,
            layout TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('bilingual', 'mono', 'tmx')),
            created TEXT NOT NULL
        );
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            ja TEXT NOT NULL,
            en TEXT NOT NULL,
            ja_norm TEXT NOT NULL,
            en_norm TEXT NOT NULL,
            ja_hash INTEGER NOT NULL,
            en_hash INTEGER NOT NULL,
            bead TEXT NOT NULL DEFAULT '1-1',
            confidence REAL NOT NULL DEFAULT 1.0,
            props TEXT,
            created TEXT NOT NULL
        );
        CREATE INDEX units_doc ON units(doc_id, position);
        CREATE INDEX units_ja_hash ON units(ja_hash);
        CREATE INDEX units_en_hash ON units(en_hash);
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'text',
            unit_id INTEGER REFERENCES units(id) ON DELETE SET NULL
        );
        CREATE INDEX segments_doc ON segments(doc_id, lang, position);
        CREATE INDEX segments_unit ON segments(unit_id);
        CREATE TABLE terms (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'candidate'
                CHECK (status IN ('candidate', 'approved', 'forbidden')),
            origin TEXT NOT NULL DEFAULT 'extracted'
                CHECK (origin IN ('extracted', 'manual', 'import')),
            edited INTEGER NOT NULL DEFAULT 0,
            pos TEXT,
            note TEXT,
            definition TEXT,
            context TEXT,
            sources TEXT,
            evidence TEXT,
            frequency INTEGER NOT NULL DEFAULT 0,
            score REAL NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE term_forms (
            id INTEGER PRIMARY KEY,
            term_id INTEGER NOT NULL REFERENCES terms(id) ON DELETE CASCADE,
            lang TEXT NOT NULL,
            text TEXT NOT NULL,
            norm TEXT NOT NULL,
            reading TEXT,
            rank INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL DEFAULT 'term',
            status TEXT
        );
        CREATE INDEX term_forms_term ON term_forms(term_id, lang, rank);
        CREATE INDEX term_forms_norm ON term_forms(lang, norm);
        CREATE INDEX term_forms_reading ON term_forms(reading);
        """
    )


def m002_term_form_pos(conn: sqlite3.Connection) -> None:
    """Part of speech per term form (TBX partOfSpeech lives on the term, not the concept)."""
    conn.execute("ALTER TABLE term_forms ADD COLUMN pos TEXT")


def m003_fuzzy_index(conn: sqlite3.Connection) -> None:
    """The fuzzy-search candidate index (tm/index.py): JA character bigrams and EN words,
    each key with its document frequency and posting lists of unit ids (uint32 LE blobs)."""
    run_script(
        conn,
        """
        CREATE TABLE fuzzy_keys (key TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE fuzzy_postings (
            key TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            n INTEGER NOT NULL,
            ids BLOB NOT NULL,
            PRIMARY KEY (key, chunk)
        );
        """,
    )


def m004_fuzzy_tokens(conn: sqlite3.Connection) -> None:
    """English sides as token codes (tm/index.py): CRC-32 of each scoring token, uint32 LE,
    so that rescoring English candidates skips reading and tokenising their text."""
    conn.execute("CREATE TABLE fuzzy_tokens (id INTEGER PRIMARY KEY, codes BLOB NOT NULL)")


def m005_unit_holders(conn: sqlite3.Connection) -> None:
    """Documents that hold a unit stored under another document: an import skips a unit the TM
    already has and records here that its document holds it too (at its own position), so
    that replacing or deleting the first document hands the unit over instead of losing it."""
    run_script(
        conn,
        """
        CREATE TABLE unit_holders (
            unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (unit_id, doc_id)
        ) WITHOUT ROWID;
        CREATE INDEX unit_holders_doc ON unit_holders(doc_id);
        CREATE INDEX documents_source ON documents(source_path);
        """,
    )


MIGRATIONS: list[Migration] = [m001_initial, m002_term_form_pos, m003_fuzzy_index,
                               m004_fuzzy_tokens, m005_unit_holders]
SCHEMA_VERSION = len(MIGRATIONS)
#: the memory map a searching connection asks for (SQLite caps it at its compile-time limit)
MMAP_BYTES = 1 << 31


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's row."""

    id: int
    name: str
    layout: str
    kind: str
    created: str


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Store:
    """One SQLite file holding documents, segments, TM units and the glossary.

    Use as a context manager or call :meth:`close`::

        with Store.open(path) as store:
            with store.atomic():
                ...

    :param conn: an open connection (use :meth:`open`)
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        self._mapped = False
        #: told once when a write has to wait for another process's transaction
        self.on_wait: Callable[[str], None] | None = None
        #: how long (seconds) a write waits for another writer before giving up
        self.lock_timeout = float(os.environ.get("TAIYAKU_LOCK_TIMEOUT", "3600"))
        self._depth = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open (and create and migrate) the database at *path* (``":memory:"`` works).

        :raises StoreError: the file cannot be opened, is not a taiyaku database, or is newer
        """
        memory = path is not None and str(path) == ":memory:"
        p = None if memory else Path(path) if path is not None else default_db_path()
        if p is not None:
            if p.is_dir():
                raise StoreError(f"{p}: is a directory; --db needs a file path")
            if not p.exists():
                if not create:
                    raise StoreError(f"{p}: no database here (run `taiyaku ingest` first)")
                try:
                    p.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(f"{p.parent}: cannot create folder ({e.strerror})") from None
        try:
            conn = sqlite3.connect(
                ":memory:" if p is None else str(p), timeout=30.0, isolation_level=None
            )
        except sqlite3.Error as e:
            raise StoreError(f"{p}: cannot open database ({e})") from None
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            # Read the schema before anything writes: a file that is not SQLite fails here
            # with "file is not a database" and is left byte-for-byte as it was.
            version, tables = _version_and_tables(conn)
            if version == 0 and tables:
                raise StoreError(
                    f"{p}: an SQLite database of another program (it has tables but no taiyaku "
                    "schema); give taiyaku its own --db file"
                )
            if p is not None:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StoreError(f"{p}: not a taiyaku database or damaged ({e})") from None
        except StoreError:
            conn.close()
            raise
        store = cls(conn, p)
        try:
            store.migrate()
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StoreError(f"{p}: not a taiyaku database or damaged ({e})") from None
        except StoreError:
            conn.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def map_for_reading(self) -> None:
        """Read the file through a memory map (searches: many small random reads of index and
        unit pages, which a map serves without a system call each; about a third off the
        row fetches of a fuzzy query at a million units). Not used while importing, where
        the mapped pages would count towards the import's peak memory."""
        if self.path is not None and not self._mapped:
            self.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._mapped = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """The ``PRAGMA user_version`` of the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, upto: int | None = None) -> list[str]:
        """Run every pending migration, each in its own transaction; return their names.

        :param upto: stop at this version (tests migrate step by step)
        """
        target = SCHEMA_VERSION if upto is None else upto
        if not 0 <= target <= SCHEMA_VERSION:
            raise ValueError(f"upto must be between 0 and {SCHEMA_VERSION}, not {upto}")
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path or ':memory:'}: database schema {current} is newer than this "
                f"taiyaku ({SCHEMA_VERSION}); upgrade taiyaku"
            )
        ran = []
        for version in range(current, target):
            migration = MIGRATIONS[version]
            with self.atomic(immediate=True):
                # Another process may have migrated while we waited for the write lock.
                if self.schema_version > version:
                    continue
                migration(self.conn)
                self.conn.execute(f"PRAGMA user_version = {version + 1}")
            ran.append(migration.__name__)
        # The signature is written once the schema is complete (a partial migration, as the
        # step-by-step tests build, has no meta table yet at version 0).
        if self.schema_version == SCHEMA_VERSION and (ran or not self.get_meta("created")):
            from . import signature

            with self.atomic():
                if not self.get_meta("created"):
                    self.set_meta("created", now_iso())
                for key, value in signature.static_meta().items():
                    self.set_meta(key, value)
        return ran

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic(self, *, immediate: bool = True) -> Iterator[None]:
        """One transaction; nested calls become savepoints.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue on the busy
        timeout instead of failing later with "database is locked" on upgrade.
        """
        if self._depth == 0:
            self._begin("BEGIN IMMEDIATE" if immediate else "BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                # The connection may already have rolled back (e.g. after a disk error).
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (disk full, I/O error) leaves the transaction open; end
                    # it so the connection is usable and nothing half-written survives.
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
        else:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self._depth -= 1
                self.conn.execute(f"RELEASE {name}")

    def _begin(self, statement: str) -> None:
        """Start a transaction, waiting as long as another writer holds the lock.

        SQLite's busy timeout (30 s) is shorter than a large TMX import holds the write lock,
        so the wait goes on in rounds until ``TAIYAKU_LOCK_TIMEOUT`` seconds (default 1 hour)
        have passed; :attr:`on_wait` is told once so the CLI can say what it is waiting for.
        """
        deadline = time.monotonic() + self.lock_timeout
        told = False
        while True:
            try:
                self.conn.execute(statement)
                return
            except sqlite3.OperationalError as e:
                text = str(e).lower()
                if "locked" not in text and "busy" not in text:
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path}: another taiyaku has been writing to this database for "
                        "too long; try again when it has finished"
                    ) from None
                if not told and self.on_wait is not None:
                    self.on_wait("waiting for another taiyaku to finish writing to the database…")
                    told = True

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Value of a meta key, or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta key (inside the caller's transaction if any)."""
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def meta(self) -> dict[str, str]:
        """All meta keys."""
        return {k: v for k, v in self.conn.execute("SELECT key, value FROM meta ORDER BY key")}

    # -- documents ---------------------------------------------------------------------------
    def add_document(
        self, name: str, *, layout: str, kind: str, source_path: str | None = None,
        sha256: str | None = None,
    ) -> int:
        """Insert a document row and return its id. Call inside :meth:`atomic`.

        A name already taken is refused: replacing a document is the caller's explicit
        :meth:`delete_document` first (nothing is deleted as a side effect).

        :raises StoreError: a document of that name exists
        """
        if self.document_id(name) is not None:
            raise StoreError(f"a document named {name!r} is already stored")
        cur = self.conn.execute(
            "INSERT INTO documents(name, source_path, sha256, layout, kind, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, source_path, sha256, layout, kind, now_iso()),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def document_id(self, name: str) -> int | None:
        """The id of the document called *name*, or None."""
        row = self.conn.execute("SELECT id FROM documents WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def delete_document(self, name: str) -> bool:
        """Delete a document and everything hanging off it; True if one existed.

        Units that other documents hold too (they were skipped as duplicates when those were
        imported, see ``unit_holders``) are not deleted: each passes to the oldest other
        document holding it, at that document's position.
        """
        doc_id = self.document_id(name)
        if doc_id is None:
            return False
        self._hand_over_units(doc_id)
        # Side indexes (the fuzzy-search postings) register their clean-up hooks on import.
        from . import index  # noqa: F401

        for hook in _DELETE_HOOKS:
            hook(self, doc_id)
        self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return True

    def _hand_over_units(self, doc_id: int) -> int:
        """Give the units of *doc_id* that other documents hold to the oldest of them."""
        rows = self.conn.execute(
            "SELECT h.unit_id, h.doc_id, h.position FROM unit_holders h "
            "JOIN units u ON u.id = h.unit_id "
            "WHERE u.doc_id = ? AND h.doc_id != ? ORDER BY h.unit_id, h.doc_id",
            (doc_id, doc_id),
        ).fetchall()
        heirs: dict[int, tuple[int, int]] = {}
        for unit_id, holder, position in rows:
            heirs.setdefault(int(unit_id), (int(holder), int(position)))
        self.conn.executemany(
            "UPDATE units SET doc_id = ?, position = ? WHERE id = ?",
            [(holder, position, uid) for uid, (holder, position) in heirs.items()],
        )
        self.conn.executemany(
            "DELETE FROM unit_holders WHERE unit_id = ? AND doc_id = ?",
            [(uid, holder) for uid, (holder, _) in heirs.items()],
        )
        return len(heirs)

    def document_origin(self, name: str) -> tuple[str | None, str | None] | None:
        """``(source_path, sha256)`` of the document called *name*, or None."""
        row = self.conn.execute(
            "SELECT source_path, sha256 FROM documents WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def source_ends_with(self, tail: str) -> bool:
        """True if a stored document's source path ends with *tail*."""
        row = self.conn.execute(
            "SELECT 1 FROM documents WHERE substr(source_path, -?) = ? LIMIT 1",
            (len(tail), tail),
        ).fetchone()
        return row is not None

    def documents_from(self, source_path: str) -> list[tuple[int, str, str | None]]:
        """``(id, name, sha256)`` of the documents stored from *source_path*, newest first."""
        rows = self.conn.execute(
            "SELECT id, name, sha256 FROM documents WHERE source_path = ? ORDER BY id DESC",
            (source_path,),
        )
        return [(int(i), str(n), s) for i, n, s in rows]

    def documents(self) -> list[DocumentInfo]:
        """All documents, oldest first."""
        rows = self.conn.execute(
            "SELECT id, name, layout, kind, created FROM documents ORDER BY id"
        )
        return [DocumentInfo(*r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts for ``stats``."""
        q = self.conn.execute
        return {
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "segments": q("SELECT count(*) FROM segments").fetchone()[0],
            "segments_ja": q("SELECT count(*) FROM segments WHERE lang='ja'").fetchone()[0],
            "segments_en": q("SELECT count(*) FROM segments WHERE lang='en'").fetchone()[0],
            "units": q("SELECT count(*) FROM units").fetchone()[0],
            "unaligned_segments": q(
                "SELECT count(*) FROM segments WHERE unit_id IS NULL"
            ).fetchone()[0],
            "terms": q("SELECT count(*) FROM terms").fetchone()[0],
            "terms_approved": q(
                "SELECT count(*) FROM terms WHERE status='approved'"
            ).fetchone()[0],
        }

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        """Run a read query and return all rows (small results only)."""
        return self.conn.execute(sql, params).fetchall()


def _version_and_tables(conn: sqlite3.Connection) -> tuple[int, int]:
    """The schema version and the number of tables, read in one statement (one snapshot: read
    apart, another process creating the same fresh file can commit its first migration in
    between, and its tables would look like another program's at version 0)."""
    row = conn.execute(
        "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM "
        "sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%')"
    ).fetchone()
    return int(row[0]), int(row[1])


#: Functions called with (store, doc_id) before a document is deleted, so indexes that live
#: outside foreign keys (e.g. the fuzzy-search index) can drop their rows. Modules register here.
_DELETE_HOOKS: list[Callable[[Store, int], None]] = []


def on_document_delete(hook: Callable[[Store, int], None]) -> Callable[[Store, int], None]:
    """Register *hook* to run before a document is deleted (decorator)."""
    if hook not in _DELETE_HOOKS:
        _DELETE_HOOKS.append(hook)
    return hook


def dumps(value: object) -> str:
    """JSON for TEXT columns (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
