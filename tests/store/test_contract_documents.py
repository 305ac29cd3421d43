"""Backend contract: documents and segments (add, find, list, summaries, remove)."""

from __future__ import annotations

import pytest
from store_contract import assert_index_exact, stored
from taiyaku.core.errors import StoreError
from taiyaku.core.model import NewUnit
from taiyaku.store import NewSegment, Store


def test_add_get_find_list(backend: Store) -> None:
    with backend.transaction():
        a = backend.documents.add("a.txt", layout="pair", kind="bilingual",
                                  source_path="/x/a.txt", sha256="aa")
        b = backend.documents.add("b.tmx", layout="tmx", kind="tmx")
    doc = backend.documents.get(a)
    assert doc is not None and (doc.name, doc.layout, doc.kind, doc.source_path, doc.sha256) == (
        "a.txt", "pair", "bilingual", "/x/a.txt", "aa")
    assert backend.documents.find("b.tmx") == backend.documents.get(b)
    assert backend.documents.get(max(a, b) + 1) is None and backend.documents.find("c") is None
    assert [d.name for d in backend.documents.all()] == ["a.txt", "b.tmx"]
    assert [d.id for d in backend.documents.from_source("/x/a.txt")] == [a]
    assert backend.documents.source_ends_with("/a.txt")
    assert not backend.documents.source_ends_with("/b.txt")


def test_a_taken_name_is_refused_and_nothing_is_written(backend: Store) -> None:
    with backend.transaction():
        backend.documents.add("a", layout="pair", kind="bilingual")
    with pytest.raises(StoreError, match="already stored"), backend.transaction():
        backend.documents.add("a", layout="pair", kind="bilingual")
    assert len(backend.documents.all()) == 1


def test_segments_and_summaries(backend: Store) -> None:
    with backend.transaction():
        doc = backend.documents.add("a", layout="pair", kind="bilingual")
        (uid,) = backend.units.add(doc, [NewUnit("米中関係", "US-China relations", 0)])
        backend.segments.add(doc, [NewSegment("ja", 0, "米中関係", unit_id=uid),
                                   NewSegment("en", 0, "US-China relations", unit_id=uid),
                                   NewSegment("en", 1, "Notes", kind="heading")])
    segments = backend.segments.of_document(doc)
    assert [(s.lang, s.position, s.text, s.kind, s.unit_id) for s in segments] == [
        ("ja", 0, "米中関係", "text", uid), ("en", 0, "US-China relations", "text", uid),
        ("en", 1, "Notes", "heading", None)]
    (summary,) = backend.documents.summaries()
    assert (summary.segments_ja, summary.segments_en, summary.units, summary.shared_units) == (
        1, 2, 1, 0)


def test_remove_takes_segments_units_and_index_entries(backend: Store) -> None:
    with backend.transaction():
        keep = backend.documents.add("keep", layout="pair", kind="bilingual")
        backend.units.add(keep, [NewUnit("京都の寺", "A temple in Kyoto", 0)])
        gone = backend.documents.add("gone", layout="pair", kind="bilingual")
        ids = backend.units.add(gone, [NewUnit("奈良の鹿", "Deer in Nara", 0),
                                       NewUnit("京都の庭", "A garden in Kyoto", 1)])
        backend.segments.add(gone, [NewSegment("ja", 0, "奈良の鹿", unit_id=ids[0])])
    before = {u.id: u for u in backend.units.iterate()}
    with backend.transaction():
        removed = backend.documents.remove(gone)
    assert removed is not None
    assert (removed.document.name, removed.segments, removed.units, removed.units_kept) == (
        "gone", 1, 2, 0)
    assert [v[2] for v in stored(backend).values()] == ["keep"]
    assert backend.segments.of_document(gone) == []
    lost = set().union(*({k for k in _keys(before[i])} for i in ids))
    assert_index_exact(backend, lost)
    with backend.transaction():
        assert backend.documents.remove(gone) is None


def _keys(unit: object) -> set[str]:
    from taiyaku.core.matchkeys import unit_keys

    return unit_keys(unit.ja_norm, unit.en_norm)  # type: ignore[attr-defined]


def test_units_another_document_holds_stay_when_one_is_removed(backend: Store) -> None:
    # the case: a.tsv holds X; b.tsv holds X and Y. Removing a.tsv keeps X (b holds
    # it); removing b.tsv afterwards takes X and Y.
    x = NewUnit("港に船が着いた。", "A ship arrived at the port.", 0)
    y = NewUnit("雨が降った。", "It rained.", 1)
    with backend.transaction():
        a = backend.documents.add("a.tsv", layout="tsv", kind="tmx")
        backend.units.add(a, [x], skip_duplicates=True)
        b = backend.documents.add("b.tsv", layout="tsv", kind="tmx")
        assert backend.units.add(b, [NewUnit(x.ja, x.en, 0), y], skip_duplicates=True)[0] is None
    (summary_a, summary_b) = backend.documents.summaries()
    assert (summary_a.units, summary_b.units, summary_b.shared_units) == (1, 1, 1)
    with backend.transaction():
        removed = backend.documents.remove(a)
    assert removed is not None and (removed.units, removed.units_kept) == (0, 1)
    assert sorted(stored(backend).values()) == sorted([(x.ja, x.en, "b.tsv"),
                                                       (y.ja, y.en, "b.tsv")])
    assert_index_exact(backend)
    with backend.transaction():
        backend.documents.remove(b)
    assert stored(backend) == {}
    assert_index_exact(backend, _keys_of_texts(x, y))


def _keys_of_texts(*units: NewUnit) -> set[str]:
    from taiyaku.core.matchkeys import unit_keys
    from taiyaku.core.normalize import normalize

    return set().union(*(unit_keys(normalize(u.ja), normalize(u.en)) for u in units))


def test_a_document_can_keep_the_time_it_was_added_elsewhere(backend: Store) -> None:
    with backend.transaction():
        a = backend.documents.add("a", layout="pair", kind="bilingual",
                                  created="2023-04-05T06:07:08Z")
        b = backend.documents.add("b", layout="pair", kind="bilingual")
    kept, now = backend.documents.get(a), backend.documents.get(b)
    assert kept is not None and kept.created == "2023-04-05T06:07:08Z"
    assert now is not None and now.created > "2025"
