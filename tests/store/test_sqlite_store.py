"""The SQLite backend: opening, migrations from every earlier version, atomic(), refusals."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
import taiyaku.store.sqlite as tm_store
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import StoreError
from taiyaku.core.normalize import NORMALIZER_NAME
from taiyaku.store import open_store
from taiyaku.store.sqlite import MIGRATIONS, SCHEMA_VERSION, default_db_path
from taiyaku.store.sqlite import SqliteStore as Store
from taiyaku.tm.search import find_matches

META_KEYS = {"created", "taiyaku_version", "sudachipy_version", "sudachi_dictionary",
             "split_mode", "normalizer", "scorer"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and column of the file, for comparing two databases."""
    conn = sqlite3.connect(path)
    try:
        objects = conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
        columns = []
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for col in conn.execute(f"PRAGMA table_info('{name}')"):
                columns.append(("column", f"{name}.{col[1]}", f"{col[2]}|{col[3]}|{col[4]}"))
        return sorted(objects + columns)
    finally:
        conn.close()


# -- opening --------------------------------------------------------------------------------
def test_fresh_store_is_migrated_and_signed(tmp_path: Path) -> None:
    with open_store(tmp_path / "new.db") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert META_KEYS <= set(store.meta.all())
        assert store.meta.get("normalizer") == NORMALIZER_NAME
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert set(store.counts().values()) == {0}


def test_memory_store() -> None:
    with open_store(":memory:") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.path is None


def test_creates_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tm.db"
    open_store(path).close()
    assert path.is_file()


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(StoreError, match="no database here"):
        open_store(path, create=False)
    assert not path.exists()


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)


def test_reopen_keeps_created_and_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tm.db"
    with open_store(path) as store:
        created = store.meta.get("created")
    with open_store(path) as store:
        assert store.migrate() == []
        assert store.meta.get("created") == created


@pytest.mark.parametrize(
    "content",
    [b"hello, this is not a database\n" * 40, b"SQLite format 3\x00" + b"\xff" * 200],
    ids=["text file", "damaged header"],
)
def test_non_database_file_is_refused_unchanged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(StoreError, match="not a taiyaku database"):
        open_store(path)
    assert digest(path) == before
    assert not (tmp_path / "article.txt-wal").exists()


def test_other_programs_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert digest(path) == before


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this taiyaku"):
        open_store(path)


def test_default_path_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAIYAKU_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    monkeypatch.delenv("TAIYAKU_DB")
    path = default_db_path()
    assert path.name == "taiyaku.db"
    assert "taiyaku" in path.parent.name.lower()


# -- migrations -----------------------------------------------------------------------------
def test_migrations_from_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    conn = sqlite3.connect(path, isolation_level=None)
    ran = Store(conn, path).migrate()
    conn.close()
    assert ran == [m.__name__ for m in MIGRATIONS]
    assert len(set(ran)) == len(ran)
    assert schema_of(path) == schema_of(_fresh(tmp_path))


def _fresh(tmp_path: Path) -> Path:
    path = tmp_path / "reference.db"
    if not path.exists():
        open_store(path).close()
    return path


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_migrations_from_each_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    old = Store(conn, path)
    assert old.migrate(upto=version) == [m.__name__ for m in MIGRATIONS[:version]]
    assert old.schema_version == version
    if version >= 1:
        # Data written under the old schema survives the upgrade.
        with old.transaction():
            old.conn.execute(
                "INSERT INTO documents(name, layout, kind, created) "
                "VALUES ('old-doc', 'halves', 'bilingual', '2025-01-01T00:00:00Z')"
            )
    conn.close()

    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert META_KEYS <= set(store.meta.all())
        names = [d.name for d in store.documents.all()]
        assert names == (["old-doc"] if version >= 1 else [])
    assert schema_of(path) == schema_of(_fresh(tmp_path))


def test_migrate_upto_out_of_range(store: Store) -> None:
    with pytest.raises(ValueError):
        store.migrate(upto=SCHEMA_VERSION + 1)


