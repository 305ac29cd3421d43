"""Term lookup: fuzzy search for translators, and a term index for pre-translation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from taiyaku.core.normalize import has_japanese, normalize
from taiyaku.core.printable import visible
from taiyaku.core.terms import usable_en
from taiyaku.glossary.keys import en_key, is_kana, ja_key, reading_key, singular
from taiyaku.glossary.store import iter_entries

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.store.glossary import GlossaryArea
    from taiyaku.store.interface import Store

__all__ = ["search_terms", "render_entries", "TermIndex", "TermHit", "choose_hits"]

#: tiers of a search hit: lower is better
EXACT, PREFIX, CONTAINS, FUZZY = 0, 1, 2, 3
_FUZZY_CUTOFF = 60.0
_FUZZY_POOL = 20000


def _collect(found: dict[int, tuple[int, float]], ids: Iterable[int], tier: int,
             sim: float = 100.0) -> None:
    """Keep each entry's best (tier, similarity)."""
    for term_id in ids:
        best = found.get(term_id)
        if best is None or (tier, -sim) < (best[0], -best[1]):
            found[term_id] = (tier, sim)


def _search_column(
    area: GlossaryArea, found: dict[int, tuple[int, float]], column: str, lang: str | None,
    key: str, *, fuzzy: bool, enough: int = 1_000_000,
) -> None:
    _collect(found, area.match_forms(column, lang, key, "exact"), EXACT)
    _collect(found, area.match_forms(column, lang, key, "prefix"), PREFIX)
    if len(key) >= 2:
        _collect(found, area.match_forms(column, lang, key, "contains"), CONTAINS)
    if not fuzzy or len(found) >= enough:
        return  # the better tiers already fill the page: skip the fuzzy pass
    pool = area.fuzzy_pool(column, lang, key, _FUZZY_POOL)
    if not pool:
        return
    from rapidfuzz import fuzz, process

    for _text, sim, i in process.extract(
        key, [text for _, text in pool], scorer=fuzz.ratio,
        score_cutoff=_FUZZY_CUTOFF + (10.0 if column == "reading" else 0.0), limit=200
    ):
        _collect(found, [pool[i][0]], FUZZY, float(sim))


#: equal hits of a search (same tier and similarity) rank a human decision first: an approved
#: entry before a forbidden one (which a translator must also see) before a candidate
_STATUS_RANK = {"approved": 0, "forbidden": 1, "candidate": 2}


def search_terms(store: Store, query: str, *, limit: int = 10) -> list[TermEntry]:
    """Find entries by Japanese surface, kana reading, or English (any case or number).

    Exact matches come first, then prefix, then substring, then fuzzy matches; within a tier
    the closer and better-scored entry wins. No Sudachi and no polars are loaded: kana
    queries are compared with the readings stored with each Japanese form.

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "戦略的曖昧さ", "strategic ambiguity")
    >>> _ = add_term(s, "レアアース", "rare earth")
    >>> [e.ja[0].text for e in search_terms(s, "せんりゃく")]
    ['戦略的曖昧さ']
    >>> [e.ja[0].text for e in search_terms(s, "Rare Earths")]
    ['レアアース']
    """
    q = normalize(query)
    if not q:
        return []
    area = store.glossary
    found: dict[int, tuple[int, float]] = {}
    if has_japanese(q):
        kana = is_kana(q)
        _search_column(area, found, "norm", "ja", ja_key(q), fuzzy=not kana, enough=limit)
        if kana:
            _search_column(area, found, "reading", None, reading_key(q), fuzzy=True,
                           enough=limit)
    else:
        _search_column(area, found, "norm", "en", en_key(q), fuzzy=True, enough=limit)
        # Latin forms of Japanese entries (AI, G20, IMF) and case-insensitive JA forms
        _search_column(area, found, "norm", "ja", q, fuzzy=False)
    if not found:
        return []
    ids = list(found)
    standing = area.standing(ids)

    def rank(i: int) -> tuple[int, float, int, float, int]:
        status, score = standing.get(i, ("candidate", 0.0))
        return (found[i][0], -found[i][1], _STATUS_RANK.get(status, 2), -score, i)

    ids.sort(key=rank)
    return area.get(ids[:limit])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _form_mark(form: TermForm, status: str) -> str:
    """What follows an English form in the table: the machine's suggestion says so, with how
    it was found and how sure (``[suggested: composed 0.45]``), and a form whose own status
    differs from its entry's says that (``harbor [forbidden]``)."""
    if form.suggested(status):
        sure = f" {form.confidence:.2f}" if form.confidence is not None else ""
        return f" [suggested: {form.method}{sure}]"
    return f" [{form.status}]" if form.status not in (None, status) else ""


