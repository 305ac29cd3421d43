"""Term lookup: fuzzy search for translators, and a term index for pre-translation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from taiyaku.core.normalize import has_japanese, normalize
from taiyaku.core.printable import visible
from taiyaku.glossary.keys import en_key, is_kana, ja_key, reading_key, singular
from taiyaku.glossary.store import iter_entries, load_entries

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.core.terms import TermEntry
    from taiyaku.store import SqliteStore as Store

__all__ = ["search_terms", "render_entries", "TermIndex", "TermHit"]

#: tiers of a search hit: lower is better
EXACT, PREFIX, CONTAINS, FUZZY = 0, 1, 2, 3
_FUZZY_CUTOFF = 60.0
_FUZZY_POOL = 20000


def _range_end(prefix: str) -> str:
    return prefix + "\U0010ffff"


def _collect(
    found: dict[int, tuple[int, float]], rows: Any, tier: int, sim: float = 100.0
) -> None:
    """Keep each entry's best (tier, similarity)."""
    for row in rows:
        term_id = int(row[0])
        best = found.get(term_id)
        if best is None or (tier, -sim) < (best[0], -best[1]):
            found[term_id] = (tier, sim)


def _search_column(
    store: Store, found: dict[int, tuple[int, float]], column: str, lang: str | None,
    key: str, *, fuzzy: bool, enough: int = 1_000_000,
) -> None:
    conn = store.conn
    where = f"{column} IS NOT NULL" + ("" if lang is None else " AND lang = ?")
    base: tuple[Any, ...] = () if lang is None else (lang,)
    _collect(found, conn.execute(
        f"SELECT term_id FROM term_forms WHERE {where} AND {column} = ?", (*base, key)), EXACT)
    _collect(found, conn.execute(
        f"SELECT term_id FROM term_forms WHERE {where} AND {column} > ? AND {column} < ?",
        (*base, key, _range_end(key))), PREFIX)
    if len(key) >= 2:
        # instr() on lower() is what LIKE '%key%' does (ASCII-only case folding) with no limit
        # on the query's length: LIKE refuses patterns over 50,000 bytes ("too complex")
        _collect(found, conn.execute(
            f"SELECT term_id FROM term_forms WHERE {where} AND instr(lower({column}), lower(?))",
            (*base, key)), CONTAINS)
    if not fuzzy or len(found) >= enough:
        return  # the better tiers already fill the page: skip the fuzzy pass
    from rapidfuzz import fuzz, process

    # Prefilter in SQL: a length window (as CAT tools do) and at least one shared character
    # (Japanese) or word start (English), so the scorer sees a small pool.
    lo, hi = max(1, int(len(key) * 0.5)), int(len(key) * 2) + 2
    if column == "norm" and lang == "en":
        grams = sorted({w[:3] for w in key.split() if len(w) >= 3})[:6]
        likes = [f"{column} LIKE ?" for _ in grams] + [f"{column} LIKE ?" for _ in grams]
        args = [g + "%" for g in grams] + ["% " + g + "%" for g in grams]
    else:
        chars = sorted(set(key) - {" "})[:8]
        likes = [f"instr({column}, ?) > 0" for _ in chars]
        args = chars
    if not likes:
        return
    pool = conn.execute(
        f"SELECT term_id, {column} FROM term_forms WHERE {where} "
        f"AND length({column}) BETWEEN ? AND ? AND ({' OR '.join(likes)}) LIMIT {_FUZZY_POOL}",
        (*base, lo, hi, *args),
    ).fetchall()
    if not pool:
        return
    for _text, sim, i in process.extract(
        key, [row[1] for row in pool], scorer=fuzz.ratio,
        score_cutoff=_FUZZY_CUTOFF + (10.0 if column == "reading" else 0.0), limit=200
    ):
        _collect(found, [pool[i]], FUZZY, float(sim))


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
    found: dict[int, tuple[int, float]] = {}
    if has_japanese(q):
        kana = is_kana(q)
        _search_column(store, found, "norm", "ja", ja_key(q), fuzzy=not kana, enough=limit)
        if kana:
            _search_column(store, found, "reading", None, reading_key(q), fuzzy=True,
                           enough=limit)
    else:
        _search_column(store, found, "norm", "en", en_key(q), fuzzy=True, enough=limit)
        # Latin forms of Japanese entries (AI, G20, IMF) and case-insensitive JA forms
        _search_column(store, found, "norm", "ja", q, fuzzy=False)
    if not found:
        return []
    ids = list(found)
    scores = {int(r[0]): float(r[1]) for r in _entry_scores(store, ids)}
    ids.sort(key=lambda i: (found[i][0], -found[i][1], -scores.get(i, 0.0), i))
    return load_entries(store, ids[:limit])


