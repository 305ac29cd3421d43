"""Sentence alignment of Japanese and English segments: length model plus lexical anchors."""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taiyaku.core.model import Bead
from taiyaku.tm.anchors import DocAnchors, JaAnalyses, build_anchors, is_boilerplate
from taiyaku.tm.params import AlignParams

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.tm.anchors import JaAnalysis
    from taiyaku.tm.lexicon import Lexicon

__all__ = ["align", "AlignParams"]


_BEADS: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3),
)


_GROUP = 100  # back-pointer code of a composite list bead: _GROUP + its JA size


def _ja_len(text: str) -> int:
    return _en_len(unicodedata.normalize("NFKC", text))


def _en_len(text: str) -> int:
    """Characters that are not white space (``str.split`` splits on ``str.isspace``).

    >>> _en_len(" a b　c ")
    3
    """
    return len("".join(text.split()))


class _Scorer:
    """Bead costs over prefix sums and a sparse table of pair anchor scores."""

    def __init__(self, ja: Sequence[str], en: Sequence[str], anchors: DocAnchors,
                 null_ja: list[float], null_en: list[float], p: AlignParams,
                 ja_kinds: Sequence[str] | None = None,
                 en_kinds: Sequence[str] | None = None,
                 furniture: tuple[list[int], list[int]] = ([], [])) -> None:
        self.p = p
        self.ja_text, self.en_text = ja, en
        self.jk = _segment_classes(ja, ja_kinds, "ja")
        self.ek = _segment_classes(en, en_kinds, "en")
        for kinds, rows in zip((self.jk, self.ek), furniture, strict=True):
            for k in rows:
                kinds[k] = "boilerplate"
        self.has_kinds = ja_kinds is not None and en_kinds is not None
        # cj_cont[k]: continuation boundaries among the first k JA segments
        self.cont = [0]
        for k in range(len(ja)):
            self.cont.append(self.cont[-1] + (
                k > 0 and self.jk[k] == "text" and (
                    (self.jk[k - 1] == "text" and _continues(ja[k - 1], ja[k]))
                    or (self.jk[k - 1] in ("list", "foreign") and _is_tail(ja[k])))
            ))
        self.fj = [0]
        for kind in self.jk:
            self.fj.append(self.fj[-1] + (kind != "text"))
        self.fe = [0]
        for kind in self.ek:
            self.fe.append(self.fe[-1] + (kind != "text"))
        # prefix counts of each kind (kj["list"][k]: list lines among the first k), so that
        # the structure cost of a bead is a few subtractions
        self.kj = _kind_counts(self.jk)
        self.ke = _kind_counts(self.ek)
        # a line in the other language keeps its length in translation: an English quote on
        # the Japanese side is measured in English characters, scaled by the ratio
        foreign = [k == "foreign" for k in self.jk]
        lj = [_en_len(t) if f else _ja_len(t) for t, f in zip(ja, foreign, strict=True)]
        le = [_en_len(t) for t in en]
        quoted = sum(v for v, f in zip(lj, foreign, strict=True) if f)
        tj, te = sum(lj) - quoted, sum(le) - quoted
        ratio = p.prior_ratio
        if tj > p.ratio_min_chars and te > p.ratio_min_chars:
            # halfway, in log space, between the prior and this document's ratio
            doc = min(max(te / tj, ratio / p.ratio_clip), ratio * p.ratio_clip)
            ratio = math.exp(0.5 * math.log(ratio) + 0.5 * math.log(doc))
        self.ratio = ratio
        self.cj = [0.0]
        for v, f in zip(lj, foreign, strict=True):
            self.cj.append(self.cj[-1] + (v / ratio if f else v))
        self.ce = [0]
        for v in le:
            self.ce.append(self.ce[-1] + v)
        self.inv2s2 = 1.0 / (2.0 * p.sigma * p.sigma)
        self.nj = [0.0]
        for nc in null_ja:
            self.nj.append(self.nj[-1] + nc)
        self.ne = [0.0]
        for nc in null_en:
            self.ne.append(self.ne[-1] + nc)
        self._weigh(anchors)
        self.prior = {
            (1, 1): 0.0, (2, 1): p.merge_cost, (1, 2): p.merge_cost, (2, 2): p.two_two_cost,
            (3, 1): p.three_cost, (1, 3): p.three_cost,
        }
        # glued headings: JA flags (title before, heading after), EN short heading lines
        self.glued = [_glued(t) for t in ja]
        self.eshort = [_short_en(t) for t in en]
        self.eglued = [_glued_en(t) for t in en]
        self.jshort = [_short_ja(t) for t in ja]
        self.ehead = [_headed_en(t) for t in en]
        # lead-ins: a text line that introduces the list below it (…は、 / …:)
        self.jlead = _lead_ins(ja, self.jk, _CONT_END)
        self.elead = _lead_ins(en, self.ek, (":", "："))
        self.glue12 = [g[0] or g[1] for g in self.glued]
        self.glue21 = [k + 1 < len(ja) and (self.jshort[k + 1] or self.jshort[k])
                       for k in range(len(ja))]
        # composite list beads: end row -> start rows
        self.groups = _list_groups(ja, self.jk) if p.group_cost else {}
        for ends in self.groups.values():
            for a in ends:
                self.prior[(a, 1)] = p.group_cost

    def _weigh(self, anchors: DocAnchors, lexical: bool = True) -> None:
        """Set the parts of the scorer that depend on the anchors and their weights.

        With *lexical* false the word-list parts are kept: learned pairs (``y:``) change
        no ``l:`` weight, as every weight depends only on its own token's frequencies.
        """
        self.anchors = anchors
        w = {t: v for t, v in anchors.weight.items() if not t.startswith("l:")}
        self.w = w
        # each segment's anchors restricted to the weighted ones, in the Counter's order
        # (the order of the float sums below must not change)
        self.jt = _weighted(anchors.ja, w)
        self.et = _weighted(anchors.en, w)
        self.pair = _pair_scores(self.jt, self.et, w)
        # the anchors of runs of segments, counted (see anchor): a joined bead's rows and
        # columns meet many others
        self.merged_ja: dict[tuple[int, int], dict[str, int]] = {}
        self.merged_en: dict[tuple[int, int], dict[str, int]] = {}
        if lexical:
            self.wl = {t: v for t, v in anchors.weight.items() if t.startswith("l:")}
            self.ljt = _weighted(anchors.ja, self.wl)
            self.let = _weighted(anchors.en, self.wl)
            self.lpair = _pair_scores(self.ljt, self.let, self.wl)
            self.ljov = _overlaps(self.ljt)
            self.lmerged_ja: dict[tuple[int, int], dict[str, int]] = {}
            self.lmerged_en: dict[tuple[int, int], dict[str, int]] = {}
            self.leov = _overlaps(self.let)
        self.rj = [0.0]
        for c in anchors.ja:
            self.rj.append(self.rj[-1] + sum(w[t] * n for t, n in c.items() if t in w))
        self.re = [0.0]
        for c in anchors.en:
            self.re.append(self.re[-1] + sum(w[t] * n for t, n in c.items() if t in w))
        self.jov = _overlaps(self.jt)
        self.eov = _overlaps(self.et)

    def reweighed(self) -> _Scorer:
        """A scorer for the same segments after the anchors changed (learned pairs added):
        the anchor-independent parts (lengths, kinds, null costs, word-list scores) are
        shared, not rebuilt."""
        new = copy.copy(self)
        new._weigh(self.anchors, lexical=False)
        return new

    def lex(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """Word-list score of a bead (entries shared by the joined segments, once each)."""
        return self.anchor(i0, i1, j0, j1, lexical=True)

    def anchor(self, i0: int, i1: int, j0: int, j1: int, lexical: bool = False) -> float:
        """Anchor score of a bead: shared anchors of the joined segments, each counted once."""
        pair = self.lpair if lexical else self.pair
        jov, eov = (self.ljov, self.leov) if lexical else (self.jov, self.eov)
        s, hits = _pairwise(pair, i0, i1, j0, j1)
        if hits <= 1:
            return s
        if not (_has_overlap(jov, i0, i1) or _has_overlap(eov, j0, j1)):
            return s
        # several segment pairs share anchors: count each anchor once per bead, as the
        # pairwise sum would reward joining segments that mention the same name
        if lexical:
            cj = _merged(self.ljt, i0, i1, self.lmerged_ja)
            ce = _merged(self.let, j0, j1, self.lmerged_en)
            w = self.wl
        else:
            cj = _merged(self.jt, i0, i1, self.merged_ja)
            ce = _merged(self.et, j0, j1, self.merged_en)
            w = self.w
        return sum(w[t] * min(n, ce[t]) for t, n in cj.items() if t in ce)

    def glue(self, i0: int, j0: int, a: int, b: int) -> float:
        """Bonus of a 1-2 or 2-1 bead (starting at JA *i0*, EN *j0*) for a glued heading."""
        p = self.p
        if (a, b) == (1, 2):
            g = self.glued[i0]
            if (g[0] and self.eshort[j0]) or (g[1] and self.eshort[j0 + 1]):
                return p.glued_bonus
        elif (a, b) == (2, 1):
            if self.eglued[j0] and self.jshort[i0 + 1]:
                return p.glued_en_bonus
            if self.ehead[j0] and self.jshort[i0] and not self.jshort[i0 + 1]:
                return p.head_en_bonus
        return 0.0

    def extra(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """Structure cost of pairing JA ``i0..i1-1`` with EN ``j0..j1-1`` (kinds, furniture)."""
        p = self.p
        kj, ke = self.kj, self.ke
        c = p.boilerplate_pair * (kj["boilerplate"][i1] - kj["boilerplate"][i0]
                                  + ke["boilerplate"][j1] - ke["boilerplate"][j0])
        if kj["foreign"][i1] - kj["foreign"][i0] or ke["foreign"][j1] - ke["foreign"][j0]:
            # a line in the other language: a quote of its twin, or page furniture
            # (the quote may carry its Japanese tail: 「…」 + と述べた。)
            jk = self.jk[i0:i1]
            ek = self.ek[j0:j1]
            if (len(ek) == 1 and jk.count("foreign") == 1 and "foreign" not in ek
                    and _twins(self.ja_text[i0 + jk.index("foreign")], self.en_text[j0],
                               p.twin_score)):
                c -= p.foreign_pair / 2
            elif (len(jk) == 1 and len(ek) == 1
                  and _twins(self.ja_text[i0], self.en_text[j0], p.twin_score)):
                c -= p.foreign_pair / 2
            else:
                c += p.foreign_pair
        if self.has_kinds:
            hj = kj["heading"][i1] - kj["heading"][i0] > 0
            he = ke["heading"][j1] - ke["heading"][j0] > 0
            if hj and he:
                c -= p.kind_bonus
            elif hj != he:
                c += p.kind_mismatch
            nlj = kj["list"][i1] - kj["list"][i0]
            nle = ke["list"][j1] - ke["list"][j0]
            lj, le = nlj == i1 - i0, nle == j1 - j0
            if lj and le:
                c -= p.kind_bonus / 2
            elif (lj and not nle) or (le and not nlj):
                c += p.kind_mismatch / 2
            if (kj["caption"][i1] > kj["caption"][i0]) != (ke["caption"][j1] > ke["caption"][j0]):
                c += 2 * p.kind_mismatch
        return c

    def cost(self, i: int, j: int, a: int, b: int) -> float:
        """Cost of the bead of JA ``i-a..i-1`` and EN ``j-b..j-1``."""
        if a == 0:
            return self.ne[j] - self.ne[j - b]
        if b == 0:
            return self.nj[i] - self.nj[i - a]
        p = self.p
        lj = self.cj[i] - self.cj[i - a]
        le = self.ce[j] - self.ce[j - b]
        x = math.log((le + p.smooth) / (self.ratio * lj + p.smooth))
        shared = self.anchor(i - a, i, j - b, j)
        # both sides carry anchors that the other side of the document has, yet they share
        # none: evidence that these segments are not translations of each other
        ua, ub = self.rj[i] - self.rj[i - a] - shared, self.re[j] - self.re[j - b] - shared
        miss = min(ua, ub) + p.mismatch_excess * abs(ua - ub)
        c = (self.prior[(a, b)] - p.join_bonus * (self.cont[i] - self.cont[i - a + 1])
             + x * x * self.inv2s2 - p.anchor_scale * shared
             + p.mismatch * max(0.0, miss) - p.lex_scale * self.lex(i - a, i, j - b, j))
        if self.fj[i] - self.fj[i - a] or self.fe[j] - self.fe[j - b]:
            c += self.extra(i - a, i, j - b, j)
        if (a, b) == (1, 1) and self.jlead[i - 1] and self.elead[j - 1]:
            c -= p.kind_bonus
        if (a, b) == (1, 2) and self.glue12[i - 1] or (a, b) == (2, 1) and self.glue21[i - 2]:
            c -= self.glue(i - a, j - b, a, b)
        return c


_KINDS = ("boilerplate", "foreign", "heading", "list", "caption")


def _kind_counts(kinds: list[str]) -> dict[str, list[int]]:
    """Prefix counts of each of :data:`_KINDS` over a side's segment classes.

    >>> _kind_counts(["text", "list", "list"])["list"]
    [0, 0, 1, 2]
    """
    out: dict[str, list[int]] = {}
    for name in _KINDS:
        counts = [0]
        for kind in kinds:
            counts.append(counts[-1] + (kind == name))
        out[name] = counts
    return out


def _weighted(side: list[Counter[str]], w: dict[str, float]) -> list[list[tuple[str, int]]]:
    """Per segment: its anchors that have a weight in *w*, with their counts, in order."""
    return [[(t, n) for t, n in c.items() if t in w] for c in side]


def _merged(side: list[list[tuple[str, int]]], k0: int, k1: int,
            cache: dict[tuple[int, int], dict[str, int]]) -> dict[str, int]:
    """The weighted anchors of segments ``k0..k1-1`` with their summed counts, in order of
    first appearance (memoised in *cache*).

    >>> _merged([[("n:1", 1)], [("w:a", 2), ("n:1", 1)]], 0, 2, {})
    {'n:1': 2, 'w:a': 2}
    """
    got = cache.get((k0, k1))
    if got is None:
        got = {}
        for k in range(k0, k1):
            for t, n in side[k]:
                got[t] = got.get(t, 0) + n
        cache[(k0, k1)] = got
    return got


def _overlaps(side: list[list[tuple[str, int]]]) -> list[tuple[bool, bool]]:
    """Per segment: does it share a weighted anchor with the next one, with the one after?"""
    keys = [{t for t, _n in c} for c in side]
    out: list[tuple[bool, bool]] = []
    for k in range(len(keys)):
        nxt = keys[k + 1] if k + 1 < len(keys) else set()
        nxt2 = keys[k + 2] if k + 2 < len(keys) else set()
        out.append((not keys[k].isdisjoint(nxt), not keys[k].isdisjoint(nxt2)))
    return out


def _has_overlap(ov: list[tuple[bool, bool]], k0: int, k1: int) -> bool:
    for k in range(k0, k1 - 1):
        if ov[k][0]:
            return True
    return k1 - k0 == 3 and ov[k0][1]


def _pair_scores(jt: list[list[tuple[str, int]]], et: list[list[tuple[str, int]]],
                 w: dict[str, float]) -> list[dict[int, float]]:
    """Anchor score of every (ja, en) pair that shares an anchor of *w* (sparse rows), from
    each segment's weighted anchors (see :func:`_weighted`)."""
    postings: dict[str, list[tuple[int, int]]] = {}
    for j, c in enumerate(et):
        for tok, n in c:
            postings.setdefault(tok, []).append((j, n))
    rows: list[dict[int, float]] = []
    for c in jt:
        row: dict[int, float] = {}
        for tok, n in c:
            wt = w[tok]
            for j, m in postings.get(tok, ()):
                # the smaller count, without the call to min (a hot loop)
                row[j] = row.get(j, 0.0) + wt * (n if n < m else m)
        rows.append(row)
    return rows


def _band(n: int, m: int, pair: list[dict[int, float]], width: int,
          strong: float) -> list[tuple[int, int]]:
    """Column window per row: around the heaviest monotone chain of strong anchor pairs."""
    pts: list[tuple[int, int, float]] = []
    for i, row in enumerate(pair):
        if row:
            j, s = max(row.items(), key=lambda kv: kv[1])
            if s >= strong:
                pts.append((i, j, s))
    chain = _heaviest_chain(pts, m)
    knots = [(0, 0)] + [(i, j) for i, j in chain] + [(n, m)]
    centres: list[float] = []
    seg = 0
    for i in range(n + 1):
        while seg < len(knots) - 2 and knots[seg + 1][0] <= i:
            seg += 1
        (i0, j0), (i1, j1) = knots[seg], knots[seg + 1]
        centres.append(j0 + (j1 - j0) * ((i - i0) / (i1 - i0) if i1 > i0 else 1.0))
    return _monotone([(int(c) - width, int(c) + width + 1) for c in centres], m)


def _heaviest_chain(pts: list[tuple[int, int, float]], m: int) -> list[tuple[int, int]]:
    """The heaviest chain of points (row, column, weight), one point per row in row order,
    increasing in both row and column (Fenwick tree of prefix maxima over the columns
    ``0..m``).

    >>> _heaviest_chain([(0, 5, 1.0), (1, 1, 1.0), (2, 2, 1.0), (3, 3, 0.5)], 6)
    [(1, 1), (2, 2), (3, 3)]
    """
    size = m + 1
    tree_v = [0.0] * (size + 1)
    tree_k = [-1] * (size + 1)
    best_prev: list[int] = []
    best_val: list[float] = []
    for k, (_i, j, s) in enumerate(pts):
        q, v, arg = j, 0.0, -1
        while q > 0:
            if tree_v[q] > v:
                v, arg = tree_v[q], tree_k[q]
            q -= q & -q
        best_prev.append(arg)
        best_val.append(v + s)
        q = j + 1
        while q <= size:
            if tree_v[q] < v + s:
                tree_v[q], tree_k[q] = v + s, k
            q += q & -q
    chain: list[tuple[int, int]] = []
    if pts:
        k = max(range(len(pts)), key=lambda x: best_val[x])
        while k >= 0:
            chain.append((pts[k][0], pts[k][1]))
            k = best_prev[k]
        chain.reverse()
    return chain


def _path_band(n: int, m: int, steps: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Column window per row around a previous path (for the refining pass)."""
    lo_at = [m] * (n + 1)
    hi_at = [0] * (n + 1)
    i = j = 0
    lo_at[0], hi_at[0] = 0, 0
    for a, b in steps:
        for k in range(a + 1):
            ii = i + k
            lo_at[ii] = min(lo_at[ii], j)
            hi_at[ii] = max(hi_at[ii], j + b)
        i, j = i + a, j + b
    return _monotone([(lo_at[k] - width, hi_at[k] + width) for k in range(n + 1)], m)


def _monotone(raw: list[tuple[int, int]], m: int) -> list[tuple[int, int]]:
    """Clip windows to [0, m], make them non-decreasing and overlapping (all cells reachable)."""
    out: list[tuple[int, int]] = []
    prev_lo = prev_hi = 0
    last = len(raw) - 1
    for i, (lo, hi) in enumerate(raw):
        lo = max(prev_lo, min(m, max(0, lo)))
        hi = max(prev_hi, min(m, max(0, hi)), lo)
        if i == 0:
            lo = 0
        else:
            lo = min(lo, prev_hi)
        if i == last:
            hi = m
        out.append((lo, hi))
        prev_lo, prev_hi = lo, hi
    return out


def _dp(n: int, m: int, sc: _Scorer, band: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Best bead path as (a, b) steps, by dynamic programming inside a band of columns.

    Row *i* of the table holds the best cost of aligning the first *i* Japanese segments
    with the first *j* English ones, for the columns *j* of ``band[i]``, and the bead that
    gets there (see :class:`_Lattice`).
    """
    lat = _Lattice(sc, band)
    for i in range(n + 1):
        lat.fill_row(i)
    return lat.steps(n, m)


#: Japanese segments a bead's start row may lie above its end row in :class:`_Lattice`'s
#: tables (the longest of :data:`_BEADS`; list groups are priced one by one)
_SPAN = 3
#: the order in which :class:`_Lattice` tries the beads from earlier rows (their codes in
#: :data:`_BEADS`): 1-0, 1-1, then the joined beads
_ABOVE = (1, 0, 3, 4, 5, 6, 7)


class _Lattice:
    """The table of :func:`_dp`: a cost and a back-pointer per cell of the band.

    A cell's beads are tried in the order of :data:`_BEADS` (0-1 first), then the list
    groups; a bead replaces the best so far only when strictly cheaper. The costs of the
    beads from earlier rows are computed for the whole band at once with numpy (the
    arithmetic of :meth:`_Scorer.cost`; ``tests/tm/test_align.py`` pins that every cell
    holds the cheapest way in by :meth:`_Scorer.cost`), so a row costs a few array
    operations, not a Python loop over its cells and beads. A joined bead whose segments
    share anchors among themselves is priced there by its pairwise anchor sum, which is
    never below its exact score (each anchor counted once per bead): when such a bead wins
    a cell, :meth:`_Scorer.cost` prices it exactly and the cell is decided again.
    """

    def __init__(self, sc: _Scorer, band: list[tuple[int, int]]) -> None:
        import numpy as np

        p = sc.p
        self.sc, self.p, self.band = sc, p, band
        self.cost: list[Any] = []
        self.back: list[list[int]] = []
        self.need = p.null_run_from - 1  # unpaired segments that must come just before
        n = len(band) - 1
        lo = np.array([b[0] for b in band], dtype=np.int64)
        hi = np.array([b[1] for b in band], dtype=np.int64)
        self.lo = lo.tolist()
        width = hi - lo + 1
        # the cells of row i are at[i] .. at[i + 1] - 1 of the flat per-cell arrays (rows
        # differ in width: a rectangle as wide as the widest row, where the band jumps over
        # an untranslated stretch, could take gigabytes)
        self.at: list[int] = [0, *np.cumsum(width).tolist()]
        # the costs so far, each row padded with infinity: _SPAN cells on the left (a bead
        # from up to _SPAN columns before the row's first), on the right as far as the next
        # _SPAN rows reach
        reach = np.array([int(hi[min(n, i + _SPAN)]) for i in range(n + 1)], dtype=np.int64)
        length = _SPAN + np.maximum(reach, hi) - lo + 2
        self.row_at: list[int] = [0, *np.cumsum(length).tolist()]
        self.table: Any = np.full(self.row_at[-1], np.inf)
        self.back_cells: Any = np.full(self.at[-1], -1, dtype=np.int64)
        self.beads = [(code, *_BEADS[code]) for code in _ABOVE]
        self.price: Any = np.zeros((len(self.beads), self.at[-1]))
        self.loose: Any = np.zeros((len(self.beads), self.at[-1]), dtype=bool)
        self.loose_rows: list[bool] = [False] * (n + 1)
        self.cand: Any = np.empty((len(self.beads), int(width.max())))
        self.ne = sc.ne
        if n:
            self._price_beads(np, lo, width)

    def _price_beads(self, np: Any, lo: Any, width: Any) -> None:
        """Fill :attr:`price` (the cost of each bead type into each cell, without the cost
        of the cell it starts from) and :attr:`loose` (where that price is only a lower
        bound)."""
        sc, p = self.sc, self.p
        n = len(self.band) - 1
        m = len(sc.ce) - 1
        at = np.array(self.at[:-1], dtype=np.int64)
        rows = np.repeat(np.arange(n + 1), width)
        cols = np.minimum(lo[rows] + (np.arange(self.at[-1]) - at[rows]), m)
        cj, ce = np.array(sc.cj), np.array(sc.ce, dtype=np.float64)
        rj, re_ = np.array(sc.rj), np.array(sc.re)
        nj = np.array(sc.nj)
        fj, fe = np.array(sc.fj), np.array(sc.fe)
        cont = np.array(sc.cont)
        pair = _dense_pairs(np, sc.pair, self.band)
        lpair = _dense_pairs(np, sc.lpair, self.band)
        kinds = [{name: np.array(counts) for name, counts in side.items()}
                 for side in (sc.kj, sc.ke)]
        # the flags of _overlaps as arrays (padded: a run's next segments may be past the end)
        jov, eov, ljov, leov = ([np.array([o[f] for o in x] + [False] * _SPAN)
                                 for f in (0, 1)] for x in (sc.jov, sc.eov, sc.ljov, sc.leov))
        for t, (_code, a, b) in enumerate(self.beads):
            pi = np.maximum(rows - a, 0)
            pj = np.maximum(cols - b, 0)
            price = self.price[t]
            if b == 0:  # 1-0 (run discounts are applied row by row)
                price[:] = nj[rows] - nj[pi]
                continue
            x = np.log((ce[cols] - ce[pj] + p.smooth) / (sc.ratio * (cj[rows] - cj[pi])
                                                          + p.smooth))
            shared, hits = _block_sums(np, pair, pi, pj, a, b)
            lshared, lhits = _block_sums(np, lpair, pi, pj, a, b)
            ua, ub = rj[rows] - rj[pi], re_[cols] - re_[pj]
            miss = np.minimum(ua, ub) + p.mismatch_excess * np.abs(ua - ub) - shared
            price[:] = (sc.prior[(a, b)] + x * x * sc.inv2s2 - p.anchor_scale * shared
                        - p.lex_scale * lshared + p.mismatch * np.maximum(miss, 0.0))
            if a > 1:
                price -= p.join_bonus * (cont[rows] - cont[np.minimum(pi + 1, n)])
            if (a, b) == (1, 1):
                price -= p.kind_bonus * (np.array(sc.jlead + [False])[rows - 1]
                                         & np.array(sc.elead + [False])[pj])
            ok = (rows >= a) & (cols >= b)
            odd = ok & (((fj[rows] - fj[pi]) != 0) | ((fe[cols] - fe[pj]) != 0))
            if odd.any():
                # a line in the other language: priced one by one (see _Scorer.extra)
                foreign = odd & (((kinds[0]["foreign"][rows] - kinds[0]["foreign"][pi]) != 0)
                                 | ((kinds[1]["foreign"][cols] - kinds[1]["foreign"][pj]) != 0))
                price += np.where(odd & ~foreign,
                                  self._extra(np, kinds, rows, pi, cols, pj, a, b), 0.0)
                for c in np.nonzero(foreign)[0].tolist():
                    i = int(rows[c])
                    j = self.lo[i] + c - self.at[i]
                    price[c] += sc.extra(i - a, i, j - b, j)
            glue = {(1, 2): sc.glue12, (2, 1): sc.glue21}.get((a, b))
            if glue is not None:
                for i in range(a, n + 1):
                    if glue[i - a]:
                        for c in range(self.at[i], self.at[i + 1]):
                            j = self.lo[i] + c - self.at[i]
                            if j >= b:
                                price[c] -= sc.glue(i - a, j - b, a, b)
            if a > 1 or b > 1:
                # segments of the bead that share an anchor among themselves: the pairwise
                # sum counts it more than once (see _Scorer.anchor)
                over = (hits > 1) & (_has_overlaps(np, jov, pi, a)
                                     | _has_overlaps(np, eov, pj, b))
                over |= (lhits > 1) & (_has_overlaps(np, ljov, pi, a)
                                       | _has_overlaps(np, leov, pj, b))
                self.loose[t] = over & ok
        loose_cells = self.loose.any(axis=0)
        self.loose_rows = (np.add.reduceat(loose_cells, at) > 0).tolist()

    def _extra(self, np: Any, kinds: list[dict[str, Any]], rows: Any, pi: Any, cols: Any,
               pj: Any, a: int, b: int) -> Any:
        """:meth:`_Scorer.extra` of the beads of JA ``pi..rows-1`` and EN ``pj..cols-1`` of
        every cell at once, but for lines in the other language (0 there)."""
        p = self.p
        kj, ke = kinds

        def count(name: str) -> tuple[Any, Any]:
            return kj[name][rows] - kj[name][pi], ke[name][cols] - ke[name][pj]

        bj, be = count("boilerplate")
        c = p.boilerplate_pair * (bj + be)
        if self.sc.has_kinds:
            hj, he = (x > 0 for x in count("heading"))
            c = c + np.where(hj & he, -p.kind_bonus, np.where(hj != he, p.kind_mismatch, 0.0))
            nlj, nle = count("list")
            lj, le = nlj == a, nle == b
            c = c + np.where(lj & le, -p.kind_bonus / 2,
                             np.where((lj & (nle == 0)) | (le & (nlj == 0)),
                                      p.kind_mismatch / 2, 0.0))
            cj, ce = count("caption")
            c = c + np.where((cj > 0) != (ce > 0), 2 * p.kind_mismatch, 0.0)
        return c

    def fill_row(self, i: int) -> None:
        """Fill row *i*: per column, the beads from the rows above (all cells at once),
        then the 0-1 bead from the cell on its left (the cells in turn)."""
        import numpy as np

        sc, p = self.sc, self.p
        lo, hi = self.band[i]
        w = hi - lo + 1
        table, row_at = self.table, self.row_at
        at = self.at[i]
        if i:
            cand = self.cand[:, :w]
            for t, (_code, a, b) in enumerate(self.beads):
                if i - a < 0:
                    cand[t] = np.inf
                    continue
                s = row_at[i - a] + lo - b - self.lo[i - a] + _SPAN
                np.add(table[s:s + w], self.price[t, at:at + w], out=cand[t])
            self._ja_runs(i, cand[0], lo, w)
            pick = cand.argmin(axis=0)
            if self.loose_rows[i]:
                self._exact(i, cand, pick, lo, w)
            above = cand[pick, np.arange(w)].tolist()
            arg = [_ABOVE[k] for k in pick.tolist()]
            if i in sc.groups:
                self._groups(i, lo, w, above, arg)
        else:
            above = [math.inf] * w
            arg = [-1] * w
        ne, run = self.ne, p.null_run
        crow = above
        brow = arg
        for k in range(w):
            j = lo + k
            if i == 0 and j == 0:
                crow[0], brow[0] = 0.0, -1
                continue
            if k:  # 0-1: tried first, so it wins a tie
                c = ne[j] - ne[j - 1]
                if brow[k - 1] == 2 and self._en_run(brow, k - 1):
                    c *= run
                c = crow[k - 1] + c
                if c <= crow[k]:
                    crow[k], brow[k] = c, 2
        start = row_at[i] + _SPAN
        table[start:start + w] = crow
        self.back_cells[at:at + w] = brow
        self.cost.append(table[start:start + w])
        self.back.append(brow)

    def _ja_runs(self, i: int, cand: Any, lo: int, w: int) -> None:
        """Discount the 1-0 beads of row *i* that continue a run of them (see
        :meth:`_ja_run`)."""
        import numpy as np

        plo = self.band[i - 1][0]
        prev = self.back_cells[self.at[i - 1]:self.at[i]]
        d = self.sc.nj[i] - self.sc.nj[i - 1]
        for q in np.nonzero(prev == 1)[0].tolist():
            j = plo + q
            if lo <= j < lo + w and self._ja_run(i, j):
                cand[j - lo] = d * self.p.null_run + self.table[self.row_at[i - 1] + _SPAN + q]

    def _exact(self, i: int, cand: Any, pick: Any, lo: int, w: int) -> None:
        """Price exactly the winning beads of row *i* whose price was a lower bound, and
        decide those cells again, until each cell's winner is priced exactly."""
        import numpy as np

        loose = self.loose[:, self.at[i]:self.at[i] + w]
        for k in np.nonzero(loose[pick, np.arange(w)])[0].tolist():
            done: set[int] = set()
            while True:
                t = int(pick[k])
                if t in done or not loose[t, k]:
                    break
                done.add(t)
                _code, a, b = self.beads[t]
                j = lo + k
                s = self.row_at[i - a] + lo - b - self.lo[i - a] + _SPAN
                cand[t, k] = self.table[s + k] + self.sc.cost(i, j, a, b)
                pick[k] = cand[:, k].argmin()

    def _groups(self, i: int, lo: int, w: int, above: list[float], arg: list[int]) -> None:
        """The list groups into row *i* (see :func:`_list_groups`)."""
        sc = self.sc
        for a in sc.groups[i]:
            qlo, qhi = self.band[i - a]
            for k in range(w):
                j = lo + k
                if j and qlo <= j - 1 <= qhi:
                    start = self.table[self.row_at[i - a] + _SPAN + j - 1 - qlo]
                    if start < math.inf:
                        c = start + sc.cost(i, j, a, 1)
                        if c < above[k]:
                            above[k], arg[k] = c, _GROUP + a

    def steps(self, n: int, m: int) -> list[tuple[int, int]]:
        """The best path to (n, m), traced back from its last cell."""
        steps: list[tuple[int, int]] = []
        i, j = n, m
        while i > 0 or j > 0:
            k = self.back[i][j - self.band[i][0]]
            a, b = (k - _GROUP, 1) if k >= _GROUP else _BEADS[k]
            steps.append((a, b))
            i, j = i - a, j - b
        steps.reverse()
        return steps

    def _en_run(self, brow: list[int], k: int) -> bool:
        """Whether the 0-1 bead into column *k* of the row continues a run of unpaired
        English segments long enough to be discounted (the bead into *k* is a 0-1)."""
        run = 1
        while run < self.need and k - run >= 0 and brow[k - run] == 2:
            run += 1
        return run >= self.need

    def _ja_run(self, i: int, j: int) -> bool:
        """Whether a 1-0 bead into (i, j) continues a run of unpaired Japanese segments long
        enough to be discounted (the bead into (i-1, j) is a 1-0). The rest of a sentence
        broken over lines whose start is unpaired too is one untranslated sentence:
        discounted without a longer run."""
        need, band, back = self.need, self.band, self.back
        run = need if self.sc.cont[i] - self.sc.cont[i - 1] else 1
        row = i - 1
        while (run < need and row >= 1 and band[row - 1][0] <= j <= band[row - 1][1]
               and back[row - 1][j - band[row - 1][0]] == 1):
            run, row = run + 1, row - 1
        return run >= need


def _dense_pairs(np: Any, pair: list[dict[int, float]],
                 band: list[tuple[int, int]]) -> tuple[Any, Any, Any, Any]:
    """The pair scores of *pair* (sparse rows) that beads inside *band* can meet, as a flat
    dense array: row *ii* holds the columns from ``base[ii]`` (the first column of the next
    row's band, less :data:`_SPAN`) to the last that the bands of the next :data:`_SPAN`
    rows reach, from ``at[ii]`` on; returns (array, at, base, row widths).

    >>> import numpy as np
    >>> d, at, base, width = _dense_pairs(np, [{0: 1.0, 5: 9.0}, {}], [(0, 2), (0, 2), (0, 3)])
    >>> d[:4].tolist(), at.tolist(), base.tolist(), width.tolist()
    ([0.0, 0.0, 0.0, 1.0], [0, 7], [-3, -3], [7, 7])
    """
    n = len(band) - 1
    lo = [b[0] for b in band]
    hi = [b[1] for b in band]
    base = [lo[min(n, ii + 1)] - _SPAN for ii in range(n)] or [0]
    width = [hi[min(n, ii + _SPAN)] - base[ii] + 1 for ii in range(n)] or [1]
    at = [0]
    for w in width:
        at.append(at[-1] + w)
    out = np.zeros(at[-1])
    for ii, row in enumerate(pair):
        if not row:
            continue
        b0, w, o = base[ii], width[ii], at[ii]
        if len(row) <= w:
            for jj, v in row.items():
                if 0 <= jj - b0 < w:
                    out[o + jj - b0] = v
        else:
            got = row.get
            out[o:o + w] = [got(b0 + k, 0.0) for k in range(w)]
    return (out, np.array(at[:-1], dtype=np.int64), np.array(base, dtype=np.int64),
            np.array(width, dtype=np.int64))


def _block_sums(np: Any, dense: tuple[Any, Any, Any, Any], pi: Any, pj: Any, a: int,
                b: int) -> tuple[Any, Any]:
    """Per cell: the sum of the pair scores of the bead of JA ``pi..pi+a-1`` and EN
    ``pj..pj+b-1`` (*dense* from :func:`_dense_pairs`) and how many pairs score:
    :func:`_pairwise` of every cell at once."""
    values, at, base, width = dense
    rows = len(at)
    total = np.zeros(np.broadcast_shapes(pi.shape, pj.shape))
    hits = np.zeros(total.shape, dtype=np.int64)
    for da in range(a):
        ii = np.minimum(pi + da, rows - 1)
        for db in range(b):
            col = np.clip(pj + db - base[ii], 0, width[ii] - 1)
            got = values[at[ii] + col]
            total += got
            hits += got != 0.0
    return total, hits


def _has_overlaps(np: Any, ov: list[Any], k0: Any, size: int) -> Any:
    """:func:`_has_overlap` of the runs of *size* segments starting at each of *k0* (*ov*:
    the two flags of :func:`_overlaps` as arrays, padded at the end)."""
    if size == 2:
        return ov[0][k0]
    if size == 3:
        return ov[0][k0] | ov[0][k0 + 1] | ov[1][k0]
    return np.zeros(k0.shape, dtype=bool)


def _pairwise(pair: list[dict[int, float]], i0: int, i1: int, j0: int,
              j1: int) -> tuple[float, int]:
    """The sum of the pair scores of JA ``i0..i1-1`` with EN ``j0..j1-1`` (each pair once:
    an upper bound of the bead's score) and how many pairs score."""
    shared = 0.0
    hits = 0
    for ii in range(i0, i1):
        r = pair[ii]
        if r:
            for jj in range(j0, j1):
                v = r.get(jj)
                if v:
                    shared += v
                    hits += 1
    return shared, hits


def _features(sc: _Scorer, i: int, j: int, a: int, b: int, neighbours: list[float]
              ) -> tuple[float, float]:
    """Margins of a bead (ending at JA *i*, EN *j*) over its nearest rivals.

    A paired bead: (cost of leaving its segments unpaired − its cost, cost of the same bead
    shifted by one segment on the English side − its cost). A null bead: (cost of pairing the
    segment with a neighbour − its cost, 0).
    """
    cap = sc.p.margin_cap
    own = sc.cost(i, j, a, b)
    if a and b:
        m_null = sc.cost(i, j - b, a, 0) + sc.cost(i, j, 0, b) - own
        shifts = [sc.cost(i, jj, a, b) for jj in (j - 1, j + 1) if b <= jj <= len(sc.ce) - 1]
        m_shift = min(shifts) - own if shifts else cap
        return m_null, min(m_shift, cap)
    alt = min(neighbours) if neighbours else cap
    return min(alt - own, cap), 0.0


def _confidence(paired: bool, f: tuple[float, float], p: AlignParams) -> float:
    """Logistic confidence from :func:`_features`.

    The weights were fitted (logistic regression) on the beads of align-dev and of 60
    synthetic Kyoto documents, the target being "this bead is exactly a gold bead"; on those,
    beads scored 0.8–0.9 are right 88% of the time and beads over 0.9, 95%.
    """
    if paired:
        z = p.conf_pair[0] + p.conf_pair[1] * f[0] + p.conf_pair[2] * f[1]
    else:
        z = p.conf_null[0] + p.conf_null[1] * f[0]
    z = max(-30.0, min(30.0, z))
    return 1.0 / (1.0 + math.exp(-z))


def align(
    ja: Sequence[str],
    en: Sequence[str],
    *,
    analyzer: Analyzer | None = None,
    ja_kinds: Sequence[str] | None = None,
    en_kinds: Sequence[str] | None = None,
    lexicon: Sequence[tuple[str, str]] = (),
    params: AlignParams | None = None,
) -> list[Bead]:
    """Align Japanese segments with English segments.

    Dynamic programming over beads 1-1, 1-0, 0-1, 2-1, 1-2, 2-2, 3-1 and 1-3, scored by a
    length model (English characters against Japanese characters) and lexical anchors:
    numbers and dates, Latin tokens inside the Japanese, katakana and kanji names against
    English spellings (readings from *analyzer*), kanji written inside the English, quotes,
    glossary pairs from *lexicon*, and a lexicon learned from the first pass.

    :param ja: Japanese segments, in document order
    :param en: English segments, in document order
    :param analyzer: Sudachi wrapper for readings; ``None`` builds one lazily and falls back
        to katakana only when Sudachi is not installed
    :param ja_kinds: per-segment kinds (``boilerplate`` lines are cheap to leave unpaired)
    :param en_kinds: the same for the English side
    :param lexicon: extra (ja, en) term pairs used as anchors
    :param params: cost settings (defaults are calibrated; see :class:`AlignParams`)
    :returns: beads covering every segment once, in order, each with a confidence in [0, 1]

    >>> beads = align(["京都は1200年の歴史がある。", "広告"],
    ...               ["Kyoto has a history of 1200 years."])
    >>> [(b.ja_ids, b.en_ids) for b in beads]
    [((0,), (0,)), ((1,), ())]
    """
    p = params or AlignParams()
    n, m = len(ja), len(en)
    if n == 0 or m == 0:
        return _unpaired(n, m)
    if analyzer is None:
        analyzer = _default_analyzer()
    builtin = None
    if p.builtin_lexicon and analyzer is not None:
        from taiyaku.tm.lexicon import load_lexicon

        builtin = load_lexicon()
    if max(n, m) > p.window_from:
        return _align_pieces(ja, en, analyzer, ja_kinds, en_kinds, lexicon, p, builtin)
    return _align_whole(ja, en, analyzer, ja_kinds, en_kinds, lexicon, p, builtin)


def _unpaired(n: int, m: int) -> list[Bead]:
    beads = [Bead((i,), (), 1.0) for i in range(n)]
    beads += [Bead((), (j,), 1.0) for j in range(m)]
    return beads


def _align_whole(ja: Sequence[str], en: Sequence[str], analyzer: Analyzer | None,
                 ja_kinds: Sequence[str] | None, en_kinds: Sequence[str] | None,
                 lexicon: Sequence[tuple[str, str]], p: AlignParams,
                 builtin: Lexicon | None,
                 ja_analysis: Sequence[JaAnalysis] | None = None) -> list[Bead]:
    """:func:`align` of a whole document (or of one window of a long one, with the
    :func:`~tm.anchors.analyse_ja` of its segments)."""
    n, m = len(ja), len(en)
    if n == 0 or m == 0:
        return _unpaired(n, m)
    null_ja = _null_costs(ja, ja_kinds, p)
    null_en = _null_costs(en, en_kinds, p)
    anchors = build_anchors(ja, en, analyzer=analyzer, lexicon=lexicon, builtin=builtin,
                            ja_analysis=ja_analysis, params=p)
    _mute_foreign(anchors, ja, en)
    furniture: tuple[list[int], list[int]] = ([], [])
    if p.orphan_bonus:
        _orphans(anchors, null_ja, null_en, p)
        # lines repeated next to themselves: cheap to leave unpaired, dear to pair
        furniture = (_repeated(ja, anchors.ja, anchors.weight),
                     _repeated(en, anchors.en, anchors.weight))
        for rows, null in zip(furniture, (null_ja, null_en), strict=True):
            for k in rows:
                null[k] = min(null[k], p.boilerplate_null_cost)
    sc = _Scorer(ja, en, anchors, null_ja, null_en, p, ja_kinds, en_kinds, furniture)
    if (n + 1) * (m + 1) <= p.full_dp_cells:
        band = [(0, m)] * (n + 1)
    else:
        band = _band(n, m, sc.pair, p.band, p.band_anchor)
    steps = _dp(n, m, sc, band)
    if p.learn and analyzer is not None and n * m > 1:
        learned = _learn_lexicon(steps, sc)
        if learned:
            anchors.add_pairs(learned)
            sc = sc.reweighed()
            steps = _dp(n, m, sc, _path_band(n, m, steps, p.refine_band))
    return _beads(steps, sc)


def _align_windows(ja: Sequence[str], en: Sequence[str], analyzer: Analyzer | None,
                   ja_kinds: Sequence[str] | None, en_kinds: Sequence[str] | None,
                   lexicon: Sequence[tuple[str, str]], p: AlignParams,
                   builtin: Lexicon | None) -> list[Bead]:
    """Align a long document window by window, each window aligned whole.

    A window takes ``p.window`` Japanese segments from where the last one stopped, and the
    English segments their length predicts (the document's English/Japanese character ratio)
    plus a tenth of a window of slack. Its beads are kept up to the last confident 1-1 bead
    in its first ``p.window_keep`` share; the rest, whose end may be cut off on one side, is
    aligned again at the start of the next window. Every segment is thus aligned about 1.25
    times, and each pass's anchors, scores and DP hold one window: linear time and bounded
    memory, however long the document. Each Japanese segment's own analysis (Sudachi) is
    made once, ahead of the windows, by a child process when there is one
    (:class:`~tm.anchors.JaAnalyses`).
    """
    out: list[Bead] = []
    analyses = JaAnalyses(ja, analyzer, builtin)
    try:
        _windows(ja, en, analyzer, ja_kinds, en_kinds, lexicon, p, builtin, analyses, out)
    finally:
        analyses.close()
    return out


def _windows(ja: Sequence[str], en: Sequence[str], analyzer: Analyzer | None,
             ja_kinds: Sequence[str] | None, en_kinds: Sequence[str] | None,
             lexicon: Sequence[tuple[str, str]], p: AlignParams, builtin: Lexicon | None,
             analyses: JaAnalyses, out: list[Bead]) -> None:
    """The loop of :func:`_align_windows`: append the kept beads of each window to *out*."""
    import bisect

    n, m = len(ja), len(en)
    cj = [0]
    for t in ja:
        cj.append(cj[-1] + _ja_len(t))
    ce = [0]
    for t in en:
        ce.append(ce[-1] + _en_len(t))
    ratio = (ce[m] + 1) / (cj[n] + 1)
    slack = max(1, p.window // 10)
    i0 = j0 = 0
    while i0 < n or j0 < m:
        i1 = min(n, i0 + p.window)
        j1 = min(m, bisect.bisect_left(ce, ce[j0] + (cj[i1] - cj[i0]) * ratio) + slack)
        if i1 == n and m - j0 <= 2 * p.window:
            j1 = m  # the last window takes the English tail (unless it is itself long)
        j1 = max(j1, min(m, j0 + 1))
        beads = _align_whole(
            ja[i0:i1], en[j0:j1], analyzer,
            None if ja_kinds is None else ja_kinds[i0:i1],
            None if en_kinds is None else en_kinds[j0:j1], lexicon, p, builtin,
            analyses.window(i0, i1))
        last = i1 == n and j1 == m
        keep = len(beads) if last else _window_cut(beads, int((i1 - i0) * p.window_keep),
                                                   p.cut_confidence)
        for b in beads[:keep]:
            out.append(Bead(tuple(i0 + i for i in b.ja_ids), tuple(j0 + j for j in b.en_ids),
                            b.score))
        for b in beads[:keep]:
            i0 += len(b.ja_ids)
            j0 += len(b.en_ids)


# ---------------------------------------------------------------- long documents: pieces

#: one piece of a long document: its JA and EN segments and their kinds
_Piece = tuple[list[str], list[str], list[str] | None, list[str] | None]


def _align_pieces(ja: Sequence[str], en: Sequence[str], analyzer: Analyzer | None,
                  ja_kinds: Sequence[str] | None, en_kinds: Sequence[str] | None,
                  lexicon: Sequence[tuple[str, str]], p: AlignParams,
                  builtin: Lexicon | None) -> list[Bead]:
    """Align a long document as independent pieces cut at islands (see :func:`_cuts`).

    Each piece is aligned by :func:`_align_piece` with the full model, and no segment is
    aligned twice; the pieces are shared between this process and the workers of
    :func:`_run_pieces`. The beads of a piece never cross a cut, so the result does not
    depend on which process aligned which piece.
    """
    mode = None if analyzer is None else analyzer.mode
    # the workers start (and load their dictionary) while the islands are found
    workers = _start_workers(p, analyzer)
    try:
        cuts = [(0, 0), *_cuts(ja, en, p), (len(ja), len(en))]
        bounds = list(zip(cuts, cuts[1:], strict=False))
        jobs: list[_Piece] = [
            (list(ja[i0:i1]), list(en[j0:j1]),
             None if ja_kinds is None else list(ja_kinds[i0:i1]),
             None if en_kinds is None else list(en_kinds[j0:j1]))
            for (i0, j0), (i1, j1) in bounds]
        done = _run_pieces(jobs, workers, mode, analyzer, lexicon, p, builtin)
    finally:
        for w in workers:
            w.close()
    out: list[Bead] = []
    for ((i0, j0), _end), beads in zip(bounds, done, strict=True):
        for b in beads:
            out.append(Bead(tuple(i0 + i for i in b.ja_ids), tuple(j0 + j for j in b.en_ids),
                            b.score))
    return out


def _align_piece(job: _Piece, analyzer: Analyzer | None, lexicon: Sequence[tuple[str, str]],
                 p: AlignParams, builtin: Lexicon | None) -> list[Bead]:
    """One piece of a long document: aligned whole, or in windows when no island cut it to
    at most ``p.window_from`` segments a side."""
    ja, en, ja_kinds, en_kinds = job
    if max(len(ja), len(en)) > p.window_from:
        return _align_windows(ja, en, analyzer, ja_kinds, en_kinds, lexicon, p, builtin)
    return _align_whole(ja, en, analyzer, ja_kinds, en_kinds, lexicon, p, builtin)


def _islands(ja: Sequence[str], en: Sequence[str]) -> list[tuple[int, int]]:
    """A cheap first pass (no Sudachi, no DP): (JA, EN) segment pairs sharing a number
    written in digits or a Latin word that each side of the document writes in that one
    segment only, reduced to their heaviest chain increasing on both sides.

    >>> _islands(["1909年に来た。", "CNBCの記者だ。", "雨だ。", "1,909年だ。"],
    ...          ["He came in 1909.", "It rained.", "A CNBC reporter."])
    [(1, 2)]
    """
    jt = [_island_tokens(unicodedata.normalize("NFKC", t)) for t in ja]
    df_ja: Counter[str] = Counter()
    for c in jt:
        df_ja.update(c)
    postings: dict[str, list[int]] = {}
    for j, t in enumerate(en):
        for tok in _island_tokens(t):
            if df_ja.get(tok) == 1:
                postings.setdefault(tok, []).append(j)
    pts: list[tuple[int, int, float]] = []
    for i, c in enumerate(jt):
        row: Counter[int] = Counter()
        for tok in c:
            hits = postings.get(tok, ())
            if len(hits) == 1 and df_ja[tok] == 1:
                row[hits[0]] += 1
        if row:
            j, s = max(row.items(), key=lambda kv: kv[1])
            pts.append((i, j, float(s)))
    return _heaviest_chain(pts, len(en))


_ISLAND_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z][A-Za-z0-9]+")


def _island_tokens(text: str) -> set[str]:
    """Numbers (digits, thousands separators dropped) and Latin words of two letters or
    more (lower-cased) of a segment.

    >>> sorted(_island_tokens("In 1,909 CNBC's G20 a"))
    ['1909', 'cnbc', 'g20', 'in']
    """
    return {t.replace(",", "").lower() for t in _ISLAND_RE.findall(text)}


def _cuts(ja: Sequence[str], en: Sequence[str], p: AlignParams) -> list[tuple[int, int]]:
    """Where to cut a long document into pieces of about ``p.window`` JA segments: before
    an island (see :func:`_islands`) that its neighbours on the chain confirm (see
    :func:`_agrees`). Each cut (i, j) starts a piece at JA *i* and EN *j*; a stretch with no
    confirmed island stays one piece (aligned in windows if long)."""
    chain = _islands(ja, en)
    ratio = len(en) / max(1, len(ja))
    sure = [chain[k] for k in range(1, len(chain) - 1)
            if _agrees(chain[k - 1], chain[k], ratio) and _agrees(chain[k], chain[k + 1], ratio)]
    out: list[tuple[int, int]] = []
    start = 0
    best: tuple[int, int] | None = None
    for pt in sure:
        if pt[0] - start > p.window and best is not None:
            out.append(best)
            start, best = best[0], None
        if pt[0] - start >= p.window // 3 and len(ja) - pt[0] >= p.window // 3:
            best = pt
            if pt[0] - start > p.window:  # no island in a window: cut at the first after it
                out.append(pt)
                start, best = pt[0], None
    return out


def _agrees(a: tuple[int, int], b: tuple[int, int], ratio: float) -> bool:
    """Whether two islands, near each other, are as far apart on the English side as the
    document's segment ratio predicts from the Japanese side (a few segments of slack for
    joined and missing sentences).

    >>> _agrees((10, 12), (50, 53), 1.0), _agrees((10, 12), (50, 90), 1.0)
    (True, False)
    """
    di, dj = b[0] - a[0], b[1] - a[1]
    return di <= 200 and dj <= 200 and abs(dj - ratio * di) <= 3 + 0.25 * max(di, dj)


def _run_pieces(jobs: list[_Piece], workers: list[_Worker], mode: str | None,
                analyzer: Analyzer | None, lexicon: Sequence[tuple[str, str]], p: AlignParams,
                builtin: Lexicon | None) -> list[list[Bead]]:
    """:func:`_align_piece` of every piece, in order.

    The *workers* (see :func:`_start_workers`), each fed by a thread of its own that sends
    it the next piece as soon as it answers (a worker waiting for this process to finish a
    piece before it got its next one did a third of the work), and this process take the
    largest piece left, so that the last ones are small: whoever finishes first then waits
    for the other's small piece, not a large one (pieces run from a third of a window to a
    full one). A worker that fails hands its piece back to this process and takes no more.
    """
    import threading
    from collections import deque

    if not workers or len(jobs) < 2:
        return [_align_piece(job, analyzer, lexicon, p, builtin) for job in jobs]
    results: list[list[Bead] | None] = [None] * len(jobs)
    todo = deque(_largest_first(jobs))
    lock = threading.Lock()

    def feed(w: _Worker) -> None:
        while True:
            with lock:
                if not todo:
                    return
                k = todo.popleft()
            try:
                results[k] = w.align((jobs[k], mode, lexicon, p))
            except _WorkerFailed:
                with lock:
                    todo.appendleft(k)
                return

    threads = [threading.Thread(target=feed, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        while True:
            with lock:
                if not todo:
                    break
                k = todo.popleft()
            results[k] = _align_piece(jobs[k], analyzer, lexicon, p, builtin)
        for t in threads:
            t.join()
        # the pieces of a worker that failed on its last one
        for k in todo:
            results[k] = _align_piece(jobs[k], analyzer, lexicon, p, builtin)
    except BaseException:
        for w in workers:  # a Ctrl-C: the threads' reads end when their worker does
            w.kill()
        for t in threads:
            t.join()
        raise
    return [r if r is not None else [] for r in results]


def _largest_first(jobs: list[_Piece]) -> list[int]:
    """The pieces' numbers, the most segments first (document order among equals).

    >>> _largest_first([(["a"], ["b"], None, None), (["a"] * 3, ["b"], None, None),
    ...                 (["a"], [], None, None)])
    [1, 0, 2]
    """
    return sorted(range(len(jobs)), key=lambda k: -(len(jobs[k][0]) + len(jobs[k][1])))


class _WorkerFailed(Exception):
    """A worker process ended or answered with an error."""


class _Worker:
    """A worker process (:mod:`tm.alignworker`) that aligns pieces sent to it through a pipe.

    It is a fresh interpreter: nothing is inherited from this process (no fork) and the
    caller's main script is not run again.
    """

    def __init__(self, mode: str | None, with_builtin: bool) -> None:
        import subprocess
        import sys

        cmd = [sys.executable, "-m", "taiyaku.tm.alignworker"]
        if mode is not None:
            cmd += [mode, "1" if with_builtin else "0"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)

    def align(self, request: tuple[_Piece, str | None, Sequence[tuple[str, str]],
                                   AlignParams]) -> list[Bead]:
        """Send one piece and wait for its beads."""
        import pickle

        try:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            pickle.dump(request, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
            status, value = pickle.load(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError) as e:
            raise _WorkerFailed(str(e)) from e
        if status != "ok":
            raise _WorkerFailed(str(value))
        beads: list[Bead] = value
        return beads

    def close(self) -> None:
        """End the worker: its input closes and it stops (killed if it does not)."""
        import subprocess

        for fh in (self.proc.stdin, self.proc.stdout):
            if fh is not None:
                try:
                    fh.close()
                except OSError:
                    pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Stop the worker at once."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _start_workers(p: AlignParams, analyzer: Analyzer | None) -> list[_Worker]:
    """The worker processes that help this one: ``p.workers - 1``, at most one per other
    core available; none when the analyzer is not Sudachi's plain
    :class:`~core.japanese.Analyzer` (a worker builds its own) or a worker cannot start."""
    import os

    from taiyaku.core.japanese import Analyzer

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    count = max(0, min(p.workers, cores) - 1)
    if analyzer is not None and type(analyzer) is not Analyzer:
        return []
    out: list[_Worker] = []
    for _ in range(count):
        try:
            out.append(_Worker(None if analyzer is None else analyzer.mode, p.builtin_lexicon))
        except OSError:  # cannot start a process here: align alone
            break
    return out


@functools.lru_cache(maxsize=2)
def _worker_tools(mode: str | None, with_builtin: bool) -> tuple[Analyzer | None, Lexicon | None]:
    """A worker's analyzer (Sudachi in split *mode*; ``None`` for none) and word list, made
    once per worker process."""
    from taiyaku.core.japanese import Analyzer
    from taiyaku.tm.lexicon import load_lexicon

    if mode is None:
        return None, None
    return Analyzer(mode), load_lexicon() if with_builtin else None


def _window_cut(beads: list[Bead], rows: int, sure: float) -> int:
    """How many of a window's beads to keep: up to the last confident 1-1 bead that ends
    within its first *rows* Japanese segments (a 1-1 bead of confidence *sure* or more;
    else every bead ending within them, and at least one bead, so the next window always
    starts further on).

    >>> b = [Bead((0,), (0,), 0.95), Bead((1,), (1,), 0.5), Bead((2,), (2,), 0.99)]
    >>> _window_cut(b, 2, 0.9), _window_cut(b, 3, 0.9), _window_cut(b[1:2], 0, 0.9)
    (1, 3, 1)
    """
    i = 0
    confident = fits = 0
    for k, b in enumerate(beads):
        i += len(b.ja_ids)
        if i > rows:
            break
        fits = k + 1
        if len(b.ja_ids) == 1 and len(b.en_ids) == 1 and b.score >= sure:
            confident = k + 1
    return confident or fits or 1


def _beads(steps: list[tuple[int, int]], sc: _Scorer) -> list[Bead]:
    out: list[Bead] = []
    i = j = 0
    for a, b in steps:
        i2, j2 = i + a, j + b
        neighbours: list[float] = []
        if a == 0 or b == 0:
            # pairing the lone segment with the next or previous segment of the other side
            if a:
                for jj in (j, j + 1):
                    if 0 < jj <= len(sc.ce) - 1:
                        neighbours.append(sc.cost(i2, jj, a, 1) - sc.cost(i2, jj, 0, 1))
            else:
                for ii in (i, i + 1):
                    if 0 < ii <= len(sc.cj) - 1:
                        neighbours.append(sc.cost(ii, j2, 1, b) - sc.cost(ii, j2, 1, 0))
        conf = _confidence(bool(a and b), _features(sc, i2, j2, a, b, neighbours), sc.p)
        out.append(Bead(tuple(range(i, i2)), tuple(range(j, j2)), round(conf, 4)))
        i, j = i2, j2
    return out


def _segment_classes(texts: Sequence[str], kinds: Sequence[str] | None, lang: str) -> list[str]:
    """Per segment: its kind, ``boilerplate`` for page furniture, ``foreign`` for a line
    written wholly in the other language (an English line on the Japanese side)."""
    return [_segment_class(t, kinds[k] if kinds is not None and k < len(kinds) else "text", lang)
            for k, t in enumerate(texts)]


@functools.lru_cache(maxsize=1 << 16)
def _segment_class(text: str, kind: str, lang: str) -> str:
    """:func:`_segment_classes` of one segment, cached: the windows of a long document
    overlap, and each window asks twice.

    >>> _segment_class("Read more", "text", "en"), _segment_class("He said.", "text", "ja")
    ('boilerplate', 'foreign')
    """
    from taiyaku.core.normalize import has_japanese

    if kind == "boilerplate" or is_boilerplate(text):
        return "boilerplate"
    jp = has_japanese(text)
    if lang == "ja" and not jp and any(c.isalpha() for c in text):
        return "foreign"
    if lang == "en" and jp and not any("a" <= c.lower() <= "z" for c in text):
        return "foreign"
    return kind if kind in ("heading", "list", "caption") else "text"


_CONT_END = ("、", "，", ",", ":", "：")
_CONT_START = ("と", "を", "という", "といった", "です", "については", "について")


def _continues(prev: str, nxt: str) -> bool:
    """Whether a Japanese line continues the previous one (a sentence broken over lines).

    >>> _continues("彼は今回の電話で、", "「…」と述べた。"), _continues("終わり。", "次の文。")
    (True, False)
    """
    a, b = prev.rstrip(), nxt.lstrip()
    return bool(a) and bool(b) and (a.endswith(_CONT_END) or b.startswith(_CONT_START))


def _lead_ins(texts: Sequence[str], kinds: list[str], ends: tuple[str, ...]) -> list[bool]:
    """Per segment: whether it is a text line ending in one of *ends* with a list item next.

    >>> _lead_ins(["He listed:", "tariffs", "Done."], ["text", "list", "text"], (":",))
    [True, False, False]
    """
    n = len(texts)
    return [kinds[k] == "text" and k + 1 < n and kinds[k + 1] == "list"
            and texts[k].rstrip().endswith(ends) for k in range(n)]


def _list_groups(ja: Sequence[str], kinds: list[str]) -> dict[int, list[int]]:
    """Japanese sentences spread over a list: an intro line ending in 、 or ：, list items,
    and an optional closing tail (という…。). Maps the end row of each such run of 4–6
    segments to its sizes.

    >>> _list_groups(["これは、", "一つ目", "二つ目", "という話だ。"],
    ...              ["text", "list", "list", "text"])
    {4: [4]}
    """
    out: dict[int, list[int]] = {}
    n = len(ja)
    for s in range(n - 1):
        if kinds[s] != "text" or not ja[s].rstrip().endswith(_CONT_END):
            continue
        e = s + 1
        while e < n and kinds[e] == "list":
            e += 1
        if e - s < 3:
            continue
        if e < n and kinds[e] == "text" and _is_tail(ja[e], 40):
            e += 1
        if 4 <= e - s <= 6:
            out.setdefault(e, []).append(e - s)
    return out


def _glued(text: str) -> tuple[bool, bool]:
    """Whether a Japanese line starts with a title that its sentence repeats (源有綱源 有綱（…),
    and whether a short heading follows its last 。 (…用いられている。概説).

    >>> _glued("源有綱源 有綱（生年不詳）は武将。"), _glued("呼ばれる。概説")
    ((True, False), (False, True))
    """
    t = "".join(text.split())
    head = any(t[:k] == t[k:2 * k] for k in range(2, min(12, len(t) // 2) + 1))
    k = t.rfind("。")
    rest = t[k + 1:] if k >= 0 else ""
    tail = 0 < len(rest) <= 12 and not any(c in rest for c in "、。」）)")
    return head, tail


def _glued_en(text: str) -> bool:
    """Whether a short heading follows the last full stop of an English line."""
    t = text.strip()
    k = t.rfind(". ")
    rest = t[k + 2:] if k >= 0 else ""
    return bool(rest) and len(rest.split()) <= 4 and not rest.endswith((".", "?", "!"))


def _headed_en(text: str) -> bool:
    """Whether an English sentence may start with a glued heading ("Summary It was …")."""
    w = text.split()
    if len(w) < 7:
        return False
    return any(w[k] in _STARTERS and w[k - 1][-1:].isalnum() for k in range(1, 6))


_STARTERS = frozenset("It They The This These He She In A An There Its His Her On At".split())


def _short_ja(text: str) -> bool:
    """Whether a Japanese line reads as a heading: short, no sentence end."""
    t = text.strip()
    return 0 < len(t) <= 12 and not any(c in t for c in "。、")


def _short_en(text: str) -> bool:
    """Whether an English line reads as a heading: a few words, no closing full stop."""
    t = text.strip()
    return 0 < len(t.split()) <= 6 and not t.endswith((".", "?", "!", ":", ";", ","))


_TAIL_START = ("と", "という", "といった", "です", "でした")


def _is_tail(text: str, limit: int = 20) -> bool:
    """Whether a Japanese line only closes a sentence begun above (「…」という…, です。).

    >>> _is_tail("という見方がある。"), _is_tail("東京は大きい。")
    (True, False)
    """
    t = text.strip()
    return len(t) <= limit and t.startswith(_TAIL_START)


def _mute_foreign(anchors: DocAnchors, ja: Sequence[str], en: Sequence[str]) -> None:
    """Other-language lines share every word with their neighbours' translations: such
    lines pair only with an identical twin (see :meth:`_Scorer.extra`), not through anchors."""
    from collections import Counter

    muted = False
    for side, texts, lang in ((anchors.ja, ja, "ja"), (anchors.en, en, "en")):
        for k, kind in enumerate(_segment_classes(texts, None, lang)):
            if kind == "foreign" and side[k]:
                side[k] = Counter()
                muted = True
    if muted:
        anchors.reweigh()


def _orphans(anchors: DocAnchors, null_ja: list[float], null_en: list[float],
             p: AlignParams) -> None:
    """A segment with a number that the other side never writes is likely untranslated:
    leaving it unpaired costs less."""
    w = anchors.weight
    for side, null in ((anchors.ja, null_ja), (anchors.en, null_en)):
        for k, c in enumerate(side):
            if any(t[0] in "nD" and t not in w for t in c):
                null[k] = max(p.orphan_floor, null[k] - p.orphan_bonus)


def _repeated(texts: Sequence[str], side: list[Counter[str]], w: dict[str, float]) -> list[int]:
    """Lines repeated verbatim next to themselves that share no anchor with the other side
    (an author box rendering the name twice, "copied!" notices): page furniture.

    >>> _repeated(["本文。", "Hanako Sato", "Hanako Sato"], [Counter(), Counter(), Counter()], {})
    [1, 2]
    """
    out: list[int] = []
    for k, t in enumerate(texts):
        key = t.strip()
        if not key or any(tok in w for tok in side[k]):
            continue
        if (k and texts[k - 1].strip() == key) or (k + 1 < len(texts)
                                                  and texts[k + 1].strip() == key):
            out.append(k)
    return out


def _twins(a: str, b: str, least: float) -> bool:
    """Whether two lines are the same text (a quote repeated in the other half)."""
    from rapidfuzz import fuzz
    from taiyaku.core.normalize import normalize

    return fuzz.ratio(normalize(a), normalize(b)) >= least


def _null_costs(texts: Sequence[str], kinds: Sequence[str] | None, p: AlignParams) -> list[float]:
    out: list[float] = []
    for k, t in enumerate(texts):
        kind = kinds[k] if kinds is not None and k < len(kinds) else "text"
        if kind == "boilerplate" or is_boilerplate(t) or not t.strip():
            out.append(p.boilerplate_null_cost)
        else:
            out.append(p.null_cost)
    return out


def _default_analyzer() -> Analyzer | None:
    from taiyaku.core.errors import DependencyError
    from taiyaku.core.japanese import Analyzer

    a = Analyzer()
    try:
        a.tokenize("試験")
    except DependencyError:
        return None
    return a


def _learn_lexicon(steps: list[tuple[int, int]], sc: _Scorer) -> list[tuple[str, str]]:
    """Word pairs that co-occur in the confident 1-1 beads of the first pass (Dice at least
    ``learn_dice``)."""
    p = sc.p
    anchors = sc.anchors
    pairs: list[tuple[set[str], set[str]]] = []
    i = j = 0
    for a, b in steps:
        if a == 1 and b == 1 and _features(sc, i + 1, j + 1, 1, 1, [])[0] >= p.learn_margin:
            jw, ew = anchors.ja_words[i], anchors.en_words[j]
            if jw and ew:
                pairs.append((jw, ew))
        i, j = i + a, j + b
    if len(pairs) < p.learn_min_beads:
        return []
    fj: Counter[str] = Counter()
    fe: Counter[str] = Counter()
    fje: Counter[tuple[str, str]] = Counter()
    for jw, ew in pairs:
        fj.update(jw)
        fe.update(ew)
    for jw, ew in pairs:
        # words seen once cannot reach the count of 2 needed below; the pairs are counted
        # by Counter.update (in C), a third of the learning pass's time in a Python loop
        fje.update(itertools.product([x for x in jw if fj[x] >= 2],
                                     [y for y in ew if fe[y] >= 2]))
    scored = sorted(
        (-2.0 * c / (fj[x] + fe[y]), -c, x, y) for (x, y), c in fje.items() if c >= 2
    )
    # competitive linking: best pairs first, each word in at most one pair, so an English
    # word seen beside several Japanese words is linked to the one it translates
    taken_j: set[str] = set()
    taken_e: set[str] = set()
    out: list[tuple[str, str]] = []
    for neg_dice, _c, x, y in scored:
        if -neg_dice < p.learn_dice:
            break
        if x in taken_j or y in taken_e:
            continue
        taken_j.add(x)
        taken_e.add(y)
        out.append((x, y))
    return sorted(out)
