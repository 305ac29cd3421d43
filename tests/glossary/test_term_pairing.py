"""Pairing: parenthetical glosses both ways, same-language glosses, noise, association."""

from __future__ import annotations

import pytest
from taiyaku.core.japanese import Analyzer
from taiyaku.core.terms import TermEntry
from taiyaku.glossary.dictionary import Dictionary
from taiyaku.glossary.extract import ExtractOptions, extract_terms
from taiyaku.glossary.extract_ja import SegmentText
from taiyaku.glossary.keys import en_key
from taiyaku.glossary.pairing import associate, find_glosses, pair_in_context, transliterates
from taiyaku.glossary.store import list_terms
from taiyaku.store import Store


def _glosses(analyzer: Analyzer, text: str) -> list[tuple[str, str, str]]:
    return [(g.outer, g.inner, g.kind) for g in find_glosses([SegmentText(1, 1, text)], analyzer)]


def test_japanese_term_glossed_in_english(analyzer: Analyzer) -> None:
    assert _glosses(analyzer, "これは「戦略的曖昧さ(strategic ambiguity)」と呼ばれる。") == [
        ("戦略的曖昧さ", "strategic ambiguity", "translation")]
    assert _glosses(analyzer, "当局は人工知能(AI)の研究を進めた。") == [
        ("人工知能", "AI", "translation")]
    assert _glosses(analyzer, "両者は「とても前向きな合意(a very good deal)」に達した。") == [
        ("とても前向きな合意", "a very good deal", "translation")]


def test_english_phrase_glossed_in_japanese(analyzer: Analyzer) -> None:
    got = _glosses(analyzer, "声明には “at the request of Japan”(日本の要請により) とあった。")
    assert got == [("at the request of Japan", "日本の要請により", "translation")]


def test_same_language_glosses_are_synonyms_or_abbreviations(analyzer: Analyzer) -> None:
    got = _glosses(analyzer, "北陸新幹線(以下、新幹線)とレアアース(希土類)。")
    assert ("北陸新幹線", "新幹線", "abbreviation") in got
    assert ("レアアース", "希土類", "synonym") in got
    got = _glosses(analyzer, "東西会(=東京・大阪会議)が開かれた。")
    assert got == [("東西会", "東京・大阪会議", "definition")]
    got = _glosses(analyzer, "首脳会議(いわゆる「東西会」)が開かれた。")
    assert got == [("首脳会議", "東西会", "synonym")]
    got = _glosses(analyzer, "投稿はX(旧Twitter)で読める。")
    assert got == [("X", "Twitter", "former")]


def test_credits_dates_and_notes_are_not_glosses(analyzer: Analyzer) -> None:
    for text in ("首相が到着した。(写真/AP通信提供)", "会談は続いた(抜粋)。",
                 "声明を出した(13日)。", "記者会見(2025年10月)で述べた。",
                 "圧力(経済的な揺さぶりを含む様々な手段)が続いた。"):
        assert _glosses(analyzer, text) == [], text


def test_sentence_gloss_is_kept_apart(analyzer: Analyzer) -> None:
    got = _glosses(analyzer, "「We now have a long pause.(両国は長い休止期間に入った。)」")
    assert got and got[0][2] == "sentence"


def test_transliteration() -> None:
    assert transliterates("ベッセント", "Bessent")
    assert transliterates("フェンタニル", "fentanyl")
    assert not transliterates("トランプ", "terms")
    assert not transliterates("台湾", "Taiwan")  # not katakana


def test_association_links_one_to_one() -> None:
    ja = {"休止期間": {1, 2, 3}, "首脳会談": {4, 5, 6}, "協議": {1, 4}}
    en = {"pause": {1, 2, 3}, "leader meeting": {4, 5, 6}, "talk": {2, 7}}
    pairs = {p.ja: p for p in associate(ja, en, 10, ja_size={"休止期間": 1, "首脳会談": 2})}
    assert pairs["休止期間"].en == "pause" and pairs["休止期間"].cooc == 3
    assert pairs["首脳会談"].en == "leader meeting"
    assert "協議" not in pairs
    assert all(0 < p.confidence <= 0.95 for p in pairs.values())


