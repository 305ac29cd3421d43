"""English term candidates: noun-phrase n-grams between stopwords, capitalised names, C-value."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from taiyaku.core.normalize import normalize
from taiyaku.glossary.extract_ja import SegmentText
from taiyaku.glossary.keys import containers_of, singular

__all__ = ["EnCandidate", "extract_en", "score_en", "en_tokens", "en_chunks", "is_title_line",
           "STOPWORDS", "GENERAL_EN"]

STOPWORDS = frozenset(
    """
    a an the and or but nor so yet if then than that this these those there here such
    of in on at to for from by with without within into onto over under about above below
    between among through during before after since until against toward towards upon via per
    as like unlike near off out up down around across along behind beyond despite except
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs who whom whose which what when where why how whether while although though because
    is am are was were be been being has have had having do does did done doing will would
    shall should can could may might must ought not no nor only also just even still yet
    very too quite rather more most less least much many few several some any all each every
    both either neither other another same own one two three four five six seven eight nine ten
    first second third last next new old said says say told tell asked ask says according
    go goes went gone going come comes came get gets got make makes made take takes took
    see sees saw seen look looks looked seem seems seemed appear appears appeared become
    became becomes call called calls reply replied remain remained remains want wants wanted
    put puts keep keeps kept give gives gave given show shows showed shown set sets let lets
    mean means meant move moved moves try tries tried turn turned leave leaves left bring
    brought think thinks thought know knows knew believe believes use used uses uses
    now then today yesterday tomorrow ago again already always never often ever soon later
    up yes well far away back however therefore thus hence meanwhile instead perhaps maybe
    almost nearly about around approximately just simply clearly widely really actually
    s t re ve ll d m don doesn didn isn aren wasn weren won wouldn couldn shouldn
    mr mrs ms dr per cent percent
    """.split()
)
#: nouns too general to be the English of a term on their own (keys: lowercase, singular)
GENERAL_EN = frozenset(
    """part issue way thing matter time year day week month people person fact case point kind
    sort lot number side end place area world moment sense step idea question problem situation
    level term view hand fact reason result example effect change group member country nation
    state government official report statement comment remark talk meeting deal""".split()
)
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*|[0-9][0-9,.]*")
#: what may join two words without ending a phrase (U.S.–Japan, Asia-Pacific)
_HYPHEN_GAP = re.compile(r"\s*[-‐]\s*")
_NUMBERISH = re.compile(r"^(?:[0-9][0-9,.]*|one|two|three|four|five|six|seven|eight|nine|ten|"
                        r"hundred|thousand|million|billion)(?:-[a-z]+)?$", re.I)


def en_tokens(text: str) -> list[tuple[str, int, int, bool]]:
    """Words with offsets and whether punctuation precedes them (a phrase boundary).

    >>> [t[0] for t in en_tokens("the U.S.–China trade war, again")]
    ['the', 'U.S.', 'China', 'trade', 'war', 'again']
    """
    out = []
    last = 0
    for m in _TOKEN.finditer(text):
        gap = text[last : m.start()]
        # most gaps are one space (normalised text): no boundary, no regex to run
        boundary = gap != " " and bool(gap.strip()) and not _HYPHEN_GAP.fullmatch(gap)
        word, end = m.group(0), m.end()
        if word.endswith(("'s", "’s")):
            word, end = word[:-2], end - 2  # a possessive ends a phrase: China's | Foreign
            out.append((word, m.start(), end, boundary or last == 0))
            out.append(("'s", end, m.end(), True))
        else:
            out.append((word, m.start(), end, boundary or last == 0))
        last = m.end()
    return out


@lru_cache(maxsize=65536)
def _breaks(word: str) -> bool:
    low = word.lower().replace("’", "'")
    if low == "'s":
        return True
    if low.split("'")[0] in STOPWORDS or low in STOPWORDS:
        return True
    if _NUMBERISH.match(word):
        return True
    return low.endswith("ly") and len(low) > 4 and low not in ("italy", "family", "supply",
                                                                 "assembly", "ally", "rally")


def en_chunks(text: str) -> list[list[tuple[str, int, int]]]:
    """Maximal runs of content words, cut at stopwords, numbers and punctuation.

    >>> [[w for w, _, _ in c] for c in en_chunks("Bessent said the rare earths deal is near.")]
    [['Bessent'], ['rare', 'earths', 'deal']]
    """
    return _chunks(en_tokens(normalize(text)))


def _chunks(tokens: Iterable[tuple[str, int, int, bool]]) -> list[list[tuple[str, int, int]]]:
    """:func:`en_chunks` of a text already split by :func:`en_tokens`."""
    chunks: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    for word, start, end, boundary in tokens:
        if boundary and cur:
            chunks.append(cur)
            cur = []
        if _breaks(word):
            if cur:
                chunks.append(cur)
            cur = []
            continue
        cur.append((word, start, end))
    if cur:
        chunks.append(cur)
    return chunks


@dataclass(slots=True)
class EnCandidate:
    """An English candidate: its key (lowercase, singular), the forms seen and statistics.

    :ivar plain: forms seen in running text, not in a heading nor at a sentence start (their
        capitals are the term's own)
    :ivar final: occurrences that end their chunk (a head noun; "rare" in "rare earths" never
        does)
    :ivar modifier: occurrences followed, in the chunk, by a lowercase word that does not look
        like a verb (the candidate modifies a noun)
    """

    key: str
    words: int
    forms: Counter[str] = field(default_factory=Counter)
    plain: Counter[str] = field(default_factory=Counter)
    freq: int = 0
    indep: int = 0
    final: int = 0
    modifier: int = 0
    capitalized: int = 0
    docs: set[int] = field(default_factory=set)
    # (no list of segments: nothing reads an English candidate's, and at 100,000 units one
    # list each took tens of MB)
    unit_ids: set[int] = field(default_factory=set)
    subkeys: set[str] = field(default_factory=set)
    score: float = 0.0
    display: str = ""

    @property
    def surface(self) -> str:
        """The written form to show: the most frequent form of running text (see
        :func:`extract_en`), else the most frequent form."""
        if self.display:
            return self.display
        best = self.forms.most_common()
        lower = [f for f, _ in best if f == f.lower()]
        if lower and self.capitalized < self.freq:
            return lower[0]
        return best[0][0]


def _bad_edge(word: str, final: bool) -> bool:
    low = word.lower()
    if final and low.endswith("ed") and len(low) > 4 and not word[0].isupper():
        return True  # "managed", "planned" end clauses, not terms
    return False


#: what ends the text before a word that starts a sentence (its capital says nothing)
_SENTENCE_PUNCT = frozenset('.!?:;"“”‘([•・▶●■◆*')


def is_title_line(text: str) -> bool:
    """A heading written in title case: most content words capitalised.

    >>> is_title_line("What the New Deal Changes for Exporters")
    True
    >>> is_title_line("The Finance Minister met exporters in Osaka on Monday.")
    False
    """
    return _title_tokens(en_tokens(normalize(text)))


def _title_tokens(tokens: Sequence[tuple[str, int, int, bool]]) -> bool:
    """:func:`is_title_line` of a text already split by :func:`en_tokens`."""
    words = [w for w, _, _, _ in tokens if w[:1].isalpha()]
    if len(words) > 25:
        return False  # most lines of running text: no need to look at their words
    content = [w for w in words if w.lower() not in STOPWORDS and len(w) > 1]
    if len(content) < 2:
        return False
    caps = sum(1 for w in content if w[0].isupper())
    return caps >= 0.75 * len(content)


def _display(cand: EnCandidate, lower_words: Counter[str], cap_words: Counter[str]) -> str:
    """The casing of running text: its most frequent form there; a term seen only in headings
    or at sentence starts is lowercased word by word where running text writes the word so."""
    if cand.plain:
        ranked = sorted(cand.plain.items(), key=lambda kv: (-kv[1], -sum(
            c.islower() for c in kv[0])))
        return ranked[0][0]
    form = cand.forms.most_common(1)[0][0]
    out = []
    for w in form.split(" "):
        low = w.lower()
        if w != low and w[1:] == low[1:] and lower_words[low] > cap_words[low]:
            out.append(low)
        else:
            out.append(w)
    return " ".join(out)


def extract_en(
    segments: Iterable[SegmentText], max_words: int = 5, *,
    keep_once: Callable[[int, bool], bool] | None = None,
) -> dict[str, EnCandidate]:
    """Count every n-gram of every content-word chunk (capitalised names included).

    :param keep_once: when given, an n-gram seen only once is kept only if this says so,
        asked with its number of words and whether it was written capitalised (names, single
        words); the others could never pair and only cost memory

    The form shown (:attr:`EnCandidate.surface`) is the casing of running text: a heading's
    "Taiwan Contingency" shows as the body's "Taiwan contingency".

    >>> c = extract_en([SegmentText(1, 1, "Rare earths and rare earth magnets matter.")])
    >>> c["rare earth"].freq, c["rare earth"].surface
    (2, 'rare earth')
    >>> c = extract_en([SegmentText(1, 1, "Why the Export Ban Matters", heading=True),
    ...                 SegmentText(2, 1, "The export ban hit Osaka firms.")])
    >>> c["export ban"].surface, c["osaka firm"].surface
    ('export ban', 'Osaka firms')
    """
    out: dict[str, EnCandidate] = {}
    # With *keep_once*, an n-gram met once waits as one tuple and becomes a candidate at its
    # second occurrence: most n-grams of a large TM occur once, and a full candidate each made
    # memory grow far faster than the TM.
    once: dict[str, int | tuple[str, int]] = {}
    seen: list[SegmentText] = []
    lower_words: Counter[str] = Counter()
    cap_words: Counter[str] = Counter()
    grams_of: dict[tuple[tuple[str, ...], tuple[str, ...], bool, bool], _Made] = {}
    met: set[int] = set()  # the hashes of the chunks met so far
    for seg in segments:
        seen.append(seg)
        text = normalize(seg.text)
        tokens = en_tokens(text)
        heading = seg.heading or _title_tokens(tokens)
        for chunk in _chunks(tokens):
            words = tuple(w for w, _, _ in chunk)
            # what joins each word to the previous one: a space, or the hyphen or dash of
            # U.S.–Japan, kept in the surface ("U.S.-Japan alliance", not "U.S. Japan")
            joins = tuple(" " if text[chunk[k - 1][2] : chunk[k][1]].strip() == "" else "-"
                          for k in range(1, len(chunk)))
            # casing evidence: not a heading, not the first word of a sentence
            # (normalised text holds single spaces only: the character before the chunk, or
            # the one before that space, is the end of what precedes it; no slice of the
            # whole text before each chunk)
            k = chunk[0][1] - 1
            if k >= 0 and text[k] == " ":
                k -= 1
            starts = k < 0 or text[k] in _SENTENCE_PUNCT
            # the same chunk comes back all through a TM (a name, a common phrase): its
            # n-grams are made once; only a chunk met before is kept (most are met once and
            # would only take memory), and only so many (the frequent ones come early)
            sig = (words, joins, heading, starts)
            made = grams_of.get(sig)
            if made is None:
                made = _grams(words, joins, heading, starts, max_words)
                h = hash(sig)
                if h not in met:
                    met.add(h)
                elif len(grams_of) < _GRAM_CACHE:
                    grams_of[sig] = made
            casing, grams = made
            for low, lower in casing:
                (lower_words if lower else cap_words)[low] += 1
            for key, surface, size, flags in grams:
                packed = (len(seen) - 1) << 12 | size << 8 | flags
                cand = out.get(key)
                if cand is None:
                    if keep_once is not None:
                        first = once.pop(key, None)
                        if first is None:
                            # one int when the surface is the key, as most are
                            once[key] = packed if surface == key else (surface, packed)
                            continue
                        cand = out[key] = EnCandidate(key, size)
                        _count(cand, *_unpack(key, first, seen))
                    else:
                        cand = out[key] = EnCandidate(key, size)
                _count(cand, surface, flags, seg)
    for key, first in once.items():
        packed = first if isinstance(first, int) else first[1]
        # asked before a candidate is made: most of a large TM's n-grams met once are dropped
        if keep_once is not None and keep_once(packed >> 8 & 15, bool(packed >> 4 & 1)):
            cand = out[key] = EnCandidate(key, packed >> 8 & 15)
            _count(cand, *_unpack(key, first, seen))
    del once
    for cand in out.values():
        cand.subkeys = _subkeys(cand.forms.most_common(1)[0][0])
        cand.display = _display(cand, lower_words, cap_words)
    return out


#: chunks met more than once whose n-grams :func:`extract_en` keeps made (some 10 MB)
_GRAM_CACHE = 20_000
#: a chunk's casing evidence (lowercase word, written in lowercase) and its n-grams
#: (key, surface, words, flags)
_Made = tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, str, int, int], ...]]


def _grams(words: tuple[str, ...], joins: tuple[str, ...], heading: bool, starts: bool,
           max_words: int) -> _Made:
    """The casing evidence and the n-grams of one chunk, as :func:`extract_en` counts them.

    *flags* as :func:`_count` reads them; *starts*: the chunk starts a sentence.
    """
    lows = [w.lower() for w in words]
    n = len(words)
    informative = [not heading and (k > 0 or not starts) for k in range(n)]
    bad_end = [_bad_edge(w, True) for w in words]
    # a word that a following noun modifies: in a heading every word is capitalised,
    # so "U.S.–Japan" of "the U.S.–Japan Alliance" modifies "Alliance" too
    modified = [(heading or w[0].islower()) and not w.endswith(("ed", "s")) for w in words]
    casing = tuple((lows[k], w[0].islower()) for k, w in enumerate(words)
                   if informative[k] and w[:1].isalpha())
    # each word's share of a key, made once per chunk: the n-grams' keys and
    # surfaces grow a word at a time (as _key_of and a join would make them anew)
    parts = [w.replace("-", " ").split() for w in lows]
    full = [" ".join(p) for p in parts]
    last = [" ".join([*p[:-1], singular(p[-1])]) if p else "" for p in parts]
    upper = [w[0].isupper() for w in words]
    grams: list[tuple[str, str, int, int]] = []
    for i in range(n):
        if i > 0 and joins[i - 1] == "-":
            continue  # a dash-joined compound is not cut: no "Japan alliance"
        surface, before_last, caps = words[i], "", upper[i]
        for j in range(i + 1, min(n, i + max_words) + 1):
            if j > i + 1:
                surface += joins[j - 2] + words[j - 1]
                caps = caps and upper[j - 1]
                if full[j - 2]:
                    before_last = (before_last + " " + full[j - 2] if before_last
                                   else full[j - 2])
            if bad_end[j - 1] or j < n and joins[j - 1] == "-":
                continue
            if not last[j - 1]:
                key = _key_of(lows, i, j)
            else:
                key = before_last + " " + last[j - 1] if before_last else last[j - 1]
            if len(key) < 2:
                continue
            flags = (informative[i] | (i == 0 and j == n) << 1 | (j == n) << 2
                     | (j < n and modified[j]) << 3 | caps << 4)
            grams.append((key, surface, j - i, flags))
    return casing, tuple(grams)


def _unpack(key: str, first: int | tuple[str, int], seen: list[SegmentText],
            ) -> tuple[str, int, SegmentText]:
    """Surface, flags and segment of an occurrence kept by :func:`extract_en` as one int."""
    surface, packed = (key, first) if isinstance(first, int) else first
    return surface, packed & 255, seen[packed >> 12]


def _count(cand: EnCandidate, surface: str, flags: int, seg: SegmentText) -> None:
    """Count one occurrence. *flags*: 1 informative casing, 2 alone in its chunk, 4 ends its
    chunk, 8 modifies a following word, 16 all capitalised."""
    cand.forms[surface] += 1
    if flags & 1:
        cand.plain[surface] += 1
    cand.freq += 1
    cand.indep += flags >> 1 & 1
    cand.final += flags >> 2 & 1
    cand.modifier += flags >> 3 & 1  # "U.S. Japan" of "U.S.–Japan security treaty"
    cand.capitalized += flags >> 4 & 1
    cand.docs.add(seg.doc_id)
    if seg.unit_id is not None:
        cand.unit_ids.add(seg.unit_id)


def _key_of(lows: Sequence[str], i: int, j: int) -> str:
    """:func:`en_key` of words ``[i, j)`` of a normalised chunk (given in lowercase)."""
    words = " ".join(lows[i:j]).replace("-", " ").split()
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return " ".join(words)


def _subkeys(surface: str) -> set[str]:
    """The keys of the shorter n-grams inside a surface (any surface of a key gives the same).

    >>> sorted(_subkeys("rare earth magnets"))
    ['earth', 'earth magnet', 'magnet', 'rare', 'rare earth']
    """
    words = surface.replace("-", " ").split()
    lows = [w.lower() for w in words]
    n = len(words)
    return {_key_of(lows, a, b) for a in range(n) for b in range(a + 1, n + 1)
            if (a, b) != (0, n)}


def score_en(cands: dict[str, EnCandidate]) -> None:
    """C-value with half weight for nested occurrences, as for Japanese."""
    containers = containers_of({k: c.subkeys for k, c in cands.items()})
    for k, cand in cands.items():
        outer = containers[k]
        weight = 1.0 + math.log2(cand.words)
        f_eff = cand.indep + 0.5 * (cand.freq - cand.indep)
        if outer:
            mean = sum(cands[b].freq for b in outer) / len(outer)
            c = weight * max(0.0, min(f_eff, cand.freq - mean))
        else:
            c = weight * f_eff
        if not (cand.indep or len(outer) >= 3):
            c = 0.0
        if cand.words == 1 and cand.capitalized < cand.freq:
            c *= 0.3  # single common nouns are weak terms on their own
        cand.score = c


def is_name(cand: EnCandidate) -> bool:
    """Always written capitalised (Scott Bessent, Treasury Secretary)."""
    return cand.capitalized == cand.freq


def words_of(text: str) -> Sequence[str]:
    """Lowercase words of a text for n-gram lookups."""
    return [w.lower() for w, _, _, _ in en_tokens(normalize(text))]
