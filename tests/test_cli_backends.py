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
    cli_command,
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


_need_server = pgcluster.need_server


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
        [*cli_command(), "tm", "import", str(big), "--db", pg_address], env=_env(),
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
        [*cli_command(), "tm", "import", str(big), "--db", pg_address], env=_env(),
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


# -- the team server: `taiyaku serve --db postgresql://… --workers N` ---------------------------
TEAM_TOKEN = "team-token-0123456789"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http(method: str, url: str, *, body: object = None, headers: dict[str, str] | None = None
          ) -> tuple[int, str]:
    """One request on a connection of its own (so the workers share the requests)."""
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {TEAM_TOKEN}", "Content-Type": "application/json",
        "Connection": "close", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _upload(url: str, csrf: str, name: str, data: bytes) -> tuple[int, str]:
    """POST *data* as the multipart file field ``file`` named *name*."""
    boundary = "taiyaku-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n').encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {TEAM_TOKEN}", "X-CSRF-Token": csrf, "Connection": "close",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _worker_pids(address: str) -> set[int]:
    """The worker processes holding connections to *address* (their ``application_name``)."""
    import psycopg

    with psycopg.connect(address, autocommit=True) as conn:
        rows = conn.execute("SELECT application_name FROM pg_stat_activity "
                            "WHERE application_name LIKE 'taiyaku serve pid %'").fetchall()
    return {int(name.rsplit(" ", 1)[1]) for (name,) in rows}


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_serve_on_postgresql_answers_with_several_workers_and_one_csrf_token(
        pg_address: str) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import quote, urlsplit, urlunsplit

    pairs = sentence_pairs(30)
    tmx = Path(pgcluster.__file__).parent / f"team-{os.getpid()}.tmx"
    tmx.write_text(tmx_text(pairs), encoding="utf-8")
    try:
        run_cli(["tm", "import", tmx, "--db", pg_address]).check_returncode()
    finally:
        tmx.unlink()
    # a password in the address (the test server trusts every login): it must show nowhere
    parts = urlsplit(pg_address)
    secret = "pw-Sup3rSecret"
    with_password = urlunsplit(parts._replace(
        netloc=f"{parts.username}:{secret}@{parts.hostname}:{parts.port}"))
    port = _free_port()
    proc = subprocess.Popen(
        [*cli_command(), "serve", "--db", with_password, "--workers", "2", "--port", str(port),
         "--token", TEAM_TOKEN, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("TAIYAKU_")})
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        text = ""
        while not text.rstrip().endswith("}"):  # --json's object, indented over lines
            line = proc.stdout.readline()
            assert line, describe((proc.wait(), text, proc.stderr.read() if proc.stderr else ""))
            text += line
        started = json.loads(text)
        assert started["token_required"] and secret not in started["database"]
        assert started["database"].startswith("postgresql://postgres:***@")
        deadline = time.monotonic() + 60
        while True:  # the workers listen a moment after the announcement
            try:
                status, page = _http("GET", base + "/")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, describe(
                    (proc.wait(), "", proc.stderr.read() if proc.stderr else ""))
                time.sleep(0.2)
        assert status == 200 and secret not in page and "***" in page
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert csrf is not None
        units = json.loads(_http("GET", base + "/api/tm/search?q=" + quote(pairs[0][0]))[1])
        ids = {m["source"]: m["id"] for m in units["matches"]}
        assert ids[pairs[0][0]]

        def search(i: int) -> tuple[int, str]:
            return _http("GET", f"{base}/api/tm/search?q={quote(pairs[i % 30][0])}&limit=3")

        def edit(i: int) -> tuple[int, str]:
            found = json.loads(search(i)[1])["matches"][0]
            return _http("PATCH", f"{base}/api/tm/units/{found['id']}",
                         body={"en": f"edited {i}"}, headers={"X-CSRF-Token": csrf.group(1)})

        # a pre-translation: its download links answer from whichever worker takes them
        status, text = _upload(base + "/api/pretranslate", csrf.group(1), "article.txt",
                               "\n".join(ja for ja, _ in pairs[:3]).encode())
        assert status == 200, text
        links = json.loads(text)["downloads"]

        def download(i: int) -> tuple[int, str]:
            return _http("GET", base + links["json" if i % 2 else "xliff"])

        # searches, edits and downloads at once, each on a connection of its own, until both
        # workers have answered (the kernel hands each new connection to one of them)
        seen: set[int] = set()
        edited: set[int] = set()
        with ThreadPoolExecutor(8) as pool:
            for round_ in range(10):
                jobs = [pool.submit(search, i) for i in range(16)]
                for got in [pool.submit(download, i) for i in range(6)]:
                    status, text = got.result()
                    assert status == 200, text  # not 404 from the worker that did not make it
                edits = {i: pool.submit(edit, i) for i in range(round_ * 3, round_ * 3 + 3)}
                for job in jobs:
                    status, text = job.result()
                    assert status == 200, text
                    assert json.loads(text)["matches"][0]["score"] == 100
                for i, job in edits.items():
                    status, text = job.result()
                    assert status == 200, text  # the CSRF token of one page holds everywhere
                    edited.add(i)
                seen = _worker_pids(pg_address)
                if len(seen) >= 2 and round_ >= 2:
                    break
        assert len(seen) == 2, f"requests were served by worker processes {seen}"
        assert all(_parent_of(pid) == proc.pid for pid in seen)
        # the workers' shared jobs folder (their settings are in their environment)
        environ = Path(f"/proc/{min(seen)}/environ").read_bytes().split(b"\0")
        setting = next(e for e in environ if e.startswith(b"TAIYAKU_SERVE_WORKER="))
        jobs_folder = Path(json.loads(setting.split(b"=", 1)[1])["jobs"])
        assert [p.name for p in jobs_folder.iterdir()] == [links["xliff"].split("/")[2]]
        import psycopg

        with psycopg.connect(pg_address) as conn:
            stored = {en for (en,) in conn.execute(
                "SELECT en FROM units WHERE en LIKE 'edited %'")}
        assert stored == {f"edited {i}" for i in edited}
        # without the token: 401, and nothing about the database
        import urllib.request

        try:
            urllib.request.urlopen(base + "/api/tm/search?q=x", timeout=30)
            raise AssertionError("a request without the token was answered")
        except urllib.error.HTTPError as e:
            assert e.code == 401
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        err = proc.stderr.read() if proc.stderr else ""
        assert secret not in err
    assert _worker_pids(pg_address) == set()  # the workers closed their pools
    assert not jobs_folder.exists()  # serve removed it as it stopped


