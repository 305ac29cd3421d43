"""The SQLite store that holds the TM and the glossary, with migrations and one transaction helper.

Storage stays behind :class:`Store`: modules call its methods (or, for backend-specific
indexes, its :attr:`Store.conn`) so a PostgreSQL backend can slot in later.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shlex
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taiyaku.core.errors import DamagedDatabaseError, StoreError

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


def m006_qa_false_positives(conn: sqlite3.Connection) -> None:
    """Findings of ``taiyaku qa`` a reviewer marked as false positives, per checked file (its
    id), unit, check and the texts they were found in: a later run of the same file leaves
    them out until the source or the target changes (store/sqlite/qa.py)."""
    conn.execute(
        "CREATE TABLE qa_false_positives (file_id TEXT NOT NULL, unit TEXT NOT NULL, "
        "check_name TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, "
        "created TEXT NOT NULL, PRIMARY KEY (file_id, unit, check_name, source, target)"
        ") WITHOUT ROWID"
    )


MIGRATIONS: list[Migration] = [m001_initial, m002_term_form_pos, m003_fuzzy_index,
                               m004_fuzzy_tokens, m005_unit_holders, m006_qa_false_positives]
SCHEMA_VERSION = len(MIGRATIONS)
#: the memory map a searching connection asks for (SQLite caps it at its compile-time limit)
MMAP_BYTES = 1 << 31
#: SQLite's busy timeout outside :meth:`Store._begin` (a reader waiting for a WAL recovery)
BUSY_TIMEOUT_MS = 30_000
#: how long a writer waits quietly before it says that it waits (then it says so at once)
FIRST_WAIT_SECONDS = 0.5
#: ``TAIYAKU_LOCK_TIMEOUT`` when unset: a big TMX import can hold the write lock for minutes
DEFAULT_LOCK_TIMEOUT = 3600.0
#: under ``TAIYAKU_CHECK_BEFORE_WRITE=auto`` (the default), the largest file whose every page
#: ``PRAGMA quick_check`` reads before the first write (about 6,000 units). Measured by
#: tests/benchmarks/bench_dbcheck.py (page cache / from disk, light to heavy load on 2 shared
#: cores): 8 MB 0.02 / 0.08 s (11 MB, loaded: 0.06 / 0.15 s), 26 MB 0.06-0.14 / 0.22-0.41 s,
#: 104 MB 0.26-0.54 / 1.1-2.0 s, 629 MB 2.0-3.2 / 12.8-14.8 s: up to 8 MB it stays well under
#: 0.2 s even from disk. Larger files rely on the damage mark and on SQLite's own errors
#: while writing (README, "A damaged database").
CHECK_BEFORE_WRITE_MAX_BYTES = 8 << 20
#: the values ``TAIYAKU_CHECK_BEFORE_WRITE`` accepts
CHECK_BEFORE_WRITE_CHOICES = ("auto", "always", "never")


def check_before_write_from_env() -> str:
    """``TAIYAKU_CHECK_BEFORE_WRITE``: ``auto`` (default: quick-check files up to
    :data:`CHECK_BEFORE_WRITE_MAX_BYTES` before the first write), ``always`` or ``never``.

    :raises StoreError: any other value

    >>> import os
    >>> os.environ["TAIYAKU_CHECK_BEFORE_WRITE"] = " Always "; check_before_write_from_env()
    'always'
    >>> del os.environ["TAIYAKU_CHECK_BEFORE_WRITE"]; check_before_write_from_env()
    'auto'
    """
    raw = os.environ.get("TAIYAKU_CHECK_BEFORE_WRITE")
    value = (raw or "").strip().lower() or "auto"
    if value not in CHECK_BEFORE_WRITE_CHOICES:
        raise StoreError(
            f"TAIYAKU_CHECK_BEFORE_WRITE={raw!r}: give auto (the default: check files up to "
            f"{CHECK_BEFORE_WRITE_MAX_BYTES >> 20} MB for damage before the first write), "
            "always or never"
        )
    return value


def lock_timeout_from_env() -> float:
    """``TAIYAKU_LOCK_TIMEOUT`` in seconds (default one hour).

    :raises StoreError: the value is not a number of seconds ≥ 0 (``inf`` waits for ever)

    >>> import os
    >>> os.environ["TAIYAKU_LOCK_TIMEOUT"] = "2.5"; lock_timeout_from_env()
    2.5
    >>> del os.environ["TAIYAKU_LOCK_TIMEOUT"]; lock_timeout_from_env()
    3600.0
    """
    raw = os.environ.get("TAIYAKU_LOCK_TIMEOUT")
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isnan(value) or value < 0:
        raise StoreError(
            f"TAIYAKU_LOCK_TIMEOUT={raw!r}: not a number of seconds; give how long a writer "
            "waits for another one, e.g. TAIYAKU_LOCK_TIMEOUT=60 (0 = do not wait, "
            "default 3600)"
        )
    return value


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

    def __init__(
        self, conn: sqlite3.Connection, path: Path | None, *, lock_timeout: float | None = None,
        check_before_write: str | None = None, command: str = "taiyaku",
    ) -> None:
        self.conn = conn
        self.path = path
        self._mapped = False
        #: told once when a write has to wait for another process's transaction
        self.on_wait: Callable[[str], None] | None = None
        #: how long (seconds) a write waits for another writer before giving up
        self.lock_timeout = lock_timeout_from_env() if lock_timeout is None else lock_timeout
        #: ``rw``, or ``ro`` / ``immutable`` when the file could only be opened for reading
        self.mode = "rw"
        #: ``auto``, ``always`` or ``never``: :meth:`_check_before_writing`
        self.check_before_write = (check_before_write_from_env() if check_before_write is None
                                   else check_before_write)
        #: what a damage mark names as the command that found the damage
        self.command = command
        #: the file's first write was prepared (its quick check done or judged too costly)
        self._checked = path is None
        self._depth = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
        on_wait: Callable[[str], None] | None = None,
        command: str = "taiyaku",
    ) -> Store:
        """Open (and create and migrate) the database at *path* (``":memory:"`` works).

        :param create: create the file (and its folders) when it does not exist
        :param readonly: the command only reads: a missing file is refused whatever *create*
            says, and a file on read-only media (or a full disk) is opened read-only
            (:func:`_connect_file`); else a file with a damage mark is refused at once
        :param on_wait: told once when a write has to wait for another process
        :param command: the command, as a damage mark names it (:func:`mark_damaged`)
        :raises StoreError: the file is missing (*readonly* or not *create*), cannot be opened
            (the message names the cause: permission, full disk, not a database, damaged),
            is another program's database, or is newer than this taiyaku
        """
        memory = path is not None and str(path) == ":memory:"
        p = None if memory else Path(path) if path is not None else default_db_path()
        lock_timeout = lock_timeout_from_env()
        check_before_write = check_before_write_from_env()
        if p is not None:
            if p.is_dir():
                raise StoreError(f"{p}: is a directory; --db needs a file path")
            mark = None if readonly else read_damage_mark(p)
            if mark is not None and p.exists():
                # a command that writes stops before its work, not at its first write
                raise DamagedDatabaseError(marked_message(p, mark))
            if not p.exists():
                if readonly or not create:
                    raise StoreError(
                        f"{p}: no database here (check --db or TAIYAKU_DB; a command "
                        "that writes, such as `taiyaku ingest` or `taiyaku tm import`, creates one)"
                    )
                try:
                    p.parent.mkdir(parents=True, exist_ok=True)
                    # a mark left beside a file that is gone says nothing about the new one
                    damage_mark_path(p).unlink(missing_ok=True)
                except OSError as e:
                    raise StoreError(f"{p.parent}: cannot create folder ({e.strerror})") from None
        if p is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            mode, version, tables = "rw", 0, 0
        else:
            conn, mode, version, tables = _connect_file(p, readonly=readonly, create=create,
                                                        command=command)
        try:
            if version == 0 and tables:
                raise StoreError(
                    f"{p}: an SQLite database of another program (it has tables but no taiyaku "
                    "schema); give taiyaku its own --db file"
                )
            if mode != "rw" and version < SCHEMA_VERSION:
                raise StoreError(
                    f"{p}: " + ("an empty file, not a taiyaku database" if version == 0 else
                                f"database schema {version} is older than this taiyaku's "
                                f"({SCHEMA_VERSION}) and cannot be upgraded here")
                    + f" ({_why_read_only(p)})"
                )
            if p is not None and mode == "rw":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if mode == "rw":
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            conn.close()
            raise _store_error(p, e, command) from None
        except StoreError:
            conn.close()
            raise
        store = cls(conn, p, lock_timeout=lock_timeout, check_before_write=check_before_write,
                    command=command)
        store.mode = mode
        store.on_wait = on_wait
        try:
            store.migrate()
        except sqlite3.DatabaseError as e:
            conn.close()
            raise _store_error(p, e, command) from None
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

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        # A caller's error handler may never see the store: damage met while it was open
        # is remembered here (the CLI does the same for the errors that reach it).
        if isinstance(error, sqlite3.DatabaseError) and self.path is not None:
            remember_damage(self.path, error, self.command)
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
        if (self.mode == "rw" and self.schema_version == SCHEMA_VERSION
                and (ran or not self.get_meta("created"))):
            from taiyaku.core import signature

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
            if self.mode != "rw":
                raise StoreError(
                    f"{self.path}: opened read-only ({_why_read_only(self.path)}); "
                    "this command needs to write to it"
                )
            self._begin("BEGIN IMMEDIATE" if immediate else "BEGIN")
            self._refuse_if_marked()
            if not self._checked:
                self._check_before_writing()
            self._depth += 1
            try:
                yield
            except BaseException as e:
                self._depth -= 1
                # The connection may already have rolled back (e.g. after a disk error).
                self._rollback_after(e)
                raise
            else:
                self._depth -= 1
                try:
                    self.conn.execute("COMMIT")
                except BaseException as e:
                    # A failed COMMIT (disk full, I/O error) leaves the transaction open; end
                    # it so the connection is usable and nothing half-written survives.
                    self._rollback_after(e)
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
        """Start a transaction, waiting up to :attr:`lock_timeout` seconds for another writer.

        SQLite's busy handler is given short rounds (half a second, then one second) instead
        of one long timeout, so :attr:`on_wait` hears at once that the command waits, and
        ``TAIYAKU_LOCK_TIMEOUT`` is honoured to within a second, however short it is.
        """
        deadline = time.monotonic() + self.lock_timeout
        told = False
        try:
            while True:
                remaining = deadline - time.monotonic()
                round_s = min(FIRST_WAIT_SECONDS if not told else 1.0, max(remaining, 0.0))
                self.conn.execute(f"PRAGMA busy_timeout = {int(round_s * 1000)}")
                try:
                    self.conn.execute(statement)
                    return
                except sqlite3.OperationalError as e:
                    text = str(e).lower()
                    if "locked" not in text and "busy" not in text:
                        raise
                if not told and self.on_wait is not None:
                    self.on_wait(
                        f"waiting for another taiyaku to finish writing to {self.path} (up to "
                        f"{self.lock_timeout:g} s; TAIYAKU_LOCK_TIMEOUT sets how long)…"
                    )
                told = True
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path}: gave up after waiting {self.lock_timeout:g} s for another "
                        "taiyaku to finish writing to this database (TAIYAKU_LOCK_TIMEOUT sets "
                        "how long); nothing was changed; try again when it has finished"
                    )
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _rollback_after(self, error: BaseException) -> None:
        """End the failed transaction; damage met while writing is remembered beside the
        file (:func:`mark_damaged`), so later writers refuse it even unchecked."""
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            if (self.path is not None and isinstance(error, sqlite3.DatabaseError)
                    and is_damage(error, opened=True)):
                mark_damaged(self.path, str(error), self.command)

    def _refuse_if_marked(self) -> None:
        """Refuse to write into a file that a command found damaged (one ``stat``: cheap
        enough for every transaction, so a long-running process sees another's finding)."""
        if self.path is None:
            return
        mark = read_damage_mark(self.path)
        if mark is not None:
            self.conn.execute("ROLLBACK")
            raise DamagedDatabaseError(marked_message(self.path, mark))

    def _check_before_writing(self) -> None:
        """Refuse to write into a damaged file: ``PRAGMA quick_check`` once, before the first
        write, inside the write transaction (so no other writer changes the file meanwhile),
        on files up to :data:`CHECK_BEFORE_WRITE_MAX_BYTES` (``TAIYAKU_CHECK_BEFORE_WRITE``
        changes that).

        Writing into a damaged b-tree can spread the damage to pages that were sound, and
        the command would report success. The check reads every page (about 0.4 s per
        100 MB from the page cache, 2 s from disk): affordable for a small file, not for
        every small edit of a large one, which relies instead on the damage mark left by
        any command that met the damage and on SQLite's own errors while writing.
        """
        policy = self.check_before_write
        if policy == "auto":
            size = self.conn.execute(
                "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"
            ).fetchone()[0]
            policy = "always" if int(size) <= CHECK_BEFORE_WRITE_MAX_BYTES else "never"
        if policy == "always":
            try:
                problems = quick_check(self.conn)
            except sqlite3.DatabaseError as e:
                problems = [str(e)]
            if problems:
                self.conn.execute("ROLLBACK")
                raise DamagedDatabaseError(
                    damaged_message(self.path, problems[0], command=self.command))
        self._checked = True

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
        from taiyaku.tm import index  # noqa: F401

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


# --- opening the file ---------------------------------------------------------------------------
#: SQLite errors that mean "this file cannot be written here" (read-only folder or file, full
#: disk: a WAL database cannot create or grow its -shm file), not "this file is bad"
_ACCESS_ERRORS = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_FULL",
                  "SQLITE_IOERR_SHMOPEN", "SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_SHMMAP",
                  "SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE")