# -- English found in a term's own aligned units (issue 19, point 1) -----------------------------

ALIGNED = [
    ("高市早苗首相が会見を開いた。", "Prime Minister Sanae Takaichi held a press conference."),
    ("日米同盟は地域の安定の基礎だ。", "The U.S.–Japan alliance underpins regional stability."),
    ("同盟の将来が話し合われた。", "The future of the alliance was discussed."),
    ("中国は米国産大豆を大量に買った。", "China bought large amounts of U.S. soybeans."),
    ("大豆の価格は上がった。", "Soybean prices rose."),
    ("国際通貨基金(IMF)の会合が始まった。", "The International Monetary Fund meeting began."),
]


def _extracted(store: Store, pairs: list[tuple[str, str]], analyzer: Analyzer
               ) -> dict[str, list[str]]:
    from tests.glossary.conftest import add_bilingual

    add_bilingual(store, "aligned", pairs)
    extract_terms(store, ExtractOptions(min_freq=1, dictionary=False), analyzer=analyzer)
    return {e.ja[0].text: [f.text for f in e.en] for e in list_terms(store, limit=500)}


def test_single_aligned_occurrence_pairs_with_its_phrase(store: Store, analyzer: Analyzer
                                                         ) -> None:
    got = _extracted(store, ALIGNED, analyzer)
    # a dash-joined compound is one phrase, not "U.S. Japan" nor "Japan alliance"
    assert en_key(got["日米同盟"][0]) == en_key("U.S.-Japan alliance")
    # the parts' translations (米国 → U.S., 大豆 → soybean) pick the phrase out of the unit
    assert en_key(got["米国産大豆"][0]) == en_key("U.S. soybeans")
    # a name in kanji pairs with its romanised reading, either order
    assert got["高市早苗"][0] == "Sanae Takaichi"
    # the full form the aligned English spells out is preferred, the gloss's acronym kept
    assert got["国際通貨基金"][:2] == ["International Monetary Fund", "IMF"]


def test_aligned_pairing_says_how_and_how_sure(store: Store, analyzer: Analyzer) -> None:
    _extracted(store, ALIGNED, analyzer)
    entry = next(e for e in list_terms(store, limit=500) if e.ja[0].text == "米国産大豆")
    pairing = store.glossary.evidence(entry.id)["pairing"]
    assert pairing["method"] == "aligned" and 0.5 <= pairing["confidence"] <= 0.9
    assert entry.status == "candidate"  # a machine's pair is never approved


def test_a_phrase_must_translate_every_part(analyzer: Analyzer) -> None:
    units = {1: "台湾有事への備えが議論された。", 2: "台湾の選挙が近い。"}
    en = {1: "Preparations for a Taiwan contingency were discussed.",
          2: "Taiwan's election is near."}
    got = pair_in_context({"台湾有事": [1]}, units, en, analyzer)
    assert "台湾有事" not in got or got["台湾有事"].en.lower() != "taiwan"


# -- names (issue 19, point 3) -------------------------------------------------------------------

NAMES = [
    ("何立峰副首相が訪米した。", "Vice Premier He Lifeng visited the United States."),
    ("何立峰氏は交渉を率いる。", "He Lifeng leads the talks."),
    ("王毅外相は会見で語った。", "Foreign Minister Wang Yi spoke at a press conference."),
    ("王毅氏は慎重だった。", "Wang Yi was cautious."),
    ("財務長官が来日した。", "The Treasury Secretary arrived in Japan."),
    ("ベッセント財務長官は合意を歓迎した。", "Treasury Secretary Bessent welcomed the deal."),
    ("ベッセント氏は楽観的だ。", "Bessent is optimistic."),
]


