"""The alignment editor's JSON API (/api/documents/{id}/…) and its pages, through TestClient:
every edit is saved at once through tm/alignedit (units and the fuzzy index follow), a stale
revision is refused with 409 and nothing changes, bad input is a one-line 400/404."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from taiyaku.store import open_store
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.tm.search import SearchOptions, run_search

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "web_news_article.txt"
#: the caption that has no English: a 1-0 bead where it stands in the article
CAPTION = "写真：昨年のライトアップの様子（市観光課提供）"


@pytest.fixture
def doc_id(web_db: Path) -> int:
    """The news article ingested into the test server's database."""
    with open_store(web_db) as store:
        return ingest_file(store, ARTICLE, IngestOptions()).doc_id


def state(client: TestClient, doc_id: int) -> dict[str, Any]:
    r = client.get(f"/api/documents/{doc_id}/alignment")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def post(client: TestClient, doc_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/documents/{doc_id}/{action}", json=body)


def concordance(db: Path, text: str) -> list[dict[str, Any]]:
    with open_store(db, readonly=True) as store:
        result = run_search(store, query=text, queries_file=None,
                            options=SearchOptions(limit=10, concordance=True))
        matches: list[dict[str, Any]] = result.to_json()["matches"]
        return matches


def test_the_alignment_is_in_document_order_with_the_caption_in_place(
        client: TestClient, doc_id: int) -> None:
    data = state(client, doc_id)
    beads = data["beads"]
    assert data["revision"] == 0 and data["undoable"] == 0
    assert [b["position"] for b in beads] == list(range(len(beads)))
    # the unpaired caption stays between the paragraph before it and the one after it
    caption = next(b for b in beads if b["ja_text"] == CAPTION)
    assert caption["type"] == "1-0" and caption["en_ids"] == []
    k = caption["position"]
    assert beads[k - 1]["ja_text"].startswith("期間は") and beads[k + 1]["ja_text"].startswith(
        "昨年は")
    ja_order = [i for b in beads for i in b["ja_ids"]]
    assert ja_order == sorted(ja_order)


def test_merge_saves_at_once_and_the_tm_follows(client: TestClient, doc_id: int,
                                                web_db: Path) -> None:
    beads = state(client, doc_id)["beads"]
    k = next(b["position"] for b in beads if b["ja_text"].startswith("周辺の住民"))
    r = post(client, doc_id, "merge", revision=0, position=k)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["action"] == "merge" and out["revision"] == 1 and out["start"] == k
    assert [b["type"] for b in out["after"]] == ["2-2"] and out["after"][0]["confirmed"]
    assert len(out["units_removed"]) == 2 and len(out["units_added"]) == 1
    merged = state(client, doc_id)["beads"][k]
    assert merged["ja_text"].startswith("周辺の住民") and "山田誠" in merged["ja_text"]
    # the TM holds one unit of both sentences now, searchable at once
    hits = concordance(web_db, "昨年の混雑で道路")
    assert len(hits) == 1 and "Makoto Yamada" in hits[0]["en"]


def test_unpair_removes_the_unit_and_keeps_both_segments_in_place(
        client: TestClient, doc_id: int, web_db: Path) -> None:
    assert len(concordance(web_db, "10万人と見込んで")) == 1
    beads = state(client, doc_id)["beads"]
    k = next(b["position"] for b in beads if b["ja_text"].startswith("市は今年の来場者"))
    r = post(client, doc_id, "unpair", revision=0, position=k)
    assert r.status_code == 200, r.text
    after = state(client, doc_id)["beads"]
    assert [after[k]["type"], after[k + 1]["type"]] == ["1-0", "0-1"]
    assert after[k + 1]["en_text"] == "The city expects 100,000 visitors this year."
    assert concordance(web_db, "10万人と見込んで") == []


def test_confirm_split_move_pair_and_undo(client: TestClient, doc_id: int) -> None:
    r = post(client, doc_id, "confirm", revision=0, positions=[0, 1, 2])
    assert r.status_code == 200 and r.json()["revision"] == 1
    now = state(client, doc_id)
    assert [b["confirmed"] for b in now["beads"][:4]] == [True, True, True, False]
    assert now["confirmed_share"] == pytest.approx(0.3)
    # take one back
    r = post(client, doc_id, "confirm", revision=1, positions=[2], confirmed=False)
    assert r.status_code == 200 and not state(client, doc_id)["beads"][2]["confirmed"]
    # move the second Japanese sentence up into the first bead, then split it off again
    r = post(client, doc_id, "move", revision=2, position=1, lang="ja", direction="up")
    assert r.status_code == 200, r.text
    beads = state(client, doc_id)["beads"]
    assert beads[0]["ja_ids"] == [0, 1] and beads[1]["ja_ids"] == []
    r = post(client, doc_id, "split", revision=3, position=0, ja_count=1, en_count=1)
    assert r.status_code == 200, r.text
    beads = state(client, doc_id)["beads"]
    assert (beads[0]["ja_ids"], beads[0]["en_ids"]) == ([0], [0])
    assert (beads[1]["ja_ids"], beads[1]["en_ids"]) == ([1], [])
    # pair the caption with the next English sentence (a wrong pairing), then undo it
    caption = next(b for b in beads if b["ja_text"] == CAPTION)
    r = post(client, doc_id, "pair", revision=4, ja_ids=caption["ja_ids"],
             en_ids=beads[caption["position"] + 1]["en_ids"])
    assert r.status_code == 200, r.text
    assert state(client, doc_id)["undoable"] == 5
    r = post(client, doc_id, "undo", revision=5)
    assert r.status_code == 200 and r.json()["action"] == "undo pair"
    again = state(client, doc_id)

    def shape(bs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:  # undo makes a new unit id
        return [(b["ja_ids"], b["en_ids"], b["confirmed"], b["ja_text"], b["en_text"])
                for b in bs]

    assert again["revision"] == 6 and shape(again["beads"]) == shape(beads)


def test_a_stale_edit_is_refused_with_409_and_changes_nothing(
        client: TestClient, doc_id: int, web_db: Path) -> None:
    assert post(client, doc_id, "confirm", revision=0, positions=[0]).status_code == 200
    before = state(client, doc_id)
    # another tab still at revision 0 merges: refused
    r = post(client, doc_id, "merge", revision=0, position=4)
    assert r.status_code == 409
    assert "changed since revision 0" in r.json()["error"] and "\n" not in r.json()["error"]
    assert state(client, doc_id) == before
    edits: list[tuple[str, dict[str, Any]]] = [
        ("unpair", {"position": 4}), ("split", {"position": 0, "ja_count": 1, "en_count": 0}),
        ("move", {"position": 1, "lang": "en", "direction": "up"}),
        ("pair", {"ja_ids": [3], "en_ids": [3]}), ("confirm", {"positions": [2]}), ("undo", {})]
    for action, body in edits:
        r = post(client, doc_id, action, revision=0, **body)
        assert r.status_code == 409, (action, r.text)
    assert state(client, doc_id) == before


@pytest.mark.parametrize("action, body, status, words", [
    ("merge", {"revision": 0, "position": 99}, 400, "no bead at position 99"),
    ("merge", {"revision": 0, "position": 9}, 400, "is the last one"),
    ("unpair", {"revision": 0, "position": 3}, 400, "is not a pair"),
    ("split", {"revision": 0, "position": 1, "ja_count": 1, "en_count": 1}, 400,
     "leaves one part empty"),
    ("move", {"revision": 0, "position": 0, "lang": "ja", "direction": "up"}, 400,
     "no bead up of it"),
    ("move", {"revision": 0, "position": 1, "lang": "fr", "direction": "up"}, 400, "lang"),
    ("pair", {"revision": 0, "ja_ids": [1, 3], "en_ids": [1]}, 400, "not consecutive"),
    ("pair", {"revision": 0, "ja_ids": [1], "en_ids": []}, 400, "en_ids"),
    ("confirm", {"revision": 0, "positions": [0, 77]}, 400, "no bead at position 77"),
    ("undo", {"revision": 0}, 400, "no edit left to undo"),
    ("merge", {"position": 1}, 400, "revision"),
    ("merge", {"revision": "x", "position": 1}, 400, "revision"),
    ("merge", {"revision": -1, "position": 1}, 400, "revision"),
])
def test_bad_edits_are_one_line_errors_and_change_nothing(
        client: TestClient, doc_id: int, action: str, body: dict[str, Any], status: int,
        words: str) -> None:
    before = state(client, doc_id)
    r = client.post(f"/api/documents/{doc_id}/{action}", json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert words in error and "\n" not in error
    assert state(client, doc_id) == before


def test_unknown_and_one_language_documents(client: TestClient, doc_id: int,
                                            web_db: Path, tmp_path: Path) -> None:
    r = client.get("/api/documents/777/alignment")
    assert r.status_code == 404 and "no document 777" in r.json()["error"]
    assert post(client, 777, "merge", revision=0, position=0).status_code == 404
    assert client.get("/documents/777").status_code == 404
    mono = tmp_path / "mono.txt"
    mono.write_text("日本語だけの記事です。\n二つ目の文です。\n", encoding="utf-8")
    with open_store(web_db) as store:
        mono_id = ingest_file(store, mono, IngestOptions(layout="mono")).doc_id
    r = client.get(f"/api/documents/{mono_id}/alignment")
    assert r.status_code == 400 and "no alignment to edit" in r.json()["error"]
    page = client.get(f"/documents/{mono_id}")
    assert page.status_code == 400 and "no alignment to edit" in page.text
    assert client.get("/api/documents/abc/alignment").status_code == 400


def test_an_edit_without_the_csrf_token_is_refused(bare_client: TestClient,
                                                   doc_id: int) -> None:
    r = bare_client.post(f"/api/documents/{doc_id}/confirm",
                         json={"revision": 0, "positions": [0]})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = bare_client.post(f"/api/documents/{doc_id}/confirm",
                         json={"revision": 0, "positions": [0]},
                         headers={"X-CSRF-Token": "guessed"})
    assert r.status_code == 403
    assert bare_client.get(f"/api/documents/{doc_id}/alignment").json()["revision"] == 0


def test_the_editor_page_shows_every_bead_in_order_with_its_colour(
        client: TestClient, doc_id: int) -> None:
    assert post(client, doc_id, "confirm", revision=0, positions=[1]).status_code == 200
    html = client.get(f"/documents/{doc_id}").text
    assert html.count('<tr id="b') == 10
    assert 'class="bead none doubtful"' in html  # the caption: unpaired, not yet confirmed
    assert 'class="bead high confirmed"' in html
    assert html.index(CAPTION) < html.index("昨年は約8万人")
    assert 'data-revision="1"' in html and "/static/align.js" in html
    # the shortcuts are on the page, not only in a dialog
    for key in ("<kbd>n</kbd>", "<kbd>c</kbd>", "<kbd>u</kbd>", "<kbd>m</kbd>", "<kbd>z</kbd>"):
        assert key in html
    rows = client.get(f"/documents/{doc_id}/rows").text
    assert rows.count('<tr id="b') == 10 and 'id="figures"' in rows
    # after a change the page asks for the rows it made only
    some = client.get(f"/documents/{doc_id}/rows?start=3&count=2").text
    assert re.findall(r'<tr id="(b\d+)"', some) == ["b3", "b4"] and 'id="figures"' in some
    assert 'data-revision="1"' in some and CAPTION in some


def test_the_openapi_description_documents_every_edit(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for action in ("pair", "unpair", "merge", "split", "move", "confirm", "undo"):
        op = spec["paths"][f"/api/documents/{{doc_id}}/{action}"]["post"]
        assert op["summary"] and "409" in op["responses"]
        assert "EditOut" in str(op["responses"]["200"])
    assert "AlignmentOut" in str(spec["paths"]["/api/documents/{doc_id}/alignment"])
    # no page that would load its scripts from a CDN
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
