"""The SQLite backend's health: opening a file (read-write, or read-only where it cannot be
written), what an SQLite error means in one line, the damage mark that stops writers, and
``taiyaku db check``."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taiyaku.core.errors import DamagedDatabaseError, StoreError
from taiyaku.store.sqlite.schema import now_iso

#: SQLite's busy timeout outside a writer's wait for the lock (a reader waiting for a WAL
#: recovery)
BUSY_TIMEOUT_MS = 30_000


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
    p: Path, *, readonly: bool, create: bool, command: str | None = "taiyaku",
    any_thread: bool = False,
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
                                   isolation_level=None, check_same_thread=not any_thread)
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




def explain_error(e: BaseException, db: Path | None, command: str, *, hint: str = ""
                  ) -> str | None:
    """One line for an SQLite error that reached the CLI, or None when *e* is not one this
    backend can explain. A damaged database (found mid-command) is named with *db*, the
    command's database, and remembered beside it so that writers refuse it (*command* is
    noted as the finder)."""
    if isinstance(e, sqlite3.DatabaseError) and db is not None:
        known = remember_damage(db, e, command) or describe_database_error(db, e, fallback=False)
        if known is not None:
            return known
    if isinstance(e, sqlite3.OperationalError):
        text = str(e)
        if "locked" in text or "busy" in text:
            return f"the database is locked: another taiyaku is writing to it; try again{hint}"
        if any(k in text for k in ("readonly", "disk", "full", "unable to open")):
            return f"database error: {text}{hint}"
    return None
