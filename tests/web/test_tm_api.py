"""The TM's JSON API and page (issue 18): ``/api/tm/search`` is exactly ``tm search --json``,
a document filter, unit edit and delete that refuse a stale etag (409 with the unit as it is
now), bad input as one-line errors, and the difference marks escaped on the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from taiyaku.cli import cli
from taiyaku.core.model import NewUnit
from taiyaku.store import open_store

PAIRS = [("2019年に京都の寺を訪ねた。", "We visited a temple in Kyoto in 2019."),
         ("奈良の鹿に会った。", "We met the deer of Nara."),
         ("京都の庭は静かだ。", "The gardens of Kyoto are quiet.")]
HOSTILE = ('京都の<script>alert(1)</script>寺', '"><img src=x onerror=alert(1)>')


@pytest.fixture
def units(web_db: Path) -> list[int]:
    with open_store(web_db) as s:
        with s.transaction():
            a = s.documents.add("kyoto", layout="pair", kind="bilingual")
            ids = s.units.add(a, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(PAIRS)])
            b = s.documents.add("hostile", layout="pair", kind="bilingual")
            ids += s.units.add(b, [NewUnit(*HOSTILE, 0)])
    return [i for i in ids if i is not None]


def _cli_json(db: Path, *args: str) -> Any:
    run = CliRunner().invoke(cli, [*args, "--db", str(db), "--json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.output)


@pytest.mark.parametrize(("query", "extra"), [
    ("2021年に京都の寺を訪ねた。", []), ("We met the deer of Nara", []),
    ("京都", ["--concordance"]), ("kyoto", ["--concordance"]), ("京都の寺", ["--limit", "1"]),
])
def test_search_is_exactly_tm_search(client: TestClient, web_db: Path, units: list[int],
                                     query: str, extra: list[str]) -> None:
    params: dict[str, str] = {"q": query}
    if "--concordance" in extra:
        params["concordance"] = "1"
    if "--limit" in extra:
        params["limit"] = extra[extra.index("--limit") + 1]
    r = client.get("/api/tm/search", params=params)
    assert r.status_code == 200
    assert r.json() == _cli_json(web_db, "tm", "search", query, *extra)


def test_document_filter(client: TestClient, units: list[int]) -> None:
    r = client.get("/api/tm/search", params={"q": "京都", "concordance": "1",
                                             "document": "hostile"})
    assert [m["document"] for m in r.json()["matches"]] == ["hostile"]
    r = client.get("/api/tm/search", params={"q": "京都", "document": "nope"})
    assert r.status_code == 404 and "document 'nope': no such document" in r.json()["error"]
    assert client.get("/api/tm/search", params={"q": "x", "limit": "0"}).status_code == 400
    assert client.get("/api/tm/search").status_code == 400


def test_unit_edit_stale_edit_and_delete(client: TestClient, web_db: Path,
                                         units: list[int]) -> None:
    uid = units[1]
    loaded = client.get(f"/api/tm/units/{uid}").json()
    assert (loaded["ja"], loaded["en"]) == PAIRS[1]
    r = client.patch(f"/api/tm/units/{uid}", json={"en": "We met Nara's deer.",
                                                   "etag": loaded["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["after"]["en"] == "We met Nara's deer." and r.json()["etag"] != loaded["etag"]
    # a second tab with the old view: refused, told the current text
    r = client.patch(f"/api/tm/units/{uid}", json={"en": "Deer.", "etag": loaded["etag"]})
    assert r.status_code == 409
    assert r.json()["current"]["en"] == "We met Nara's deer."
    r = client.delete(f"/api/tm/units/{uid}", params={"etag": loaded["etag"]})
    assert r.status_code == 409
    hits = _cli_json(web_db, "tm", "search", "Nara's deer", "--concordance")["matches"]
    assert [h["id"] for h in hits] == [uid]  # the CLI sees the edit; nothing else changed
    fresh = client.get(f"/api/tm/units/{uid}").json()["etag"]
    r = client.delete(f"/api/tm/units/{uid}", params={"etag": fresh})
    assert r.status_code == 200 and r.json()["deleted"] is True
    assert client.get(f"/api/tm/units/{uid}").status_code == 404


def test_bad_unit_edits(client: TestClient, units: list[int]) -> None:
    uid = units[0]
    before = client.get(f"/api/tm/units/{uid}").json()
    for body, status, message in (({"ja": "  "}, 400, "the new --ja text is empty"),
                                  ({}, 400, "give --ja and/or --en"),
                                  ({"en": ["x"]}, 400, "bad request")):
        r = client.patch(f"/api/tm/units/{uid}", json=body)
        assert r.status_code == status and message in r.json()["error"], r.text
    assert client.get(f"/api/tm/units/{uid}").json() == before
    r = client.patch("/api/tm/units/999", json={"en": "x"})
    assert r.status_code == 404 and "unit 999: no such TM unit" in r.json()["error"]
    assert client.delete("/api/tm/units/999").status_code == 404


def test_page_marks_differences_and_escapes(client: TestClient, units: list[int]) -> None:
    r = client.get("/tm", params={"q": "2021年に京都の寺を訪ねた。"})
    assert r.status_code == 200
    assert "<del>19</del><ins>21</ins>" in r.text
    r = client.get("/tm", params={"q": "京都", "concordance": "true"})
    assert "<mark>京都</mark>" in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = client.get("/tm", params={"q": "京都", "document": "kyoto", "concordance": "true"})
    assert "&lt;script&gt;" not in r.text and f'data-id="{units[0]}"' in r.text