def _uri(p: Path, query: str) -> str:
    """A ``file:`` URI for *p* (its bytes percent-encoded, so any file name works)."""
    return "file:" + urllib.parse.quote(os.fsencode(p.absolute())) + "?" + query


def _writable(p: Path) -> bool:
    """The file and its folder may be written (a WAL database writes -wal/-shm files beside
    itself, even to be read)."""
    folder = p.parent if str(p.parent) else Path(".")
    return os.access(p, os.W_OK) and os.access(folder, os.W_OK)


def _wal_has_data(p: Path) -> bool:
    """A -wal file with committed changes not yet in the main file may exist beside *p*."""
    try:
        return p.with_name(p.name + "-wal").stat().st_size > 0
    except OSError:
        return False


def _connect_file(
    p: Path, *, readonly: bool, create: bool, command: str | None = "taiyaku"
) -> tuple[sqlite3.Connection, str, int, int]:
    """Connect to *p* and read its schema version; return (conn, mode, version, tables).

    A writing command gets a read-write connection or an error naming the cause. A reading
    command falls back, when the file or its folder cannot be written (read-only media, a
    full disk), to ``mode=ro`` (still sees changes in an existing -wal file) and then to
    ``immutable=1`` (no -shm file needed; used only when no -wal file holds changes, since
    an immutable connection would not see them).
    """
    if not readonly:
        ladder = ["rwc" if create else "rw"]
    elif _writable(p):
        ladder = ["rw", "ro", "immutable"]
    else:
        ladder = ["ro", "immutable"]
    error: sqlite3.Error | None = None
    for mode in ladder:
        if mode == "immutable" and _wal_has_data(p):
            raise StoreError(
                f"{p}: cannot be read here: {_why_read_only(p)}, and its -wal file holds "
                "changes not yet in the database, which SQLite can only read with a -shm file "
                "beside it; open it once with a command that writes where it is writable"
            )
        query = "mode=ro&immutable=1" if mode == "immutable" else f"mode={mode}"
        try:
            conn = sqlite3.connect(_uri(p, query), uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None)
        except sqlite3.Error as e:
            error = e
            continue
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Read the schema before anything writes: a file that is not SQLite fails here
            # with "file is not a database" and is left byte-for-byte as it was.
            version, tables = _version_and_tables(conn)
        except sqlite3.DatabaseError as e:
            conn.close()
            if not _is_access_error(e):
                raise _store_error(p, e, command) from None
            error = e
            continue
        return conn, mode.rstrip("c"), version, tables
    assert error is not None
    raise _store_error(p, error, command) from None


