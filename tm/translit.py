"""Kana → Hepburn romaji and comparison keys for katakana ↔ English name matching."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["kana_to_romaji", "name_key", "skeleton", "KATAKANA_RUN"]

#: a run of katakana (with the long-vowel mark and the middle dot inside names)
KATAKANA_RUN = re.compile(r"[ァ-ヺー][ァ-ヺー・]*")

_MONO = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n", "ヴ": "vu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o",
    "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヮ": "wa", "ヵ": "ka", "ヶ": "ke",
}

# Two-kana combinations (yōon and the extended katakana used for foreign words).
_DI = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo",
    "シャ": "sha", "シュ": "shu", "ショ": "sho", "シェ": "she",
    "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ジェ": "je",
    "チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che",
    "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo",
    "ビャ": "bya", "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo",
    "ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu",
    "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo",
    "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du", "デュ": "dyu", "テュ": "tyu",
    "ウィ": "wi", "ウェ": "we", "ウォ": "wo", "ツァ": "tsa", "ツェ": "tse", "ツォ": "tso",
    "クァ": "kwa", "クィ": "kwi", "クェ": "kwe", "クォ": "kwo", "グァ": "gwa",
    "イェ": "ye", "スィ": "si", "ズィ": "zi",
}


def kana_to_romaji(text: str) -> str:
    """Romanise katakana or hiragana in Hepburn style; other characters are dropped.

    The long-vowel mark repeats the previous vowel and small ッ doubles the next consonant,
    so keys built with :func:`name_key` compare readings with English spellings.

    >>> kana_to_romaji("ベッセント")
    'bessento'
    >>> kana_to_romaji("きょうと")
    'kyouto'
    """
    # hiragana → katakana so one table serves both
    s = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    out: list[str] = []
    double = False
    i = 0
    while i < len(s):
        pair = s[i : i + 2]
        c = s[i]
        if pair in _DI:
            r = _DI[pair]
            i += 2
        elif c in _MONO:
            r = _MONO[c]
            i += 1
        elif c == "ッ":
            double = True
            i += 1
            continue
        elif c == "ー":
            if out and out[-1] and out[-1][-1] in "aeiou":
                out.append(out[-1][-1])
            i += 1
            continue
        else:
            i += 1
            double = False
            continue
        if double:
            r = ("t" + r) if r.startswith("ch") else (r[0] + r)
            double = False
        out.append(r)
    return "".join(out)


_LONG = [("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ii", "i"), ("ee", "e"),
         ("ei", "e"), ("mb", "nb"), ("mp", "np"), ("mm", "nm")]


def name_key(text: str) -> str:
    """A loose spelling key: lower-case ASCII letters, macrons dropped, long vowels folded.

    Applied to both a romanised reading and an English word, it makes Hepburn variants meet.

    >>> name_key("Shōzō") == name_key(kana_to_romaji("ショウゾウ"))
    True
    >>> name_key("Toei"), name_key("Ohno")
    ('toe', 'ono')
    """
    s = unicodedata.normalize("NFKD", text.lower())
    s = "".join(c for c in s if "a" <= c <= "z")
    s = re.sub(r"oh(?=[^aeiou]|$)", "o", s)
    for _ in range(2):
        for a, b in _LONG:
            s = s.replace(a, b)
    return s


def skeleton(key: str) -> str:
    """Consonant skeleton of a key, the epenthetic vowels of katakana loanwords removed.

    >>> skeleton(name_key(kana_to_romaji("ポスト"))), skeleton(name_key("post"))
    ('pst', 'pst')
    """
    s = key.replace("tsu", "t").replace("shi", "sh").replace("chi", "ch")
    s = re.sub(r"[aeiouy]+", "", s)
    s = s.replace("nb", "mb").replace("np", "mp")
    # doubled consonants (ッ) are a spelling detail
    return re.sub(r"(.)\1+", r"\1", s)