def render_entries(entries: Sequence[TermEntry]) -> str:
    """A plain table for the terminal: id, Japanese (and variants), English, status, score.
    English the machine found and nobody approved is marked as a suggestion.

    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> print(render_entries([TermEntry(ja=(TermForm("台湾有事", "ja"),), id=3)]))
       3  台湾有事  —  candidate  0.00  ×0
    >>> print(render_entries([TermEntry(ja=(TermForm("追加関税", "ja"),), id=4, en=(
    ...     TermForm("additional tariff", "en", method="dictionary", confidence=0.6),))]))
       4  追加関税  additional tariff [suggested: dictionary 0.60]  candidate  0.00  ×0
    """
    if not entries:
        return "no terms found"
    lines = []
    ja_cells = []
    # terms come from imported files: visible() keeps their escape sequences off the terminal
    for e in entries:
        main = visible(e.ja[0].text) if e.ja else "—"
        others = [visible(f.text) for f in e.ja[1:]]
        ja_cells.append(main + (f" ({', '.join(others)})" if others else ""))
    w = min(max(_width(c) for c in ja_cells), 40)
    for e, ja in zip(entries, ja_cells, strict=True):
        en = "; ".join(visible(f.text) + _form_mark(f, e.status) for f in e.en) or "—"
        lines.append(
            f"{e.id if e.id is not None else '-':>4}  {_pad(ja, w)}  {en}  {e.status}  "
            f"{e.score:.2f}  ×{e.frequency}"
        )
    return "\n".join(lines)


# -- the pre-translation index ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TermHit:
    """A glossary term found in a text: character offsets, the text as written, the entry.

    ``entry.status == "forbidden"`` marks a term translators must not use.
    """

    start: int
    end: int
    surface: str
    entry: TermEntry
    lang: str = "ja"


_EN_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’][A-Za-z0-9]+)*\.?")


def _en_words(text: str) -> list[tuple[str, int, int]]:
    """Latin words with offsets, lowercased; hyphens separate words (as in :func:`en_key`)."""
    out = []
    for m in _EN_WORD.finditer(text):
        w = m.group(0)
        end = m.end()
        # keep the dot of abbreviations (U.S.) but not a sentence-final one
        if w.endswith(".") and w.count(".") == 1:
            w, end = w[:-1], end - 1
        out.append((unicodedata.normalize("NFKC", w).lower(), m.start(), end))
    return out