def _is_access_error(e: sqlite3.Error) -> bool:
    name = getattr(e, "sqlite_errorname", "") or ""
    return name.startswith(_ACCESS_ERRORS) or "readonly" in str(e) or "unable to open" in str(e)


def _disk_free(p: Path) -> int | None:
    try:
        return shutil.disk_usage(p.parent if str(p.parent) else ".").free
    except OSError:
        return None


def _why_read_only(p: Path | None) -> str:
    """Why *p* cannot be written, as far as the file system says."""
    if p is None:
        return "in memory"
    folder = p.parent if str(p.parent) else Path(".")
    free = _disk_free(p)
    if free is not None and free < FULL_DISK_BYTES:
        return f"the disk holding {folder} is full"
    try:
        mounted_ro = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        mounted_ro = False
    if mounted_ro:
        return f"the file system holding {folder} is mounted read-only"
    if not os.access(folder, os.W_OK):
        return f"permission denied: the folder {folder} is read-only"
    if p.exists() and not os.access(p, os.W_OK):
        return f"permission denied: {p} is read-only"
    return "the file system refused to write"


#: less free space than this, and a failed write is put down to a full disk
FULL_DISK_BYTES = 1 << 20


def _recovery_hint(db: str) -> str:
    return (f"`taiyaku db recover {db} -o NEW.db` copies everything still readable into a "
            "new database")