def test_names_sudachi_splits_are_names_paired_with_their_romanisation(
    store: Store, analyzer: Analyzer
) -> None:
    got = _extracted(store, NAMES, analyzer)
    assert got["何立峰"][0] == "He Lifeng"
    assert got["王毅"][0] == "Wang Yi"
    entries = {e.ja[0].text: e for e in list_terms(store, limit=500)}
    assert entries["何立峰"].pos == "properNoun"


def test_a_name_with_its_title_gives_name_and_title_entries(store: Store, analyzer: Analyzer
                                                             ) -> None:
    got = _extracted(store, NAMES, analyzer)
    assert "ベッセント財務長官" not in got and "何立峰副首相" not in got
    assert got["ベッセント"] == ["Bessent"]
    assert en_key(got["財務長官"][0]) == en_key("Treasury Secretary")


# -- finding more of the English that is there (issue 19, point 1) -------------------------------

def _default_run(store: Store, pairs: list[tuple[str, str]], analyzer: Analyzer
                 ) -> dict[str, TermEntry]:
    """Extract with the default options (min_freq 2) and no dictionary: entries by term."""
    from tests.glossary.conftest import add_bilingual

    add_bilingual(store, "aligned", pairs)
    extract_terms(store, ExtractOptions(dictionary=False), analyzer=analyzer)
    return {e.ja[0].text: e for e in list_terms(store, limit=500)}


FILLER = [
    ("両国の協議は続いた。", "The talks between the two countries went on."),
    ("市場は落ち着いている。", "Markets are calm."),
]


def test_once_in_an_aligned_unit_is_enough_when_the_unit_holds_the_english(
    store: Store, analyzer: Analyzer
) -> None:
    got = _default_run(store, [
        ("評論家の Fred Gao 氏はこう語った。", "Commentator Fred Gao said so."),
        ("Gao 氏の見方は少数派だ。", "His view is a minority one."),
        ("静寂車両の導入が決まった。", "The new service was approved."),
        *FILLER,
    ], analyzer)
    assert [f.text for f in got["Fred Gao"].en] == ["Fred Gao"]
    # met once and its unit gives no English (or one Latin word alone): not a term
    assert "静寂車両" not in got and "Gao" not in got


def test_place_names_are_terms_when_the_english_names_them(store: Store, analyzer: Analyzer
                                                            ) -> None:
    got = _default_run(store, [
        ("ウクライナ情勢が議論された。", "The situation in Ukraine was discussed."),
        ("ウクライナへの支援が続く。", "Support for Ukraine continues."),
        ("一行は慶州に入った。", "The delegation arrived in the city."),
        ("慶州は古都だ。", "It is an old capital."),
        *FILLER,
    ], analyzer)
    assert [f.text for f in got["ウクライナ"].en] == ["Ukraine"]
    assert "慶州" not in got  # the English never names it: nothing a translator can check


def test_an_unpaired_place_name_is_no_part_of_a_katakana_name(store: Store, analyzer: Analyzer
                                                              ) -> None:
    got = _default_run(store, [
        ("アジア・ソサエティーの報告が出た。", "The institute's report came out."),
        ("アジア・ソサエティーは警告した。", "The institute warned."),
        ("アジアの成長は続く。", "Growth continues."),
        ("アジアの市場は堅調だ。", "Its markets are firm."),
        *FILLER,
    ], analyzer)
    assert "アジア" not in {f.text for f in got["アジア・ソサエティー"].ja}
    assert "アジア" not in got


def test_a_latin_term_that_is_an_entrys_english_is_a_japanese_form_of_it(
    store: Store, analyzer: Analyzer
) -> None:
    got = _default_run(store, [
        ("国際通貨基金(IMF)が見通しを示した。", "The IMF gave its outlook."),
        ("IMFは成長率を下げた。", "The IMF cut its growth forecast."),
        ("IMFの会合が開かれた。", "The IMF meeting was held."),
        *FILLER,
    ], analyzer)
    assert "IMF" not in got  # no entry of its own ...
    forms = {f.text: f.kind for f in got["国際通貨基金"].ja}
    assert forms.get("IMF") == "abbreviation"  # ... but the Japanese text's form of the entry


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    from taiyaku.glossary.dictionary import open_dictionary

    d = open_dictionary()
    if d is None:
        pytest.skip("the dict extra is not installed (the test extra installs it)")
    return d


