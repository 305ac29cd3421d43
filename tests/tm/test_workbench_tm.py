"""What the workbench's TM page needs of the library (issue 18): search and concordance
within one document, and unit edits refused when made from a stale view (etag)."""

from __future__ import annotations

from pathlib import Path

import pytest
from taiyaku.core.errors import NotFoundError, StaleEditError
from taiyaku.core.model import NewUnit
from taiyaku.store import Store
from taiyaku.tm.edit import delete_unit, edit_unit, unit_etag
from taiyaku.tm.search import SearchOptions, concordance, find_matches_many, run_search


def _doc(store: Store, name: str, pairs: list[tuple[str, str]]) -> list[int]:
    with store.transaction():
        doc = store.documents.add(name, layout="pair", kind="bilingual")
        ids = store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(pairs)])
    return [i for i in ids if i is not None]


@pytest.fixture
def two_docs(store: Store) -> Store:
    _doc(store, "big", [(f"京都の寺を{n}回訪ねた。", f"We visited a temple in Kyoto {n} times.")
                        for n in range(1, 200)])
    _doc(store, "small", [("京都の寺を三回訪ねた。", "We visited a temple in Kyoto three times."),
                          ("奈良の鹿に会った。", "We met the deer of Nara.")])
    return store


def test_fuzzy_search_within_one_document(two_docs: Store) -> None:
    query = "京都の寺を5回訪ねた。"
    everywhere = find_matches_many(two_docs, [query], limit=3)[0]
    assert {m.document for m in everywhere} == {"big"}  # the small one is crowded out
    small = find_matches_many(two_docs, [query], limit=3, document="small")[0]
    assert [m.source for m in small] == ["京都の寺を三回訪ねた。"]
    result = run_search(two_docs, query=query, queries_file=None,
                        options=SearchOptions(limit=3, document="small"))
    assert [m["document"] for m in result.to_json()["matches"]] == ["small"]


def test_concordance_within_one_document(two_docs: Store) -> None:
    assert {h.document for h in concordance(two_docs, "京都", limit=5)} == {"big"}
    assert [h.document for h in concordance(two_docs, "京都", limit=5, document="small")] == [
        "small"]
    assert [h.en for h in concordance(two_docs, "deer", document="small")] == [
        "We met the deer of Nara."]
    assert [h.ja for h in concordance(two_docs, "鹿", document="small")] == ["奈良の鹿に会った。"]
    assert concordance(two_docs, "鹿", document="big") == []


def test_an_unknown_document_is_one_line(two_docs: Store) -> None:
    with pytest.raises(NotFoundError, match="document 'nope': no such document"):
        find_matches_many(two_docs, ["京都"], document="nope")
    with pytest.raises(NotFoundError, match="no such document"):
        concordance(two_docs, "京都", document="nope")


def test_stale_unit_edit_and_delete_are_refused(store: Store) -> None:
    (uid,) = _doc(store, "d", [("奈良の鹿に会った。", "We met the deer of Nara.")])
    seen = unit_etag("奈良の鹿に会った。", "We met the deer of Nara.")
    edit_unit(store, uid, en="We met Nara's deer.", etag=seen)
    with pytest.raises(StaleEditError, match=f"unit {uid} was changed since you loaded it"):
        edit_unit(store, uid, en="Deer.", etag=seen)
    with pytest.raises(StaleEditError):
        delete_unit(store, uid, etag=seen)
    unit = store.units.get(uid)
    assert unit is not None and unit.en == "We met Nara's deer."
    delete_unit(store, uid, etag=unit_etag(unit.ja, unit.en))
    assert store.units.get(uid) is None


def test_the_kept_term_finder_follows_the_glossary(tmp_path: Path) -> None:
    from taiyaku.glossary.store import add_term, set_status
    from taiyaku.store import open_store
    from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file, term_finder

    article = tmp_path / "a.txt"
    article.write_text("港湾の工事が進む。\n", encoding="utf-8")
    options = PretranslateOptions(output=tmp_path / "o.json")

    def terms(store: Store) -> list[tuple[str, str | None, str]]:
        result = pretranslate_file(store, article, options, terms=term_finder(store))
        return [(t.ja, t.en, t.status) for s in result.document.segments for t in s.terms]

    with open_store(tmp_path / "t.db") as store:
        e = add_term(store, "港湾", "port", status="candidate")
        kept = term_finder(store)
        assert term_finder(store) is kept  # unchanged glossary: the same index
        assert terms(store) == [("港湾", "port", "candidate")]
        set_status(store, e.id, "approved")  # type: ignore[arg-type]
        assert term_finder(store) is not kept
        assert terms(store) == [("港湾", "port", "approved")]
        add_term(store, "工事", "construction")
        assert ("工事", "construction", "approved") in terms(store)
