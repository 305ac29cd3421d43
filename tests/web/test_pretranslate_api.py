"""Pre-translation in the workbench (issue 18): upload an article, see each segment with its
best match, band and terms; download XLIFF, XLSX, JSON and the analysis report, written by
the CLI's writers (the XLIFF validates); bad uploads are one-line errors."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from taiyaku.core.errors import NotFoundError
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store
from taiyaku.web.app import WORKER_ENV, create_app
from taiyaku.web.routes import pretranslate

from .conftest import BASE_URL, add_pt_tm

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE = (DATA / "pt_new_ja.txt").read_bytes()


@pytest.fixture
def tm(web_db: Path) -> Path:
    """The pre-translation tests' small TM and two glossary terms."""
    with open_store(web_db) as s:
        add_pt_tm(s, "pt")
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


#: a second worker process of the same server: its app from the settings ``serve`` gives
#: workers (WORKER_ENV), then each link's status and the SHA-256 of what it answers
SECOND_WORKER = """
import hashlib, json, sys
from fastapi.testclient import TestClient
from taiyaku.web.app import app_from_environment
with TestClient(app_from_environment(), base_url=sys.argv[1]) as c:
    answers = {name: c.get(link) for name, link in json.loads(sys.argv[2]).items()}
print(json.dumps({name: [r.status_code, hashlib.sha256(r.content).hexdigest()]
                  for name, r in answers.items()}))
"""


def test_a_job_made_by_one_worker_downloads_through_another(tm: Path, tmp_path: Path) -> None:
    # two workers of one server: this process's app and another process's, on one jobs
    # folder (a job kept in one process's memory answers 404 in the other)
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    app = create_app(tm, jobs=jobs)
    with TestClient(app, base_url=BASE_URL) as client:
        client.headers["X-CSRF-Token"] = app.state.settings.csrf
        done = _upload(client, ARTICLE)
        ours = {name: [200, hashlib.sha256(client.get(link).content).hexdigest()]
                for name, link in done["downloads"].items()}
    settings = {"db": str(tm), "token": None, "host": "127.0.0.1", "port": 8765,
                "csrf": app.state.settings.csrf, "jobs": str(jobs)}
    run = subprocess.run([sys.executable, "-c", SECOND_WORKER, BASE_URL,
                          json.dumps(done["downloads"])], capture_output=True, text=True,
                         timeout=120, env={**os.environ, WORKER_ENV: json.dumps(settings)})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == ours
    assert [p.name for p in jobs.iterdir()] == [done["job"]]


def test_a_job_id_is_checked_before_any_file_is_read(client: TestClient, tm: Path,
                                                     app: FastAPI) -> None:
    done = _upload(client, ARTICLE)
    folder = pretranslate.jobs_folder(app)
    # a folder that looks like a job but whose name is not a job id, and files outside
    (folder / "not-a-job").mkdir()
    shutil.copytree(folder / done["job"], folder / "not-a-job", dirs_exist_ok=True)
    shutil.copytree(folder / done["job"], folder.parent / f"{folder.name}-outside")
    try:
        for bad in ("not-a-job", "..", "%2E%2E", f"..%2F{folder.name}-outside",
                    f"..%2F..%2F{folder.parent.name}%2F{folder.name}-outside",
                    done["job"] + "x", done["job"][:-1], done["job"][:-1] + ".",
                    done["job"][:-1] + "%"):
            r = client.get(f"/pretranslate/{bad}/xliff")
            assert r.status_code == 404, (bad, r.status_code, r.text)
            assert b"<xliff" not in r.content
        with pytest.raises(NotFoundError, match="not a pre-translation id"):
            pretranslate.job_files(folder, "../" + folder.name + "-outside")
        assert client.get(f"/pretranslate/{done['job']}/xliff").status_code == 200
    finally:
        shutil.rmtree(folder.parent / f"{folder.name}-outside")


def test_only_the_last_jobs_are_kept(client: TestClient, tm: Path, app: FastAPI,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pretranslate, "KEEP", 3)
    made = [_upload(client, f"港湾の拡張工事{i}。\n".encode())["job"] for i in range(5)]
    folder = pretranslate.jobs_folder(app)
    assert sorted(p.name for p in folder.iterdir()) == sorted(made[-3:])
    for job in made[:2]:
        r = client.get(f"/pretranslate/{job}/xliff")
        assert r.status_code == 404 and "upload the article again" in r.text
    for job in made[-3:]:
        r = client.get(f"/pretranslate/{job}/json")
        assert r.status_code == 200 and json.loads(r.content)
