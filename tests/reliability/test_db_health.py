"""The database file itself: damaged pages, a missing file, read-only media, a full disk.

Damage is made on the spot: a copy of a seeded database gets one leaf page of its ``units``
table overwritten (found through SQLite's ``dbstat`` table), as a bad sector or a bad copy
would leave it. Read-only media and a full disk are real where the tests may mount a small
tmpfs in a private mount namespace (root with ``unshare``); elsewhere those tests skip and
say why (root ignores file permissions, so ``chmod`` cannot stand in for them).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import build_seed_db
from .support import (
    assert_one_line_error,
    cli_command,
    cli_env,
    describe,
    run_cli,
    tmx_text,
)
from .support import sentence_pairs as pairs_for

UNITS = 600


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def healthy_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("health") / "healthy.db"
    build_seed_db(path, units=UNITS)
    return path


def damage_a_units_page(path: Path) -> int:
    """Overwrite the header and cell pointers of a leaf page in the middle of ``units``;
    return the page number."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'units' AND pagetype = 'leaf' "
            "ORDER BY pageno")]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    assert len(pages) >= 5, "the units table should span several pages"
    page = pages[len(pages) // 2]
    with path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * 64)
    return int(page)


@pytest.fixture
def healthy(tmp_path: Path, healthy_template: Path) -> Path:
    path = tmp_path / "healthy.db"
    shutil.copyfile(healthy_template, path)
    return path


@pytest.fixture
def damaged(tmp_path: Path, healthy_template: Path) -> Path:
    path = tmp_path / "damaged.db"
    shutil.copyfile(healthy_template, path)
    damage_a_units_page(path)
    return path


# -- 16.2: a damaged page ----------------------------------------------------------------------
DAMAGED = r"damaged.*db recover"


@pytest.mark.parametrize("args", [
    ["tm", "export", "-o", "{tmp}/out.tmx"],
    ["tm", "search", "港湾計画", "--concordance"],
    ["terms", "extract"],
], ids=lambda a: " ".join(a[:2]))
def test_reading_a_damaged_database_gives_one_line(damaged: Path, tmp_path: Path,
                                                   args: list[str]) -> None:
    before = sha(damaged)
    proc = run_cli([a.format(tmp=tmp_path) for a in args], db=damaged, timeout=300)
    assert_one_line_error(proc, str(damaged), DAMAGED)
    assert sha(damaged) == before
    assert not (tmp_path / "out.tmx").exists()
    assert mark_of(damaged) is not None, "the damage found was not remembered"


def test_writers_refuse_a_damaged_database(damaged: Path, tmp_path: Path) -> None:
    """The damage is in pages a new term or an imported TMX would not touch: the write
    would succeed, so the quick check before the first write must stop it."""
    before = sha(damaged)
    proc = run_cli(["terms", "add", "新語", "new word"], db=damaged)
    assert_one_line_error(proc, str(damaged), DAMAGED)
    tmx = tmp_path / "small.tmx"
    tmx.write_text(tmx_text(pairs_for(3, start=90_000)), encoding="utf-8")
    proc = run_cli(["tm", "import", str(tmx)], db=damaged, timeout=300)
    assert_one_line_error(proc, str(damaged), DAMAGED)
    article = tmp_path / "article.txt"
    article.write_text("".join(f"{ja}\n{en}\n\n" for ja, en in pairs_for(4, start=91_000)),
                       encoding="utf-8")
    proc = run_cli(["ingest", str(article), "--layout", "interleaved"], db=damaged, timeout=300)
    assert_one_line_error(proc, str(damaged), DAMAGED)
    assert sha(damaged) == before


def test_db_check(healthy: Path, damaged: Path) -> None:
    ok = run_cli(["db", "check", "--json"], db=healthy)
    assert ok.returncode == 0, describe(ok)
    assert json.loads(ok.stdout)["ok"] is True
    bad = run_cli(["db", "check", "--db", str(damaged)])
    assert bad.returncode == 1, describe(bad)
    assert "damaged" in bad.stdout and "db recover" in bad.stdout, describe(bad)
    quick = run_cli(["db", "check", "--quick", "--json"], db=damaged)
    data = json.loads(quick.stdout)
    assert quick.returncode == 1 and data["ok"] is False and data["problems"], describe(quick)
    assert "Traceback" not in bad.stderr + quick.stderr


