"""Crash safety: kill an ``ingest`` or a large ``tm import`` midway; nothing half-stored.

A subprocess is killed (SIGKILL), interrupted (SIGINT, Ctrl-C) or terminated (SIGTERM) while
it writes. The trigger is the database's write-ahead log growing past a threshold, so the
signal lands inside the write phase. Afterwards the integrity check (``db check``) is ``ok``
and the database holds all of the document or none of it, and the next command works.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import (
    ALIGN_KILL_SCRIPT,
    alignment_state,
    checkpoint,
    db_counts,
    db_hash,
    describe,
    integrity,
    iter_tmx_chunks,
    japanese_only_text,
    popen_cli,
    require,
    run_cli,
    write_pair,
)

MONO_SENTENCES = 20_000  # ~1.7 MB of Japanese: a write phase of ~50 ms
PAIR_SENTENCES = 200  # aligned in about a second, then stored in one transaction
TMX_UNITS = 200_000


@dataclass(frozen=True)
class Outcome:
    """How a signalled run ended."""

    returncode: int
    stdout: str
    stderr: str
    fired: bool  # the signal was sent while the process still ran
    wal_seen: int  # largest WAL size observed

    def info(self) -> str:
        return describe((self.returncode, self.stdout, self.stderr)) + (
            f"\nsignal sent: {self.fired}; largest WAL seen: {self.wal_seen} bytes")


def wal_size(db: Path) -> int:
    try:
        return db.with_name(db.name + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


def run_until(args: list[str], db: Path, *, trigger: Callable[[float, int], bool],
              sig: int, timeout: float = 300) -> Outcome:
    """Start ``taiyaku ARGS``; send *sig* as soon as ``trigger(elapsed, wal_bytes)`` holds."""
    proc = popen_cli(args, db=db)
    start = time.monotonic()
    fired = False
    biggest = 0
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - start
            size = wal_size(db)
            biggest = max(biggest, size)
            if trigger(elapsed, size):
                proc.send_signal(sig)
                fired = True
                break
            if elapsed > timeout:
                proc.kill()
                pytest.fail(f"taiyaku {' '.join(args)} still running after {timeout} s")
            time.sleep(0.0005)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Outcome(proc.returncode, out, err, fired, biggest)


def watch_wal(args: list[str], db: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run to completion, recording the largest WAL size seen (the size of the write)."""
    out = run_until(args, db, trigger=lambda _t, _s: False, sig=signal.SIGKILL)
    return (subprocess.CompletedProcess(args, out.returncode, out.stdout, out.stderr),
            out.wal_seen)


def assert_all_or_nothing(db: Path, before: dict[str, int], full: dict[str, int],
                          outcome: Outcome) -> str:
    """The database is sound and holds exactly the old state or the completed state."""
    assert integrity(db) == "ok", outcome.info()
    after = db_counts(db)
    assert after in (before, full), (
        f"partial write survived: before {before}, complete {full}, after {after}\n"
        + outcome.info())
    return "none" if after == before else "all"


def assert_next_command_works(db: Path, expect: dict[str, int]) -> None:
    """No stale lock or hot journal stops the next command."""
    proc = run_cli(["stats", "--json"], db=db, timeout=60)
    assert proc.returncode == 0, describe(proc)
    assert f'"units": {expect["units"]}' in proc.stdout, describe(proc)