class TermIndex:
    """All glossary terms, ready to be found in new text on token and word boundaries.

    Japanese forms match whole Sudachi tokens, compared by Sudachi's normalized forms (so
    inflection, particles and spelling variants do not get in the way); English forms match
    whole words, case-insensitive, singular or plural. The longest term wins.

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.core.japanese import Analyzer
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "輸出規制", "export controls")
    >>> index = TermIndex.load(s, Analyzer())
    >>> [(h.surface, h.start) for h in index.find("中国が輸出規制を発表")]
    [('輸出規制', 3)]
    """

    def __init__(self, analyzer: Analyzer, entries: Sequence[TermEntry]) -> None:
        self.analyzer = analyzer
        self.entries = list(entries)
        #: first normalized token -> [(token key tuple, entry, precedence)], best first
        self._ja: dict[str, list[tuple[tuple[str, ...], TermEntry, tuple[int, int]]]] = {}
        #: first character -> [(normalised surface, entry, precedence)], best first
        self._ja_surface: dict[str, list[tuple[str, TermEntry, tuple[int, int]]]] = {}
        #: first word -> [(word tuple with the last word singular, entry, precedence)]
        self._en: dict[str, list[tuple[tuple[str, ...], TermEntry, tuple[int, int]]]] = {}
        for entry in self.entries:
            for rank, f in enumerate(entry.ja):
                surface = ja_key(f.text)
                if not surface:
                    continue
                prec = _precedence(entry, rank)
                toks = tuple(self._tok_key(t.normalized, t.surface)
                             for t in analyzer.tokenize(surface) if t.surface.strip())
                if toks:
                    self._ja.setdefault(toks[0], []).append((toks, entry, prec))
                self._ja_surface.setdefault(surface[0], []).append((surface, entry, prec))
            for rank, f in enumerate(entry.en):
                words = tuple(w for w, _, _ in _en_words(normalize(f.text)))
                if words:
                    words = (*words[:-1], singular(words[-1]))
                    self._en.setdefault(words[0], []).append(
                        (words, entry, _precedence(entry, rank)))
        # the longest term first; among equally long ones, a human decision before a
        # candidate, and an entry whose preferred form it is before one listing it as a
        # variant (the sort is stable: then the glossary's own order, best score first)
        for table in (self._ja, self._en):
            for lst in table.values():
                lst.sort(key=lambda p: (-len(p[0]), p[2]))
        for slst in self._ja_surface.values():
            slst.sort(key=lambda p: (-len(p[0]), p[2]))
        # The same tables grouped by length (longest first; key → its entries in table order):
        # a text is then matched with one dict look-up per length instead of a comparison per
        # term (a 10,000-term glossary has a hundred terms per first token or character).
        self._ja_by_len = {k: _by_length(lst) for k, lst in self._ja.items()}
        self._surface_by_len = {c: _by_length(lst) for c, lst in self._ja_surface.items()}

    @staticmethod
    def _tok_key(normalized: str, surface: str) -> str:
        return unicodedata.normalize("NFKC", normalized or surface).lower()

    @classmethod
    def load(cls, store: Store, analyzer: Analyzer) -> TermIndex:
        """Build the index from every entry of the glossary (any status)."""
        return cls(analyzer, list(iter_entries(store)))

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[TermHit]:
        """Terms in *text*, left to right. Where terms overlap the longest wins, except that
        a term with English inside a longer one without English is reported too (合成麻薬
        フェンタニル, no English yet, and フェンタニル = fentanyl): lookup never hides a
        translation.

        >>> from taiyaku.core.terms import TermEntry, TermForm
        >>> from taiyaku.core.japanese import Analyzer
        >>> e = TermEntry(ja=(TermForm("レアアース", "ja"),), en=(TermForm("rare earth", "en"),))
        >>> [h.surface for h in TermIndex(Analyzer(), [e]).find("Rare Earths and レアアースが")]
        ['Rare Earths', 'レアアース']
        """
        return choose_hits(self._find_ja(text) + self._find_en(text))

    def _find_ja(self, text: str) -> list[TermHit]:
        if not self._ja or not has_japanese(text) and not any(c.isalnum() for c in text):
            return []
        tokens = [t for t in self.analyzer.tokenize(text) if t.surface.strip()]
        keys = [self._tok_key(t.normalized, t.surface) for t in tokens]
        ends = {t.end for t in tokens}
        hits: list[TermHit] = []
        for i, k in enumerate(keys):
            found: list[tuple[int, tuple[int, int], TermHit]] = []
            for n, seqs in self._ja_by_len.get(k, ()):
                for entry, prec in seqs.get(tuple(keys[i : i + n]), ()):
                    start, end = tokens[i].begin, tokens[i + n - 1].end
                    found.append((end, prec, TermHit(start, end, text[start:end], entry, "ja")))
            # Sudachi may cut a term differently in context: the surface on token boundaries
            begin = tokens[i].begin
            for n, surfaces in self._surface_by_len.get(text[begin], ()):
                end = begin + n
                if end in ends:
                    for entry, prec in surfaces.get(normalize(text[begin:end]), ()):
                        found.append((end, prec, TermHit(begin, end, text[begin:end], entry,
                                                         "ja")))
            hits.extend(_best_at(found))
        return hits

    def _find_en(self, text: str) -> list[TermHit]:
        if not self._en:
            return []
        words = _en_words(normalize(text)) if len(normalize(text)) == len(text) \
            else _en_words(text)
        hits: list[TermHit] = []
        for i, (w, start, _) in enumerate(words):
            found: list[tuple[int, tuple[int, int], TermHit]] = []
            for seq, entry, prec in self._en.get(w, ()) or self._en.get(singular(w), ()):
                n = len(seq)
                cand = [x[0] for x in words[i : i + n]]
                if len(cand) < n:
                    continue
                cand[-1] = singular(cand[-1])
                if tuple(cand) == seq and _contiguous(text, words[i : i + n]):
                    end = words[i + n - 1][2]
                    found.append((end, prec, TermHit(start, end, text[start:end], entry, "en")))
            hits.extend(_best_at(found))
        return hits