def test_serve_beyond_localhost_without_a_token_is_refused(pg_address: str,
                                                           tmp_path: Path) -> None:
    port = str(_free_port())
    r = run_cli(["serve", "--db", pg_address, "--workers", "2", "--host", "0.0.0.0",
                 "--port", port], timeout=60)
    assert r.returncode == 1 and r.stderr.startswith("Error: --host 0.0.0.0 is reachable")
    assert len(r.stderr.strip().splitlines()) == 1
    assert _worker_pids(pg_address) == set()
    # a SQLite file is one process's: several workers are refused
    r = run_cli(["serve", "--db", tmp_path / "one.db", "--workers", "2", "--port", port],
                timeout=60)
    assert r.returncode == 1 and "SQLite file, which one process serves" in r.stderr


def test_the_workers_of_one_server_share_its_csrf_token(monkeypatch: pytest.MonkeyPatch,
                                                        pg_address: str,
                                                        tmp_path: Path) -> None:
    from taiyaku.web import app as web

    monkeypatch.setenv(web.WORKER_ENV, json.dumps({
        "db": pg_address, "token": TEAM_TOKEN, "host": "0.0.0.0", "port": 1, "csrf": "c" * 40,
        "jobs": str(tmp_path)}))
    one, two = web.app_from_environment(), web.app_from_environment()
    assert one.state.settings.csrf == two.state.settings.csrf == "c" * 40
    assert one.state.settings.jobs == two.state.settings.jobs == tmp_path  # and their jobs
    assert one.state.settings.token == TEAM_TOKEN and one.state.settings.db == pg_address
    assert web.create_app(pg_address).state.settings.csrf != "c" * 40
