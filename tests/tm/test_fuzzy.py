"""Scorer properties against a pure-Python Levenshtein, the 100/99 rules and number substitution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.normalize import normalize
from taiyaku.tm.fuzzy import (
    diff_spans,
    en_tokens,
    query_lang,
    raw_similarity,
    score_match,
    skeleton,
    substitute_numbers,
)


def ref_levenshtein(a: str | list[str], b: str | list[str]) -> int:
    """Textbook dynamic programme (the reference the rapidfuzz call must agree with)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def ref_similarity(a: str | list[str], b: str | list[str]) -> float:
    longest = max(len(a), len(b))
    return 100.0 if longest == 0 else 100.0 * (1 - ref_levenshtein(a, b) / longest)


JA_TEXT = st.text(alphabet="あいうかきく東京都の人口は年月日、。0123456789ＡＢ ", max_size=30)
EN_WORDS = st.lists(st.sampled_from(["the", "policy", "Taiwan", "was", "changed", "in", "2019",
                                     ",", "."]), max_size=15)


@settings(max_examples=150, deadline=None)
@given(JA_TEXT, JA_TEXT)
def test_ja_similarity_matches_reference_and_is_symmetric(a: str, b: str) -> None:
    na, nb = normalize(a), normalize(b)
    score = raw_similarity(na, nb)
    assert 0.0 <= score <= 100.0
    assert score == pytest.approx(ref_similarity(na, nb))
    assert score == pytest.approx(raw_similarity(nb, na))
    assert raw_similarity(na, na) == 100.0


@settings(max_examples=150, deadline=None)
@given(EN_WORDS, EN_WORDS)
def test_en_similarity_is_word_level(a: list[str], b: list[str]) -> None:
    ta, tb = en_tokens(" ".join(a)), en_tokens(" ".join(b))
    assert raw_similarity(ta, tb) == pytest.approx(ref_similarity(ta, tb))
    assert raw_similarity(ta, tb) == pytest.approx(raw_similarity(tb, ta))


@settings(max_examples=100, deadline=None)
@given(JA_TEXT)
def test_identical_text_scores_100(text: str) -> None:
    norm = normalize(text)
    assert score_match(text, norm, text, norm, "t", "ja").score == 100.0


def test_one_word_changed_in_four_is_75_in_english() -> None:
    q = "the policy has changed"
    s = "the policy was changed"
    result = score_match(q, normalize(q), s, normalize(s), "方針が変わった", "en")
    assert result.raw == pytest.approx(75.0)
    assert result.score == 75.0 and result.flags == ()


def test_width_only_difference_is_100_and_flagged() -> None:
    q, s = "ＡＩ投資は２０２４年に", "AI投資は2024年に"
    result = score_match(q, normalize(q), s, normalize(s), "AI investment in 2024", "ja")
    assert result.score == 100.0
    assert result.flags == ("width",)


def test_numbers_only_difference_is_99_flagged_and_substituted() -> None:
    q, s = "会議には1,200人が参加した。", "会議には850人が参加した。"
    result = score_match(q, normalize(q), s, normalize(s), "850 people attended.", "ja")
    assert result.score == 99.0
    assert "numbers" in result.flags
    assert result.target_substituted == "1,200 people attended."


def test_punctuation_only_difference_is_99() -> None:
    q, s = "彼は来た!", "彼は来た。"
    result = score_match(q, normalize(q), s, normalize(s), "He came.", "ja")
    assert (result.score, result.flags, result.target_substituted) == (99.0, ("punctuation",), None)


@pytest.mark.parametrize(
    ("query", "source", "target", "expected"),
    [
        ("3月5日", "3月7日", "March 7", "March 5"),
        ("3月5日", "3月7日", "on the seventh of March", None),  # 7 not in the target
        ("2と2", "2と3", "2 and 3", "2 and 2"),
        ("7日", "7日", "the 7th", "the 7th"),
    ],
)
def test_substitution_only_when_safe(query: str, source: str, target: str,
                                     expected: str | None) -> None:
    assert substitute_numbers(query, source, target) == expected


def test_one_source_number_for_two_query_numbers_is_not_substituted() -> None:
    assert substitute_numbers("5と6", "7と7", "7 and 7") is None
    assert substitute_numbers("5と5", "6と7", "6 and 7") == "5 and 5"


def test_skeleton_ignores_numbers_punctuation_and_english_case() -> None:
    assert skeleton("Met in 2019.", "en") == skeleton("met in 2021", "en")
    assert skeleton("東京", "ja") != skeleton("京都", "ja")


def test_query_language_decides_the_side() -> None:
    assert query_lang("台湾") == "ja"
    assert query_lang("Taiwan 2024") == "en"


def test_diff_spans_point_at_the_difference() -> None:
    spans = diff_spans("政策は変わらない", "政策は変わった", "ja")
    assert spans
    for sp in spans:
        qa, qb = sp["query"]
        sa, sb = sp["source"]
        assert "政策は変わ"[: min(qa, 5)] == "政策は変わった"[: min(sa, 5)]
    en = diff_spans("we met in 2021", "We met in 2019", "en")
    assert en == [{"op": "replace", "query": [10, 14], "source": [10, 14]}]


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("ab1_ '-.,é京\t"), max_size=40))
def test_possessive_token_pattern_finds_the_plain_patterns_tokens(text: str) -> None:
    # _EN_TOKEN uses possessive quantifiers for speed: it must tokenise like the plain form
    import re

    from taiyaku.tm.fuzzy import _EN_TOKEN

    plain = re.compile(r"\w+(?:['\-]\w+)*|[^\w\s]")
    assert _EN_TOKEN.findall(text) == plain.findall(text)
