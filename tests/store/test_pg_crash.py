"""Crash safety on PostgreSQL (issue 21): a TMX import cut off midway — the taiyaku process
killed (SIGKILL), or the server restarted (fast shutdown) — leaves the last committed state
whole (the same counts, the same TMX export, byte for byte) and the next command works.

The signal is sent once the import holds the write lock (the transaction-scoped advisory lock
every writer takes on PostgreSQL) and has been writing for a moment. The restart test runs its
own small cluster (started and restarted with ``pg_ctl``, which keeps the server's options),
so the shared test server of :mod:`pgcluster` is never taken down under other tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pgcluster
import pytest
from reliability.support import (
    cli_command,
    cli_env,
    describe,
    iter_tmx_chunks,
    run_cli,
    tmx_text,
)

#: units of the import that is cut off (long enough on PostgreSQL to be caught midway)
BIG = 60_000
#: how long the import writes before it is cut off
WRITING = 0.5


def _need_postgres() -> None:
    why = pgcluster.unavailable()
    if why is not None:
        if pgcluster.required():
            pytest.fail(f"PostgreSQL required (TAIYAKU_REQUIRE_POSTGRES) but {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def big_tmx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pgcrash") / "big.tmx"
    with path.open("w", encoding="utf-8") as f:
        for chunk in iter_tmx_chunks(BIG, start=500_000):
            f.write(chunk)
    return path


def _cli(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(list(args), env_extra={"TAIYAKU_DB": address}, timeout=300)


def _seed(address: str, tmp: Path) -> dict[str, object]:
    """A committed state (a small TM and a term) and how it looks: counts and TMX export."""
    from reliability.support import sentence_pairs

    small = tmp / "small.tmx"
    small.write_text(tmx_text(sentence_pairs(300)), encoding="utf-8")
    for args in (("tm", "import", str(small)), ("terms", "add", "港湾", "port")):
        done = _cli(address, *args)
        assert done.returncode == 0, describe(done)
    return _state(address, tmp / "before.tmx")


def _state(address: str, export: Path) -> dict[str, object]:
    stats = _cli(address, "stats", "--json")
    assert stats.returncode == 0, describe(stats)
    import json

    counts = {k: v for k, v in json.loads(stats.stdout).items() if isinstance(v, int)}
    done = _cli(address, "tm", "export", "-o", str(export))
    assert done.returncode == 0, describe(done)
    body = export.read_bytes()
    export.unlink()
    return {"counts": counts, "tmx": body}


def _writer_active(address: str) -> bool:
    """Some connection to the database holds the writers' advisory lock."""
    import psycopg

    with psycopg.connect(address, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                           "granted AND database = (SELECT oid FROM pg_database WHERE datname "
                           "= current_database())").fetchone()
    return bool(row and row[0])


def _import_until_writing(address: str, tmx: Path, cut: Callable[[subprocess.Popen[str]], None]
                          ) -> tuple[subprocess.CompletedProcess[str], bool]:
    """Start ``tm import``; once it has held the write lock for :data:`WRITING` s, *cut* it
    off. Returns how the import ended and whether it was cut off while it ran."""
    proc = subprocess.Popen([*cli_command(), "tm", "import", str(tmx)],
                            env=cli_env(None, TAIYAKU_DB=address), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    cut_off = False
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if _writer_active(address):
                time.sleep(WRITING)
                if proc.poll() is None and _writer_active(address):
                    cut(proc)
                    cut_off = True
                break
            time.sleep(0.02)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), cut_off


def _assert_whole_and_working(address: str, before: dict[str, object], tmp: Path) -> None:
    after = _state(address, tmp / "after.tmx")
    assert after["counts"] == before["counts"], "a cut-off import left part of itself"
    assert after["tmx"] == before["tmx"], "the committed TM changed"
    again = tmp / "again.tmx"
    again.write_text(tmx_text([("次の命令は動く。", "The next command works.")]),
                     encoding="utf-8")
    done = _cli(address, "tm", "import", str(again))
    assert done.returncode == 0, describe(done)
    found = _cli(address, "tm", "search", "次の命令は動く。", "--json")
    assert found.returncode == 0 and "The next command works." in found.stdout, describe(found)


@pytest.fixture
def pg_database() -> Iterator[str]:
    _need_postgres()
    address = pgcluster.fresh_database()
    try:
        yield address
    finally:
        pgcluster.drop_database(address)


def test_sigkill_of_the_importing_process_keeps_the_last_committed_state(
        pg_database: str, big_tmx: Path, tmp_path: Path) -> None:
    before = _seed(pg_database, tmp_path)
    ended, cut_off = _import_until_writing(pg_database, big_tmx, lambda p: p.kill())
    assert cut_off, "the import finished before it could be killed\n" + describe(ended)
    assert ended.returncode == -signal.SIGKILL, describe(ended)
    _assert_whole_and_working(pg_database, before, tmp_path)


# -- a server restart --------------------------------------------------------------------------
def _server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture
def own_server() -> Iterator[tuple[str, Callable[[], None]]]:
    """A cluster of this test's own (address, restart with a fast shutdown)."""
    _need_postgres()
    bins = pgcluster.bindir()
    if bins is None or not (bins / "pg_ctl").is_file():
        pytest.skip("no pg_ctl to restart a server with (TAIYAKU_TEST_PG names one "
                    "this test cannot restart)")
    root = Path(tempfile.mkdtemp(prefix="taiyaku-pgcrash-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"
    pg_ctl = str(bins / "pg_ctl")
    subprocess.run(_server_user([str(bins / "initdb"), "-D", str(data), "-A", "trust", "-U",
                                 "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                   check=True, capture_output=True, timeout=300)
    port = pgcluster._free_port()
    options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c shared_buffers=32MB"
    subprocess.run(_server_user([pg_ctl, "start", "-D", str(data), "-l", str(log), "-w",
                                 "-t", "60", "-o", options]),
                   check=True, capture_output=True, timeout=120)
    address = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def restart() -> None:
        # "fast": every session is ended and its transaction rolled back, then a clean stop
        subprocess.run(_server_user([pg_ctl, "restart", "-D", str(data), "-m", "fast", "-w",
                                     "-t", "60", "-l", str(log)]),
                       check=True, capture_output=True, timeout=120)

    try:
        yield address, restart
    finally:
        subprocess.run(_server_user([pg_ctl, "stop", "-D", str(data), "-m", "immediate"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def test_a_server_restart_mid_import_keeps_the_last_committed_state(
        own_server: tuple[str, Callable[[], None]], big_tmx: Path, tmp_path: Path) -> None:
    address, restart = own_server
    before = _seed(address, tmp_path)
    ended, cut_off = _import_until_writing(address, big_tmx, lambda _p: restart())
    assert cut_off, "the import finished before the restart\n" + describe(ended)
    # the import learns that its connection went: one line, exit 1, no traceback
    assert ended.returncode == 1, describe(ended)
    lines = [line for line in ended.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), describe(ended)
    _assert_whole_and_working(address, before, tmp_path)
