"""Pairing: parenthetical glosses both ways, same-language glosses, noise, association."""

from __future__ import annotations

from taiyaku.core.japanese import Analyzer
from taiyaku.glossary.extract_ja import SegmentText
from taiyaku.glossary.pairing import associate, find_glosses, transliterates


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
