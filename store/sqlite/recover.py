"""``taiyaku db recover``: copy what is readable from a damaged SQLite database into a new
one (the fuzzy index rebuilt)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taiyaku.core.errors import StoreError
from taiyaku.store.sqlite import SqliteStore
from taiyaku.store.sqlite.health import (
    _open_for_reading,
    damage_mark_path,
    mark_damaged,
    quick_check,
)
from taiyaku.store.sqlite.schema import now_iso

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
    store = SqliteStore.open(tmp)
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
            store.fuzzy.rebuild()
        store.conn.execute("PRAGMA foreign_keys = ON")
        problems = quick_check(store.conn, full=True)
        if problems or store.conn.execute("PRAGMA foreign_key_check").fetchone():
            raise StoreError(f"{tmp}: the recovered copy fails its own check ({problems[:1]})")
    finally:
        store.close()
    return copied, unreadable, rejected, placeholders


def _make_up_parents(store: SqliteStore) -> dict[str, int]:
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