def test_failing_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "half.db"
    open_store(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("simulated failure")

    monkeypatch.setattr(tm_store, "MIGRATIONS", [*MIGRATIONS, broken])
    monkeypatch.setattr(tm_store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="simulated failure"):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"
    ).fetchone()[0] == 0
    conn.close()


# -- atomic() -------------------------------------------------------------------------------
def _docs(store: Store) -> list[str]:
    return [d.name for d in store.documents.all()]


def test_atomic_commits(store: Store, tmp_path: Path) -> None:
    with store.transaction():
        store.documents.add("a", layout="halves", kind="bilingual")
    other = sqlite3.connect(tmp_path / "test.db")
    assert other.execute("SELECT name FROM documents").fetchall() == [("a",)]
    other.close()


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_atomic_rolls_back_on_error(store: Store, tmp_path: Path,
                                    error: type[BaseException]) -> None:
    with store.transaction():
        store.documents.add("kept", layout="halves", kind="bilingual")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(tmp_path / "test.db")
    with pytest.raises(error), store.transaction():
        store.documents.add("lost", layout="halves", kind="bilingual")
        store.meta.set("normalizer", "changed")
        store.documents.remove(store.documents.find("kept").id)
        raise error()
    assert _docs(store) == ["kept"]
    assert store.meta.get("normalizer") != "changed"
    assert not store.conn.in_transaction
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert digest(tmp_path / "test.db") == before
    # The helper is usable again afterwards.
    with store.transaction():
        store.documents.add("after", layout="halves", kind="bilingual")
    assert _docs(store) == ["kept", "after"]


def test_nested_savepoint_rolls_back_alone(store: Store) -> None:
    with store.transaction():
        store.documents.add("outer", layout="halves", kind="bilingual")
        with pytest.raises(RuntimeError), store.transaction():
            store.documents.add("inner", layout="halves", kind="bilingual")
            raise RuntimeError("inner fails")
        assert _docs(store) == ["outer"]
        with store.transaction(), store.transaction():
            store.documents.add("deep", layout="halves", kind="bilingual")
    assert _docs(store) == ["outer", "deep"]