def damaged_message(path: Path | None, detail: str, *, command: str | None = None) -> str:
    """The one line for a damaged database: what SQLite found, and how to recover.

    With *command* (the command that found the damage) the damage is also remembered beside
    the file (:func:`mark_damaged`) and the line says that writers now refuse the file.
    """
    where = str(path or ":memory:")
    db = shlex.quote(where)
    marked = ""
    if command is not None and path is not None:
        failure = mark_damaged(path, detail, command)
        mark = damage_mark_path(path).name
        marked = (f", and commands that write refuse it while {mark} is beside it" if failure
                  is None else f" (the mark {mark} that stops writers could not be written: "
                  f"{failure})")
    return (
        f"{where}: the database file is damaged ({detail}); nothing was written to it{marked}. "
        f"`taiyaku db check --db {db}` lists the damage (and lifts the refusal if the file is "
        f"sound); {_recovery_hint(db)}"
    )


def is_damage(e: sqlite3.Error, *, opened: bool = False) -> bool:
    """*e* says the file is damaged: SQLITE_CORRUPT ("database disk image is malformed");
    with *opened* (the file was read as a taiyaku database before) SQLITE_NOTADB too, which
    then means that its first page was overwritten rather than that it is another file."""
    name = getattr(e, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_CORRUPT") or "malformed" in str(e) or (
        opened and (name == "SQLITE_NOTADB" or "not a database" in str(e)))


def _store_error(
    path: Path | None, e: sqlite3.Error, command: str | None = "taiyaku"
) -> StoreError:
    """The project's error for an SQLite error on *path*; damage gets its own class and is
    remembered beside the file (:func:`mark_damaged`) unless *command* is None."""
    if is_damage(e):
        return DamagedDatabaseError(damaged_message(path, str(e), command=command))
    return StoreError(str(describe_database_error(path, e)))


