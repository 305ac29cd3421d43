"""CAT-style fuzzy scores: character-level Levenshtein for Japanese, word-level for English.

The score of a query *q* against a stored segment *s* (both in the query's language) is::

    raw = 100 × (1 − lev(a, b) / max(len(a), len(b)))

where, for Japanese, ``a`` and ``b`` are the normalised strings (:func:`core.normalize.normalize`:
NFKC, width, whitespace, quote and dash variants) compared character by character, and for
English they are the lists of lowercased word and punctuation tokens of the normalised text
(:func:`en_tokens`) compared token by token. ``lev`` counts insertions, deletions and
substitutions at cost 1 (rapidfuzz's ``Levenshtein.normalized_similarity``).

On top of *raw* (:func:`score_match`):

* identical after normalisation → **100** (found by hash; flagged ``width`` when the original
  texts differ only in width/spacing/quote style);
* equal once numbers are masked and punctuation/space dropped (and raw ≥ 40) → **99**,
  flagged ``numbers`` and/or ``punctuation`` (as memoQ reports it); the query's numbers are
  put into the target when every changed number occurs exactly once in it
  (``target_substituted``);
* otherwise ``raw`` rounded to one decimal, capped at 98.9 so only the cases above reach 99+.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from taiyaku.core.matchkeys import EN_TOKEN
from taiyaku.core.normalize import has_japanese, normalize

__all__ = [
    "en_tokens",
    "query_lang",
    "raw_similarity",
    "score_match",
    "Scored",
    "diff_spans",
    "skeleton",
    "substitute_numbers",
]

# Words (with inner apostrophes/hyphens) or single punctuation marks. The quantifiers are
# possessive (nothing after a word could make giving characters back match): the same tokens
# as ``\w+(?:['\-]\w+)*|[^\w\s]``, a quarter faster, and English fuzzy search tokenises
# every candidate it rescores.
_EN_TOKEN = EN_TOKEN
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Everything that is neither a letter, a digit nor a Japanese character: punctuation and space.
_PUNCT_OR_SPACE = re.compile(r"[\W_]+")


def en_tokens(text: str) -> list[str]:
    """Lowercased word and punctuation tokens of normalised English *text*.

    >>> en_tokens("The U.S. didn't   change its policy.")
    ['the', 'u', '.', 's', '.', "didn't", 'change', 'its', 'policy', '.']
    """
    return _EN_TOKEN.findall(normalize(text).lower())


def query_lang(text: str) -> str:
    """``"ja"`` when *text* holds kana or kanji, else ``"en"`` (decides the side searched).

    >>> query_lang("台湾政策"), query_lang("Taiwan policy")
    ('ja', 'en')
    """
    return "ja" if has_japanese(text) else "en"


def raw_similarity(
    a: str | Sequence[str] | Sequence[int], b: str | Sequence[str] | Sequence[int],
    score_cutoff: float = 0.0,
) -> float:
    """100 × (1 − Levenshtein distance / longer length); 0 when below *score_cutoff*.

    Pass normalised strings (Japanese) or token lists (English; or their codes,
    :func:`taiyaku.core.matchkeys.en_codes`).

    >>> raw_similarity("東京都の人口", "京都の人口")
    83.33333333333334
    >>> raw_similarity(["a", "b"], ["a", "c"])
    50.0
    """
    from rapidfuzz.distance import Levenshtein

    if not a and not b:
        return 100.0
    return 100.0 * Levenshtein.normalized_similarity(a, b, score_cutoff=score_cutoff / 100.0)


def skeleton(norm: str, lang: str) -> str:
    """The text with numbers masked as ``0`` and punctuation and spaces removed (English
    lowercased): two segments with equal skeletons differ only in numbers or punctuation.

    >>> skeleton("人口は1,234人です。", "ja") == skeleton("人口は 98人です", "ja")
    True
    """
    masked = _NUMBER.sub("0", norm)
    if lang == "en":
        masked = masked.lower()
    return _PUNCT_OR_SPACE.sub("", masked)


def _canon_number(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "")


def substitute_numbers(query_norm: str, source_norm: str, target: str) -> str | None:
    """Put the query's numbers into *target* where the source had different ones.

    Safe only when query and source have the same count of numbers and each changed source
    number occurs exactly once in the target; otherwise None.

    >>> substitute_numbers("2021年に3人", "2019年に5人", "Five people in 2019")
    >>> substitute_numbers("2021年に会った", "2019年に会った", "We met in 2019.")
    'We met in 2021.'
    """
    qn = [m.group() for m in _NUMBER.finditer(query_norm)]
    sn = [m.group() for m in _NUMBER.finditer(source_norm)]
    if len(qn) != len(sn):
        return None
    changes: dict[str, str] = {}
    for q, s in zip(qn, sn, strict=True):
        cq, cs = _canon_number(q), _canon_number(s)
        if cq == cs:
            continue
        if changes.get(cs, q) != q:
            return None  # one source number mapped to two different query numbers
        changes[cs] = q
    if not changes:
        return target
    found = list(_NUMBER.finditer(target))
    for cs in changes:
        if sum(1 for m in found if _canon_number(m.group()) == cs) != 1:
            return None
    out = []
    last = 0
    for m in found:
        repl = changes.get(_canon_number(m.group()))
        if repl is not None:
            out.append(target[last : m.start()])
            out.append(repl)
            last = m.end()
    out.append(target[last:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Scored:
    """The outcome of :func:`score_match`: CAT score, raw Levenshtein score, flags."""

    score: float
    raw: float
    flags: tuple[str, ...] = ()
    target_substituted: str | None = None


def score_match(
    query: str,
    query_norm: str,
    source: str,
    source_norm: str,
    target: str,
    lang: str,
    *,
    raw: float | None = None,
) -> Scored:
    """Score a stored segment against a query (formula in the module docstring).

    :param query: the query as typed; :param query_norm: ``normalize(query)``
    :param source: the stored segment in the query's language; :param source_norm: normalised
    :param target: its translation (numbers are substituted into it when safe)
    :param lang: ``"ja"`` (characters) or ``"en"`` (words)
    :param raw: the raw similarity if already computed

    >>> s = score_match("2021年に会った", "2021年に会った", "2019年に会った", "2019年に会った",
    ...                 "We met in 2019.", "ja")
    >>> s.score, s.flags, s.target_substituted
    (99.0, ('numbers',), 'We met in 2021.')
    """
    if lang == "en":
        same = query_norm.lower() == source_norm.lower()
    else:
        same = query_norm == source_norm
    if same:
        flags = () if query.strip() == source.strip() else ("width",)
        return Scored(100.0, 100.0, flags)
    if raw is None:
        if lang == "en":
            raw = raw_similarity(en_tokens(query_norm), en_tokens(source_norm))
        else:
            raw = raw_similarity(query_norm, source_norm)
    # Below 40 the texts share too little for "only numbers/punctuation differ" to be likely;
    # skipping the check there keeps rescoring of weak candidates cheap.
    if raw >= 40.0 and skeleton(query_norm, lang) == skeleton(source_norm, lang):
        qn = [_canon_number(m) for m in _NUMBER.findall(query_norm)]
        sn = [_canon_number(m) for m in _NUMBER.findall(source_norm)]
        flags_l = []
        if qn != sn:
            flags_l.append("numbers")
        if _NUMBER.sub("0", query_norm) != _NUMBER.sub("0", source_norm) or not flags_l:
            flags_l.append("punctuation")
        subst = substitute_numbers(query_norm, source_norm, target) if qn != sn else None
        return Scored(99.0, raw, tuple(flags_l), subst)
    return Scored(min(round(raw, 1), 98.9), raw, ())


def _en_token_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    toks: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _EN_TOKEN.finditer(text):
        toks.append(unicodedata.normalize("NFKC", m.group()).lower())
        spans.append((m.start(), m.end()))
    return toks, spans


def diff_spans(query: str, source: str, lang: str) -> list[dict[str, Any]]:
    """What differs between *query* and *source*: Levenshtein edit operations as character
    offsets into both strings (``op`` is ``replace``, ``only_source`` or ``only_query``).

    >>> diff_spans("東京の人口", "東京都の人口", "ja")
    [{'op': 'only_source', 'query': [2, 2], 'source': [2, 3]}]
    """
    from rapidfuzz.distance import Levenshtein

    out: list[dict[str, Any]] = []
    if lang == "en":
        qt, qs = _en_token_spans(query)
        st, ss = _en_token_spans(source)
        for op in Levenshtein.opcodes(qt, st):
            if op.tag == "equal":
                continue

            def char_range(spans: list[tuple[int, int]], a: int, b: int, n: int) -> list[int]:
                if a < b:
                    return [spans[a][0], spans[b - 1][1]]
                pos = spans[a][0] if a < len(spans) else n
                return [pos, pos]

            out.append({
                "op": _OPNAME[op.tag],
                "query": char_range(qs, op.src_start, op.src_end, len(query)),
                "source": char_range(ss, op.dest_start, op.dest_end, len(source)),
            })
        return out
    for op in Levenshtein.opcodes(query, source):
        if op.tag == "equal":
            continue
        out.append({
            "op": _OPNAME[op.tag],
            "query": [op.src_start, op.src_end],
            "source": [op.dest_start, op.dest_end],
        })
    return out


# rapidfuzz's opcodes turn the query into the source: its "insert" is text only the stored
# segment has, its "delete" text only the query has.
_OPNAME = {"replace": "replace", "insert": "only_source", "delete": "only_query"}