@pytest.mark.parametrize("shell", [True, False], ids=["sqlite3 shell", "rowid ranges"])
def test_db_recover(damaged: Path, tmp_path: Path, shell: bool) -> None:
    if shell and not shell_can_recover():
        pytest.skip("no sqlite3 shell with a working .recover (Debian's lacks sqlite_dbpage): "
                    "that path is not tested here")
    before = sha(damaged)
    out = tmp_path / "recovered.db"
    args = ["db", "recover", str(damaged), "-o", str(out), "--json"]
    proc = run_cli(args if shell else [*args, "--no-sqlite3"], timeout=300)
    assert proc.returncode == 0, describe(proc)
    report = json.loads(proc.stdout)
    assert report["method"] == ("sqlite3 .recover" if shell else "rowid ranges")
    assert sha(damaged) == before, "the source was written to"
    if not shell:
        assert mark_of(damaged) is not None, "the unreadable rows were not remembered"
    assert mark_of(out) is None
    # a sound taiyaku database: it passes the check, every command works on it
    check = run_cli(["db", "check", "--json"], db=out)
    assert check.returncode == 0 and json.loads(check.stdout)["ok"], describe(check)
    conn = sqlite3.connect(out)
    try:
        units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM fuzzy_tokens").fetchone()[0]
        terms = conn.execute("SELECT count(*) FROM terms WHERE status = 'approved'").fetchone()[0]
    finally:
        conn.close()
    assert UNITS * 0.8 < units < UNITS, f"{units} units recovered of {UNITS} (one page lost)"
    assert report["copied"]["units"] == units
    assert indexed == units, "the search index was not rebuilt"
    assert terms > 0
    ja, _ = pairs_for(1, start=10_000 + UNITS - 1)[0]
    found = run_cli(["tm", "search", ja, "--json"], db=out, timeout=300)
    assert found.returncode == 0, describe(found)
    assert json.loads(found.stdout)["matches"][0]["score"] == 100
    # never over an existing file
    again = run_cli(["db", "recover", str(damaged), "-o", str(out)])
    assert_one_line_error(again, str(out), "already exists")


def shell_can_recover() -> bool:
    shell = shutil.which("sqlite3")
    if shell is None:
        return False
    return subprocess.run([shell, ":memory:", ".recover"], capture_output=True,
                          check=False).returncode == 0


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell installed")
def test_db_recover_falls_back_when_the_shell_cannot(damaged: Path, tmp_path: Path) -> None:
    """With a shell whose .recover fails (or works), recovery still ends in a sound copy."""
    out = tmp_path / "recovered.db"
    proc = run_cli(["db", "recover", str(damaged), "-o", str(out), "--json"], timeout=300)
    assert proc.returncode == 0, describe(proc)
    method = json.loads(proc.stdout)["method"]
    assert method == ("sqlite3 .recover" if shell_can_recover() else "rowid ranges")
    assert run_cli(["db", "check"], db=out).returncode == 0


# -- 16.2: the damage mark, and the check before writing only where it is cheap --------------
def mark_of(db: Path) -> dict[str, str] | None:
    mark = db.with_name(db.name + ".damaged")
    if not mark.exists():
        return None
    data: dict[str, str] = json.loads(mark.read_text(encoding="utf-8"))
    return data


