"""Matching keys of glossary forms: one place decides how JA, EN and readings are compared."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from taiyaku.core.japanese import katakana_to_hiragana
from taiyaku.core.normalize import normalize

__all__ = [
    "ja_key", "en_key", "reading_key", "singular", "display_singular", "is_kana", "containers_of",
]

_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\s]+$")
_KEEP_S = ("ss", "us", "is", "ous", "ics", "sis")


@lru_cache(maxsize=65536)
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


#: plural forms a glossary keeps as they are (plurale tantum, -s singulars, fixed plurals)
_KEEP_PLURAL = frozenset(
    """news series species means headquarters whereabouts crossroads arms goods earnings
    savings relations talks affairs forces authorities customs politics economics physics
    statistics ethics logistics tactics odds thanks clothes premises proceeds remains
    outskirts surroundings belongings congratulations riches troops""".split()
)
#: Greek plurals in -es whose singular ends in -is (crises → crisis); promises, purposes are not
_IS_PLURALS = frozenset(
    "crises theses hypotheses syntheses parentheses emphases diagnoses prognoses oases".split()
)


def display_singular(phrase: str) -> str:
    """The base form a glossary lists for an English noun phrase: its last word singular,
    unless it is a proper name (capitalised) or a word that stays plural.

    Unlike :func:`singular`, which only has to agree with itself for matching, this one
    must give a real word.

    >>> display_singular("general export licenses"), display_singular("energy policies")
    ('general export license', 'energy policy')
    >>> display_singular("rare earths"), display_singular("trade talks")
    ('rare earth', 'trade talks')
    >>> display_singular("risk analysis"), display_singular("debt crises")
    ('risk analysis', 'debt crisis')
    >>> display_singular("United States"), display_singular("IMF")
    ('United States', 'IMF')
    """
    words = phrase.split(" ")
    last = words[-1]
    if not last.isalpha() or not last.islower() or len(last) <= 3:
        return phrase
    if last in _KEEP_PLURAL or last.endswith(_KEEP_S) or not last.endswith("s"):
        return phrase
    if last in _IS_PLURALS or last.endswith("yses"):
        base = last[:-2] + "is"
    elif last.endswith("ies") and len(last) > 4:
        base = last[:-3] + "y"
    elif last.endswith(("sses", "shes", "ches", "xes", "zzes")):
        base = last[:-2]
    elif last.endswith(("ss", "ous")):
        return phrase
    else:
        base = last[:-1]
    return " ".join([*words[:-1], base])


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


def containers_of(subkeys: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """For C-value: each candidate key → the longer candidates that contain it.

    :param subkeys: each candidate key → the keys of its nested sub-terms

    >>> containers_of({"輸出規制": {"輸出"}, "輸出": set()})
    {'輸出規制': [], '輸出': ['輸出規制']}
    """
    containers: dict[str, list[str]] = {k: [] for k in subkeys}
    for b, subs in subkeys.items():
        for a in subs:
            if a in containers:
                containers[a].append(b)
    return containers