def remember_damage(path: Path, e: sqlite3.Error, command: str) -> str | None:
    """For an SQLite error met by a command on the open database *path*: when it says the
    file is damaged, remember that beside it and return the one line to print; else None.

    The CLI calls this for errors that reach it (a search or an export reading a damaged
    page); writes remember their own (:meth:`Store.atomic`).
    """
    if not is_damage(e, opened=True):
        return None
    return damaged_message(path, str(e), command=command)


# --- the damage mark ------------------------------------------------------------------------------
#: added to the database's file name for the mark that stops writers (``tm.db.damaged``)
DAMAGE_MARK_SUFFIX = ".damaged"


@dataclass(frozen=True)
class DamageMark:
    """What the damage mark beside a database says: when, which command, SQLite's words."""

    path: str
    found: str
    command: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"mark": self.path, "found": self.found, "command": self.command,
                "detail": self.detail}


def damage_mark_path(db: Path) -> Path:
    """The damage mark's file beside *db* (a file beside it, so it can be written when the
    database itself cannot, and it goes when the folder goes)."""
    return db.with_name(db.name + DAMAGE_MARK_SUFFIX)


def read_damage_mark(db: Path) -> DamageMark | None:
    """The mark beside *db*, or None; a mark that cannot be read still counts (its fields
    then say so)."""
    mark = damage_mark_path(db)
    try:
        text = mark.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as e:
        return DamageMark(str(mark), "?", "?", f"the mark cannot be read: {e.strerror}")
    try:
        data = json.loads(text)
        return DamageMark(str(mark), str(data["found"]), str(data["command"]),
                          str(data["detail"]))
    except (ValueError, KeyError, TypeError):
        return DamageMark(str(mark), "?", "?", "the mark's content is not readable")


def mark_damaged(db: Path, detail: str, command: str) -> str | None:
    """Remember beside *db* that *command* found it damaged, unless a mark is there already
    (the first finding is kept); the mark is written whole (temporary file, renamed).

    :return: None, or why the mark could not be written (read-only folder, full disk)
    """
    mark = damage_mark_path(db)
    if mark.exists():
        return None
    data = {"database": str(db), "found": now_iso(), "command": command, "detail": detail,
            "meaning": "taiyaku found this database damaged; commands that write refuse it. "
                       "`taiyaku db check` removes this file if the database is sound; "
                       "`taiyaku db recover` copies what is readable into a new database."}
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{mark.name}.", dir=mark.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, mark)
    except OSError as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        return str(e.strerror or e)
    return None


def clear_damage_mark(db: Path) -> DamageMark | None:
    """Remove the mark beside *db* (after a full check found the file sound); return it.

    :raises OSError: it is there but cannot be removed
    """
    mark = read_damage_mark(db)
    if mark is not None:
        damage_mark_path(db).unlink(missing_ok=True)
    return mark


def marked_message(db: Path, mark: DamageMark) -> str:
    """The one line of a writer refusing a database that a command found damaged."""
    quoted = shlex.quote(str(db))
    return (
        f"{db}: not written: `{mark.command}` found this database damaged on {mark.found} "
        f"({mark.detail}; noted in {mark.path}). `taiyaku db check --db {quoted}` checks it "
        f"again (and lifts the refusal if the file is sound); {_recovery_hint(quoted)}"
    )


def describe_database_error(
    path: Path | None, e: sqlite3.Error, *, fallback: bool = True
) -> str | None:
    """One line naming the real cause of an SQLite error on *path*: damage, not a database,
    a full disk, permissions, another writer, or (with *fallback*; else None) SQLite's own
    words."""
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e)
    where = str(path or ":memory:")
    if is_damage(e):
        return damaged_message(path, text)
    if name == "SQLITE_NOTADB" or "not a database" in text:
        return f"{where}: not a taiyaku database: the file is not an SQLite database ({text})"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"{where}: another taiyaku is writing to this database; try again ({text})"
    if path is not None and (name == "SQLITE_FULL" or _is_access_error(e)
                             or name.startswith("SQLITE_IOERR")):
        why = _why_read_only(path)
        if why != "the file system refused to write" or not name.startswith("SQLITE_IOERR"):
            return f"{where}: cannot open or write the database: {why} ({text})"
        return f"{where}: disk I/O error ({name or text})"
    return f"{where}: database error ({text})" if fallback else None


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


# --- health: check and recover ------------------------------------------------------------------
def quick_check(conn: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """The problems ``PRAGMA quick_check`` (or, with *full*, ``integrity_check``, which also
    compares every index with its table) finds; empty when the file is sound.

    :raises sqlite3.DatabaseError: damage bad enough that the check itself cannot run
    """
    pragma = "integrity_check" if full else "quick_check"
    rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}(100)")]
    return [] if rows == ["ok"] else rows


