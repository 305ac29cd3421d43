"""Import and export in the workbench (issue 18): TMX, XLIFF, CSV into the TM, TBX and CSV
into the glossary, TMX/XLSX/CSV/TBX out, through the CLI's readers and writers; a bad file is
the CLI's one-line error (naming the file as uploaded) and leaves the database as it was."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"
TMX = (DATA / "tmimport_project_save.tmx").read_bytes()
XLIFF = (DATA / "tmimport_web.xlf").read_bytes()
GLOSSARY_CSV = "ja,en,status\n港湾,port,approved\n渋滞,traffic jam,forbidden\n".encode()


def _dump(db: Path) -> str:
    """Everything the database holds, as a hash (the file itself may be rewritten)."""
    with open_store(db) as s:
        units = sorted((u.id, u.ja, u.en) for u in s.units.iterate())
        docs = sorted((d.id, d.name) for d in s.documents.all())
        terms = [e.to_json() for e in s.glossary.get(s.glossary.ranked_ids())]
    return hashlib.sha256(repr((units, docs, terms)).encode()).hexdigest()


def _import(client: TestClient, kind: str, name: str, data: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = client.post(f"/api/io/import/{kind}", files={"file": (name, data)})
    return r.status_code, r.json()


def test_tm_import_tmx_and_xliff(client: TestClient, web_db: Path) -> None:
    status, done = _import(client, "tm", "project_save.tmx", TMX)
    assert status == 200 and done["added"] > 0 and done["status"] == "added"
    assert "taiyaku-upload" not in str(done)
    # the same upload again is known by its content, not by its temporary folder
    status, again = _import(client, "tm", "project_save.tmx", TMX)
    assert status == 200 and again["status"] == "unchanged"
    status, done = _import(client, "tm", "job.xlf", XLIFF)
    assert status == 200 and done["format"] == "XLIFF"
    with open_store(web_db) as s:
        assert len(s.documents.all()) == 2


@pytest.mark.parametrize(("kind", "name", "data", "message"), [
    ("tm", "broken.tmx", b"<tmx version='1.4'><body><tu>", "broken.tmx"),
    ("tm", "notes.txt", "ただのメモ".encode(), "notes.txt"),
    ("tm", "empty.tmx", b"", "empty.tmx:"),
    ("terms", "broken.tbx", b"<martif><text><body><termEntry>", "broken.tbx"),
    ("terms", "bad.csv", b"english,french\nport,port\n", "bad.csv"),
    ("words", "a.csv", b"ja\n", "unknown import kind 'words'"),
])
def test_bad_files_are_one_line_and_change_nothing(client: TestClient, web_db: Path,
                                                   kind: str, name: str, data: bytes,
                                                   message: str) -> None:
    _import(client, "tm", "project_save.tmx", TMX)
    with open_store(web_db) as s:
        add_term(s, "港湾", "harbor")
    before = _dump(web_db)
    status, body = _import(client, kind, name, data)
    assert status == 400, body
    assert message in body["error"] and "\n" not in body["error"]
    assert "taiyaku-upload" not in body["error"]
    assert _dump(web_db) == before
    page = client.post("/io/import", files={"file": (name, data)},
                       data={"kind": kind, "csrf_token": client.headers["X-CSRF-Token"]})
    assert page.status_code == 400 and 'id="io-error"' in page.text
    assert _dump(web_db) == before


def test_glossary_import_then_export(client: TestClient, web_db: Path) -> None:
    status, done = _import(client, "terms", "client.csv", GLOSSARY_CSV)
    assert status == 200, done
    r = client.get("/api/terms/search", params={"q": "港湾"})
    assert r.json()[0]["en"] == ["port"] and r.json()[0]["status"] == "approved"
    tbx = client.get("/io/export/terms", params={"format": "tbx"})
    assert tbx.status_code == 200 and b"<martif" in tbx.content and "港湾".encode() in tbx.content
    tbx3 = client.get("/io/export/terms", params={"format": "tbx", "tbx_version": "3"})
    assert b"urn:iso:std:iso:30042" in tbx3.content
    approved = client.get("/io/export/terms", params={"format": "csv", "status": "approved"})
    assert "港湾" in approved.text and "渋滞" not in approved.text
    # the page shows the summary line
    page = client.post("/io/import", files={"file": ("client.csv", GLOSSARY_CSV)},
                       data={"kind": "terms", "csrf_token": client.headers["X-CSRF-Token"]})
    assert page.status_code == 200 and 'id="io-done"' in page.text


def test_tm_export_formats(client: TestClient, web_db: Path) -> None:
    _import(client, "tm", "project_save.tmx", TMX)
    tmx = client.get("/io/export/tm", params={"format": "tmx"})
    assert tmx.status_code == 200 and "図書館は月曜日に休館します。".encode() in tmx.content
    assert 'filename="taiyaku-tm.tmx"' in tmx.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(client.get("/io/export/tm",
                                               params={"format": "xlsx"}).content)) as z:
        assert "xl/workbook.xml" in z.namelist()
    assert "図書館" in client.get("/io/export/tm", params={"format": "csv"}).text
    r = client.get("/io/export/tm", params={"format": "xliff"})
    assert r.status_code == 400 and "tm cannot be exported as" in r.text
    r = client.get("/io/export/terms", params={"format": "tbx", "bilingual": "perhaps"})
    assert r.status_code == 400
    assert client.get("/io/export/notes").status_code == 400


def test_import_needs_the_csrf_token(bare_client: TestClient, web_db: Path) -> None:
    r = bare_client.post("/api/io/import/tm", files={"file": ("a.tmx", TMX)})
    assert r.status_code == 403


def test_io_page(client: TestClient) -> None:
    r = client.get("/io")
    assert r.status_code == 200 and 'name="csrf_token"' in r.text