# -- ingest ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mono_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mono") / "long-article.txt"
    path.write_text(japanese_only_text(MONO_SENTENCES), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_pair(tmp_path_factory.mktemp("pair"), PAIR_SENTENCES, start=20_000)


@pytest.fixture(scope="module")
def mono_reference(tmp_path_factory: pytest.TempPathFactory, mono_doc: Path,
                   seed_template: tuple[Path, object]) -> tuple[dict[str, int], int]:
    """Counts after a complete mono ingest into the seeded database, and its WAL size."""
    require("tm.ingest")
    import shutil

    db = tmp_path_factory.mktemp("mono-ref") / "ref.db"
    shutil.copyfile(seed_template[0], db)
    proc, wal = watch_wal(["ingest", str(mono_doc), "--layout", "mono"], db)
    assert proc.returncode == 0, describe(proc)
    return db_counts(db), wal


MONO_KILL_POINTS = [0.0, 0.5, 0.9]  # fraction of the complete run's WAL size


@pytest.mark.parametrize("fraction", MONO_KILL_POINTS)
def test_sigkill_during_mono_ingest_keeps_all_or_nothing(
    seeded_db: Path, mono_doc: Path, mono_reference: tuple[dict[str, int], int],
    fraction: float,
) -> None:
    full, wal_total = mono_reference
    before = db_counts(seeded_db)
    threshold = int(wal_total * fraction)
    outcome = run_until(["ingest", str(mono_doc), "--layout", "mono"], seeded_db,
                        trigger=lambda _t, size: size > threshold, sig=signal.SIGKILL)
    if outcome.fired:
        assert outcome.returncode == -signal.SIGKILL, outcome.info()
    state = assert_all_or_nothing(seeded_db, before, full, outcome)
    assert_next_command_works(seeded_db, full if state == "all" else before)


def test_sigkill_during_bilingual_ingest_replacing_a_document(
    seeded_db: Path, pair_doc: tuple[Path, Path]
) -> None:
    """Re-ingesting a document replaces it in the same transaction: a kill in the middle
    leaves the old version whole (or the new one), never neither."""
    require("tm.ingest")
    ja, en = pair_doc
    args = ["ingest", str(ja), "--en", str(en), "--name", "harbour-news"]
    proc = run_cli(args, db=seeded_db, timeout=300)
    assert proc.returncode == 0, describe(proc)
    first = db_counts(seeded_db)
    db_hash(seeded_db)  # checkpoint: the WAL is empty again
    outcome = run_until(args, seeded_db, trigger=lambda _t, size: size > 0,
                        sig=signal.SIGKILL)
    # The second ingest stores the same counts, so "all" and "none" look alike in counts;
    # what must never happen is the old version deleted and the new one missing or partial.
    assert integrity(seeded_db) == "ok", outcome.info()
    assert db_counts(seeded_db) == first, outcome.info()
    assert_next_command_works(seeded_db, first)


@pytest.mark.parametrize("when", ["aligning", "storing"])
def test_sigint_during_ingest_exits_130_and_keeps_all_or_nothing(
    seeded_db: Path, pair_doc: tuple[Path, Path], when: str
) -> None:
    """Ctrl-C: exit status 130, a message on stderr, no traceback, nothing half-stored."""
    require("tm.ingest")
    ja, en = pair_doc
    before = db_counts(seeded_db)
    start_hash = db_hash(seeded_db)
    if when == "aligning":
        def trigger(elapsed: float, size: int) -> bool:
            return elapsed > 0.7
    else:
        def trigger(elapsed: float, size: int) -> bool:
            return size > 0
    outcome = run_until(["ingest", str(ja), "--en", str(en)], seeded_db, trigger=trigger,
                        sig=signal.SIGINT)
    assert "Traceback" not in outcome.stderr, outcome.info()
    if not outcome.fired or outcome.returncode == 0:
        # Finished before the signal could land: then everything must be there.
        assert outcome.returncode == 0, outcome.info()
        assert db_counts(seeded_db)["units"] == before["units"] + PAIR_SENTENCES
        return
    assert outcome.returncode == 130, outcome.info()
    assert integrity(seeded_db) == "ok", outcome.info()
    after = db_counts(seeded_db)
    if after == before:
        assert db_hash(seeded_db) == start_hash, "rolled back, yet the file changed"
    else:
        assert after["units"] == before["units"] + PAIR_SENTENCES, outcome.info()
    assert_next_command_works(seeded_db, after)


def test_sigterm_during_ingest_rolls_back(seeded_db: Path, mono_doc: Path,
                                          mono_reference: tuple[dict[str, int], int]) -> None:
    """SIGTERM (a shutdown, `kill PID`) is turned into a clean exit: rolled back, 143."""
    full, _ = mono_reference
    before = db_counts(seeded_db)
    outcome = run_until(["ingest", str(mono_doc), "--layout", "mono"], seeded_db,
                        trigger=lambda _t, size: size > 0, sig=signal.SIGTERM)
    assert "Traceback" not in outcome.stderr, outcome.info()
    if outcome.fired and outcome.returncode != 0:
        assert outcome.returncode == 128 + signal.SIGTERM, outcome.info()
    assert_all_or_nothing(seeded_db, before, full, outcome)


# -- tm import ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big_tmx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated TMX of 200,000 distinct units (~50 MB)."""
    path = tmp_path_factory.mktemp("tmx") / "client-memory.tmx"
    with path.open("w", encoding="utf-8") as fp:
        for chunk in iter_tmx_chunks(TMX_UNITS, start=100_000):
            fp.write(chunk)
    return path


@pytest.mark.parametrize(("sig", "delay", "wal_bytes"), [
    (signal.SIGKILL, 2.0, None),
    (signal.SIGINT, 2.0, None),
    (signal.SIGKILL, None, 1),
], ids=["sigkill-while-importing", "sigint-while-importing", "sigkill-at-first-wal-write"])
def test_signal_during_large_tmx_import_keeps_all_or_nothing(
    seeded_db: Path, big_tmx: Path, sig: int, delay: float | None, wal_bytes: int | None
) -> None:
    """The import runs in one transaction with a large page cache, so the WAL grows only at
    COMMIT: a kill after a delay lands while units are being parsed and inserted, a kill at
    the first WAL write lands inside the COMMIT itself."""
    require("tm.tmio", "exports.tmx")
    before = db_counts(seeded_db)
    def trigger(elapsed: float, size: int) -> bool:
        if delay is not None:
            return elapsed >= delay
        return size >= (wal_bytes or 1)

    outcome = run_until(["tm", "import", str(big_tmx)], seeded_db, trigger=trigger, sig=sig)
    assert "Traceback" not in outcome.stderr, outcome.info()
    if sig == signal.SIGINT and outcome.fired and outcome.returncode != 0:
        assert outcome.returncode == 130, outcome.info()
    assert integrity(seeded_db) == "ok", outcome.info()
    after = db_counts(seeded_db)
    assert after["units"] in (before["units"], before["units"] + TMX_UNITS), (
        f"{after['units'] - before['units']} of {TMX_UNITS} units survived the signal\n"
        + outcome.info())
    if after["units"] == before["units"]:
        assert after == before, outcome.info()
    assert_next_command_works(seeded_db, after)


# -- alignment changes -------------------------------------------------------------------------
#: where the editing process kills itself: after the new units and their postings were
#: written, after the old units and their postings were deleted, after the beads were
#: rewritten, and as COMMIT starts. The page cache is kept tiny so that the change spills
#: uncommitted pages into the WAL before it is killed.
ALIGN_KILL_POINTS = ["units-added", "units-deleted", "beads-written", "commit"]
ALIGN_SENTENCES = 120



@pytest.fixture(scope="module")
def aligned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one ingested pair document (its beads stored)."""
    require("tm.alignedit")
    folder = tmp_path_factory.mktemp("aligned")
    ja, en = write_pair(folder, ALIGN_SENTENCES, start=30_000)
    db = folder / "aligned.db"
    proc = run_cli(["ingest", str(ja), "--en", str(en), "--name", "harbour-news"], db=db,
                   timeout=300)
    assert proc.returncode == 0, describe(proc)
    checkpoint(db)
    return db


@pytest.mark.parametrize("point", ALIGN_KILL_POINTS)
def test_sigkill_in_the_middle_of_an_alignment_change_keeps_the_old_state(
    tmp_path: Path, aligned_template: Path, point: str
) -> None:
    """An alignment change (units, postings, beads, segment links) is one transaction: a
    kill anywhere inside it leaves the old alignment and TM whole, and the same change then
    succeeds."""
    import shutil
    import sys

    db = tmp_path / "aligned.db"
    shutil.copyfile(aligned_template, db)
    before = alignment_state(db)
    proc = subprocess.run([sys.executable, "-c", ALIGN_KILL_SCRIPT, str(db), point],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, describe(proc)
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the change wrote nothing to the WAL"
    assert integrity(db) == "ok"
    assert alignment_state(db) == before
    done = subprocess.run([sys.executable, "-c", ALIGN_KILL_SCRIPT, str(db), "none"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "finished" in done.stdout, describe(done)
    assert integrity(db) == "ok"
    after = alignment_state(db)
    assert len(after[0]) < len(before[0]) and after[3] == ((1, 1),)


# -- corrections: tm edit, tm delete, documents remove (issue 17) ------------------------------
#: runs the CLI with the store's write for the command wrapped so that, once the write is done
#: inside the transaction (units, segments and index entries changed, nothing committed), the
#: process kills itself: a SIGKILL in the middle of the command, at a known point
_KILL_AFTER_WRITE = """
import os, signal, sys
from taiyaku.store.sqlite.documents import SqliteDocuments
from taiyaku.store.sqlite.units import SqliteUnits

def dying(write):
    def run(*args, **kwargs):
        result = write(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result
    return run

SqliteUnits.update = dying(SqliteUnits.update)
SqliteUnits.delete = dying(SqliteUnits.delete)
SqliteDocuments.remove = dying(SqliteDocuments.remove)
from taiyaku.cli import cli
cli(sys.argv[1:], prog_name="taiyaku")
"""

CORRECTIONS = {
    "tm edit": ["tm", "edit", "3", "--en", "A corrected translation of the third sentence."],
    "tm delete": ["tm", "delete", "3"],
    "documents remove": ["documents", "remove", "1"],
}


def _search_units(db: Path) -> list[tuple[int, float, str]]:
    """What a search for every seeded unit's Japanese finds (id, score, English)."""
    from taiyaku.store import open_store
    from taiyaku.tm.search import find_matches_many

    with open_store(db, readonly=True) as store:
        units = sorted(store.units.iterate(), key=lambda u: u.id)
        found = find_matches_many(store, [u.ja for u in units], limit=1)
    return [(m[0].id, m[0].score, m[0].target) if m else (0, 0.0, "") for m in found]


@pytest.mark.parametrize("command", list(CORRECTIONS))
def test_sigkill_in_the_middle_of_a_correction_leaves_the_old_state_whole(
    seeded_db: Path, command: str
) -> None:
    import sys

    require("tm.edit")
    before_hash = db_hash(seeded_db)
    before_search = _search_units(seeded_db)
    proc = subprocess.run([sys.executable, "-c", _KILL_AFTER_WRITE, *CORRECTIONS[command],
                           "--db", str(seeded_db)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, describe(proc)
    assert integrity(seeded_db) == "ok"
    assert db_hash(seeded_db) == before_hash  # byte for byte the committed old state
    assert _search_units(seeded_db) == before_search
    # and the same command, not killed, then does its work
    done = run_cli(CORRECTIONS[command], db=seeded_db)
    assert done.returncode == 0, describe(done)
    assert integrity(seeded_db) == "ok"
    assert _search_units(seeded_db) != before_search


@pytest.mark.parametrize("command", list(CORRECTIONS))
def test_sigkill_at_the_commit_of_a_correction_keeps_old_or_new(
    seeded_db: Path, command: str
) -> None:
    """Killed as its COMMIT writes the log: the old state or the new one, whole."""
    require("tm.edit")
    before = db_counts(seeded_db)
    outcome = run_until(CORRECTIONS[command], seeded_db, trigger=lambda _t, size: size > 0,
                        sig=signal.SIGKILL)
    assert integrity(seeded_db) == "ok", outcome.info()
    after = db_counts(seeded_db)
    if command == "tm edit":
        assert after == before, outcome.info()
    elif command == "tm delete":
        assert after["units"] in (before["units"], before["units"] - 1), outcome.info()
    else:
        assert (after["documents"], after["units"]) in (
            (before["documents"], before["units"]), (0, 0)), outcome.info()
    assert_next_command_works(seeded_db, after)


def test_ctrl_c_after_the_work_is_done_neither_kills_nor_prints_a_traceback(
    tmp_path: Path,
) -> None:
    """A Ctrl-C that lands once the command has finished (while the interpreter shuts down)
    must not turn a committed, reported success into death by SIGINT or a traceback.

    CI saw ``exit -2`` after a complete ingest; an ``atexit`` hook sends the signal at that
    same moment here, deterministically.
    """
    script = tmp_path / "late_ctrl_c.py"
    script.write_text(
        "import atexit, os, signal, sys\n"
        "sys.argv = ['taiyaku', '--version']\n"
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "from taiyaku.cli import cli\n"
        "cli()\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "taiyaku" in proc.stdout
