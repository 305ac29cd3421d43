"""The matching normaliser: a table of known cases plus properties."""

from __future__ import annotations

import doctest

import pytest
import taiyaku.core.normalize as normalize_module
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.normalize import _normalize_full, has_japanese, normalize, script_of

CASES = [
    # NFKC: full-width ASCII and digits, half-width katakana (with sound marks), compatibility
    ("ＡＢＣ１２３", "ABC123"),
    ("ｶﾀｶﾅ", "カタカナ"),
    ("ﾊﾟﾝとﾃﾞｰﾀ", "パンとデータ"),
    ("（IMF）", "(IMF)"),
    ("①", "1"),
    ("㈱", "(株)"),
    ("…", "..."),
    # quotes
    ("“strategic ambiguity”", '"strategic ambiguity"'),
    ("‘one-year pause’", "'one-year pause'"),
    ("„low“", '"low"'),
    ("«truce»", '"truce"'),
    ("″", '"'),
    # dashes and tildes
    ("2025–2026", "2025-2026"),
    ("米中—日本", "米中-日本"),
    ("−5%", "-5%"),
    ("U.S.‐China", "U.S.-China"),
    ("10〜20", "10~20"),
    ("10～20", "10~20"),
    # whitespace: runs collapse, ends trimmed, tabs/newlines become a space
    ("  rare \t earths\n magnets  ", "rare earths magnets"),
    ("a\u00a0b", "a b"),
    # spaces between two Japanese characters carry no meaning and go
    ("日本 の 政策", "日本の政策"),
    ("日本　経済", "日本経済"),
    ("ＡＩ　投資\u3000ブーム", "AI 投資ブーム"),
    ("Japan の 政策", "Japan の政策"),
    ("G20 サミット", "G20 サミット"),
    # invisible characters
    ("台\u200b湾", "台湾"),
    ("\ufeff輸出規制", "輸出規制"),
    ("ex\u00adport", "export"),
    ("e\u200d\u0301", "é"),
    # case and the original Japanese punctuation are kept
    ("IMF Forecast", "IMF Forecast"),
    ("「一般輸出許可」を認める。", "「一般輸出許可」を認める。"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize_table(text: str, expected: str) -> None:
    assert normalize(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalized_whitespace_is_single_and_trimmed(text: str) -> None:
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out
    assert not any(ch in out for ch in "\t\n\r\u3000\u00a0\u200b")


@pytest.mark.parametrize(
    ("text", "ja", "script"),
    [
        ("米財務長官ベッセントが CNBC で語った", True, "ja"),
        ("Bessent told CNBC", False, "en"),
        ("— 12 —", False, "none"),
        ("", False, "none"),
        ("国際通貨基金(IMF)", True, "ja"),
        ("The IMF forecasts 3.1% growth", False, "en"),
    ],
)
def test_script_detection(text: str, ja: bool, script: str) -> None:
    assert has_japanese(text) is ja
    assert script_of(text) == script


def test_doctests() -> None:
    result = doctest.testmod(normalize_module)
    assert result.attempted > 0
    assert result.failed == 0


# The ASCII shortcut of normalize (English text skips NFKC and the tables) gives what every
# step gives: every ASCII character, control characters and the separators \x1c-\x1f (which
# str.split and \s both treat as whitespace) included.
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=60))
def test_ascii_shortcut_equals_full_normalisation(text: str) -> None:
    assert text.isascii()
    assert normalize(text) == _normalize_full(text)


def test_ascii_shortcut_on_whitespace_runs() -> None:
    text = "\t Rare  earths\r\n\x0b\x0cmagnets\x1c\x1d\x1e\x1f end "
    assert normalize(text) == _normalize_full(text) == "Rare earths magnets end"


def test_non_ascii_text_is_still_fully_normalised() -> None:
    # one non-ASCII character anywhere takes the full path: NFKC, quotes, Japanese spaces
    assert normalize("“ＡＩ”  投資 ブーム ") == '"AI" 投資ブーム'
