"""The glossary store: manual terms, statuses, and the iter/upsert interface of the formats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import InputError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.store import (
    add_term,
    get_entry,
    iter_entries,
    list_terms,
    set_status,
    upsert_entries,
)
from taiyaku.store import Store, open_store


def test_add_term_stores_reading_and_is_approved_manual(store: Store) -> None:
    e = add_term(store, "戦略的曖昧さ", "strategic ambiguity", note="policy")
    assert e.id is not None
    assert e.status == "approved" and e.origin == "manual" and e.note == "policy"
    assert e.ja[0].reading == "せんりゃくてきあいまいさ"
    assert [f.text for f in e.en] == ["strategic ambiguity"]


def test_add_term_twice_merges_english_instead_of_duplicating(store: Store) -> None:
    a = add_term(store, "台湾有事")
    b = add_term(store, "台湾有事", "Taiwan contingency")
    assert a.id == b.id
    assert [f.text for f in b.en] == ["Taiwan contingency"]
    assert len(list_terms(store, limit=10)) == 1


def test_add_term_rejects_empty_and_bad_status(store: Store) -> None:
    with pytest.raises(InputError):
        add_term(store, "  ")
    with pytest.raises(InputError):
        add_term(store, "関税", status="maybe")


def test_set_status_and_unknown_id(store: Store) -> None:
    e = add_term(store, "習会", status="candidate")
    assert e.id is not None
    assert set_status(store, e.id, "forbidden").status == "forbidden"
    edited = store.conn.execute("SELECT edited FROM terms WHERE id=?", (e.id,)).fetchone()[0]
    assert edited == 1
    with pytest.raises(InputError, match="no term with id 999"):
        set_status(store, 999, "approved")
    with pytest.raises(InputError):
        get_entry(store, 999)


def test_list_terms_best_first_and_by_status(store: Store) -> None:
    with store.transaction():
        upsert_entries(store, [
            TermEntry(ja=(TermForm("低い語", "ja"),), score=1.0),
            TermEntry(ja=(TermForm("高い語", "ja"),), score=9.0, status="approved"),
        ])
    assert [e.ja[0].text for e in list_terms(store)] == ["高い語", "低い語"]
    assert [e.ja[0].text for e in list_terms(store, status="approved")] == ["高い語"]
    assert len(list_terms(store, limit=1)) == 1


FULL = TermEntry(
    ja=(TermForm("人工知能", "ja", "term", "じんこうちのう", "preferred", "noun"),
        TermForm("AI", "ja", "abbreviation", None, "admitted", "noun")),
    en=(TermForm("artificial intelligence", "en", "term", None, "preferred", "noun"),
        TermForm("AI", "en", "abbreviation")),
    status="approved", pos="noun", note="a note", definition="machines that learn",
    context="人工知能の研究が進む。", sources=("doc-a", "doc-b"), frequency=7, score=3.5,
)


def test_upsert_keeps_every_field(store: Store) -> None:
    with store.transaction():
        assert upsert_entries(store, [FULL]) == 1
    [got] = list(iter_entries(store))
    assert got.en == FULL.en
    assert got.ja[0] == FULL.ja[0]
    # a form stored without a reading gets Sudachi's, in hiragana
    assert got.ja[1] == TermForm("AI", "ja", "abbreviation", "えーあい", "admitted", "noun")
    assert (got.status, got.pos, got.note, got.definition, got.context) == (
        "approved", "noun", "a note", "machines that learn", "人工知能の研究が進む。")
    assert got.sources == ("doc-a", "doc-b")
    assert (got.frequency, got.score, got.origin) == (7, 3.5, "import")


def test_upsert_matches_by_japanese_then_english(store: Store) -> None:
    with store.transaction():
        upsert_entries(store, [FULL, TermEntry(ja=(), en=(TermForm("pause", "en"),))])
    with store.transaction():
        n = upsert_entries(store, [
            TermEntry(ja=(TermForm("人工知能", "ja"),), en=(TermForm("AI", "en"),), note="new"),
            TermEntry(ja=(), en=(TermForm("Pauses", "en"),), note="plural matches"),
        ])
    assert n == 2
    entries = list(iter_entries(store))
    assert len(entries) == 2
    by_note = {e.note: e for e in entries}
    assert by_note["new"].en[0].text == "AI"
    assert by_note["new"].ja[0].reading == "じんこうちのう"  # filled in by Sudachi
    assert by_note["plural matches"].en[0].text == "Pauses"


def test_upsert_runs_inside_callers_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        upsert_entries(store, [FULL])
        raise RuntimeError("abort")
    assert list(iter_entries(store)) == []


def test_iter_entries_status_filter_and_bad_status(store: Store) -> None:
    add_term(store, "一般輸出許可")
    add_term(store, "休止期間", status="candidate")
    assert [e.ja[0].text for e in iter_entries(store, status="candidate")] == ["休止期間"]
    with pytest.raises(InputError):
        list(iter_entries(store, status="nope"))


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s)


@settings(max_examples=100, deadline=None)
@given(ja=texts, en=texts, note=st.none() | texts)
def test_upsert_round_trips_any_text(ja: str, en: str, note: str | None) -> None:
    s = open_store(":memory:")
    entry = TermEntry(ja=(TermForm(ja, "ja", reading="よみ"),), en=(TermForm(en, "en"),),
                      note=note)
    with s.transaction():
        upsert_entries(s, [entry])
    [got] = list(iter_entries(s))
    assert got.ja[0].text == ja and got.en[0].text == en and got.note == note
    s.close()
