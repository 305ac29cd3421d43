"""The number reader: known cases and hypothesis properties (漢数字 with 万/億/兆, English
scale words)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.numerals import (
    compare,
    en_quantities,
    english_words,
    ja_quantities,
    parse_english,
    parse_kanji,
    substitute,
)

_DIGITS = "〇一二三四五六七八九"
_BIG = ((10**12, "兆"), (10**8, "億"), (10**4, "万"))


def kanji_group(n: int) -> str:
    """0 < n < 10000 the way 漢数字 write it: 千二百三十四, 十 (not 一十)."""
    out = ""
    for value, name in ((1000, "千"), (100, "百"), (10, "十")):
        d, n = divmod(n, value)
        if d:
            out += ("" if d == 1 else _DIGITS[d]) + name
    return out + (_DIGITS[n] if n else "")


def write_ja(n: int, style: str) -> str:
    """*n* in 漢数字 (``kanji``) or as newspapers mix them (``mixed``: 3億5000万)."""
    if n == 0:
        return "〇" if style == "kanji" else "0"
    out = ""
    for value, name in _BIG:
        d, n = divmod(n, value)
        if d:
            out += (kanji_group(d) if style == "kanji" else str(d)) + name
    if n:
        out += kanji_group(n) if style == "kanji" else str(n)
    return out


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def write_en(n: int, joiner: str) -> str:
    """*n* in English words, independently of the module's writer (British "and" optional)."""
    def below_1000(k: int) -> str:
        parts = []
        h, k = divmod(k, 100)
        if h:
            parts.append(f"{_UNITS[h]} hundred")
        if k:
            words = _UNITS[k] if k < 20 else _TENS[k // 10 - 2] + (
                f"-{_UNITS[k % 10]}" if k % 10 else "")
            parts.append(words)
        return joiner.join(parts)

    if n == 0:
        return "zero"
    parts = []
    for value, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
                        (10**3, "thousand")):
        d, n = divmod(n, value)
        if d:
            parts.append(f"{below_1000(d)} {name}")
    if n:
        parts.append(below_1000(n))
    return " ".join(parts)


@settings(deadline=None)  # a property, not a timing: the machine may be loaded
@given(st.integers(min_value=0, max_value=10**16 - 1), st.sampled_from(["kanji", "mixed"]))
def test_any_integer_in_kanji_with_scales_reads_back(n: int, style: str) -> None:
    assert parse_kanji(write_ja(n, style)) == n


@settings(deadline=None)  # a property, not a timing: the machine may be loaded
@given(st.integers(min_value=0, max_value=10**15 - 1), st.sampled_from([" ", " and "]))
def test_any_integer_in_english_words_reads_back(n: int, joiner: str) -> None:
    assert parse_english(write_en(n, joiner)) == n


@settings(deadline=None)  # a property, not a timing: the machine may be loaded
@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(
    [("thousand", 10**3), ("million", 10**6), ("billion", 10**9), ("trillion", 10**12)]))
def test_digits_with_a_scale_word_read_back(n: int, scale: tuple[str, int]) -> None:
    assert parse_english(f"{n:,} {scale[0]}") == n * scale[1]
    assert parse_english(f"{n / 10:g} {scale[0]}") == Fraction(n, 10) * scale[1]


@settings(deadline=None)  # a property, not a timing: the machine may be loaded
@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_the_module_writer_reads_back(n: int) -> None:
    assert parse_english(english_words(n)) == n


@pytest.mark.parametrize(("source", "target", "differs"), [
    ("3億5000万円", "350 million yen", False),
    ("3億円", "30 million yen", True),
    ("1.2兆円", "1.2 trillion yen", False),
    ("5000億ドル", "$500 billion", False),
    ("2倍", "double", False),
    ("3倍", "three times", False),
    ("3倍", "triple", False),
    ("3倍", "threefold", False),
    ("3倍", "double", True),
    ("令和8年", "2026", False),
    ("令和8年", "2025", True),
    ("2026年4月", "April 2026", False),
    ("4月", "October", True),
    ("10日", "the 10th", False),
    ("第2", "second", False),
    ("3〜5人", "three to five", False),
    ("二十一人", "21", False),
    ("12人", "a dozen", False),
    ("3分の1", "a third", False),
    ("3分の2", "two-thirds", False),
    ("3.3%", "3.3 percent", False),
    ("3.3%", "3.1 percent", True),
    ("一部の", "some", False),
    ("数百人", "hundreds", False),
    ("１２人", "12", False),
    ("第1四半期", "first quarter", False),  # 1四 is 1 and then 四半期 (a quarter), not 14
    ("5月の連休", "the May holidays", False),
    ("第2次世界大戦", "World War II", False),
    ("2国間", "bilateral", False),
    ("四日市と六本木で3人", "three in Yokkaichi and Roppongi", False),
    ("天正10年（1582年）", "in 1582", False),  # any era, said twice side by side
    ("1244年(寛元2)6月13日", "June 13, 1244", False),
    ("推古天皇28年（620年）", "in 620", False),
    ("従五位下に叙された", "was appointed Jugoinoge", False),
    ("三十六歌仙", "the 36 immortal poets", False),  # a kanji number without a counter, weak
    ("三十六歌仙", "the Thirty-Six Immortals", False),
    ("3人と3社", "three people and four companies", True),
    ("二度と戻らない", "will never return", False),
    ("万葉集", "Collection of Ten Thousand Leaves", False),
    ("40数カ所", "some 40 places", False),
    ("六畳の部屋", "a 6-tatami room", False),
    ("（36歳5月）", "(age 36, May)", False),
])
def test_known_pairs(source: str, target: str, differs: bool) -> None:
    assert bool(compare(ja_quantities(source), en_quantities(target))) is differs


def test_words_that_are_not_numbers() -> None:
    assert en_quantities("Someone may decide") == []
    assert en_quantities("May we go? May I?") == []
    assert [q.text for q in ja_quantities("一方、三菱と九州と四国の十分な")] == ["一方"] or \
        all(not q.strong for q in ja_quantities("一方、三菱と九州と四国の十分な"))


@pytest.mark.parametrize(("query", "source", "target", "expected"), [
    ("4月に会談", "10月に会談", "Talks in October", "Talks in April"),
    ("現在の3倍", "現在の2倍", "double the current level", "three times the current level"),
    ("13日に", "12日に", "on the twelfth", "on the thirteenth"),
    ("売上高は4億円", "売上高は3億円", "Sales of 300 million yen", "Sales of 400 million yen"),
    ("3人と3社", "2人と2社", "two people and two companies", None),
])
def test_substitute_keeps_the_targets_way_of_writing(query: str, source: str, target: str,
                                                      expected: str | None) -> None:
    assert substitute(query, source, target) == expected
