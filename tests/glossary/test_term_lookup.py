"""Term search (tiers, readings, English number/case) and the pre-translation term index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from taiyaku.core.japanese import Analyzer
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.lookup import TermIndex, render_entries, search_terms
from taiyaku.glossary.store import add_term, set_status, upsert_entries
from taiyaku.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]


def _glossary(store: Store) -> None:
    with store.transaction():
        upsert_entries(store, [
            TermEntry(ja=(TermForm("輸出規制", "ja", reading="ゆしゅつきせい"),),
                      en=(TermForm("export controls", "en"),), score=5.0),
            TermEntry(ja=(TermForm("輸出規制緩和", "ja", reading="ゆしゅつきせいかんわ"),),
                      score=1.0),
            TermEntry(ja=(TermForm("輸入規制", "ja", reading="ゆにゅうきせい"),), score=9.0),
            TermEntry(ja=(TermForm("レアアース輸出規制", "ja",
                                   reading="れああーすゆしゅつきせい"),), score=2.0),
            TermEntry(ja=(TermForm("戦略的曖昧さ", "ja", reading="センリャクテキアイマイサ"),),
                      en=(TermForm("strategic ambiguity", "en"),)),
            TermEntry(ja=(TermForm("レアアース", "ja"),), en=(TermForm("rare earth", "en"),)),
            TermEntry(ja=(TermForm("国際通貨基金", "ja", reading="こくさいつうかききん"),),
                      en=(TermForm("IMF", "en", "abbreviation"),)),
        ])


def _first(store: Store, q: str, n: int = 10) -> list[str]:
    return [e.ja[0].text for e in search_terms(store, q, limit=n)]


def test_exact_before_prefix_before_substring_before_fuzzy(store: Store) -> None:
    _glossary(store)
    got = _first(store, "輸出規制")
    assert got[:4] == ["輸出規制", "輸出規制緩和", "レアアース輸出規制", "輸入規制"]


def test_kana_reading_in_hiragana_or_katakana(store: Store) -> None:
    _glossary(store)
    assert _first(store, "せんりゃく")[0] == "戦略的曖昧さ"
    assert _first(store, "センリャク")[0] == "戦略的曖昧さ"
    # a katakana term is found by its reading typed in hiragana
    assert _first(store, "れああーす")[0] == "レアアース"


def test_english_any_case_or_number(store: Store) -> None:
    _glossary(store)
    assert _first(store, "Rare Earths")[0] == "レアアース"
    assert _first(store, "RARE EARTH")[0] == "レアアース"
    assert _first(store, "imf")[0] == "国際通貨基金"
    assert _first(store, "Export Control")[0] == "輸出規制"


def test_fuzzy_finds_a_typo_and_nothing_for_junk(store: Store) -> None:
    _glossary(store)
    assert _first(store, "strategic ambiguty")[0] == "戦略的曖昧さ"
    assert search_terms(store, "zzzz qqqq") == []
    assert search_terms(store, "   ") == []


def test_render_entries(store: Store) -> None:
    _glossary(store)
    text = render_entries(search_terms(store, "輸出規制", limit=2))
    assert "輸出規制" in text and "export controls" in text
    assert render_entries([]) == "no terms found"


def test_search_loads_neither_sudachi_nor_polars(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    s = open_store(db)
    _glossary(s)
    s.close()
    code = (
        "import sys; from taiyaku.store import open_store; "
        "from taiyaku.glossary.lookup import search_terms;"
        f"s = open_store({str(db)!r}); r = search_terms(s, 'せんりゃく');"
        "assert r and r[0].ja[0].text == '戦略的曖昧さ';"
        "print(sorted(m for m in ('sudachipy', 'polars') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the pre-translation index ---------------------------------------------------------------

def test_index_matches_on_token_boundaries_and_longest_wins(
    store: Store, analyzer: Analyzer
) -> None:
    _glossary(store)
    index = TermIndex.load(store, analyzer)
    for text in ("政府は輸出規制を強めた。", "輸出規制が続く。"):
        hits = index.find(text)
        assert [h.surface for h in hits] == ["輸出規制"]
        assert text[hits[0].start : hits[0].end] == "輸出規制"
    hits = index.find("レアアース輸出規制の行方")
    assert [h.entry.ja[0].text for h in hits] == ["レアアース輸出規制"]
    # no hit inside a longer word
    assert index.find("輸出規制緩和") and index.find("輸出規制緩和")[0].surface == "輸出規制緩和"


def test_index_english_words_case_and_plural(store: Store, analyzer: Analyzer) -> None:
    _glossary(store)
    index = TermIndex.load(store, analyzer)
    hits = index.find("New Export Control rules on rare-earths, not rare earthenware.")
    assert [h.surface for h in hits] == ["Export Control", "rare-earths"]
    assert all(h.lang == "en" for h in hits)


def test_index_flags_forbidden_terms(store: Store, analyzer: Analyzer) -> None:
    e = add_term(store, "習会", status="candidate")
    assert e.id is not None
    set_status(store, e.id, "forbidden")
    hits = TermIndex.load(store, analyzer).find("習会について")
    assert hits and hits[0].entry.status == "forbidden"
