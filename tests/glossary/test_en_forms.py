"""English forms of pairs: the whole noun phrase, its singular, and running-text casing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.japanese import Analyzer
from taiyaku.core.terms import TermForm
from taiyaku.glossary.extract import ExtractOptions, extract_terms
from taiyaku.glossary.extract_en import extract_en, is_title_line
from taiyaku.glossary.extract_ja import SegmentText
from taiyaku.glossary.keys import display_singular, en_key
from taiyaku.glossary.pairing import associate, transliterates
from taiyaku.glossary.store import list_terms
from taiyaku.store import Store

Forms = dict[str, list[TermForm]]

PANELS = [
    ("ソーラーパネルと「蓄電池」の時代", "The Age of Solar Panels and Storage Batteries"),
    ("ソーラーパネルの価格が下がった。", "Prices of solar panels fell again."),
    ("政府はソーラーパネルを買った。", "The government bought solar panels."),
    ("ソーラーパネルは屋根に載る。", "Solar panels sit on roofs."),
    ("港湾封鎖の心配もある。", "There is also worry about a harbour blockade."),
    ("港湾封鎖は長く続いた。", "The harbour blockade lasted long."),
    ("マーガレット・ハーパーが港を訪れた。", "Margaret Harper visited the port."),
]


@pytest.fixture
def panels(store: Store, bilingual: Callable[..., int], analyzer: Analyzer) -> Forms:
    bilingual(store, "panels", PANELS)
    extract_terms(store, ExtractOptions(), analyzer=analyzer)
    return {e.ja[0].text: list(e.en) for e in list_terms(store, limit=100)}


def test_pair_takes_the_whole_noun_phrase_in_the_singular(panels: Forms) -> None:
    en = panels["ソーラーパネル"]
    assert en[0].text == "solar panel" and en[0].kind == "term"
    assert [f.text for f in en[1:]] == ["solar panels"] and en[1].kind == "variant"
    assert all(f.text.lower() != "solar" for f in en)


def test_heading_capitals_do_not_decide_the_casing(panels: Forms) -> None:
    assert panels["港湾封鎖"][0].text == "harbour blockade"


def test_a_name_met_once_is_kept_when_the_english_spells_it(panels: Forms) -> None:
    assert [f.text for f in panels["マーガレット・ハーパー"]] == ["Margaret Harper"]


def test_longer_phrase_wins_only_when_it_keeps_up() -> None:
    ja = {"ソーラーパネル": {1, 2, 3, 4}, "財務長官": {5, 6, 7}}
    en = {"solar": {1, 2, 3, 4}, "solar panel": {1, 2, 3, 4}, "solar panel maker": {1},
          "finance minister": {5, 6, 7}, "finance minister anna berg": {5, 6, 7}}
    sub = {"solar panel": {"solar", "panel"},
           "solar panel maker": {"solar", "solar panel", "panel maker", "panel", "maker"},
           "finance minister anna berg": {"finance minister", "anna berg", "finance", "berg"}}
    got = {p.ja: p.en for p in associate(ja, en, 20, ja_size={"ソーラーパネル": 1, "財務長官": 2},
                                         en_sub=sub)}
    assert got == {"ソーラーパネル": "solar panel", "財務長官": "finance minister"}


def test_casing_from_running_text_and_names_stay_capitalised() -> None:
    segs = [
        SegmentText(1, 1, "Fishing Quotas After the Storm", heading=True),
        SegmentText(2, 1, "Inside a Coastal Village", heading=False),  # title case, no flag
        SegmentText(3, 1, "Fishing quotas were cut in May."),
        SegmentText(4, 1, "The Northern Fisheries Agency set new fishing quotas."),
        SegmentText(5, 1, "Each coastal village lost income, the Northern Fisheries Agency said."),
    ]
    c = extract_en(segs)
    assert c[en_key("fishing quotas")].surface == "fishing quotas"
    assert c[en_key("coastal village")].surface == "coastal village"
    assert c[en_key("Northern Fisheries Agency")].surface == "Northern Fisheries Agency"
    assert is_title_line("Inside a Coastal Village")
    assert not is_title_line("Each coastal village lost income, the Agency said.")


def test_only_in_headings_falls_back_word_by_word() -> None:
    segs = [SegmentText(1, 1, "Why Tidal Power Matters for Norway", heading=True),
            SegmentText(2, 1, "Engineers praise tidal energy and its power."),
            SegmentText(3, 1, "Norway builds turbines.")]
    assert extract_en(segs)[en_key("Tidal Power")].surface == "tidal power"


@pytest.mark.parametrize(("plural", "base"), [
    ("export licenses", "export license"), ("farm subsidies", "farm subsidy"),
    ("sales taxes", "sales tax"), ("rare earths", "rare earth"), ("risk analysis", "risk analysis"),
    ("evening news", "evening news"), ("tv series", "tv series"), ("trade talks", "trade talks"),
    ("debt crises", "debt crisis"), ("United States", "United States"), ("WTO", "WTO"),
    ("campaign promises", "campaign promise"), ("glass", "glass"), ("famous", "famous"),
])
def test_display_singular(plural: str, base: str) -> None:
    assert display_singular(plural) == base


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30))
def test_display_singular_keeps_the_matching_key(text: str) -> None:
    """The form shown still matches the form written (same key), and is idempotent."""
    text = " ".join(text.split())
    if not text:
        return
    base = display_singular(text)
    assert display_singular(base) == base or base.endswith(("ie", "se", "xe", "che", "she"))
    assert len(base) >= len(text) - 2 and base.split(" ")[:-1] == text.split(" ")[:-1]


def test_transliteration_of_non_rhotic_r() -> None:
    assert transliterates("マーガレット・ハーパー", "Margaret Harper")
    assert not transliterates("マーガレット・ハーパー", "Marcus Hopper Smith")