@dataclass(frozen=True)
class HealthReport:
    """What ``taiyaku db check`` found.

    :param problems: SQLite's findings (empty: the file is sound)
    """

    path: str
    check: str
    problems: tuple[str, ...]
    schema_version: int | None
    seconds: float
    #: what became of the damage mark: ``none`` (no mark, none needed), ``written``
    #: (damage found), ``kept`` (a quick check passed: only the full one lifts a mark),
    #: ``removed`` (the full check passed), or ``not written: …`` / ``not removed: …``
    mark_action: str = "none"
    #: the mark that was there before the check
    mark: DamageMark | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "check": self.check, "ok": self.ok,
                "problems": list(self.problems), "schema_version": self.schema_version,
                "seconds": round(self.seconds, 3),
                "damage_mark": {"action": self.mark_action, "path": str(
                    damage_mark_path(Path(self.path))), "previous": None if self.mark is None
                    else self.mark.to_json()}}

    def render(self) -> str:
        mark_path = damage_mark_path(Path(self.path))
        before = "" if self.mark is None else (
            f" (`{self.mark.command}` found damage on {self.mark.found})")
        if self.ok:
            lines = [f"{self.path}: ok ({self.check}, {self.seconds:.1f} s)"]
            if self.mark_action == "removed":
                lines.append(f"Removed the damage mark {mark_path}{before}: commands that "
                             "write accept this file again.")
            elif self.mark_action == "kept":
                lines.append(f"The damage mark {mark_path}{before} stays: only the full check "
                             "(without --quick) removes it.")
            elif self.mark_action.startswith("not removed"):
                lines.append(f"The damage mark {mark_path}{before} could not be removed "
                             f"({self.mark_action[13:]}); commands that write still refuse "
                             "this file.")
            return "\n".join(lines)
        db = shlex.quote(self.path)
        lines = [f"{self.path}: damaged ({self.check} found {len(self.problems)} problem"
                 f"{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  {p}" for p in self.problems]
        if self.mark_action.startswith("not written"):
            lines.append(f"The damage mark that stops writers could not be written beside it "
                         f"({self.mark_action[13:]}).")
        else:
            lines.append(f"Commands that write refuse this file while {mark_path} is there.")
        lines.append(f"Recover what can be read: taiyaku db recover {db} -o NEW.db")
        return "\n".join(lines)


def _open_for_reading(p: Path, command: str | None) -> sqlite3.Connection:
    """A connection that never writes to *p* (for checking and recovering); damage found
    while opening is remembered beside *p* unless *command* is None."""
    if not p.exists():
        raise StoreError(f"{p}: no such database file")
    if p.is_dir():
        raise StoreError(f"{p}: is a directory; give a database file")
    conn, mode, version, tables = _connect_file(p, readonly=True, create=False,
                                                command=command)
    return conn


def check_database(
    path: str | os.PathLike[str], *, full: bool = True, command: str = "taiyaku db check"
) -> HealthReport:
    """Run SQLite's integrity check (or the quick check) on *path*, without writing to it;
    foreign keys that point nowhere count as problems too.

    Damage found is remembered beside the file (:func:`mark_damaged`: writers refuse it);
    a full check that finds the file sound removes that mark. The quick check leaves a mark
    in place: it does not compare indexes with their tables, which is damage too.

    :raises StoreError: the file is missing, is not an SQLite database, or cannot be read
    """
    p = Path(path)
    started = time.monotonic()
    check = "integrity_check" if full else "quick_check"
    conn = _open_for_reading(p, command)
    version: int | None = None
    try:
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            problems = quick_check(conn, full=full)
            if not problems:
                problems = [f"{table} row {rowid}: {parent} row missing"
                            for table, rowid, parent, _ in
                            conn.execute("PRAGMA foreign_key_check").fetchmany(100)]
        except sqlite3.DatabaseError as e:
            if not is_damage(e, opened=True):
                raise _store_error(p, e, command) from None
            problems = [str(e)]
    finally:
        conn.close()
    seconds = time.monotonic() - started
    mark = read_damage_mark(p)
    action = "none"
    if problems:
        failure = mark_damaged(p, problems[0], command)
        action = ("kept" if mark is not None else "written") if failure is None else (
            f"not written: {failure}")
    elif mark is not None and not full:
        action = "kept"
    elif mark is not None:
        try:
            clear_damage_mark(p)
            action = "removed"
        except OSError as e:
            action = f"not removed: {e.strerror or e}"
    return HealthReport(str(p), check, tuple(problems), version, seconds, action, mark)


#: tables copied by :func:`recover_database`, parents first; the fuzzy index is rebuilt instead
_RECOVER_TABLES = ("meta", "documents", "units", "segments", "terms", "term_forms")