def test_a_reader_meeting_damage_stops_writers_that_skip_the_check(
        damaged: Path, tmp_path: Path) -> None:
    """The search meets the damaged page and leaves the mark; a writer that does not run the
    quick check (as on a file too large for it) still refuses, although its own rows would
    land on sound pages."""
    before = sha(damaged)
    proc = run_cli(["tm", "export", "-o", str(tmp_path / "out.tmx")], db=damaged, timeout=300)
    assert_one_line_error(proc, str(damaged), DAMAGED)
    mark = mark_of(damaged)
    assert mark is not None, describe(proc)
    assert "tm export" in mark["command"] and "malformed" in mark["detail"], mark
    assert mark["found"][:4].isdigit(), mark
    never = {"TAIYAKU_CHECK_BEFORE_WRITE": "never"}
    for args in (["terms", "add", "新語", "new word"], ["terms", "extract"]):
        proc = run_cli(args, db=damaged, env_extra=never, timeout=300)
        line = assert_one_line_error(proc, str(damaged), r"tm export` found this database "
                                     r"damaged.*db check.*db recover")
        assert ".damaged" in line
    assert sha(damaged) == before
    assert mark_of(damaged) == mark, "the first finding is kept"


def test_never_skips_the_check_and_always_runs_it(damaged: Path, tmp_path: Path) -> None:
    """Without a mark, TAIYAKU_CHECK_BEFORE_WRITE decides: ``never`` writes (this damage is
    in pages a new term does not touch), ``always`` refuses and leaves the mark."""
    spare = tmp_path / "spare.db"
    shutil.copyfile(damaged, spare)
    proc = run_cli(["terms", "add", "新語", "new word"], db=spare,
                   env_extra={"TAIYAKU_CHECK_BEFORE_WRITE": "never"})
    assert proc.returncode == 0, describe(proc)
    before = sha(damaged)
    proc = run_cli(["terms", "add", "新語", "new word"], db=damaged,
                   env_extra={"TAIYAKU_CHECK_BEFORE_WRITE": "always"})
    assert_one_line_error(proc, str(damaged), DAMAGED)
    assert sha(damaged) == before
    assert mark_of(damaged) is not None and "terms add" in mark_of(damaged)["command"]


