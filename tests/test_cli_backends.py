"""The CLI on both backends: the same commands with ``--db FILE`` and with
``--db postgresql://…`` (a fresh database on the test server of :mod:`pgcluster`), and the
same answers from both on the same data.

The PostgreSQL cases skip when no server can be had, and fail instead under
``TAIYAKU_REQUIRE_POSTGRES`` (CI).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pgcluster
import pytest
from reliability.support import (
    describe,
    iter_tmx_chunks,
    popen_cli,
    run_cli,
    sentence_pairs,
    tmx_text,
    write_pair,
)
from taiyaku.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent / "store"))
from store_contract import assert_index_exact  # noqa: E402

HOSTILE = "'); DROP TABLE units; --"


def _need_server() -> None:
    why = pgcluster.unavailable()
    if why is not None:
        if pgcluster.required():
            pytest.fail(f"PostgreSQL required (TAIYAKU_REQUIRE_POSTGRES) but {why}")
        pytest.skip(why)


@pytest.fixture
def pg_address() -> Iterator[str]:
    """A fresh taiyaku database on the test server."""
    _need_server()
    address = pgcluster.fresh_database()
    yield address
    pgcluster.drop_database(address)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database address a CLI test runs on: a file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "cli.db")
        return
    _need_server()
    address = pgcluster.fresh_database()
    yield address
    pgcluster.drop_database(address)


def assert_stored_there(db: str, units: int) -> None:
    """The units went where *db* says: for a PostgreSQL address, into the server's ``units``
    table (read with the driver itself, not through taiyaku), and no file of that name."""
    if not db.startswith("postgresql://"):
        assert Path(db).is_file()
        return
    import psycopg

    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM units").fetchone()
    assert row is not None and row[0] == units
    assert not Path("postgresql:").exists()


def cli(db: str, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """``taiyaku ARGS --db DB``, which must succeed."""
    proc = run_cli([*args, "--db", db], timeout=timeout, env_extra=env)
    assert proc.returncode == 0, describe(proc)
    return proc


def cli_json(db: str, *args: str) -> object:
    return json.loads(cli(db, *args, "--json").stdout)


def _tmx(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.write_text(tmx_text(pairs), encoding="utf-8")
    return path


def _corpus(n: int) -> list[tuple[str, str]]:
    """Generated pairs with repeats and near-repeats, so that rankings have ties to break."""
    pairs = sentence_pairs(n)
    pairs += pairs[: n // 10]  # exact duplicates (skipped, recorded as held)
    pairs += [(ja.replace("。", "！"), en + " Again.") for ja, en in pairs[: n // 10]]
    pairs += [("港", "port"), ("港湾", "harbour"), ("朝市", "morning market"), (HOSTILE, HOSTILE)]
    return pairs


# -- one backend at a time ---------------------------------------------------------------------
def test_ingest_import_search_edit_export_and_stats(db: str, tmp_path: Path) -> None:
    ja, en = write_pair(tmp_path, 12, start=500, stem="news")
    ingested = cli_json(db, "ingest", str(ja), "--en", str(en), "--name", "news")
    assert isinstance(ingested, dict)
    tmx = _tmx(tmp_path / "tm.tmx", sentence_pairs(30, start=2000))
    imported = cli_json(db, "tm", "import", str(tmx))
    assert isinstance(imported, dict) and imported["added"] == 30
    stats = cli_json(db, "stats")
    assert isinstance(stats, dict)
    assert stats["documents"] == 2 and stats["units"] >= 30 + 10
    assert "password" not in json.dumps(stats)
    target_ja, target_en = sentence_pairs(1, start=2005)[0]
    found = cli_json(db, "tm", "search", target_ja)
    assert isinstance(found, dict)
    best = found["matches"][0]
    assert (best["source"], best["target"], best["score"]) == (target_ja, target_en, 100)
    cli(db, "tm", "edit", str(best["id"]), "--en", HOSTILE)
    after = cli_json(db, "tm", "search", target_ja)
    assert isinstance(after, dict) and after["matches"][0]["target"] == HOSTILE
    out = tmp_path / "out.tmx"
    cli(db, "tm", "export", "-o", str(out))
    text = out.read_text("utf-8")
    assert text.count("<tu>") + text.count("<tu ") == stats["units"]
    assert "&apos;); DROP TABLE units; --" in text or HOSTILE in text
    documents = cli_json(db, "documents")
    assert isinstance(documents, list) and [d["name"] for d in documents] == ["news", "tm.tmx"]
    removed = cli_json(db, "documents", "remove", str(documents[1]["id"]))
    assert isinstance(removed, dict) and removed["units_removed"] == 30
    final = cli_json(db, "stats")
    assert isinstance(final, dict) and final["units"] == stats["units"] - 30
    assert_stored_there(db, final["units"])


def test_hostile_text_is_stored_and_found_as_text(db: str) -> None:
    """A term and a unit whose text is SQL stay text: stored, found, and every table left."""
    added = cli_json(db, "terms", "add", HOSTILE, HOSTILE + " en", "--note", HOSTILE)
    assert isinstance(added, dict) and added["ja"] == [HOSTILE]
    found = cli_json(db, "terms", "search", HOSTILE)
    assert isinstance(found, list) and found[0]["id"] == added["id"]
    with open_store(db) as store:
        with store.transaction():
            doc = store.documents.add(HOSTILE, layout="pair", kind="bilingual")
            from taiyaku.core.model import NewUnit

            (uid,) = store.units.add(doc, [NewUnit(HOSTILE, HOSTILE, 0)])
    hit = cli_json(db, "tm", "search", HOSTILE)
    assert isinstance(hit, dict) and hit["matches"][0]["id"] == uid
    assert hit["matches"][0]["source"] == HOSTILE and hit["matches"][0]["score"] == 100
    stats = cli_json(db, "stats")
    assert isinstance(stats, dict) and stats["units"] == 1 and stats["terms"] == 1
    assert_stored_there(db, 1)


def test_terms_edit_status_export(db: str, tmp_path: Path) -> None:
    first = cli_json(db, "terms", "add", "港湾", "harbour", "--status", "candidate")
    assert isinstance(first, dict)
    cli(db, "terms", "set-status", str(first["id"]), "forbidden")
    cli(db, "terms", "add", "朝市", "morning market")
    listed = cli_json(db, "terms", "list")
    assert isinstance(listed, list)
    assert {(t["ja"][0], t["status"]) for t in listed} == {("港湾", "forbidden"),
                                                            ("朝市", "approved")}
    out = tmp_path / "g.tbx"
    cli(db, "terms", "export", "-o", str(out))
    assert "港湾" in out.read_text("utf-8")


# -- the same answers on both ------------------------------------------------------------------
QUERIES = [["1995年3月、市は第41号の計画を延期した。"], ["2001年5月、県は第12号の計画を承認した。"],
           ["港湾"], ["In March 1995, the city postponed the plan"], ["morning market"],
           [HOSTILE], ["港", "--concordance"], ["第4", "--concordance"], ["市", "--concordance"],
           ["market", "--concordance"], ["DROP", "--concordance"]]


def test_tm_search_json_is_identical_on_both_backends(tmp_path: Path, pg_address: str) -> None:
    """The same TMX imported into SQLite and PostgreSQL: `tm search --json` gives the same
    ids, scores and order (fuzzy Japanese and English, 1- and 2-character concordance), and
    `tm export` the same units."""
    tmx = _tmx(tmp_path / "same.tmx", _corpus(400))
    sqlite_db = str(tmp_path / "same.db")
    for db in (sqlite_db, pg_address):
        cli(db, "tm", "import", str(tmx))
    assert_stored_there(pg_address, 400 + 40 + 4)
    for query in QUERIES:
        a = cli_json(sqlite_db, "tm", "search", *query, "--limit", "30", "--min-score", "30")
        b = cli_json(pg_address, "tm", "search", *query, "--limit", "30", "--min-score", "30")
        assert a == b, query
        assert isinstance(a, dict) and a["matches"], query
    outs = []
    for n, db in enumerate((sqlite_db, pg_address)):
        out = tmp_path / f"export{n}.tmx"
        cli(db, "tm", "export", "-o", str(out))
        # the header carries each store's signature (its creation time), and each unit the
        # time it was imported: the rest must be the same
        body = out.read_text("utf-8").split("<body>", 1)[1]
        outs.append(re.sub(r' creationdate="[0-9TZ]+"', "", body))
    assert outs[0] == outs[1]


# -- PostgreSQL: concurrency and crashes -------------------------------------------------------
def test_concurrent_imports_and_searches_keep_every_unit_and_an_exact_index(
        tmp_path: Path, pg_address: str) -> None:
    files = [_tmx(tmp_path / f"part{k}.tmx", sentence_pairs(150, start=10_000 * (k + 1)))
             for k in range(3)]
    procs = [popen_cli(["tm", "import", str(f), "--db", pg_address]) for f in files]
    probe = sentence_pairs(1, start=10_000)[0][0]
    searches = [popen_cli(["tm", "search", probe, "--json", "--db", pg_address])
                for _ in range(3)]
    for p in procs + searches:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, (out, err)
    with open_store(pg_address) as store:
        assert store.counts()["units"] == 450
        assert_index_exact(store)


def test_a_search_is_not_blocked_by_an_open_write(tmp_path: Path, pg_address: str) -> None:
    """While a writer holds its transaction open (as a long import does), a search answers
    from the last committed state, and another writer waits, then gives up as told, changing
    nothing."""
    pairs = sentence_pairs(5, start=700)
    cli(pg_address, "tm", "import", str(_tmx(tmp_path / "a.tmx", pairs)))
    with open_store(pg_address) as holder, holder.transaction():
        from taiyaku.core.model import NewUnit

        doc = holder.documents.add("uncommitted", layout="pair", kind="bilingual")
        holder.units.add(doc, [NewUnit("未確定の文です。", "Not committed.", 0)])
        found = cli_json(pg_address, "tm", "search", pairs[0][0])
        assert isinstance(found, dict) and found["matches"][0]["source"] == pairs[0][0]
        stats = cli_json(pg_address, "stats")
        assert isinstance(stats, dict) and stats["units"] == 5
        proc = run_cli(["tm", "edit", "1", "--en", "changed", "--db", pg_address],
                       env_extra={"TAIYAKU_LOCK_TIMEOUT": "1"}, timeout=60)
        assert proc.returncode == 1, describe(proc)
        assert "gave up after waiting 1 s" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr
    with open_store(pg_address) as store:
        unit = store.units.get(1)
        assert unit is not None and unit.en == pairs[0][1]


def test_sigkill_during_a_large_import_leaves_the_last_committed_state(
        tmp_path: Path, pg_address: str) -> None:
    cli(pg_address, "tm", "import", str(_tmx(tmp_path / "small.tmx", sentence_pairs(20))))
    big = tmp_path / "big.tmx"
    with big.open("w", encoding="utf-8") as f:
        for chunk in iter_tmx_chunks(30_000, start=50_000):
            f.write(chunk)
    proc = subprocess.Popen(
        [*_cli(), "tm", "import", str(big), "--db", pg_address], env=_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # kill once the import has written uncommitted units (seen from the server)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if _uncommitted_writer(pg_address):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open_store(pg_address) as store:
        assert store.counts()["units"] == 20
        assert_index_exact(store)
    cli(pg_address, "tm", "import", str(_tmx(tmp_path / "next.tmx", sentence_pairs(5, 900))))
    assert cli_json(pg_address, "stats")["units"] == 25  # type: ignore[index]


def _cli() -> list[str]:
    from reliability.support import cli_command

    return cli_command()


def _env() -> dict[str, str]:
    from reliability.support import cli_env

    return cli_env()


def _uncommitted_writer(address: str) -> bool:
    """True when a taiyaku connection holds a transaction that has written rows."""
    import psycopg

    with psycopg.connect(address, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'taiyaku%%' "
            "AND backend_xid IS NOT NULL").fetchone()
    return bool(row and row[0])


def test_db_recover_refuses_a_server_in_one_line(pg_address: str, tmp_path: Path) -> None:
    proc = run_cli(["db", "recover", pg_address, "-o", str(tmp_path / "r.db")])
    assert proc.returncode == 1, describe(proc)
    assert proc.stderr.startswith("Error: ") and "SQLite files only" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    proc = run_cli(["stats", "--db", "postgresql://ann:s3cret@127.0.0.1:1/none"])
    assert proc.returncode == 1, describe(proc)
    assert "s3cret" not in proc.stderr + proc.stdout
    assert "cannot connect to PostgreSQL" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_server_crash_during_an_import_leaves_the_last_committed_state(
        tmp_path: Path, pg_address: str) -> None:
    """The server stops as in a crash (immediate shutdown, recovery at the next start) while
    an import is writing: the import fails with one line, and the database holds exactly what
    was committed before, its index exact; the next import works."""
    if not pgcluster.own_cluster():
        pytest.skip("restarts only the tests' own cluster (not TAIYAKU_TEST_PG)")
    cli(pg_address, "tm", "import", str(_tmx(tmp_path / "small.tmx", sentence_pairs(20))))
    big = tmp_path / "big.tmx"
    with big.open("w", encoding="utf-8") as f:
        for chunk in iter_tmx_chunks(30_000, start=80_000):
            f.write(chunk)
    proc = subprocess.Popen(
        [*_cli(), "tm", "import", str(big), "--db", pg_address], env=_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if _uncommitted_writer(pg_address):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    pgcluster.crash_restart()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert err.startswith("Error: ") and "Traceback" not in err, err
    with open_store(pg_address) as store:
        assert store.counts()["units"] == 20
        assert_index_exact(store)
    cli(pg_address, "tm", "import", str(_tmx(tmp_path / "next.tmx", sentence_pairs(5, 900))))
    assert cli_json(pg_address, "stats")["units"] == 25  # type: ignore[index]


def test_pretranslate_and_qa_give_the_same_answers_on_both_backends(
        tmp_path: Path, pg_address: str) -> None:
    """Pre-translation (TM matches and glossary terms) and `qa --tm` (consistency over the
    TM, a false positive remembered) read the same from both backends."""
    pairs = sentence_pairs(60, start=3000)
    tmx = _tmx(tmp_path / "tm.tmx", pairs + [(pairs[0][0], pairs[1][1])])
    new = tmp_path / "new_ja.txt"
    new.write_text("\n\n".join(ja.replace("。", "！") for ja, _ in pairs[:8]) + "\n",
                   encoding="utf-8")
    sqlite_db = str(tmp_path / "same.db")
    results = []
    for n, db in enumerate((sqlite_db, pg_address)):
        cli(db, "tm", "import", str(tmx))
        cli(db, "terms", "add", "計画", "plan")
        cli(db, "terms", "add", "市", "city", "--status", "forbidden")
        out = tmp_path / f"pt{n}.json"
        cli(db, "pretranslate", str(new), "-o", str(out))
        qa = run_cli(["qa", "--tm", "--json", "--db", db])
        assert qa.returncode in (0, 1), describe(qa)
        results.append((json.loads(out.read_text("utf-8")), json.loads(qa.stdout)))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1]
    assert results[0][1], "the TM has an inconsistent pair: qa --tm reports it"


def test_taiyaku_db_may_name_a_server(pg_address: str, tmp_path: Path) -> None:
    """``TAIYAKU_DB=postgresql://…`` reaches the server untouched (no --db), and `stats`
    names it by its address."""
    tmx = _tmx(tmp_path / "env.tmx", sentence_pairs(3, start=40))
    proc = run_cli(["tm", "import", str(tmx)], env_extra={"TAIYAKU_DB": pg_address})
    assert proc.returncode == 0, describe(proc)
    stats = run_cli(["stats", "--json"], env_extra={"TAIYAKU_DB": pg_address})
    assert stats.returncode == 0, describe(stats)
    assert json.loads(stats.stdout)["database"] == pg_address
    assert_stored_there(pg_address, 3)
