"""The SQLite backend: one file holding documents, segments, TM units, the fuzzy index and the
glossary. :class:`SqliteStore` opens it (creating and migrating it, read-only where it cannot
be written), takes the write lock, refuses a damaged file, and runs each command's writes in
one transaction; its areas (:attr:`SqliteStore.documents`, ``.segments``, ``.units``,
``.fuzzy``, ``.meta``, ``.beads``, ``.glossary``, ``.qa``) hold the SQL of
:mod:`taiyaku.store.interface`.

``conn`` and ``atomic()`` stay on the store object for the areas written in this package
(beads, glossary, QA); nothing outside ``taiyaku.store`` uses them.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from taiyaku.core.errors import DamagedDatabaseError, StoreError, UnavailableError
from taiyaku.store.sqlite.health import (
    BUSY_TIMEOUT_MS,
    _connect_file,
    _store_error,
    _why_read_only,
    damage_mark_path,
    damaged_message,
    is_damage,
    mark_damaged,
    marked_message,
    quick_check,
    read_damage_mark,
    remember_damage,
)
from taiyaku.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION, now_iso

if TYPE_CHECKING:
    from taiyaku.store.sqlite.beads import SqliteBeads
    from taiyaku.store.sqlite.documents import SqliteDocuments
    from taiyaku.store.sqlite.glossary import SqliteGlossary
    from taiyaku.store.sqlite.index import SqliteFuzzy
    from taiyaku.store.sqlite.meta import SqliteMeta
    from taiyaku.store.sqlite.qa import SqliteQaMemory
    from taiyaku.store.sqlite.segments import SqliteSegments
    from taiyaku.store.sqlite.units import SqliteUnits

__all__ = ["SqliteStore", "SqlAreas", "default_db_path", "MIGRATIONS", "SCHEMA_VERSION"]

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


#: the memory map a searching connection asks for (SQLite caps it at its compile-time limit)
MMAP_BYTES = 1 << 31
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


class SqlAreas:
    """The areas of a store whose SQL is the SQLite backend's, created on first use by
    :meth:`_area` (SQLite's store, and the PostgreSQL one, which runs the same areas on a
    connection that speaks their SQL)."""

    def _area(self, name: str, module: str, cls: str) -> object:
        raise NotImplementedError

    @property
    def meta(self) -> SqliteMeta:
        """Key–value settings (:class:`~taiyaku.store.interface.Meta`)."""
        return cast("SqliteMeta", self._area("meta", "meta", "SqliteMeta"))

    @property
    def documents(self) -> SqliteDocuments:
        """Documents (:class:`~taiyaku.store.interface.Documents`)."""
        return cast("SqliteDocuments", self._area("documents", "documents", "SqliteDocuments"))

    @property
    def segments(self) -> SqliteSegments:
        """Segments (:class:`~taiyaku.store.interface.Segments`)."""
        return cast("SqliteSegments", self._area("segments", "segments", "SqliteSegments"))

    @property
    def units(self) -> SqliteUnits:
        """TM units (:class:`~taiyaku.store.interface.Units`)."""
        return cast("SqliteUnits", self._area("units", "units", "SqliteUnits"))

    @property
    def fuzzy(self) -> SqliteFuzzy:
        """Fuzzy-search candidates (:class:`~taiyaku.store.interface.Fuzzy`)."""
        return cast("SqliteFuzzy", self._area("fuzzy", "index", "SqliteFuzzy"))

    @property
    def beads(self) -> SqliteBeads:
        """Stored alignments and their edit history (:class:`~taiyaku.store.beads.BeadsArea`)."""
        return cast("SqliteBeads", self._area("beads", "beads", "SqliteBeads"))

    @property
    def glossary(self) -> SqliteGlossary:
        """The glossary: entries, forms, statuses, evidence
        (:class:`~taiyaku.store.glossary.GlossaryArea`)."""
        return cast("SqliteGlossary", self._area("glossary", "glossary", "SqliteGlossary"))

    @property
    def qa(self) -> SqliteQaMemory:
        """False positives of ``taiyaku qa`` (:class:`~taiyaku.store.interface.QaMemory`)."""
        return cast("SqliteQaMemory", self._area("qa", "qa", "SqliteQaMemory"))



class SqliteStore(SqlAreas):
    """One SQLite file holding documents, segments, TM units and the glossary.

    Use as a context manager or call :meth:`close`::

        with SqliteStore.open(path) as store:
            with store.transaction():
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
        #: the areas, created on first use
        self._areas: dict[str, object] = {}

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
        any_thread: bool = False,
    ) -> SqliteStore:
        """Open (and create and migrate) the database at *path* (``":memory:"`` works).

        :param create: create the file (and its folders) when it does not exist
        :param readonly: the command only reads: a missing file is refused whatever *create*
            says, and a file on read-only media (or a full disk) is opened read-only
            (:func:`_connect_file`); else a file with a damage mark is refused at once
        :param on_wait: told once when a write has to wait for another process
        :param command: the command, as a damage mark names it (:func:`mark_damaged`)
        :param any_thread: the store may be used from another thread than the one that opened
            it, one thread at a time (the web server opens a request's store in one worker
            thread and runs the request in another)
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
            conn = sqlite3.connect(":memory:", isolation_level=None,
                                   check_same_thread=not any_thread)
            mode, version, tables = "rw", 0, 0
        else:
            conn, mode, version, tables = _connect_file(p, readonly=readonly, create=create,
                                                        command=command, any_thread=any_thread)
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

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        # A caller's error handler may never see the store: damage met while it was open
        # is remembered here (the CLI does the same for the errors that reach it).
        if isinstance(error, sqlite3.DatabaseError) and self.path is not None:
            remember_damage(self.path, error, self.command)
        self.close()

    # -- schema ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """How messages name the database: its file, or ``:memory:``."""
        return str(self.path) if self.path is not None else ":memory:"

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
                and (ran or not self.meta.get("created"))):
            from taiyaku.core import signature

            with self.atomic():
                if not self.meta.get("created"):
                    self.meta.set("created", now_iso())
                for key, value in signature.static_meta().items():
                    self.meta.set(key, value)
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
                    raise UnavailableError(
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

    # -- areas -----------------------------------------------------------------------------
    def _area(self, name: str, module: str, cls: str) -> object:
        """The area *name*, created on first use from class *cls* of ``store.sqlite.<module>``
        (imported then: opening a store for a command that never searches skips the index
        module)."""
        area = self._areas.get(name)
        if area is None:
            import importlib

            found = importlib.import_module(f"taiyaku.store.sqlite.{module}")
            area = self._areas[name] = getattr(found, cls)(self)
        return area

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """One transaction (:meth:`atomic` with the write lock taken up front)."""
        return self.atomic()

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
