"""When the server's database cannot answer, the workbench says so as 503 with one line and a
Retry-After, not as the request's fault (400) nor as a traceback (500): another writer holds
the database past the lock timeout, the PostgreSQL server cannot be reached, or the driver
fails mid-request (a full disk, the server gone)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from taiyaku.glossary.store import add_term, get_entry
from taiyaku.store import open_store
from taiyaku.web.app import create_app

from .conftest import BASE_URL


def test_a_writer_holding_the_database_past_the_lock_timeout_is_503(
        client: TestClient, web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(web_db) as s:
        tid = add_term(s, "戦略的曖昧さ", "strategic ambiguity").id
    monkeypatch.setenv("TAIYAKU_LOCK_TIMEOUT", "0.3")
    with open_store(web_db) as other, other.transaction():  # another writer, for the whole call
        r = client.patch(f"/api/terms/{tid}", json={"note": "held"})
    assert r.status_code == 503, r.text
    assert "gave up after waiting 0.3 s" in r.json()["error"]
    assert "\n" not in r.json()["error"] and r.headers["Retry-After"] == "5"
    with open_store(web_db) as s:
        assert get_entry(s, tid).note is None  # nothing changed
    # once the other writer is done, the same request goes through
    assert client.patch(f"/api/terms/{tid}", json={"note": "held"}).status_code == 200


def test_a_postgresql_server_that_cannot_be_reached_is_503() -> None:
    pytest.importorskip("psycopg")
    # port 1 of this machine: nothing listens there, the connection is refused at once
    app = create_app("postgresql://ann:s3cret@127.0.0.1:1/team")
    with TestClient(app, base_url=BASE_URL) as c:
        api = c.get("/api/terms")
        page = c.get("/glossary")
    assert api.status_code == page.status_code == 503
    line = api.json()["error"]
    assert "cannot connect to PostgreSQL" in line and "\n" not in line
    assert "s3cret" not in line and "s3cret" not in page.text  # the password stays masked
    assert "cannot connect to PostgreSQL" in page.text


@pytest.mark.parametrize(("error", "status", "shown"), [
    (sqlite3.OperationalError("database or disk is full"), 503, "database or disk is full"),
    (sqlite3.OperationalError("database is locked"), 503, "the database is locked"),
])
def test_a_driver_error_mid_request_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int,
        shown: str) -> None:
    import taiyaku.web.routes.glossary as routes

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(routes, "filter_terms", fail)
    app = create_app(tmp_path / "web.db")
    with TestClient(app, base_url=BASE_URL) as c:
        r = c.get("/api/terms")
    assert r.status_code == status, r.text
    assert shown in r.json()["error"] and "\n" not in r.json()["error"]
    assert "Traceback" not in r.text


def test_a_bug_stays_a_server_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver error the store cannot explain (a constraint a route broke: taiyaku's bug) is
    not dressed up as the database being unavailable."""
    import taiyaku.web.routes.glossary as routes

    def fail(*args: object, **kwargs: object) -> None:
        raise sqlite3.IntegrityError("UNIQUE constraint failed: terms.id")

    monkeypatch.setattr(routes, "filter_terms", fail)
    app = create_app(tmp_path / "web.db")
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as c:
        assert c.get("/api/terms").status_code == 500


def test_a_postgresql_connection_lost_mid_request_is_503(
        monkeypatch: pytest.MonkeyPatch) -> None:
    psycopg = pytest.importorskip("psycopg")
    import pgcluster  # (tests/ is on the path: see conftest)
    import taiyaku.web.routes.glossary as routes

    def fail(*args: object, **kwargs: object) -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    pgcluster.need_server()
    address = pgcluster.fresh_database()
    try:
        monkeypatch.setattr(routes, "filter_terms", fail)
        with TestClient(create_app(address), base_url=BASE_URL) as c:
            r = c.get("/api/terms")
        assert r.status_code == 503, r.text
        assert "the connection failed (server closed the connection" in r.json()["error"]
    finally:
        pgcluster.drop_database(address)
