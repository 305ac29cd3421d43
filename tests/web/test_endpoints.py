"""Every route of the workbench has API tests (issue 18, "Done when"): :data:`COVERAGE` names,
per method and path of ``app.routes``, the test that calls it with good input, the one that
sends it bad input, and for an edit of something two tabs may hold, the one that sends it a
stale edit (409). A route added without a row here fails
:func:`test_every_route_has_its_tests`; a row whose test does not exist, or does not call the
route or check the status it claims, fails too.

The routes the other test modules left without a bad-input or stale-edit test are tested at
the end of this module.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.web.app import STATIC, create_app, endpoints

HERE = Path(__file__).resolve().parent
ARTICLE = HERE.parent / "data" / "web_news_article.txt"

#: (method, path) → {"ok": test, "bad": test or None, "stale": test}; a test is
#: "module::function" of tests/web. "bad" is None only for a route that takes no input;
#: "word" (rarely) is what the tests mention instead of the path's last fixed segment.
_TERM_STALE = ("test_glossary_api::"
               "test_edit_with_etag_then_a_stale_edit_is_409_with_the_current_entry")
COVERAGE: dict[tuple[str, str], dict[str, str | None]] = {
    ("GET", "/openapi.json"): {
        "ok": "test_endpoints::test_the_openapi_description_lists_every_api_route",
        "bad": None},
    ("MOUNT", "/static"): {"ok": "test_endpoints::test_static_files",
                           "bad": "test_endpoints::test_static_files"},
    # documents
    ("GET", "/"): {"ok": "test_documents::test_home_page_counts_and_links", "bad": None},
    ("GET", "/documents"): {
        "ok": "test_documents::test_the_list_is_what_documents_json_prints", "bad": None},
    ("POST", "/documents"): {
        "ok": "test_documents::test_the_upload_form_shows_what_was_stored_or_the_error",
        "bad": "test_documents::test_the_upload_form_shows_what_was_stored_or_the_error"},
    ("GET", "/documents/{doc_id}/remove"): {
        "ok": "test_documents::test_remove_asks_first_then_removes",
        "bad": "test_documents::test_remove_by_api"},
    ("POST", "/documents/{doc_id}/remove"): {
        "ok": "test_documents::test_remove_asks_first_then_removes",
        "bad": "test_endpoints::test_removing_an_unknown_document_from_the_page"},
    ("GET", "/api/documents"): {
        "ok": "test_documents::test_the_list_is_what_documents_json_prints", "bad": None},
    ("POST", "/api/documents"): {"ok": "test_documents::test_upload_ingests_as_the_cli_does",
                                 "bad": "test_documents::test_bad_upload_options"},
    ("DELETE", "/api/documents/{doc_id}"): {"ok": "test_documents::test_remove_by_api",
                                            "bad": "test_documents::test_remove_by_api"},
    # the alignment editor
    ("GET", "/documents/{doc_id}"): {
        "ok": "test_align_api::test_the_editor_page_shows_every_bead_in_order_with_its_colour",
        "bad": "test_align_api::test_unknown_and_one_language_documents"},
    ("GET", "/documents/{doc_id}/rows"): {
        "ok": "test_align_api::test_the_editor_page_shows_every_bead_in_order_with_its_colour",
        "bad": "test_endpoints::test_bad_row_requests"},
    ("GET", "/api/documents/{doc_id}/alignment"): {
        "ok": "test_align_api::test_the_alignment_is_in_document_order_with_the_caption_in_place",
        "bad": "test_align_api::test_unknown_and_one_language_documents"},
    **{("POST", f"/api/documents/{{doc_id}}/{action}"): {
        "ok": ok, "bad": "test_align_api::test_bad_edits_are_one_line_errors_and_change_nothing",
        "stale": "test_align_api::test_a_stale_edit_is_refused_with_409_and_changes_nothing"}
       for action, ok in (
           ("pair", "test_align_api::test_confirm_split_move_pair_and_undo"),
           ("unpair",
            "test_align_api::test_unpair_removes_the_unit_and_keeps_both_segments_in_place"),
           ("merge", "test_align_api::test_merge_saves_at_once_and_the_tm_follows"),
           ("split", "test_align_api::test_confirm_split_move_pair_and_undo"),
           ("move", "test_align_api::test_confirm_split_move_pair_and_undo"),
           ("confirm", "test_align_api::test_confirm_split_move_pair_and_undo"),
           ("undo", "test_align_api::test_confirm_split_move_pair_and_undo"))},
    # glossary
    ("GET", "/glossary"): {"ok": "test_glossary_api::test_page_filters_and_escapes_stored_text",
                           "bad": "test_glossary_api::test_page_filters_and_escapes_stored_text"},
    ("GET", "/api/terms/search"): {"ok": "test_glossary_api::test_search_is_exactly_terms_search",
                                   "bad": "test_endpoints::test_bad_term_searches"},
    ("GET", "/api/terms"): {"ok": "test_glossary_api::test_filters",
                            "bad": "test_glossary_api::test_bad_filters_are_one_line_400s"},
    ("GET", "/api/terms/{term_id}"): {
        "ok": _TERM_STALE,
        "bad": "test_glossary_api::test_an_unknown_term_is_404"},
    ("PATCH", "/api/terms/{term_id}"): {
        "ok": "test_glossary_api::test_edit_forms_variants_and_removal",
        "bad": "test_glossary_api::test_bad_edits_change_nothing",
        "stale": _TERM_STALE},
    ("POST", "/api/terms/status"): {"ok": "test_glossary_api::test_bulk_status_all_or_nothing",
                                    "bad": "test_glossary_api::test_bulk_status_all_or_nothing",
                                    "stale": "test_glossary_api::test_bulk_status_all_or_nothing"},
    ("POST", "/api/terms/merge"): {"ok": "test_glossary_api::test_merge",
                                   "bad": "test_glossary_api::test_merge",
                                   "stale": "test_endpoints::test_a_stale_merge_is_refused"},
    ("GET", "/api/terms/{term_id}/evidence"): {
        "ok": "test_glossary_api::test_evidence_and_suggestion",
        "bad": "test_glossary_api::test_an_unknown_term_is_404"},
    # TM
    ("GET", "/tm"): {"ok": "test_tm_api::test_page_marks_differences_and_escapes",
                     "bad": "test_endpoints::test_bad_tm_page_requests"},
    ("GET", "/api/tm/search"): {"ok": "test_tm_api::test_search_is_exactly_tm_search",
                                "bad": "test_tm_api::test_document_filter"},
    ("GET", "/api/tm/units/{unit_id}"): {
        "ok": "test_tm_api::test_unit_edit_stale_edit_and_delete",
        "bad": "test_tm_api::test_unit_edit_stale_edit_and_delete"},
    ("PATCH", "/api/tm/units/{unit_id}"): {
        "ok": "test_tm_api::test_unit_edit_stale_edit_and_delete",
        "bad": "test_tm_api::test_bad_unit_edits",
        "stale": "test_tm_api::test_unit_edit_stale_edit_and_delete"},
    ("DELETE", "/api/tm/units/{unit_id}"): {
        "ok": "test_tm_api::test_unit_edit_stale_edit_and_delete",
        "bad": "test_tm_api::test_bad_unit_edits",
        "stale": "test_tm_api::test_unit_edit_stale_edit_and_delete"},
    # pre-translation
    ("GET", "/pretranslate"): {"ok": "test_pretranslate_api::test_the_upload_page", "bad": None},
    ("POST", "/pretranslate"): {
        "ok": "test_pretranslate_api::test_upload_shows_matches_bands_and_terms",
        "bad": "test_pretranslate_api::test_bad_uploads_and_downloads"},
    ("POST", "/api/pretranslate"): {
        "ok": "test_pretranslate_api::test_upload_shows_matches_bands_and_terms",
        "bad": "test_pretranslate_api::test_bad_uploads_and_downloads"},
    ("GET", "/pretranslate/{job_id}/{what}"): {
        "ok": "test_pretranslate_api::test_downloads_are_the_cli_writers_output",
        "bad": "test_pretranslate_api::test_bad_uploads_and_downloads",
        # the links come from the upload's answer ("downloads"), as the page's do
        "word": "downloads"},
    # import / export
    ("GET", "/io"): {"ok": "test_io_api::test_io_page", "bad": None},
    ("POST", "/io/import"): {
        "ok": "test_io_api::test_glossary_import_then_export",
        "bad": "test_io_api::test_bad_files_are_one_line_and_change_nothing"},
    ("POST", "/api/io/import/{kind}"): {
        "ok": "test_io_api::test_tm_import_tmx_and_xliff",
        "bad": "test_io_api::test_bad_files_are_one_line_and_change_nothing"},
    ("GET", "/io/export/{kind}"): {"ok": "test_io_api::test_tm_export_formats",
                                   "bad": "test_io_api::test_tm_export_formats"},
    # the access token
    ("POST", "/login"): {"ok": "test_security::test_the_access_token_is_asked_once",
                         "bad": "test_security::test_the_access_token_is_asked_once"},
}

#: routes that change something two tabs may both hold (a document's beads, a term, a unit):
#: each needs a stale-edit test
STALE_ROUTES = {k for k in COVERAGE if k[0] in ("PATCH", "DELETE", "POST") and (
    k[1].startswith(("/api/documents/{doc_id}/", "/api/terms", "/api/tm/units")))}


@cache
def _functions(module: str) -> dict[str, str]:
    """name → source (decorators included) of each test function of tests/web/*module*.py."""
    path = HERE / f"{module}.py"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out[node.name] = "\n".join(lines[first - 1 : node.end_lineno])
    return out


def _source(test: str) -> str:
    """The test's source with that of the module's helpers it calls (``post(client, …)``)."""
    module, _, name = test.partition("::")
    functions = _functions(module)
    assert name in functions, f"{test}: no such test function"
    source = functions[name]
    helpers = [text for helper, text in functions.items()
               if not helper.startswith("test_") and re.search(rf"\b{helper}\(", source)]
    return "\n".join([source, *helpers])


def _route_words(method: str, path: str) -> tuple[str, str]:
    """What a test of the route must mention: its last fixed path segment (or, when it ends
    in a parameter, the fixed part before it) and its method."""
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    word = tail if tail and "{" not in tail else path.split("{", 1)[0]
    verb = {"MOUNT": "get", "GET": "get"}.get(method, method.lower())
    return word, verb


def _takes_input(app: FastAPI, method: str, path: str) -> bool:
    """Whether the route declares path, query or body parameters (or reads a form)."""
    if method == "MOUNT" or path == "/login":
        return True
    return "{" in path or any(
        p for m, p, params in _declared(app) if (m, p) == (method, path) and params)


def _declared(app: FastAPI) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []

    def count(dependant: Any) -> int:
        n = sum(len(getattr(dependant, k)) for k in ("path_params", "query_params",
                                                      "body_params"))
        return n + sum(count(d) for d in dependant.dependencies)

    def walk(routes: Any) -> None:
        for r in routes:
            if getattr(r, "original_router", None) is not None:
                walk(r.original_router.routes)
            elif getattr(r, "dependant", None) is not None:
                out.extend((m, r.path, count(r.dependant)) for m in r.methods)

    walk(app.routes)
    return out


def test_every_route_has_its_tests(app: FastAPI) -> None:
    routes = set(endpoints(app))
    assert len(routes) == len(endpoints(app)), "a method and path is routed twice"
    missing = sorted(routes - set(COVERAGE))
    assert not missing, f"routes without API tests (add them to COVERAGE): {missing}"
    gone = sorted(set(COVERAGE) - routes)
    assert not gone, f"COVERAGE names routes the app does not have: {gone}"
    for (method, path), tests in COVERAGE.items():
        word, verb = _route_words(method, path)
        word = tests.get("word") or word
        for kind, test in tests.items():
            if kind == "word":
                continue
            if test is None:
                assert kind == "bad" and not _takes_input(app, method, path), (
                    f"{method} {path} takes input: name a test that sends it bad input")
                continue
            source = _source(test)
            assert word in source, f"{test} does not mention {word!r} ({method} {path})"
            assert f"{verb}(" in source, f"{test} makes no {verb.upper()} request"
            if kind == "bad":
                assert re.search(r"\b4(00|01|03|04|09|13|21)\b", source), (
                    f"{test} checks no 4xx status for {method} {path}")
            if kind == "stale":
                assert "409" in source, f"{test} checks no 409 for {method} {path}"
        if (method, path) in STALE_ROUTES:
            assert "stale" in tests, f"{method} {path} edits shared state: name a 409 test"


def test_the_coverage_check_catches_an_untested_route(web_db: Path) -> None:
    """A route added to the app without a COVERAGE row is seen (the check is not vacuous)."""
    app = create_app(web_db)
    app.get("/api/new-thing")(lambda: {})
    assert ("GET", "/api/new-thing") in set(endpoints(app)) - set(COVERAGE)


# -- the tests the other modules did not have ---------------------------------------------------
@pytest.fixture
def doc_id(web_db: Path) -> int:
    with open_store(web_db) as store:
        return int(ingest_file(store, ARTICLE, IngestOptions()).doc_id)


def test_the_openapi_description_lists_every_api_route(client: TestClient, app: FastAPI) -> None:
    spec = client.get("/openapi.json").json()
    api = {(m, p) for m, p in endpoints(app) if p.startswith("/api/")}
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert api <= documented, sorted(api - documented)
    # the fixed paths scripts may rely on, with their parameters
    params = {p["name"] for p in spec["paths"]["/api/tm/search"]["get"]["parameters"]}
    assert {"q", "limit", "concordance"} <= params
    assert "q" in {p["name"] for p in spec["paths"]["/api/terms/search"]["get"]["parameters"]}


def test_static_files(client: TestClient) -> None:
    for name in sorted(p.name for p in STATIC.iterdir()):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.content == (STATIC / name).read_bytes()
        kind = "text/css" if name.endswith(".css") else "javascript"
        assert kind in r.headers["content-type"] and r.headers["x-content-type-options"] == (
            "nosniff")
    # nothing outside the folder, nothing that is not there
    for path in ("/static/nope.js", "/static/..%2fapp.py", "/static/../app.py",
                 "/static/%2e%2e/deps.py"):
        r = client.get(path)
        assert r.status_code == 404 and b"import" not in r.content


def test_removing_an_unknown_document_from_the_page(client: TestClient, doc_id: int) -> None:
    r = client.post("/documents/999/remove", follow_redirects=False)
    assert r.status_code == 404 and "document 999: no such document" in r.text
    r = client.post("/documents/abc/remove", follow_redirects=False)
    assert r.status_code == 400
    assert [d["id"] for d in client.get("/api/documents").json()] == [doc_id]


def test_bad_row_requests(client: TestClient, doc_id: int) -> None:
    r = client.get("/documents/999/rows")
    assert r.status_code == 404 and "no document 999" in r.text, r.text
    for params in ({"count": "x"}, {"start": "first"}):
        r = client.get(f"/documents/{doc_id}/rows", params=params)
        assert r.status_code == 400 and "bad request" in r.text
    # past the end or negative: no rows, still the figures
    r = client.get(f"/documents/{doc_id}/rows", params={"start": "50", "count": "2"})
    assert r.status_code == 200 and '<tr id="b' not in r.text and 'id="figures"' in r.text
    r = client.get(f"/documents/{doc_id}/rows", params={"start": "-3", "count": "1"})
    assert r.status_code == 200 and re.findall(r'<tr id="(b\d+)"', r.text) == ["b0"]


def test_bad_term_searches(client: TestClient, web_db: Path) -> None:
    with open_store(web_db) as s:
        add_term(s, "港湾", "port")
    for params, words in (({}, "query.q: Field required"),
                          ({"q": "港湾", "limit": "0"}, "query.limit"),
                          ({"q": "港湾", "limit": "many"}, "query.limit")):
        r = client.get("/api/terms/search", params=params)
        assert r.status_code == 400 and words in r.json()["error"], r.text
    assert [e["ja"] for e in client.get("/api/terms/search", params={"q": "港湾"}).json()] == [
        ["港湾"]]


def test_bad_tm_page_requests(client: TestClient) -> None:
    for params, words in (({"q": "京都", "limit": "0"}, "limit"),
                          ({"q": "京都", "min_score": "120"}, "min_score"),
                          ({"q": "京都", "concordance": "perhaps"}, "concordance")):
        r = client.get("/tm", params=params)
        assert r.status_code == 400 and words in r.text, r.text[:300]
    # a blank query is the empty form, not an error
    assert client.get("/tm", params={"q": "  "}).status_code == 200


def test_a_stale_merge_is_refused(client: TestClient, web_db: Path) -> None:
    with open_store(web_db) as s:
        a = add_term(s, "米中首脳会談", "U.S.-China summit").id
        b = add_term(s, "川習会", "Trump-Xi summit", status="candidate").id
    etags = {i: client.get(f"/api/terms/{i}").json()["etag"] for i in (a, b)}
    # another tab forbids b after this one loaded it: the merge is refused, nothing merged
    r = client.post("/api/terms/status", json={"ids": [b], "status": "forbidden"})
    assert r.status_code == 200
    r = client.post("/api/terms/merge", json={"ids": [a, b], "etags": etags})
    assert r.status_code == 409 and r.json()["current"]["status"] == "forbidden"
    assert "changed since you loaded it" in r.json()["error"]
    assert client.get(f"/api/terms/{b}").json()["status"] == "forbidden"
    assert client.get(f"/api/terms/{a}").json()["ja"] == ["米中首脳会談"]
    # with the etags as they are now it goes through
    etags[b] = client.get(f"/api/terms/{b}").json()["etag"]
    r = client.post("/api/terms/merge", json={"ids": [a, b], "etags": etags})
    assert r.status_code == 200 and r.json()["merged"] == [b]
