"""Credentials never appear in output (issue 21): a password in the database address given to
the main commands, ``stats`` and ``db copy`` (by --db or TAIYAKU_DB) stays out of stdout and
stderr, whether the server refuses or answers (the ``postgres`` backend of the contract
fixture: a file has no password)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.store import Store

SECRET = "S3cr:t%40PW"  # a URL's "@" in a password is %40 (libpq splits at a raw "@")

#: the forms an address with a password takes: URL, URL query string, libpq key/value
ADDRESSES = [
    f"postgresql://ann:{SECRET}@127.0.0.1:1/tm",
    f"postgresql://ann:{SECRET.replace('%40', '@')}@127.0.0.1:1/tm",
    f"postgres://ann@127.0.0.1:1/tm?sslmode=disable&password={SECRET}",
    f"host=127.0.0.1 port=1 user=ann password='{SECRET}' dbname=tm",
]


def _commands(tmp: Path) -> list[list[str]]:
    tmx = tmp / "in.tmx"
    tmx.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="ja"/><body><tu>'
                   '<tuv xml:lang="ja"><seg>京都</seg></tuv><tuv xml:lang="en"><seg>Kyoto</seg>'
                   "</tuv></tu></body></tmx>", encoding="utf-8")
    return [["stats"], ["stats", "--json"], ["documents"], ["documents", "--json"],
            ["db", "check"], ["db", "check", "--json"], ["tm", "search", "京都"],
            ["terms", "list"], ["terms", "search", "港"],
            ["tm", "export", "-o", str(tmp / "o.tmx")], ["tm", "import", str(tmx)],
            ["terms", "export", "-o", str(tmp / "o.tbx")]]


def _assert_kept_out(result: object, what: str) -> None:
    from click.testing import Result

    assert isinstance(result, Result)
    seen = result.output + (result.stderr or "") + repr(result.exception)
    assert SECRET not in seen and "S3cr" not in seen, f"{what}: {seen}"


@pytest.mark.parametrize("address", ADDRESSES)
def test_no_command_prints_the_password_of_a_refusing_server(
        address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a backend without the dispatch would put a "file"
    runner = CliRunner()
    for args in _commands(tmp_path):
        for how in ("--db", "env"):
            if how == "--db":
                result = runner.invoke(cli, [*args, "--db", address])
            else:
                result = runner.invoke(cli, args, env={"TAIYAKU_DB": address})
            _assert_kept_out(result, f"{args} {how}")
            if "://" in address:  # (open_store takes key/value strings only with service=)
                assert result.exit_code == 1, f"{args} {how}: {result.output}"
                assert "cannot connect" in result.output and "***" in result.output
    local = tmp_path / "local.db"
    for args in (["db", "copy", address, str(local)], ["db", "copy", str(local), address]):
        result = runner.invoke(cli, args)
        _assert_kept_out(result, str(args))


def test_an_unexpected_error_that_carries_a_password_is_one_masked_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import taiyaku.tm.stats as stats

    def fail(store: object) -> object:
        raise RuntimeError(f"connection to postgresql://ann:{SECRET}@db/tm lost")

    monkeypatch.setattr(stats, "collect_stats", fail)
    from taiyaku.store import open_store

    open_store(tmp_path / "a.db").close()
    result = CliRunner().invoke(cli, ["stats", "--db", str(tmp_path / "a.db")],
                                env={"TAIYAKU_TRACEBACK": ""})
    _assert_kept_out(result, "stats")
    assert result.exit_code == 1
    assert "RuntimeError: connection to postgresql://ann:***@db/tm lost" in result.output


def test_a_refused_server_in_a_real_process_prints_no_password(tmp_path: Path) -> None:
    """The same through a real process (stderr as the terminal sees it)."""
    import subprocess
    import sys

    env = {**os.environ, "TAIYAKU_DB": ADDRESSES[0]}
    env.pop("TAIYAKU_TRACEBACK", None)
    done = subprocess.run([sys.executable, "-m", "taiyaku.cli", "stats"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert SECRET not in done.stdout + done.stderr and "***" in done.stderr


def test_a_good_server_with_a_password_never_shows_it(pg_backend: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    address = getattr(pg_backend, "address", None)
    assert address is not None
    # the test cluster trusts local connections: any password gets in
    pg_address = str(address).replace("@", f":{SECRET}@", 1)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in _commands(tmp_path):
        result = runner.invoke(cli, [*args, "--db", pg_address])
        _assert_kept_out(result, str(args))
        assert result.exit_code in (0, 1), f"{args}: {result.output}"
    stats = runner.invoke(cli, ["stats", "--db", pg_address])
    assert stats.exit_code == 0, stats.output
    assert "postgres:***@" in stats.output and "TM units:   1" in stats.output
    local = tmp_path / "local.db"
    for args in (["db", "copy", pg_address, str(local)], ["db", "copy", str(local), pg_address]):
        result = runner.invoke(cli, args)
        _assert_kept_out(result, str(args))
    assert "***" in result.output and "not empty" in result.output