@dataclass(frozen=True)
class RecoverReport:
    """What ``taiyaku db recover`` saved.

    :param copied: rows copied per table
    :param unreadable: rowid ranges per table that could not be read (their rows are lost)
    :param placeholders: rows made up for parents that were lost (documents, terms)
    """

    source: str
    output: str
    method: str
    copied: dict[str, int]
    unreadable: dict[str, int]
    rejected: dict[str, int]
    placeholders: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "output": self.output, "method": self.method,
                "copied": self.copied, "unreadable_ranges": self.unreadable,
                "rejected": self.rejected, "placeholders": self.placeholders}

    def summary(self) -> str:
        copied = ", ".join(f"{n} {t}" for t, n in self.copied.items() if t != "meta")
        lines = [f"Recovered into {self.output} ({self.method}): {copied}"]
        lost = {t: n for t, n in self.unreadable.items() if n}
        if lost:
            lines.append("Unreadable (rows lost): " + ", ".join(
                f"{n} range{'s' if n != 1 else ''} of {t}" for t, n in lost.items()))
        bad = {t: n for t, n in self.rejected.items() if n}
        if bad:
            lines.append("Rows with damaged values left out: " + ", ".join(
                f"{n} {t}" for t, n in bad.items()))
        made = {t: n for t, n in self.placeholders.items() if n}
        if made:
            lines.append("Made up for lost parents: " + ", ".join(
                f"{n} {t} (named 'recovered …')" for t, n in made.items()))
        lines.append(f"The search index was rebuilt; {self.source} was not changed.")
        return "\n".join(lines)


#: failed reads :func:`_readable_rows` may spend on one table halving damaged rowid ranges
PROBE_BUDGET = 200_000


def _readable_rows(
    conn: sqlite3.Connection, table: str, columns: list[str]
) -> tuple[list[tuple[Any, ...]], int]:
    """Every row of *table* that can be read, by rowid range; a range whose read raises
    SQLite's damage error is halved down to single rowids, which are then given up (within
    :data:`PROBE_BUDGET` failed reads; past it a failing range is given up whole). Returns
    the rows and the number of rowid ranges given up.

    When the first or last rowid cannot be read, the range scanned is 1 to a bound taken
    from the file size (taiyaku's ids count up from 1).
    """
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid >= ? AND rowid < ?"
    try:
        lo, hi = conn.execute(f"SELECT min(rowid), max(rowid) FROM {table}").fetchone()
        if lo is None:
            return [], 0
    except sqlite3.DatabaseError:
        pages, size = (conn.execute(f"PRAGMA {k}").fetchone()[0]
                       for k in ("page_count", "page_size"))
        lo, hi = 1, int(pages) * int(size) // 16
    rows: list[tuple[Any, ...]] = []
    lost = failures = 0
    stack = [(int(lo), int(hi) + 1)]
    while stack:
        a, b = stack.pop()
        try:
            rows.extend(conn.execute(select, (a, b)).fetchall())
        except sqlite3.DatabaseError:
            failures += 1
            if b - a == 1 or failures > PROBE_BUDGET:
                lost += 1
                continue
            mid = a + (b - a) // 2
            stack += [(mid, b), (a, mid)]
    rows.sort(key=lambda r: r[0])
    return rows, lost


def _recover_with_cli(src: Path, folder: Path) -> Path | None:
    """SQLite's own recovery (the ``sqlite3`` shell's ``.recover``, which also finds rows
    whose tree pages are lost) into a new file in *folder*; None without the shell."""
    shell = shutil.which("sqlite3")
    if shell is None:
        return None
    import subprocess

    out = Path(tempfile.mkstemp(prefix=".recover.", suffix=".db", dir=folder)[1])
    out.unlink()
    try:
        dump = subprocess.run([shell, "-readonly", str(src), ".recover"], capture_output=True,
                              check=False, timeout=3600)
        load = subprocess.run([shell, str(out)], input=dump.stdout, capture_output=True,
                              check=False, timeout=3600)
        # a shell built without the sqlite_dbpage table (Debian's) fails here: exit 1
        if dump.returncode != 0 or load.returncode != 0 or not out.exists():
            out.unlink(missing_ok=True)
            return None
    except (OSError, subprocess.SubprocessError):
        out.unlink(missing_ok=True)
        return None
    return out


