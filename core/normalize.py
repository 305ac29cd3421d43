"""The one text normaliser used for matching (stored text always keeps the original)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "NORMALIZER_NAME", "has_japanese", "script_of"]

#: recorded in the store's meta table so matches can be reproduced
NORMALIZER_NAME = "nfkc+quotes+dashes+ws/v1"

# Punctuation variants that NFKC leaves apart but translators treat as the same character.
_PUNCT = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "「": "「", "」": "」",
        "‘": "'", "’": "'", "‚": "'", "′": "'", "″": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "〜": "~", "～": "~",
        "\u00a0": " ", "\u3000": " ", "\u200b": "", "\ufeff": "",
        # invisible: soft hyphen, zero-width (non-)joiner, word joiner
        "\u00ad": "", "\u200c": "", "\u200d": "", "\u2060": "",
    }
)
_PUNCT_CHARS = re.compile(
    "[" + re.escape("".join(chr(c) for c, v in _PUNCT.items() if v != chr(c))) + "]"
)
_WS = re.compile(r"\s+")
# NFKC turns full-width '（' into '(' but a space may separate Japanese words only by accident
# of layout; between two Japanese characters it carries no meaning, so it is dropped.
_JA_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_JA_SPACE = re.compile(f"(?<=[{_JA_CHAR}]) (?=[{_JA_CHAR}])")
#: kana and kanji: what has_japanese looks for and script_of counts
_KANA_KANJI = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_HAS_JA = re.compile(f"[{_KANA_KANJI}]")
#: runs of the same characters: counted as the sum of the runs' lengths, far fewer matches
#: than one per character (script_of reads every line of a document being split)
_JA_RUNS = re.compile(f"[{_KANA_KANJI}]+")
_LATIN_RUNS = re.compile("[A-Za-z]+")


def normalize(text: str) -> str:
    """Return the matching form of *text*.

    NFKC (full-width ASCII and half-width katakana folded), curly quotes and dash variants
    unified, whitespace runs collapsed to one space and trimmed, spaces between two Japanese
    characters removed. Case is kept; callers that compare English lowercase it themselves.

    >>> normalize("ＡＩ　投資\\u3000ブーム")
    'AI 投資ブーム'
    >>> normalize("“at the request”  ")
    '"at the request"'
    >>> normalize("ｶﾀｶﾅ")
    'カタカナ'
    """
    # Most English text is plain ASCII, where NFKC changes nothing, no mapped character can
    # occur and no Japanese character can hold a space: only the whitespace step applies
    # (terms extract normalises every segment of a TM; tests/tm/test_normalize.py checks that
    # this path gives what the full one gives).
    if text.isascii():
        # str.split and \s agree on what whitespace is (str.isspace), and split is faster
        return " ".join(text.split())
    return _normalize_full(text)


def _normalize_full(text: str) -> str:
    """:func:`normalize` without its ASCII shortcut (every step, whatever the text).

    >>> _normalize_full("  rare\\tearths\\x1f ") == normalize("  rare\\tearths\\x1f ")
    True
    """
    # Invisible characters go before NFKC so they cannot block a composition (e + ZWJ + ´);
    # the table runs again after it because NFKC can produce mapped characters (″ → ′′).
    # str.translate walks every character through a dict; most text has nothing to map,
    # which one regex scan tells far faster (TMX imports normalise millions of strings).
    if _PUNCT_CHARS.search(text):
        text = text.translate(_PUNCT)
    text = unicodedata.normalize("NFKC", text)
    if _PUNCT_CHARS.search(text):
        text = text.translate(_PUNCT)
    text = _WS.sub(" ", text).strip()
    return _JA_SPACE.sub("", text)


def has_japanese(text: str) -> bool:
    """True when *text* holds kana or kanji.

    >>> has_japanese("CNBCのインタビュー"), has_japanese("CNBC interview")
    (True, False)
    """
    return _HAS_JA.search(text) is not None


def script_of(text: str) -> str:
    """Classify a line as ``"ja"``, ``"en"`` or ``"none"`` (no letters at all).

    A line with any kana/kanji in a meaningful share is Japanese: Japanese lines often carry
    Latin names (CNBC, G20), while English lines almost never carry kana.

    >>> script_of("米財務長官ベッセントが CNBC で"), script_of("Bessent told CNBC")
    ('ja', 'en')
    >>> script_of("— 12 —")
    'none'
    """
    ja = sum(map(len, _JA_RUNS.findall(text)))
    latin = sum(map(len, _LATIN_RUNS.findall(text)))
    if ja == 0 and latin == 0:
        return "none"
    if ja == 0:
        return "en"
    if latin == 0:
        return "ja"
    # A Japanese character carries about three Latin letters' worth of content.
    return "ja" if ja * 3 >= latin * 0.25 and ja >= 2 else "en"
