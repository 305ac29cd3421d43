"""Pre-translation in the workbench (issue 18): upload an article, see each segment with its
best match, band and terms; download XLIFF, XLSX, JSON and the analysis report, written by
the CLI's writers (the XLIFF validates); bad uploads are one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from taiyaku.core.model import NewUnit
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE = (DATA / "pt_new_ja.txt").read_bytes()


@pytest.fixture
def tm(web_db: Path) -> Path:
    """The pre-translation tests' small TM and two glossary terms."""
    pairs = [line.split("\t") for line in (DATA / "pt_tm.tsv").read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    with open_store(web_db) as s:
        with s.transaction():
            doc = s.documents.add("pt", layout="pair", kind="bilingual")
            s.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(pairs)])
        add_term(s, "港湾", "port")
        add_term(s, "渋滞", "traffic jam", status="forbidden")
    return web_db


def _upload(client: TestClient, data: bytes, name: str = "港の未来.txt") -> dict:  # type: ignore[type-arg]
    r = client.post("/api/pretranslate", files={"file": (name, data, "text/plain")})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_upload_shows_matches_bands_and_terms(client: TestClient, tm: Path) -> None:
    done = _upload(client, ARTICLE)
    assert done["src_lang"] == "ja" and done["segments"] == len(done["segments_list"])
    first = next(s for s in done["segments_list"]
                 if s["source"] == "港湾の拡張工事は予定より早く進んでいる。")
    assert first["band"] == "100" and first["target"] == "The port expansion is ahead of schedule."
    assert ("港湾", "port") in [(t["ja"], t["en"]) for t in first["terms"]]
    page = client.post("/pretranslate", files={"file": ("a.txt", ARTICLE, "text/plain")},
                       data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert page.status_code == 200
    assert "The port expansion is ahead of schedule." in page.text
    assert "<mark>港湾</mark>" in page.text and "/xliff" in page.text


def test_downloads_are_the_cli_writers_output(client: TestClient, tm: Path,
                                              tmp_path: Path) -> None:
    done = _upload(client, ARTICLE)
    links = done["downloads"]
    xlf = client.get(links["xliff"])
    assert xlf.status_code == 200 and b'version="2.1"' in xlf.content
    assert "港の未来.xlf" in xlf.headers["content-disposition"] or \
        "filename*=utf-8''" in xlf.headers["content-disposition"]
    assert b'version="1.2"' in client.get(links["xliff12"]).content
    with zipfile.ZipFile(io.BytesIO(client.get(links["xlsx"]).content)) as z:
        assert "xl/workbook.xml" in z.namelist()
    segments = json.loads(client.get(links["json"]).content)
    assert [s["source"] for s in segments] == [s["source"] for s in done["segments_list"]]
    report = client.get(links["report"])
    assert report.status_code == 200 and report.text.lstrip().lower().startswith("<!doctype")
    assert json.loads(client.get(links["report-json"]).content)["bands"]


def test_xliff_download_validates(client: TestClient, tm: Path, tmp_path: Path,
                                  shared: Path) -> None:
    done = _upload(client, ARTICLE)
    for what in ("xliff", "xliff12"):
        out = tmp_path / f"{what}.xlf"
        out.write_bytes(client.get(done["downloads"][what]).content)
        run = subprocess.run([sys.executable, str(shared / "tools" / "validate_xliff.py"),
                              str(out)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr


def test_bad_uploads_and_downloads(client: TestClient, tm: Path) -> None:
    r = client.post("/api/pretranslate", files={"file": ("empty.txt", b"", "text/plain")})
    error = r.json()["error"]
    assert r.status_code == 400 and error.startswith("empty.txt: ") and "empty" in error
    r = client.post("/api/pretranslate", files={"file": ("blank.txt", b"\n \n", "text/plain")})
    assert r.status_code == 400 and r.json()["error"].startswith("blank.txt: ")
    assert "taiyaku-upload" not in r.json()["error"]
    r = client.post("/api/pretranslate")
    assert r.status_code == 400
    page = client.post("/pretranslate", files={"file": ("empty.txt", b"", "text/plain")},
                       data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert page.status_code == 400 and error in page.text
    assert client.get("/pretranslate/nope/xliff").status_code == 404
    done = _upload(client, ARTICLE)
    job = done["job"]
    r = client.get(f"/pretranslate/{job}/docx")
    assert r.status_code == 404 and "no such download" in r.text


def test_the_upload_page(client: TestClient) -> None:
    r = client.get("/pretranslate")
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text and 'name="csrf_token"' in r.text
    assert 'id="pt-segments"' not in r.text  # nothing pre-translated yet