def test_outer_failure_undoes_committed_savepoints(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.documents.add("inner", layout="halves", kind="bilingual")
        raise RuntimeError("outer fails")
    assert _docs(store) == []


def test_atomic_takes_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    first = open_store(path)
    second = open_store(path)
    second.conn.execute("PRAGMA busy_timeout = 50")
    second.lock_timeout = 0.3
    waits: list[str] = []
    second.on_wait = waits.append
    try:
        with first.transaction():
            with pytest.raises(StoreError, match="writing to this database"), second.transaction():
                pass
        assert len(waits) == 1 and "waiting" in waits[0]
        with second.transaction():
            second.documents.add("now", layout="halves", kind="bilingual")
        assert _docs(first) == ["now"]
    finally:
        first.close()
        second.close()


def test_failed_commit_is_rolled_back(store: Store) -> None:
    # A deferred foreign key fails at COMMIT time: the transaction must not stay open.
    store.conn.execute("PRAGMA defer_foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.conn.execute(
            "INSERT INTO segments(doc_id, lang, position, text) VALUES (999, 'ja', 0, 'x')"
        )
    assert not store.conn.in_transaction
    assert store.counts()["segments"] == 0


# -- documents ------------------------------------------------------------------------------
def test_add_document_refuses_a_taken_name_and_remove_cascades(store: Store) -> None:
    with store.transaction():
        first = store.documents.add("article", layout="halves", kind="bilingual")
        store.conn.execute(
            "INSERT INTO segments(doc_id, lang, position, text) VALUES (?, 'ja', 0, '米中')",
            (first,),
        )
    # nothing is replaced as a side effect: a taken name is refused, the document kept
    with pytest.raises(StoreError, match="already stored"), store.transaction():
        store.documents.add("article", layout="halves", kind="bilingual")
    assert store.counts()["segments"] == 1
    with store.transaction():
        removed = store.documents.remove(first)
        assert removed is not None and removed.segments == 1
        assert store.documents.remove(first) is None
    assert store.counts()["segments"] == 0
    assert _docs(store) == []


def test_deleting_a_document_hands_shared_units_to_the_others_that_hold_them(
    store: Store,
) -> None:
    from taiyaku.core.model import NewUnit

    shared = NewUnit("港に船が着いた。", "A ship arrived at the port.", 0)
    own = NewUnit("雨が降った。", "It rained.", 1)
    with store.transaction():
        a = store.documents.add("a.tmx", layout="tmx", kind="tmx")
        store.units.add(a, [shared, own], skip_duplicates=True)
        b = store.documents.add("b.tmx", layout="tmx", kind="tmx")
        # b holds the shared unit too: it is skipped as a duplicate and b recorded as holder
        assert store.units.add(b, [NewUnit(shared.ja, shared.en, 7)],
                         skip_duplicates=True) == [None]
    with store.transaction():
        removed = store.documents.remove(a)
    assert removed is not None and (removed.units, removed.units_kept) == (1, 1)
    rows = store.conn.execute("SELECT u.ja, d.name, u.position FROM units u "
                              "JOIN documents d ON d.id = u.doc_id").fetchall()
    assert rows == [(shared.ja, "b.tmx", 7)]
    assert store.conn.execute("SELECT count(*) FROM unit_holders").fetchall() == [(0,)]
    assert find_matches(store, shared.ja)[0].score == 100.0


def test_document_kind_is_checked(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.documents.add("x", layout="halves", kind="nonsense")


@settings(max_examples=40, deadline=None)
@given(st.text(), st.text())
def test_meta_round_trips_any_text(key: str, value: str) -> None:
    with open_store(":memory:") as store:
        with store.transaction():
            store.meta.set(key, value)
        assert store.meta.get(key) == value


# -- read-only opening, the lock timeout (issues 15.17, 16.3, 16.11) ------------------------
def test_readonly_refuses_a_missing_file_even_with_create(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "absent.db"
    with pytest.raises(StoreError, match="no database here"):
        open_store(path, readonly=True)
    assert not path.parent.exists()


def test_unwritable_file_is_read_without_writing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder the user may not write (root ignores permissions, so os.access stands in):
    the store opens read-only and still sees changes committed to the -wal file only."""
    path = tmp_path / "tm.db"
    open_store(path).close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO documents(name, layout, kind, created) "
                   "VALUES ('in the wal', 'halves', 'bilingual', 'x')")
    assert (tmp_path / "tm.db-wal").stat().st_size > 0
    real_access = os.access

    def no_write(p: object, mode: int, **kwargs: object) -> bool:
        return False if mode & os.W_OK else real_access(p, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", no_write)
    try:
        with open_store(path, readonly=True) as store:
            assert store.mode == "ro"
            assert _docs(store) == ["in the wal"]
            with pytest.raises(StoreError, match="opened read-only.*needs to write"), \
                    store.transaction():
                pass
    finally:
        writer.close()


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "", "inf", "0", "2.5"])
def test_lock_timeout_from_env(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIYAKU_LOCK_TIMEOUT", value)
    if value in ("abc", "-1", "nan"):
        with pytest.raises(StoreError, match="TAIYAKU_LOCK_TIMEOUT.*number of seconds"):
            open_store(":memory:")
    else:
        with open_store(":memory:") as store:
            assert store.lock_timeout == (float(value) if value else 3600.0)


def test_newer_database_gives_one_line(tmp_path: Path) -> None:
    db_path = tmp_path / "newer.db"
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    from click.testing import CliRunner
    from taiyaku.cli import cli

    result = CliRunner().invoke(cli, ["stats", "--db", str(db_path)])
    assert result.exit_code == 1
    assert "newer than this taiyaku" in result.stderr
    assert result.stderr.count("\n") == 1
