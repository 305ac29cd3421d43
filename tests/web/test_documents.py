"""Documents in the workbench: the list (``GET /api/documents`` = ``taiyaku documents
--json``, with confidence and review progress), ingest by upload (the CLI's layouts, options
and results), removal after a confirmation, and the home page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from taiyaku import cli as cli_module
from taiyaku.cli import cli
from taiyaku.store import open_store
from taiyaku.tm import alignedit
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.web.routes.documents import LAYOUTS

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE = DATA / "web_news_article.txt"


def run_cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


@pytest.fixture
def article_id(web_db: Path) -> int:
    with open_store(web_db) as store:
        return ingest_file(store, ARTICLE, IngestOptions()).doc_id


def test_the_list_is_what_documents_json_prints(client: TestClient, web_db: Path,
                                                article_id: int) -> None:
    with open_store(web_db) as store:
        doc = alignedit.load(store, article_id)
        alignedit.confirm(store, article_id, doc.revision, [0, 1, 2])
    listed = client.get("/api/documents").json()
    assert listed == run_cli("documents", "--json", "--db", str(web_db))
    (d,) = listed
    assert (d["name"], d["kind"], d["segments_ja"], d["segments_en"], d["units"]) == (
        "web_news_article.txt", "bilingual", 10, 9, 9)
    assert (d["beads"], d["paired_beads"], d["confirmed_beads"]) == (10, 9, 3)
    assert d["confirmed_share"] == 0.3 and 0.9 < d["mean_confidence"] <= 1.0
    # the page shows the same figures
    html = client.get("/documents").text
    assert "web_news_article.txt" in html and "3/10 (30%)" in html
    assert f'href="/documents/{article_id}"' in html
    # and so does the CLI's text
    assert "reviewed 3/10 (30%)" in run_cli("documents", "--db", str(web_db))


def test_the_layouts_are_the_cli_s() -> None:
    assert list(LAYOUTS) == cli_module.LAYOUTS


def test_upload_ingests_as_the_cli_does(client: TestClient, web_db: Path,
                                        tmp_path: Path) -> None:
    r = client.post("/api/documents", files={"file": (ARTICLE.name, ARTICLE.read_bytes())})
    assert r.status_code == 201, r.text
    web = r.json()
    cli_db = str(tmp_path / "cli.db")
    local = run_cli("ingest", str(ARTICLE), "--json", "--db", cli_db)
    assert web["status"] == "added" and web["source"] == ARTICLE.name
    for key in ("document", "kind", "layout", "message", "ja_segments", "en_segments", "units",
                "unaligned_ja", "unaligned_en", "bead_counts", "mean_confidence", "weak_beads"):
        assert web[key] == local[key], key
    # the same upload again changes nothing; the stored units are the CLI's
    again = client.post("/api/documents", files={"file": (ARTICLE.name, ARTICLE.read_bytes())})
    assert again.status_code == 201 and again.json()["status"] == "unchanged"
    with open_store(web_db) as a, open_store(cli_db) as b:
        assert [(u.ja, u.en) for u in a.units.iterate()] == [
            (u.ja, u.en) for u in b.units.iterate()]
        assert a.counts()["documents"] == 1


def test_upload_options_pair_presegmented_name_replace_mono(client: TestClient,
                                                            web_db: Path) -> None:
    ja = (DATA / "ingest_pair_ja.txt").read_bytes()
    en = (DATA / "ingest_pair_en.txt").read_bytes()
    r = client.post("/api/documents", files={"file": ("ja.txt", ja), "en_file": ("en.txt", en)},
                    data={"layout": "pair", "name": "port market"})
    assert r.status_code == 201, r.text
    pair = r.json()
    assert pair["document"] == "port market" and pair["layout"] == "pair" and pair["units"] > 0
    assert pair["source"] == "ja.txt + en.txt"
    lines_ja = "一つ目の文。\n二つ目の文。\n".encode()
    lines_en = b"The first sentence.\nThe second sentence.\n"
    r = client.post("/api/documents", files={"file": ("p.txt", lines_ja),
                                             "en_file": ("q.txt", lines_en)},
                    data={"presegmented": "true"})
    assert r.status_code == 201 and r.json()["ja_segments"] == 2, r.text
    # the name is taken: refused as the CLI refuses it, unless replace is asked for
    r = client.post("/api/documents", files={"file": ("p.txt", lines_ja),
                                             "en_file": ("q.txt", lines_en)},
                    data={"presegmented": "true", "name": "port market"})
    assert r.status_code == 400 and "is already stored" in r.json()["error"]
    r = client.post("/api/documents", files={"file": ("p.txt", lines_ja),
                                             "en_file": ("q.txt", lines_en)},
                    data={"presegmented": "true", "name": "port market", "replace": "true"})
    assert r.status_code == 201 and r.json()["status"] == "replaced"
    r = client.post("/api/documents", files={"file": ("mono.txt", lines_ja)},
                    data={"layout": "mono"})
    assert r.status_code == 201 and r.json()["kind"] == "mono"
    kinds = {d["name"]: (d["kind"], d["confirmed_share"]) for d in
             client.get("/api/documents").json()}
    assert kinds["mono.txt"] == ("mono", None) and kinds["port market"][0] == "bilingual"


@pytest.mark.parametrize("data, words", [
    ({"layout": "sideways"}, "unknown layout 'sideways'"),
    ({"presegmented": "maybe"}, "presegmented"),
])
def test_bad_upload_options(client: TestClient, data: dict[str, str], words: str) -> None:
    r = client.post("/api/documents", files={"file": ("a.txt", ARTICLE.read_bytes())},
                    data=data)
    assert r.status_code == 400 and words in r.json()["error"]
    assert client.get("/api/documents").json() == []


def test_upload_without_a_file(client: TestClient) -> None:
    r = client.post("/api/documents", data={"layout": "auto"})
    assert r.status_code == 400 and "file" in r.json()["error"]
    r = client.post("/api/documents", files={"file": ("", b"")})
    assert r.status_code == 400


def test_the_upload_form_shows_what_was_stored_or_the_error(client: TestClient,
                                                            app: Any) -> None:
    csrf = {"csrf_token": app.state.settings.csrf}
    r = client.post("/documents", files={"file": (ARTICLE.name, ARTICLE.read_bytes())},
                    data=csrf)
    assert r.status_code == 200 and 'class="ok"' in r.text and "Stored" in r.text
    assert "10 Japanese and 9 English segments" in r.text
    r = client.post("/documents", files={"file": ("notes.tbx", b"<martif type='TBX'/>")},
                    data=csrf)
    assert r.status_code == 400 and 'class="error"' in r.text
    assert "notes.tbx: is a TBX file" in r.text and "terms import notes.tbx" in r.text


def test_remove_asks_first_then_removes(client: TestClient, app: Any, web_db: Path,
                                        article_id: int) -> None:
    page = client.get(f"/documents/{article_id}/remove")
    assert page.status_code == 200
    assert "Remove web_news_article.txt?" in page.text and "9 TM units" in page.text
    assert len(client.get("/api/documents").json()) == 1  # asking removed nothing
    r = client.post(f"/documents/{article_id}/remove",
                    data={"csrf_token": app.state.settings.csrf}, follow_redirects=True)
    assert r.status_code == 200 and f"Removed document {article_id}" in r.text
    assert client.get("/api/documents").json() == []
    with open_store(web_db) as store:
        assert store.counts()["units"] == 0


def test_remove_by_api(client: TestClient, article_id: int) -> None:
    r = client.delete(f"/api/documents/{article_id}")
    assert r.status_code == 200
    assert r.json() == {"id": article_id, "name": "web_news_article.txt",
                        "segments_removed": 19, "units_removed": 9, "units_kept": 0}
    r = client.delete(f"/api/documents/{article_id}")
    assert r.status_code == 404 and "no such document" in r.json()["error"]
    assert client.get(f"/documents/{article_id}/remove").status_code == 404
    assert client.delete("/api/documents/x").status_code == 400


def test_home_page_counts_and_links(client: TestClient, article_id: int) -> None:
    html = client.get("/").text
    assert "<strong>1</strong> documents" in html and "<strong>9</strong> TM units" in html
    for href in ('href="/documents"', 'href="/glossary"', 'href="/tm"', 'href="/pretranslate"',
                 'href="/io"'):
        assert href in html
    assert 'aria-current="page"' in html


def test_unknown_pages_are_404_pages(client: TestClient) -> None:
    r = client.get("/nowhere")
    assert r.status_code == 404 and "<h1>" in r.text
    assert client.get("/api/nowhere").json() == {"error": "Not Found"}