def test_dictionary_words_in_other_forms_and_units_cut_otherwise(
    analyzer: Analyzer, dictionary: Dictionary
) -> None:
    ja = {1: "北京にとっての戦術的勝利だと述べた。", 2: "双方は安全保障で衝突する。",
          3: "台湾は安全保障問題だという。", 4: "戦後秩序を守る戦いだ。",
          5: "戦後秩序の一部として支持せよ。", 6: "深圳でのAPEC"}
    en = {1: "He called it a tactical win for Beijing.",
          2: "The two sides compete hard on security.",
          3: "Taiwan is a current security issue.",
          4: "It is the unfinished business of the post-war settlement.",
          5: "The United States cares about the post-war order it led.",
          6: "The APEC summit in Shenzhen"}
    got = pair_in_context({"戦術的勝利": [1], "安全保障": [2, 3], "戦後秩序": [4, 5],
                           "深圳": [6]}, ja, en, analyzer, dictionary=dictionary)
    # tactical is a form of the dictionary's "tactics" (戦術), though Sudachi cuts the sentence
    # otherwise than the term
    # (sure as the dictionary makes it: counts over one unit alone would say ~0.7)
    assert got["戦術的勝利"].en == "tactical win" and got["戦術的勝利"].confidence >= 0.85
    # 安全|保障 both mean "security": one word may translate both parts
    assert got["安全保障"].en == "security"
    # the dictionary's "postwar" is the English "post-war"; 秩序 is "order"
    assert got["戦後秩序"].en == "post-war order" and got["戦後秩序"].confidence >= 0.89
    # a place the dictionary names as the English writes it
    assert got["深圳"].en == "Shenzhen"


def test_a_person_paired_with_one_word_takes_the_whole_name_its_units_write(
    store: Store, analyzer: Analyzer
) -> None:
    got = _default_run(store, [
        ("高市早苗氏が就任した。", "Sanae Takaichi took office."),
        ("高市早苗氏は語った。", "She spoke."),
        ("高市氏は演説した。", "Takaichi gave a speech."),
        ("高市氏は慎重だ。", "Takaichi is cautious."),
        ("高市氏の発言が注目された。", "Takaichi's remarks drew attention."),
        *FILLER,
    ], analyzer)
    # 高市 (Takaichi) is a variant of 高市早苗, whose own unit writes the whole name
    assert [f.text for f in got["高市早苗"].en][:2] == ["Sanae Takaichi", "Takaichi"]
    assert "高市" in {f.text for f in got["高市早苗"].ja}


# -- without the dictionary: the parts' English from the aligner's word list (issue 19) ---------

def _paired(analyzer: Analyzer, terms: dict[str, list[int]], pairs: list[tuple[str, str]],
            dictionary: Dictionary | None = None) -> dict[str, tuple[str, float]]:
    """pair_in_context over *pairs* as units 1, 2, …: term → (English, confidence)."""
    ja = {i: p[0] for i, p in enumerate(pairs, 1)}
    en = {i: p[1] for i, p in enumerate(pairs, 1)}
    got = pair_in_context(terms, ja, en, analyzer, dictionary=dictionary)
    return {k: (p.en, p.confidence) for k, p in got.items()}


def test_the_word_list_gives_the_parts_english_without_the_dictionary(analyzer: Analyzer
                                                                      ) -> None:
    got = _paired(analyzer, {"世界経済": [1]}, [
        ("世界経済は減速している。", "The global economy is slowing down."),
        ("世界の市場が揺れた。", "Markets around the world were shaken."),
        ("経済の先行きは不透明だ。", "The outlook is uncertain."),
    ])
    # counts over three units cannot tell "global" from "slowing"; the word list can
    assert got["世界経済"][0] == "global economy"


