"""Curating the glossary from the workbench (issue 18): filtered pages, edits refused when made
from a stale view (etag), bulk status changes that are all or nothing, and the evidence of a
term (the sentences it occurs in, with their aligned English)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from taiyaku.core.errors import InputError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.curate import (
    StaleTermError,
    TermFilter,
    edit_term_checked,
    entry_etag,
    filter_terms,
    set_status_many,
    term_evidence,
)
from taiyaku.glossary.lookup import search_terms
from taiyaku.glossary.store import TermEdit, add_term, get_entry, insert_entry, list_terms
from taiyaku.store import Store


def _extracted(store: Store, ja: str, en: str | None, *, sources: tuple[str, ...] = (),
               score: float = 1.0, units: list[int] | None = None,
               pairing: dict[str, object] | None = None) -> int:
    entry = TermEntry(ja=(TermForm(ja, "ja"),), en=(TermForm(en, "en"),) if en else (),
                      sources=sources, score=score)
    evidence: dict[str, object] = {}
    if units:
        evidence["units"] = units
    if pairing:
        evidence["pairing"] = pairing
    with store.transaction():
        return insert_entry(store, entry, origin="extracted", evidence=evidence or None)


def test_filters_combine_and_page(store: Store) -> None:
    a = _extracted(store, "港湾", "port", sources=("news-1",), score=8.0)
    b = _extracted(store, "川習会", None, sources=("news-1", "news-2"), score=6.0)
    c = _extracted(store, "台湾有事", "Taiwan contingency", sources=("news-2",), score=2.0)
    set_status_many(store, [a], "approved")

    def ids(**kw: object) -> list[int | None]:
        return [e.id for e in filter_terms(store, TermFilter(**kw)).entries]  # type: ignore[arg-type]

    assert ids() == [a, b, c]
    assert ids(status="candidate") == [b, c]
    assert ids(has_en=False) == [b]
    assert ids(document="news-2") == [b, c]
    assert ids(min_score=5.0) == [a, b]
    assert ids(status="candidate", document="news-2", has_en=True) == [c]
    page = filter_terms(store, TermFilter(offset=1, limit=1))
    assert [e.id for e in page.entries] == [b] and page.total == 3


def test_a_lookup_filter_is_terms_search_narrowed(store: Store) -> None:
    _extracted(store, "戦略的曖昧さ", "strategic ambiguity", sources=("a",))
    _extracted(store, "戦略", "strategy", sources=("b",))
    found = [e.id for e in search_terms(store, "戦略", limit=1000)]
    page = filter_terms(store, TermFilter(q="戦略"))
    assert [e.id for e in page.entries] == found and page.total == 2
    narrowed = filter_terms(store, TermFilter(q="戦略", document="a"))
    assert [e.ja[0].text for e in narrowed.entries] == ["戦略的曖昧さ"]


def test_bad_filter_is_an_input_error(store: Store) -> None:
    with pytest.raises(InputError, match="unknown term status 'done'"):
        filter_terms(store, TermFilter(status="done"))
    with pytest.raises(InputError, match="offset"):
        filter_terms(store, TermFilter(offset=-1))


def test_a_stale_edit_is_refused_with_the_current_entry(store: Store) -> None:
    e = add_term(store, "港湾", "harbor", status="candidate")
    seen = entry_etag(e)
    # another tab changes the entry first
    other = edit_term_checked(store, e.id, TermEdit(note="from tab 2"), seen)  # type: ignore[arg-type]
    with pytest.raises(StaleTermError, match="changed since you loaded it") as info:
        edit_term_checked(store, e.id, TermEdit(en="port"), seen)  # type: ignore[arg-type]
    assert info.value.current == other
    assert get_entry(store, e.id) == other  # nothing changed
    fresh = edit_term_checked(store, e.id, TermEdit(en="port"), entry_etag(other))  # type: ignore[arg-type]
    assert fresh.en[0].text == "port" and fresh.note == "from tab 2"


def test_bulk_status_is_all_or_nothing(store: Store) -> None:
    a = add_term(store, "港湾", status="candidate")
    b = add_term(store, "川習会", status="candidate")
    tags = {a.id: entry_etag(a), b.id: entry_etag(b)}
    with pytest.raises(InputError, match="no term with id 999"):
        set_status_many(store, [a.id, 999], "approved")  # type: ignore[list-item]
    assert [e.status for e in list_terms(store)] == ["candidate", "candidate"]
    edit_term_checked(store, b.id, TermEdit(note="changed"))  # type: ignore[arg-type]
    with pytest.raises(StaleTermError):
        set_status_many(store, [a.id, b.id], "forbidden", tags)  # type: ignore[list-item]
    assert get_entry(store, a.id).status == "candidate"  # type: ignore[arg-type]
    done = set_status_many(store, [a.id, b.id], "forbidden")  # type: ignore[list-item]
    assert [e.status for e in done] == ["forbidden", "forbidden"]


def test_evidence_reads_the_stored_units_with_their_english(
        store: Store, bilingual: Callable[..., int]) -> None:
    bilingual(store, "news", [("港湾の整備を進めた。", "Port upgrades went ahead."),
                                  ("天気が良い。", "The weather is fine.")])
    unit = next(u for u in store.units.iterate() if u.ja.startswith("港湾"))
    term = _extracted(store, "港湾", "port", units=[unit.id],
                      pairing={"method": "cooccurrence", "confidence": 0.7, "en": "port"})
    ev = term_evidence(store, term)
    assert ev.source == "stored"
    assert ev.suggestion == {"method": "cooccurrence", "confidence": 0.7, "en": "port"}
    (line,) = ev.lines
    assert (line.ja, line.en, line.document) == ("港湾の整備を進めた。",
                                                 "Port upgrades went ahead.", "news")
    assert line.ja_spans == ((0, 2),) and line.en_spans == ((0, 4),)


def test_evidence_of_a_hand_made_term_is_a_concordance(
        store: Store, bilingual: Callable[..., int]) -> None:
    bilingual(store, "news", [("港湾の整備を進めた。", "Port upgrades went ahead."),
                                  ("天気が良い。", "The weather is fine."),
                                  ("新しい港湾。", "A new port.")])
    e = add_term(store, "港湾", "port")
    ev = term_evidence(store, e.id)  # type: ignore[arg-type]
    assert ev.source == "concordance" and ev.suggestion is None
    assert sorted(x.en for x in ev.lines) == ["A new port.", "Port upgrades went ahead."]
    with pytest.raises(InputError, match="no term with id 42"):
        term_evidence(store, 42)