def recover_database(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *,
    use_sqlite_shell: bool = True, progress: Callable[..., None] | None = None,
) -> RecoverReport:
    """Copy everything still readable from a damaged database into a new one.

    With the ``sqlite3`` shell installed its ``.recover`` reads the source first (it scans
    every page, so rows under a damaged tree page are found too); otherwise, or if it
    fails, rows are read table by table by rowid range, skipping ranges that cannot be
    read. The rows go into a fresh taiyaku database (current schema, constraints checked);
    units or forms whose document or entry row was lost get a made-up parent named
    ``recovered …``; the fuzzy-search index is rebuilt; the result passes
    ``integrity_check`` and only then appears as *output*. The source is never written;
    its damage mark (:func:`mark_damaged`) stays, and is written if rows were unreadable.

    :raises StoreError: *output* exists (never overwritten) or is the source, the source is
        missing, or so damaged that not even its list of tables can be read
    """
    src, dest = Path(source), Path(output)
    if dest.exists() or dest.with_name(dest.name + "-wal").exists():
        raise StoreError(f"{dest}: already exists; recover into a new file")
    if not src.exists():
        raise StoreError(f"{src}: no such database file")
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"{dest}: folder {folder} does not exist")
    method = "rowid ranges"
    intermediate = _recover_with_cli(src, folder) if use_sqlite_shell else None
    if intermediate is not None:
        method = "sqlite3 .recover"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        # (the shell's copy is a temporary file: no damage mark beside it)
        reader = _open_for_reading(intermediate or src,
                                   None if intermediate else "taiyaku db recover")
        try:
            report = _copy_readable(reader, tmp, progress, src)
        finally:
            reader.close()
        lost = sum(report[1].values())
        if lost:  # damage found while reading: writers refuse the source from now on
            mark_damaged(src, f"{lost} unreadable row range{'s' if lost != 1 else ''}",
                         "taiyaku db recover")
        damage_mark_path(dest).unlink(missing_ok=True)  # a mark left by a file now gone
        os.replace(tmp, dest)  # the -wal was checkpointed and removed on close
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
        if intermediate is not None:
            intermediate.unlink(missing_ok=True)
    return RecoverReport(str(src), str(dest), method, *report)


def _copy_readable(
    reader: sqlite3.Connection, tmp: Path, progress: Callable[..., None] | None, src: Path
) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
    try:
        tables = {str(r[0]) for r in reader.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        raise StoreError(
            f"{src}: cannot read its list of tables ({e}); nothing to recover") from None
    if not tables & {"documents", "units", "terms"}:
        raise StoreError(f"{src}: not a taiyaku database (none of its tables is there); "
                         "nothing to recover")
    copied: dict[str, int] = {}
    unreadable: dict[str, int] = {}
    rejected: dict[str, int] = {}
    placeholders: dict[str, int] = {}
    from taiyaku.tm import index

    store = Store.open(tmp)
    try:
        store.conn.execute("PRAGMA foreign_keys = OFF")  # parents are made up after the copy
        with store.atomic():
            for table in _RECOVER_TABLES:
                copied[table] = unreadable[table] = rejected[table] = 0
                if table not in tables:
                    continue
                dest_cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
                try:
                    src_cols = {r[1] for r in reader.execute(f"PRAGMA table_info({table})")}
                except sqlite3.DatabaseError:
                    continue
                columns = [c for c in dest_cols if c in src_cols]
                rows, unreadable[table] = _readable_rows(reader, table, columns)
                if table == "meta":
                    # this taiyaku's signature stays for keys the source lost; the index
                    # bookkeeping is the rebuilt index's
                    rows = [r for r in rows if not str(r[1]).startswith("fuzzy_")]
                    sql = (f"INSERT OR REPLACE INTO meta({', '.join(columns)}) "
                           f"VALUES ({', '.join('?' * len(columns))})")
                else:
                    sql = (f"INSERT INTO {table}({', '.join(columns)}) "
                           f"VALUES ({', '.join('?' * len(columns))})")
                for row in rows:
                    try:
                        store.conn.execute(sql, row[1:])
                        copied[table] += 1
                    except sqlite3.Error:
                        rejected[table] += 1  # a value the damage changed breaks a constraint
                if progress is not None:
                    progress(copied[table], None, f"recovered {table}")
            placeholders = _make_up_parents(store)
            index.rebuild(store)
        store.conn.execute("PRAGMA foreign_keys = ON")
        problems = quick_check(store.conn, full=True)
        if problems or store.conn.execute("PRAGMA foreign_key_check").fetchone():
            raise StoreError(f"{tmp}: the recovered copy fails its own check ({problems[:1]})")
    finally:
        store.close()
    return copied, unreadable, rejected, placeholders


def _make_up_parents(store: Store) -> dict[str, int]:
    """Rows whose parent row was lost keep their data under a made-up parent (a document or
    a candidate entry named ``recovered …``); links to lost units are cleared."""
    q = store.conn.execute
    stamp = now_iso()
    docs = q(
        "INSERT INTO documents(id, name, layout, kind, created) "
        "SELECT d, 'recovered document ' || d, 'unknown', 'bilingual', ? FROM "
        "(SELECT doc_id AS d FROM units UNION SELECT doc_id FROM segments) "
        "WHERE d NOT IN (SELECT id FROM documents)", (stamp,)).rowcount
    terms = q(
        "INSERT INTO terms(id, status, origin, note, created, updated) "
        "SELECT DISTINCT term_id, 'candidate', 'import', "
        "'recovered: this entry''s own row was lost (status, note and sources)', ?, ? "
        "FROM term_forms WHERE term_id NOT IN (SELECT id FROM terms)", (stamp, stamp)).rowcount
    q("UPDATE segments SET unit_id = NULL "
      "WHERE unit_id IS NOT NULL AND unit_id NOT IN (SELECT id FROM units)")
    return {"documents": max(docs, 0), "terms": max(terms, 0)}
