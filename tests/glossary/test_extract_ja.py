"""Japanese candidates: compounds, names, filters and nested terms (own sentences)."""

from __future__ import annotations

import pytest
from taiyaku.core.japanese import Analyzer
from taiyaku.glossary.extract_en import en_chunks, extract_en, score_en
from taiyaku.glossary.extract_ja import SegmentText, extract_ja, score_ja


def _scored(analyzer: Analyzer, sentences: list[str], docs: int = 1) -> dict[str, float]:
    segs = [SegmentText(i + 1, i % docs, s) for i, s in enumerate(sentences)]
    cands = extract_ja(segs, analyzer)
    score_ja(cands, docs)
    return {k: c.score for k, c in cands.items() if c.score > 0}


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("新制度では一般輸出許可が必要になる。", "一般輸出許可"),
        ("両氏は川習会に臨んだ。", "川習会"),
        ("台湾有事への備えを議論した。", "台湾有事"),
        ("米国は戦略的曖昧さを保ってきた。", "戦略的曖昧さ"),
        ("記者会見にスコット・ベッセントが出た。", "スコット・ベッセント"),
        ("番組はFox Businessで流れた。", "Fox Business"),
        ("G20の会合に向かう。", "G20"),
        ("第二次世界大戦の記憶が残る。", "第二次世界大戦"),
    ],
)
def test_compounds_are_candidates(analyzer: Analyzer, sentence: str, term: str) -> None:
    assert term in _scored(analyzer, [sentence])


def test_numbers_dates_particles_titles_and_general_words_are_filtered(
    analyzer: Analyzer,
) -> None:
    got = _scored(analyzer, [
        "2025年10月26日に電話で話した。",
        "今回の問題は政権内の対立だ。",
        "ベッセント財務長官は慎重だった。",
        "中国側は3年で100万トンを買う。",
        "財務長官の発言が続いた。",
    ])
    for bad in ("2025年", "10月26日", "電話", "問題", "今回", "政権内", "政権内の",
                "ベッセント財務長官", "中国側", "100万トン"):
        assert bad not in got, bad
    assert "ベッセント" in got and "財務長官" in got


def test_fragment_inside_one_compound_scores_zero(analyzer: Analyzer) -> None:
    got = _scored(analyzer, ["川習会の日程が決まる。", "川習会は延期された。"])
    assert "川習会" in got
    assert "習会" not in got


def test_nested_term_keeps_its_own_score(analyzer: Analyzer) -> None:
    got = _scored(analyzer, [
        "政府はレアアース輸出規制を発表した。",
        "輸出規制の範囲が広がった。",
        "新たな輸出規制が議論を呼ぶ。",
    ])
    assert got["輸出規制"] > 0 and got["レアアース輸出規制"] > 0
    assert got["輸出規制"] > got["レアアース輸出規制"]


def test_spread_across_documents_raises_the_score(analyzer: Analyzer) -> None:
    one = _scored(analyzer, ["休戦協定が延びた。", "休戦協定を守る。"], docs=1)
    two = _scored(analyzer, ["休戦協定が延びた。", "休戦協定を守る。"], docs=2)
    assert two["休戦協定"] > one["休戦協定"]


def test_quoted_compound_is_marked(analyzer: Analyzer) -> None:
    segs = [SegmentText(1, 1, "いわゆる「静音車両」が導入された。")]
    cands = extract_ja(segs, analyzer)
    assert cands["静音車両"].quoted == 1


# -- English --------------------------------------------------------------------------------

def test_en_chunks_stop_at_stopwords_numbers_and_punctuation() -> None:
    chunks = [[w for w, _, _ in c] for c in en_chunks(
        "The Treasury Secretary Scott Bessent said a one-year pause, and China's Foreign "
        "Ministry agreed.")]
    assert ["Treasury", "Secretary", "Scott", "Bessent"] in chunks
    assert ["pause"] in chunks
    assert ["China"] in chunks  # a possessive ends the phrase
    assert all("one-year" not in c for c in chunks)
    cands = extract_en([SegmentText(1, 1, "China's Foreign Ministry agreed.")])
    assert "foreign ministry" in cands and "foreign ministry agreed" not in cands


def test_en_singular_and_plural_merge_and_names_score() -> None:
    segs = [SegmentText(1, 1, "Rare earths matter."), SegmentText(2, 1, "A rare earth deal."),
            SegmentText(3, 2, "Treasury Secretary Scott Bessent spoke."),
            SegmentText(4, 2, "Scott Bessent again.")]
    cands = extract_en(segs)
    score_en(cands)
    assert cands["rare earth"].freq == 2
    assert cands["scott bessent"].score > 0
    assert "again" not in cands