def test_a_word_lists_english_of_several_words_counts_where_written_whole(
    analyzer: Analyzer
) -> None:
    # 戦後 is "post-war" (one word of two stems) or "after the war": the unit's lone "war"
    # (戦争's) takes no credit from 戦後
    got = _paired(analyzer, {"戦後秩序": [1]}, [
        ("戦争が終わり、戦後秩序が生まれた。", "The war ended and a post-war order was born."),
    ])
    assert got["戦後秩序"][0] == "post-war order" and got["戦後秩序"][1] >= 0.85


def test_a_noun_that_is_also_a_verb_is_a_noun_after_a_determiner(analyzer: Analyzer) -> None:
    got = _paired(analyzer, {"電話会談": [1]}, [
        ("電話会談は一時間続いた。", "The phone call lasted an hour."),
        ("電話が鳴った。", "The phone rang."),
    ])
    assert got["電話会談"][0] == "phone call"


def test_one_token_sudachi_keeps_whole_is_read_by_the_pieces_the_word_list_knows(
    analyzer: Analyzer
) -> None:
    # 日米安全保障条約 is one token: 日米 + 安全保障 + 条約 make the English sure; 安全|保障
    # (two tokens) is one word of the list, so "current" is not needed to translate 保障
    got = _paired(analyzer, {"日米安全保障条約": [1], "安全保障問題": [3]}, [
        ("日米安全保障条約は改定された。", "The U.S.–Japan security treaty was revised."),
        ("条約の改定は難しい。", "Revising it is hard."),
        ("台湾は安全保障問題だ。", "Taiwan is a current security issue."),
    ])
    assert en_key(got["日米安全保障条約"][0]) == en_key("U.S.-Japan security treaty")
    assert got["日米安全保障条約"][1] >= 0.85
    assert got["安全保障問題"][0] == "security issue"


def test_a_compounds_country_kanji_may_stay_silent(analyzer: Analyzer) -> None:
    got = _paired(analyzer, {"米中対立": [1]}, [
        ("米中対立は市場を揺るがす。", "Confrontation with China shakes markets."),
        ("市場は落ち着いた。", "Markets calmed."),
    ])
    # "with China" names a side outside the phrase; "China shakes" is no translation
    assert en_key(got["米中対立"][0]) == "confrontation"
    assert got["米中対立"][1] < 0.9  # a part left silent: less sure than a whole phrase


def test_a_head_needs_a_word_another_part_does_not_translate_better(analyzer: Analyzer
                                                                      ) -> None:
    got = _paired(analyzer, {"観音像": [1, 2]}, [
        ("本堂に観音像を安置する。", "The main hall enshrines an Eleven-faced Kannon."),
        ("観音像は秘仏だ。", "The Kannon is hidden."),
        ("観音の縁日だ。", "It is the Kannon fair."),
    ])
    # 像 (statue) has no word here: "Kannon" is 観音's, so no phrase translates the term
    assert "観音像" not in got


def test_a_preposition_made_of_a_verb_ends_a_phrase(analyzer: Analyzer) -> None:
    got = _paired(analyzer, {"観音像": [1]}, [
        ("寺の観音像を修理した。", "They repaired statues including Kannon."),
    ])
    # "statues" and "Kannon" are two phrases: neither translates both parts
    assert "including" not in got.get("観音像", ("", 0.0))[0]


def test_a_part_the_dictionary_lacks_loses_one_last_character_only(
    analyzer: Analyzer, dictionary: Dictionary
) -> None:
    # 公開情報 is no 公開 ("making available to the public"): a rest of two characters is a
    # word the English would have to translate too
    got = _paired(analyzer, {"公開情報": [1]}, [
        ("本稿は公開情報に基づく。", "This note is based on publicly available sources."),
    ], dictionary)
    assert "公開情報" not in got