def root_page(path: Path, table: str) -> tuple[int, int]:
    """The root page of *table* and the page size."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (table,)).fetchone()[0]
        return int(page), int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def test_a_writer_meeting_damage_rolls_back_and_leaves_the_mark(
        healthy: Path, tmp_path: Path) -> None:
    """The check is skipped; the write itself lands on the damaged page, SQLite says so,
    the transaction is rolled back and the next writer refuses the file."""
    page, size = root_page(healthy, "terms")
    with healthy.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * 64)
    before = sha(healthy)
    never = {"TAIYAKU_CHECK_BEFORE_WRITE": "never"}
    proc = run_cli(["terms", "add", "新語", "new word"], db=healthy, env_extra=never)
    assert_one_line_error(proc, str(healthy), DAMAGED)
    assert sha(healthy) == before
    mark = mark_of(healthy)
    assert mark is not None and "terms add" in mark["command"], describe(proc)
    tmx = tmp_path / "small.tmx"
    tmx.write_text(tmx_text(pairs_for(3, start=90_000)), encoding="utf-8")
    proc = run_cli(["tm", "import", str(tmx)], db=healthy, env_extra=never, timeout=300)
    assert_one_line_error(proc, str(healthy), "found this database damaged")
    assert sha(healthy) == before


def test_db_check_lifts_the_mark_from_a_sound_file(healthy: Path, damaged: Path,
                                                   tmp_path: Path) -> None:
    """A damaged file's mark stays until the full check passes: e.g. after the user has put
    a sound copy back in its place."""
    bad = run_cli(["db", "check"], db=damaged, timeout=300)
    assert bad.returncode == 1 and "refuse" in bad.stdout, describe(bad)
    mark = mark_of(damaged)
    assert mark is not None and "db check" in mark["command"]
    shutil.copyfile(healthy, damaged)  # the sound copy put back
    refused = run_cli(["terms", "add", "新語", "new word"], db=damaged)
    assert_one_line_error(refused, str(damaged), "found this database damaged")
    quick = run_cli(["db", "check", "--quick", "--json"], db=damaged)
    data = json.loads(quick.stdout)
    assert quick.returncode == 0 and data["damage_mark"]["action"] == "kept", describe(quick)
    assert mark_of(damaged) == mark
    ok = run_cli(["db", "check"], db=damaged, timeout=300)
    assert ok.returncode == 0, describe(ok)
    assert "Removed the damage mark" in ok.stdout and "db check" in ok.stdout, describe(ok)
    assert mark_of(damaged) is None
    added = run_cli(["terms", "add", "新語", "new word"], db=damaged)
    assert added.returncode == 0, describe(added)
    again = run_cli(["db", "check", "--json"], db=damaged)
    assert json.loads(again.stdout)["damage_mark"]["action"] == "none", describe(again)


def test_a_mark_without_its_database_does_not_stop_a_new_one(tmp_path: Path) -> None:
    db = tmp_path / "tm.db"
    db.with_name("tm.db.damaged").write_text("{}", encoding="utf-8")
    proc = run_cli(["terms", "add", "港湾", "port"], db=db)
    assert proc.returncode == 0, describe(proc)
    assert mark_of(db) is None


def test_a_long_running_process_sees_a_mark_left_by_another(healthy: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """A workbench or server keeps its store open: a mark left meanwhile by another process
    stops its next write (the mark is looked at in every write transaction)."""
    from taiyaku.core.errors import DamagedDatabaseError
    from taiyaku.store import open_store
    from taiyaku.store.sqlite.health import mark_damaged

    monkeypatch.delenv("TAIYAKU_CHECK_BEFORE_WRITE", raising=False)
    with open_store(healthy) as store:
        with store.transaction():
            store.meta.set("probe", "1")
        assert mark_damaged(healthy, "database disk image is malformed", "another") is None
        with pytest.raises(DamagedDatabaseError, match="found this database damaged"):
            with store.transaction():
                store.meta.set("probe", "2")
        assert store.meta.get("probe") == "1"


@pytest.mark.parametrize(("limit", "refused"), [(0, False), (1 << 40, True)],
                         ids=["file above the limit", "file below the limit"])
def test_auto_checks_only_files_up_to_the_limit(
        damaged: Path, monkeypatch: pytest.MonkeyPatch, limit: int, refused: bool) -> None:
    import taiyaku.store.sqlite as tm_store
    from taiyaku.core.errors import DamagedDatabaseError

    monkeypatch.setenv("TAIYAKU_CHECK_BEFORE_WRITE", "auto")
    monkeypatch.setattr(tm_store, "CHECK_BEFORE_WRITE_MAX_BYTES", limit)
    with tm_store.SqliteStore.open(damaged) as store:
        if refused:
            with pytest.raises(DamagedDatabaseError):
                with store.transaction():
                    store.meta.set("probe", "1")
        else:
            with store.transaction():
                store.meta.set("probe", "1")
    assert (mark_of(damaged) is not None) is refused


@pytest.mark.parametrize("value", ["sometimes", "1", "yes please"])
def test_bad_check_before_write_is_one_line(healthy: Path, value: str) -> None:
    before = sha(healthy)
    proc = run_cli(["terms", "add", "港湾", "port"], db=healthy,
                   env_extra={"TAIYAKU_CHECK_BEFORE_WRITE": value})
    assert_one_line_error(proc, "TAIYAKU_CHECK_BEFORE_WRITE", "auto.*always.*never")
    assert sha(healthy) == before


# -- 15.17: a database that does not exist -------------------------------------------------------
READ_ONLY_COMMANDS = [
    ["tm", "search", "港湾"],
    ["tm", "search", "港湾", "--concordance"],
    ["tm", "export", "-o", "{tmp}/out.tmx"],
    ["terms", "search", "港湾"],
    ["terms", "list"],
    ["terms", "export", "-o", "{tmp}/out.tbx"],
    ["pretranslate", "{tmp}/new.txt", "-o", "{tmp}/new.xlf"],
    ["stats"],
    ["db", "check"],
]


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_read_only_commands_refuse_a_missing_database(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "new.txt").write_text("港湾計画を承認した。\n", encoding="utf-8")
    db = tmp_path / "typo" / "tyop.db"
    proc = run_cli([a.format(tmp=tmp_path) for a in args], db=db, timeout=300)
    assert_one_line_error(proc, str(db), "no (such )?database")
    assert not db.parent.exists(), "the command created the folder"
    assert not list(tmp_path.glob("out.*")) and not (tmp_path / "new.xlf").exists()


def test_a_writing_command_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new" / "first.db"
    proc = run_cli(["terms", "add", "港湾", "port"], db=db)
    assert proc.returncode == 0, describe(proc)
    assert run_cli(["terms", "list"], db=db).stdout.count("港湾") == 1


# -- 16.3 / 16.9: the lock timeout ----------------------------------------------------------------
@pytest.mark.parametrize("value", ["abc", "-1", "nan", "10s"])
def test_bad_lock_timeout_is_one_line(healthy: Path, value: str) -> None:
    proc = run_cli(["terms", "add", "港湾", "port"], db=healthy,
                   env_extra={"TAIYAKU_LOCK_TIMEOUT": value})
    assert_one_line_error(proc, "TAIYAKU_LOCK_TIMEOUT", "number of seconds")


# -- 16.11: read-only media and a full disk -------------------------------------------------------
MEDIA_SCRIPT = """
mount -t tmpfs -o size=4m tmpfs "$1" 2>/dev/null || exit 97
cp "$2" "$1/tm.db" || exit 98
case "$3" in
  ro) mount -o remount,ro "$1" || exit 97 ;;
  full) dd if=/dev/zero of="$1/fill" bs=4096 2>/dev/null ;;
