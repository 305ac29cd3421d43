"""The glossary's JSON API and page (issue 18): the same lookup as ``terms search``, filters,
inline edits that refuse a stale etag (409 with the entry as it is now), bulk status, merge,
evidence, bad input as one-line 400s, and stored text escaped on the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from taiyaku.cli import cli
from taiyaku.core.model import NewUnit
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.store import add_term, get_entry, insert_entry
from taiyaku.store import open_store

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


@pytest.fixture
def terms(web_db: Path) -> dict[str, int]:
    """A small glossary with a TM to find evidence in; the ids by Japanese term."""
    with open_store(web_db) as s:
        with s.transaction():
            doc = s.documents.add("news", layout="pair", kind="bilingual")
            units = s.units.add(doc, [
                NewUnit("港湾の整備を進めた。", "Port upgrades went ahead.", 0),
                NewUnit("戦略的曖昧さを保つ。", "It keeps its strategic ambiguity.", 1)])
        ids = {"港湾": add_term(s, "港湾", "port").id,
               "戦略的曖昧さ": add_term(s, "戦略的曖昧さ", "strategic ambiguity",
                                     status="candidate").id,
               "川習会": add_term(s, "川習会", status="candidate").id}
        with s.transaction():
            ids["台湾有事"] = insert_entry(s, TermEntry(
                ja=(TermForm("台湾有事", "ja"),), en=(TermForm("Taiwan contingency", "en"),),
                sources=("news",), score=7.5), origin="extracted",
                evidence={"units": [units[1]], "pairing": {"method": "cooccurrence",
                                                            "confidence": 0.62,
                                                            "en": "Taiwan contingency"}})
    return {k: int(v) for k, v in ids.items() if v is not None}


def _cli_json(db: Path, *args: str) -> Any:
    run = CliRunner().invoke(cli, [*args, "--db", str(db), "--json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.output)


@pytest.mark.parametrize("query", ["港湾", "せんりゃく", "Strategic Ambiguity", "台湾", "nothing"])
def test_search_is_exactly_terms_search(client: TestClient, web_db: Path,
                                         terms: dict[str, int], query: str) -> None:
    r = client.get("/api/terms/search", params={"q": query})
    assert r.status_code == 200
    assert r.json() == _cli_json(web_db, "terms", "search", query)


def test_filters(client: TestClient, terms: dict[str, int]) -> None:
    def ids(**params: str) -> list[int]:
        r = client.get("/api/terms", params=params)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["entries"]]

    assert set(ids()) == set(terms.values())
    assert ids(status="approved") == [terms["港湾"]]
    assert ids(has_en="no") == [terms["川習会"]]
    assert ids(document="news") == [terms["台湾有事"]]
    assert ids(min_score="5") == [terms["台湾有事"]]
    assert ids(q="戦略", status="candidate") == [terms["戦略的曖昧さ"]]
    assert ids(q="戦略", status="approved") == []
    page = client.get("/api/terms", params={"document": "news"}).json()
    assert page["entries"][0]["suggestion"]["method"] == "cooccurrence"
    assert client.get("/api/terms", params={"status": "approved"}).json()["entries"][0][
        "suggestion"] is None
    html = client.get("/glossary").text
    assert "suggested by cooccurrence, confidence 0.62" in html
    page = client.get("/api/terms", params={"limit": "1", "offset": "1"}).json()
    assert page["total"] == 4 and len(page["entries"]) == 1 and page["entries"][0]["etag"]


@pytest.mark.parametrize(("params", "message"), [
    ({"status": "done"}, "unknown term status 'done'"),
    ({"has_en": "maybe"}, "has_en: use yes or no"),
    ({"min_score": "high"}, "min_score: 'high' is not a number"),
    ({"offset": "-1"}, "bad request: "),
])
def test_bad_filters_are_one_line_400s(client: TestClient, terms: dict[str, int],
                                       params: dict[str, str], message: str) -> None:
    r = client.get("/api/terms", params=params)
    assert r.status_code == 400 and message in r.json()["error"]
    assert "\n" not in r.json()["error"]


def test_edit_with_etag_then_a_stale_edit_is_409_with_the_current_entry(
        client: TestClient, web_db: Path, terms: dict[str, int]) -> None:
    tid = terms["戦略的曖昧さ"]
    loaded = client.get(f"/api/terms/{tid}").json()
    # tab 1 saves
    r = client.patch(f"/api/terms/{tid}", json={"etag": loaded["etag"], "note": "US policy",
                                                "status": "approved"})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["note"] == "US policy" and saved["status"] == "approved"
    assert saved["etag"] != loaded["etag"]
    # tab 2 still holds the old etag: refused, and told what the entry is now
    r = client.patch(f"/api/terms/{tid}", json={"etag": loaded["etag"], "en": "ambiguity"})
    assert r.status_code == 409
    body = r.json()
    assert "changed since you loaded it" in body["error"]
    assert body["current"] == saved
    with open_store(web_db) as s:
        assert [f.text for f in get_entry(s, tid).en] == ["strategic ambiguity"]
    # the CLI sees the saved edit
    (hit,) = [h for h in _cli_json(web_db, "terms", "search", "戦略的曖昧さ") if h["id"] == tid]
    assert hit["note"] == "US policy" and hit["status"] == "approved"


def test_edit_forms_variants_and_removal(client: TestClient, terms: dict[str, int]) -> None:
    tid = terms["港湾"]
    etag = client.get(f"/api/terms/{tid}").json()["etag"]
    r = client.patch(f"/api/terms/{tid}", json={"etag": etag, "en": "harbour",
                                                "add_ja": ["みなと"], "definition": "docks"})
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["en"] == ["harbour", "port"] and e["ja"] == ["港湾", "みなと"]
    r = client.patch(f"/api/terms/{tid}", json={"etag": e["etag"], "remove": ["port"]})
    assert r.json()["en"] == ["harbour"]


def test_an_unknown_term_is_404(client: TestClient, terms: dict[str, int]) -> None:
    for r in (client.patch("/api/terms/999", json={"note": "x"}), client.get("/api/terms/999"),
              client.get("/api/terms/999/evidence")):
        assert r.status_code == 404 and "no term with id 999" in r.json()["error"]


def test_bad_edits_change_nothing(client: TestClient, web_db: Path,
                                  terms: dict[str, int]) -> None:
    tid = terms["港湾"]
    before = client.get(f"/api/terms/{tid}").json()
    for body, message in (({}, "nothing to change"),
                          ({"status": "done"}, "unknown term status"),
                          ({"remove": ["港湾", "port"]}, "would have no form left"),
                          ({"note": 3}, "bad request")):
        r = client.patch(f"/api/terms/{tid}", json=body)
        assert r.status_code == 400, (body, r.text)
        assert message in r.json()["error"]
    assert client.get(f"/api/terms/{tid}").json() == before


def test_edit_without_the_csrf_token_is_refused(bare_client: TestClient,
                                                terms: dict[str, int]) -> None:
    r = bare_client.patch(f"/api/terms/{terms['港湾']}", json={"note": "x"})
    assert r.status_code == 403


def test_bulk_status_all_or_nothing(client: TestClient, terms: dict[str, int]) -> None:
    a, b = terms["川習会"], terms["戦略的曖昧さ"]
    etags = {str(i): client.get(f"/api/terms/{i}").json()["etag"] for i in (a, b)}
    r = client.post("/api/terms/status", json={"ids": [a, 999], "status": "approved"})
    assert r.status_code == 404 and "no term with id 999" in r.json()["error"]
    assert client.get(f"/api/terms/{a}").json()["status"] == "candidate"
    client.patch(f"/api/terms/{b}", json={"note": "meanwhile"})
    r = client.post("/api/terms/status", json={"ids": [a, b], "status": "forbidden",
                                               "etags": etags})
    assert r.status_code == 409 and r.json()["current"]["id"] == b
    assert client.get(f"/api/terms/{a}").json()["status"] == "candidate"
    r = client.post("/api/terms/status", json={"ids": [a, b], "status": "approved"})
    assert r.status_code == 200 and [e["status"] for e in r.json()] == ["approved"] * 2
    r = client.post("/api/terms/status", json={"ids": [a], "status": "done"})
    assert r.status_code == 400


def test_merge(client: TestClient, terms: dict[str, int]) -> None:
    a, b = terms["港湾"], terms["川習会"]
    r = client.post("/api/terms/merge", json={"ids": [a, b]})
    assert r.status_code == 200, r.text
    assert r.json()["merged"] == [b] and r.json()["ja"] == ["港湾", "川習会"]
    assert client.get(f"/api/terms/{b}").status_code == 404
    r = client.post("/api/terms/merge", json={"ids": [a]})
    assert r.status_code == 400 and "at least two" in r.json()["error"]


def test_evidence_and_suggestion(client: TestClient, terms: dict[str, int]) -> None:
    r = client.get(f"/api/terms/{terms['台湾有事']}/evidence")
    assert r.status_code == 200
    ev = r.json()
    assert ev["source"] == "stored" and ev["suggestion"]["method"] == "cooccurrence"
    assert [x["en"] for x in ev["lines"]] == ["It keeps its strategic ambiguity."]
    ev = client.get(f"/api/terms/{terms['港湾']}/evidence").json()
    assert ev["source"] == "concordance"
    assert ev["lines"][0]["ja_spans"] == [[0, 2]] and ev["lines"][0]["en_spans"] == [[0, 4]]


def test_page_filters_and_escapes_stored_text(client: TestClient, web_db: Path,
                                              terms: dict[str, int]) -> None:
    with open_store(web_db) as s:
        add_term(s, "危険" + HOSTILE, HOSTILE + "\u202e", note=HOSTILE)
    r = client.get("/glossary")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in r.text and "U+202E" in r.text
    r = client.get("/glossary", params={"q": "港湾"})
    assert f'data-id="{terms["港湾"]}"' in r.text
    assert f'data-id="{terms["川習会"]}"' not in r.text
    assert client.get("/glossary", params={"status": "nope"}).status_code == 400