_K = TypeVar("_K", str, tuple[str, ...])


def _by_length(
    table: Sequence[tuple[_K, TermEntry, tuple[int, int]]],
) -> list[tuple[int, dict[_K, list[tuple[TermEntry, tuple[int, int]]]]]]:
    """*table* (keys of tokens or characters, sorted longest first) as (length, key → its
    entries with their precedence, in table order) per length, longest first."""
    groups: dict[int, dict[_K, list[tuple[TermEntry, tuple[int, int]]]]] = {}
    for key, entry, prec in table:
        groups.setdefault(len(key), {}).setdefault(key, []).append((entry, prec))
    return sorted(groups.items(), key=lambda g: -g[0])


def _precedence(entry: TermEntry, rank: int) -> tuple[int, int]:
    """How an entry ranks among entries matching the same words: its status (approved, then
    forbidden, then candidate), then whether the matched form is its preferred one."""
    return _STATUS_RANK.get(entry.status, 2), 0 if rank == 0 else 1


def _best_at(found: list[tuple[int, tuple[int, int], TermHit]]) -> list[TermHit]:
    """Of the terms starting at one place, the longest (best by precedence among equally
    long ones), and, when it has no English, also the longest one that has."""
    if not found:
        return []
    found.sort(key=lambda f: (-f[0], f[1]))
    best = found[0][2]
    if usable_en(best.entry):
        return [best]
    shorter = next((f[2] for f in found if f[0] < best.end and usable_en(f[2].entry)), None)
    return [best] if shorter is None else [best, shorter]


def choose_hits(hits: list[TermHit]) -> list[TermHit]:
    """Hits without overlaps, left to right, the longest winning; and the hits with English
    inside a kept hit without English (not overlapping each other).

    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> long = TermEntry(ja=(TermForm("米財務長官", "ja"),))
    >>> inner = TermEntry(ja=(TermForm("財務長官", "ja"),),
    ...                   en=(TermForm("Treasury Secretary", "en"),))
    >>> [h.surface for h in choose_hits([TermHit(0, 5, "米財務長官", long),
    ...                                  TermHit(1, 5, "財務長官", inner)])]
    ['米財務長官', '財務長官']
    """
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[TermHit] = []
    last_end = -1
    host_end = -1  # the end of the last kept hit that has no English
    inner_end = -1
    for h in hits:
        if h.start >= last_end:
            out.append(h)
            last_end = h.end
            host_end = -1 if usable_en(h.entry) else h.end
            inner_end = h.start
        elif h.end <= host_end and h.start >= inner_end and usable_en(h.entry):
            out.append(h)
            inner_end = h.end
    return out


def _contiguous(text: str, words: Sequence[tuple[str, int, int]]) -> bool:
    """Words of a multi-word term are separated by spaces or hyphens only."""
    return all(
        re.fullmatch(r"[\s\-‐‑–]+", text[a[2] : b[1]]) is not None
        for a, b in zip(words, words[1:], strict=False)
    )