esac
shift 3
exec "$@"
"""


def on_media(kind: str, template: Path, tmp_path: Path,
             args: list[str]) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``taiyaku ARGS --db MEDIA/tm.db`` with a copy of *template* on a small tmpfs that
    is mounted read-only (*kind* ``ro``) or filled to the last byte (``full``), in a private
    mount namespace that disappears with the command."""
    import os

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a tmpfs (chmod does not stop root)")
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    db = media / "tm.db"
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", MEDIA_SCRIPT, "sh", str(media), str(template), kind,
         *cli_command(), *args, "--db", str(db)],
        env=cli_env(), capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode == 97:
        pytest.skip("cannot mount a tmpfs here (no CAP_SYS_ADMIN in a new mount namespace)")
    return proc, db


@pytest.mark.parametrize("kind", ["ro", "full"], ids=["read-only media", "full disk"])
def test_reading_works_on_read_only_media_and_a_full_disk(
        healthy_template: Path, tmp_path: Path, kind: str) -> None:
    proc, _ = on_media(kind, healthy_template, tmp_path, ["stats", "--json"])
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["units"] == UNITS
    ja, _ = pairs_for(1, start=10_000 + 7)[0]
    proc, _ = on_media(kind, healthy_template, tmp_path, ["tm", "search", ja, "--json"])
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["matches"][0]["score"] == 100


@pytest.mark.parametrize(("kind", "cause"), [("ro", r"read-only"), ("full", r"disk .*is full")],
                         ids=["read-only media", "full disk"])
def test_writing_on_read_only_media_or_a_full_disk_names_the_cause(
        healthy_template: Path, tmp_path: Path, kind: str, cause: str) -> None:
    proc, db = on_media(kind, healthy_template, tmp_path, ["terms", "add", "新語", "new word"])
    line = assert_one_line_error(proc, str(db), cause)
    assert "damaged" not in line and "not a taiyaku database" not in line


def test_db_recover_refuses_another_programs_database(tmp_path: Path) -> None:
    other = tmp_path / "contacts.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    out = tmp_path / "out.db"
    proc = run_cli(["db", "recover", str(other), "-o", str(out), "--no-sqlite3"])
    assert_one_line_error(proc, str(other), "not a taiyaku database")
    assert not out.exists() and not list(tmp_path.glob(".out.db*"))
