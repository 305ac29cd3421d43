"""CLI conventions: help on every command, --version, --json, error lines, exit codes, streams."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import taiyaku.tm.stats as tm_stats
from click.testing import CliRunner
from taiyaku import cli as cli_module
from taiyaku.cli import cli
from taiyaku.core.errors import InputError
from taiyaku.store import SCHEMA_VERSION, NewSegment, Store, open_store

ROOT = Path(__file__).resolve().parent.parent
TAIYAKU = Path(sys.executable).parent / "taiyaku"


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path below *group*, groups included."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


COMMANDS = list(walk(cli))


def run(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), env=env)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- help -----------------------------------------------------------------------------------
def test_contract_commands_exist() -> None:
    expected = {("ingest",), ("align",), ("segment",), ("tm", "search"), ("tm", "import"),
                ("tm", "export"), ("terms", "extract"), ("terms", "search"), ("terms", "list"),
                ("terms", "add"), ("terms", "set-status"), ("terms", "import"),
                ("terms", "export"), ("pretranslate",), ("stats",)}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "taiyaku")
def test_help_has_usage_and_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert result.stderr == ""
    # An example block kept intact by \b: an indented line that starts with the program name.
    examples = [ln for ln in result.stdout.splitlines() if ln.startswith("    taiyaku ")]
    assert examples, f"no example in help of {' '.join(path)}"
    assert any(f"taiyaku {' '.join(path)}" in line for line in examples)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_short_help_option(path: tuple[str, ...]) -> None:
    long = run(*path, "--help")
    short = run(*path, "-h")
    assert short.exit_code == 0
    assert short.stdout == long.stdout


def resolve(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


LEAVES = [p for p in COMMANDS if not isinstance(resolve(p), click.Group)]


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: " ".join(p))
def test_every_command_accepts_json(path: tuple[str, ...]) -> None:
    command = resolve(path)
    assert any("--json" in p.opts for p in command.params if isinstance(p, click.Option))


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"taiyaku {importlib.metadata.version('taiyaku')}"


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "No such command" in result.stderr


# -- stats and --db -------------------------------------------------------------------------
def test_stats_json_on_a_fresh_database(db_path: Path) -> None:
    open_store(db_path).close()
    result = run("stats", "--json", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["database"] == str(db_path)
    assert data["schema_version"] == SCHEMA_VERSION
    for key in ("documents", "segments", "units", "terms"):
        assert data[key] == 0
    for key in ("taiyaku_version", "sudachi_dictionary", "split_mode", "normalizer", "scorer"):
        assert data["meta"][key]


def test_stats_text_counts_what_is_stored(db_path: Path) -> None:
    with open_store(db_path) as store, store.transaction():
        doc = store.documents.add("one", layout="halves", kind="bilingual")
        store.segments.add(doc, [NewSegment("ja", 0, "米中")])
    result = run("stats", "--db", str(db_path))
    assert result.exit_code == 0
    assert "documents:  1" in result.stdout
    assert "segments:   1 (ja 1, en 0; 1 unaligned)" in result.stdout
    assert "normalizer:" in result.stdout


def test_db_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    result = run("terms", "add", "港湾", "port", env={"TAIYAKU_DB": str(path)})
    assert result.exit_code == 0
    assert path.exists()
    result = run("stats", "--json", env={"TAIYAKU_DB": str(path)})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["database"] == str(path)


def test_non_database_file_as_db(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("これはデータベースではない。\n" * 50, encoding="utf-8")
    before = digest(path)
    result = run("stats", "--db", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: not a taiyaku database")
    assert result.stderr.count("\n") == 1
    assert digest(path) == before


def test_traceback_flag_lets_the_exception_through(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"not sqlite at all\n" * 20)
    result = run("--traceback", "stats", "--db", str(path))
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "StoreError"
    plain = run("stats", "--db", str(path))
    assert isinstance(plain.exception, SystemExit)


# -- interrupts and environment errors ------------------------------------------------------
def test_ctrl_c_exits_130_and_rolls_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(db_path).close()

    def interrupted(store: Store) -> tm_stats.Stats:
        with store.transaction():
            store.documents.add("half-written", layout="halves", kind="bilingual")
            raise KeyboardInterrupt

    monkeypatch.setattr(tm_stats, "collect_stats", interrupted)
    result = run("stats", "--db", str(db_path))
    assert result.exit_code == 130
    assert "Interrupted" in result.stderr
    assert result.stdout == ""
    with open_store(db_path) as store:
        assert store.documents.all() == []


def test_environment_error_is_one_line(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(store: Store) -> tm_stats.Stats:
        raise OSError(28, "No space left on device", "/data/out.tmx")

    open_store(db_path).close()
    monkeypatch.setattr(tm_stats, "collect_stats", full_disk)
    result = run("stats", "--db", str(db_path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: /data/out.tmx: No space left on device")
    assert result.stderr.count("\n") == 1


def test_programming_errors_are_not_hidden(db_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(store: Store) -> tm_stats.Stats:
        raise ZeroDivisionError("a bug")

    open_store(db_path).close()
    monkeypatch.setattr(tm_stats, "collect_stats", bug)
    result = run("stats", "--db", str(db_path))
    assert isinstance(result.exception, ZeroDivisionError)


def test_library_error_becomes_error_line(db_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(store: Store) -> tm_stats.Stats:
        raise InputError("x.txt: something\n  spread over lines")

    open_store(db_path).close()
    monkeypatch.setattr(tm_stats, "collect_stats", bad)
    result = run("stats", "--db", str(db_path))
    assert result.exit_code == 1
    assert result.stderr == "Error: x.txt: something spread over lines\n"


# -- progress -------------------------------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = io.StringIO()
    monkeypatch.setattr(sys, "stderr", fake)
    report = cli_module.progress_reporter()
    report(5, 10, "aligning")
    report(10, 10, "aligning")
    assert fake.getvalue() == ""


def test_progress_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    report = cli_module.progress_reporter()
    report(10, 10, "aligning")
    assert "aligning 10/10" in fake.getvalue()
    assert "100.0%" in fake.getvalue()
    assert fake.getvalue().endswith("\n")


# -- bad input through a real command ------------------------------------------------------
BAD_FILES = {
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "undecodable": "café résumé naïve".encode("latin-1"),
    "UTF-16 without BOM": "輸出規制\nレアアース\n".encode("utf-16-le"),
}


def _bad_input_command() -> list[str]:
    return ["ingest"]


@pytest.mark.parametrize("case", [*BAD_FILES, "directory", "missing"])
def test_bad_input_is_one_line_and_leaves_the_database(tmp_path: Path, case: str) -> None:
    command = _bad_input_command()
    db = tmp_path / "tm.db"
    open_store(db).close()
    before = digest(db)
    if case == "directory":
        target = tmp_path / "folder"
        target.mkdir()
    elif case == "missing":
        target = tmp_path / "absent.txt"
    else:
        target = tmp_path / "input.txt"
        target.write_bytes(BAD_FILES[case])
    result = run(*command, str(target), "--db", str(db))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1
    assert target.name in result.stderr
    assert digest(db) == before
    with open_store(db) as store:
        assert store.documents.all() == []


# -- tm import of other tools' files, document identity ----------------------------------------
DATA = ROOT / "tests" / "data"


def test_tm_import_xliff_json_counts_and_include_drafts(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    job = str(DATA / "tmimport_job.mqxliff")
    first = run("tm", "import", job, "--db", db, "--json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert (out["format"], out["status"], out["read"], out["added"]) == ("XLIFF", "added", 6, 3)
    assert out["skipped"] == {"unconfirmed": 2, "no_target": 1}
    again = run("tm", "import", job, "--db", db)
    assert again.exit_code == 0 and "unchanged" in again.stdout
    other = tmp_path / "drafts" / "tmimport_job.mqxliff"  # same name, another folder
    other.parent.mkdir()
    other.write_bytes((DATA / "tmimport_job.mqxliff").read_bytes())
    drafts = run("tm", "import", str(other), "--include-drafts", "--db", db, "--json")
    out = json.loads(drafts.stdout)
    assert (out["document"], out["added"], out["duplicates_skipped"]) == (
        "drafts/tmimport_job.mqxliff", 2, 3)
    with open_store(db) as store:
        assert [d.name for d in store.documents.all()] == ["tmimport_job.mqxliff",
                                                       "drafts/tmimport_job.mqxliff"]


def test_tm_import_help_names_the_states_that_count() -> None:
    text = run("tm", "import", "--help").stdout
    for word in ("final", "reviewed", "signed-off", 'approved="yes"', "ApprovedSignOff",
                 "ManuallyConfirmed", "m:confirmed", "--include-drafts", ".sdlxliff",
                 ".mqxliff", ".mxliff"):
        assert word in text
    assert "x-also-in" in run("tm", "export", "--help").stdout


def test_tm_import_without_a_japanese_english_pair_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    open_store(db).close()
    before = digest(db)
    path = tmp_path / "en-fr.tmx"
    path.write_text('<tmx version="1.4"><header/><body><tu><tuv xml:lang="en-US"><seg>port'
                    '</seg></tuv><tuv xml:lang="fr-FR"><seg>port</seg></tuv></tu></body></tmx>',
                    encoding="utf-8")
    result = run("tm", "import", str(path), "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: no Japanese–English pair (languages found: en-US, "
                             "fr-FR; taiyaku keeps ja and en)\n")
    assert digest(db) == before


def test_ingest_of_a_tmx_names_tm_import(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    result = run("ingest", str(DATA / "tmimport_project_save.tmx"), "--db", str(db))
    assert result.exit_code == 1
    assert "import it with `taiyaku tm import" in result.stderr
    assert result.stderr.count("\n") == 1


# -- the real console script ----------------------------------------------------------------
needs_script = pytest.mark.skipif(not TAIYAKU.exists(), reason="console script not installed")


@needs_script
def test_closed_pipe_is_quiet() -> None:
    proc = subprocess.Popen([str(TAIYAKU), "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before taiyaku writes
    err = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert "Traceback" not in err
    assert "BrokenPipe" not in err


@needs_script
def test_pipe_into_head() -> None:
    proc = subprocess.run(f"'{TAIYAKU}' --help | head -1", shell=True, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0
    assert proc.stdout.startswith("Usage: taiyaku")
    assert proc.stderr == ""


@needs_script
def test_closed_pipe_during_a_command(tmp_path: Path) -> None:
    proc = subprocess.Popen([str(TAIYAKU), "stats", "--db", str(tmp_path / "p.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert "Traceback" not in err
    assert "Exception ignored" not in err


@needs_script
def test_error_exit_status_from_the_shell(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"plain text\n" * 10)
    proc = subprocess.run([str(TAIYAKU), "stats", "--db", str(bad)], capture_output=True,
                          text=True, timeout=30, env={**os.environ, "TAIYAKU_TRACEBACK": ""})
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1