def _entry_scores(store: Store, ids: Sequence[int]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        rows.extend(store.conn.execute(
            f"SELECT id, score FROM terms WHERE id IN ({marks})", part).fetchall())
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_entries(entries: Sequence[TermEntry]) -> str:
    """A plain table for the terminal: id, Japanese (and variants), English, status, score.

    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> print(render_entries([TermEntry(ja=(TermForm("台湾有事", "ja"),), id=3)]))
       3  台湾有事  —  candidate  0.00  ×0
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
        en = "; ".join(visible(f.text) for f in e.en) or "—"
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
        #: first normalized token -> [(token key tuple, entry)], longest first
        self._ja: dict[str, list[tuple[tuple[str, ...], TermEntry]]] = {}
        #: first character -> [(normalised surface, entry)], longest first
        self._ja_surface: dict[str, list[tuple[str, TermEntry]]] = {}
        #: first word -> [(word tuple with the last word singular, entry)], longest first
        self._en: dict[str, list[tuple[tuple[str, ...], TermEntry]]] = {}
        for entry in self.entries:
            for f in entry.ja:
                surface = ja_key(f.text)
                if not surface:
                    continue
                toks = tuple(self._tok_key(t.normalized, t.surface)
                             for t in analyzer.tokenize(surface) if t.surface.strip())
                if toks:
                    self._ja.setdefault(toks[0], []).append((toks, entry))
                self._ja_surface.setdefault(surface[0], []).append((surface, entry))
            for f in entry.en:
                words = tuple(w for w, _, _ in _en_words(normalize(f.text)))
                if words:
                    words = (*words[:-1], singular(words[-1]))
                    self._en.setdefault(words[0], []).append((words, entry))
        for table in (self._ja, self._en):
            for lst in table.values():
                lst.sort(key=lambda p: -len(p[0]))
        for slst in self._ja_surface.values():
            slst.sort(key=lambda p: -len(p[0]))
        # The same tables as (lengths, longest first; key → its first entry): a text is then
        # matched with one dict look-up per length instead of a comparison per term (a
        # 10,000-term glossary has a hundred terms per first token or character).
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
        """Terms in *text*, left to right, without overlaps (the longest wins).

        >>> from taiyaku.core.terms import TermEntry, TermForm
        >>> from taiyaku.core.japanese import Analyzer
        >>> e = TermEntry(ja=(TermForm("レアアース", "ja"),), en=(TermForm("rare earth", "en"),))
        >>> [h.surface for h in TermIndex(Analyzer(), [e]).find("Rare Earths and レアアースが")]
        ['Rare Earths', 'レアアース']
        """
        hits = self._find_ja(text) + self._find_en(text)
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        out: list[TermHit] = []
        last_end = -1
        for h in hits:
            if h.start >= last_end:
                out.append(h)
                last_end = h.end
        return out

    def _find_ja(self, text: str) -> list[TermHit]:
        if not self._ja or not has_japanese(text) and not any(c.isalnum() for c in text):
            return []
        tokens = [t for t in self.analyzer.tokenize(text) if t.surface.strip()]
        keys = [self._tok_key(t.normalized, t.surface) for t in tokens]
        starts = {t.begin for t in tokens}
        ends = {t.end for t in tokens}
        # Normalising the text once and slicing it is the same as normalising each slice when
        # normalisation keeps the length (the usual case): normalize() per candidate surface was
        # most of the time of a lookup with a 10,000-term glossary.
        whole = normalize(text)
        sliced = len(whole) == len(text)
        hits: list[TermHit] = []
        for i, k in enumerate(keys):
            best: TermHit | None = None
            lengths, seqs = self._ja_by_len.get(k, _NO_TERMS)
            for n in lengths:
                entry = seqs.get(tuple(keys[i : i + n]))
                if entry is not None:
                    start, end = tokens[i].begin, tokens[i + n - 1].end
                    best = TermHit(start, end, text[start:end], entry, "ja")
                    break
            # Sudachi may cut a term differently in context: fall back to the surface on
            # token boundaries.
            begin = tokens[i].begin
            lengths, surfaces = self._surface_by_len.get(text[begin], _NO_TERMS)
            for n in lengths:
                end = begin + n
                if best is not None and end <= best.end:
                    break
                if end not in ends:
                    continue
                entry = surfaces.get(whole[begin:end] if sliced else normalize(text[begin:end]))
                if entry is not None:
                    best = TermHit(begin, end, text[begin:end], entry, "ja")
                    break
            if best is not None and best.start in starts:
                hits.append(best)
        return hits

    def _find_en(self, text: str) -> list[TermHit]:
        if not self._en:
            return []
        words = _en_words(normalize(text)) if len(normalize(text)) == len(text) \
            else _en_words(text)
        hits: list[TermHit] = []
        for i, (w, start, _) in enumerate(words):
            for seq, entry in self._en.get(w, ()) or self._en.get(singular(w), ()):
                n = len(seq)
                cand = [x[0] for x in words[i : i + n]]
                if len(cand) < n:
                    continue
                cand[-1] = singular(cand[-1])
                if tuple(cand) == seq and _contiguous(text, words[i : i + n]):
                    end = words[i + n - 1][2]
                    hits.append(TermHit(start, end, text[start:end], entry, "en"))
                    break
        return hits


_Key = TypeVar("_Key", str, tuple[str, ...])
_NO_TERMS: tuple[list[int], dict[Any, TermEntry]] = ([], {})


def _by_length(pairs: Sequence[tuple[_Key, TermEntry]]) -> tuple[list[int], dict[_Key, TermEntry]]:
    """(the lengths of the keys, longest first; each key → its first entry in *pairs*)."""
    table: dict[_Key, TermEntry] = {}
    for key, entry in pairs:
        table.setdefault(key, entry)
    return sorted({len(key) for key in table}, reverse=True), table


def _contiguous(text: str, words: Sequence[tuple[str, int, int]]) -> bool:
    """Words of a multi-word term are separated by spaces or hyphens only."""
    return all(
        re.fullmatch(r"[\s\-‐‑–]+", text[a[2] : b[1]]) is not None
        for a, b in zip(words, words[1:], strict=False)
    )
