"""Matching keys of glossary forms: one place decides how JA, EN and readings are compared."""

from __future__ import annotations

import re

from tm.japanese import katakana_to_hiragana
from tm.normalize import normalize

__all__ = ["ja_key", "en_key", "reading_key", "singular", "is_kana"]

_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\s]+$")
_KEEP_S = ("ss", "us", "is", "ous", "ics", "sis")


def singular(word: str) -> str:
    """A cheap English singular for matching keys (both sides use it, so it only has to agree).

    >>> singular("earths"), singular("policies"), singular("taxes"), singular("status")
    ('earth', 'policy', 'tax', 'status')
    """
    w = word
    if len(w) <= 3 or not w.isalpha() or w.endswith(_KEEP_S):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


def ja_key(text: str) -> str:
    """Key of a Japanese form: the project normaliser.

    >>> ja_key("ＡＩ半導体")
    'AI半導体'
    """
    return normalize(text)


def en_key(text: str) -> str:
    """Key of an English form: normalised, lowercased, last word singular, hyphens as spaces.

    >>> en_key("Rare Earths") == en_key("rare earth") == en_key("rare-earth")
    True
    """
    words = normalize(text).lower().replace("-", " ").split()
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return " ".join(words)


def reading_key(text: str) -> str:
    """A reading in hiragana without spaces or middle dots (katakana and hiragana agree).

    >>> reading_key("センリャク・テキ") == reading_key("せんりゃくてき")
    True
    """
    return katakana_to_hiragana(normalize(text)).replace("・", "").replace(" ", "")


def is_kana(text: str) -> bool:
    """True when *text* is kana only (a reading typed by the user).

    >>> is_kana("せんりゃく"), is_kana("センリャク"), is_kana("戦略")
    (True, True, False)
    """
    return bool(_KANA_ONLY.match(normalize(text)))
