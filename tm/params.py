"""The aligner's tuning in one place: every cost, weight and threshold of :mod:`tm.align` and
:mod:`tm.anchors`, each with what it prices and how its value was chosen.

Costs are negative log-probabilities, roughly: a bead's cost is its prior (the bead type)
plus the length model, minus the anchors both sides share, plus the structure costs. The
development set is ``../shared/data/align-dev`` (60 Kyoto documents); "unseen" means Kyoto
documents that align-dev does not use, built by ``tests/benchmarks/bench_align.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AlignParams", "KIND_WEIGHT"]

#: strength of one shared anchor by kind (the anchor string's first letter), before it is
#: divided by how many segments carry it: set by hand on align-dev, rarer and surer kinds
#: dearer — numbers n, months m, Latin words w, transliterated names t, CJK written in the
#: English c, lexicon entries x, learned pairs y, quotes and brackets q, built-in common
#: words d, month-day dates D, built-in word list l
KIND_WEIGHT: dict[str, float] = {
    "n": 2.0, "m": 0.8, "w": 2.2, "t": 1.8, "c": 2.5, "x": 2.5, "y": 2.0, "q": 0.4,
    "d": 2.0, "D": 2.0, "l": 1.0,
}


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Costs and thresholds of the aligner (see the module docstring for their units).

    The length model: ``x = log((len_en + k) / (ratio · len_ja + k))`` is normal with mean 0
    and deviation ``sigma`` once ``ratio`` (English characters per Japanese character) is
    known; ``ratio`` starts from ``prior_ratio`` and moves towards the document's own ratio.
    """

    # -- length model
    # English characters per Japanese character: measured on the Kyoto Wikipedia corpus
    prior_ratio: float = 3.5
    # deviation of the log length ratio of true pairs: set by hand on align-dev
    sigma: float = 0.38
    # characters added to both lengths (k above), so short lines are not judged by length:
    # set by hand on align-dev
    smooth: float = 15.0
    # a document's ratio counts once both sides have this many characters (outside quotes)
    ratio_min_chars: int = 50
    # ... and is clipped to within this factor of the prior, then met halfway in log space
    ratio_clip: float = 2.5

    # -- bead priors (1-1 costs 0)
    # a segment left unpaired (1-0, 0-1): recalibrated on align-dev with the mismatch cost
    null_cost: float = 2.5
    # a page-furniture line (share widgets, 広告) left unpaired: cheap, set by hand
    boilerplate_null_cost: float = 0.3
    # a 2-1 or 1-2 bead: set by hand on align-dev
    merge_cost: float = 2.6
    # a 2-2 bead: set by hand on align-dev (rare in real documents)
    two_two_cost: float = 5.5
    # a 3-1 or 1-3 bead: set by hand on align-dev
    three_cost: float = 5.5
    # a Japanese sentence spread over a list ("…は、" + items + "という…。") against one
    # English sentence, 4-1 up to 6-1: as dear as a 3-1 (pre-translation joins up to 6
    # segments to meet such a unit); 0 turns it off
    group_cost: float = 5.5
    # a null bead that continues a run of at least `null_run_from` nulls on the same side
    # costs this fraction (untranslated material comes in blocks: a lead paragraph, page
    # furniture, an author box), and so does the rest of a Japanese sentence broken over
    # lines when its start is unpaired: set by hand on align-dev
    null_run: float = 0.4
    null_run_from: int = 3
    # leaving unpaired a segment with a number the other side never writes costs this less
    # (never below `orphan_floor`): set by hand
    orphan_bonus: float = 1.0
    orphan_floor: float = 0.1

    # -- anchors (shared numbers, names, words)
    # cost units per unit of shared anchor weight: set by hand on align-dev
    anchor_scale: float = 1.6
    # cost units per unit of shared built-in word-list weight: set by hand on align-dev/KNH
    lex_scale: float = 2.5
    # an anchor carried by more than this many segments (geometric mean of both sides) is
    # no anchor: it tells no lines apart, and its pairs would cost time
    max_spread: float = 40.0
    # anchor strength per kind: see :data:`KIND_WEIGHT`
    kind_weight: dict[str, float] = field(default_factory=lambda: dict(KIND_WEIGHT))
    # the mismatch counts the anchor weight both sides leave unexplained (the smaller of the
    # two, as a loose translation drops details) plus `mismatch_excess` of the difference:
    # one side naming several things the other side of the document has, the other naming
    # none of them, is evidence too. mismatch set by hand on align-dev; mismatch_excess
    # chosen on the unseen Kyoto seeds (0.2–0.5 all beat 0)
    mismatch: float = 1.0
    mismatch_excess: float = 0.4

    # -- structure (kinds of lines)
    # pairing a page-furniture line, per such line in the bead: set by hand
    boilerplate_pair: float = 4.0
    # pairing a line written in the other language with anything but its twin (a quote
    # repeated in the other half earns half of it back instead): set by hand on the KNH
    # article and align-dev; twins are lines whose normalized texts score at least
    # `twin_score` (0–100) in rapidfuzz's ratio
    foreign_pair: float = 10.0
    twin_score: float = 85.0
    # each line break inside a joined Japanese bead that continues a sentence (a line
    # ending in 、 or a と/という tail): set by hand on align-dev and the KNH article
    join_bonus: float = 2.0
    # a heading paired with a heading, and a list's lead-in with a lead-in (a list item
    # with a list item gets half of it): set by hand on align-dev and the KNH article
    kind_bonus: float = 1.5
    # a heading paired with a non-heading (a list item with a non-list line: half; a
    # caption with a non-caption: double): set by hand on align-dev and the KNH article
    kind_mismatch: float = 3.0
    # a Japanese line that carries a heading glued to its sentence (a title before it,
    # "概説" after its 。) against a sentence and a short English heading: 1-2 bead bonus;
    # and the mirrors, an English line with a heading after its last full stop or before its
    # sentence ("Summary It was …") against a short Japanese heading line and a sentence:
    # 2-1 bonuses. Each raised align-dev (0.977 → 0.979) and the unseen seeds
    glued_bonus: float = 3.0
    glued_en_bonus: float = 3.0
    head_en_bonus: float = 3.0

    # -- search
    # a document whose DP has at most this many cells is searched whole, a larger one in a
    # band of ±`band` columns around its heaviest chain of strong anchor pairs (a row's
    # best pair scoring at least `band_anchor`): set for speed, with no loss on align-dev
    full_dp_cells: int = 40_000
    band: int = 15
    band_anchor: float = 1.5
    # the refining pass (after learning a lexicon) searches ±`refine_band` around the
    # first path
    refine_band: int = 8
    # a document with more than `window_from` segments on either side is aligned in
    # overlapping windows of `window` Japanese segments (see :func:`tm.align._align_windows`):
    # anchor weights, the learned word list and the DP then work on one window at a time,
    # so time and memory grow linearly with the document; smaller documents are aligned
    # whole. On documents of 150 Kyoto articles (7,000–7,800 segments a side) windows of
    # 1,500 keeping 80% gave link F1 0.972 and 0.976 where one whole pass gave 0.955 and
    # 0.955 (windows of 3,000: 0.968; 6,000: 0.960): a window's length ratio and anchor
    # weights fit its own stretch of text
    window_from: int = 6000
    window: int = 1500
    window_keep: float = 0.8
    # such a document is first cut into independent pieces of about `window` JA segments at
    # islands (segment pairs sharing a number or Latin word that each side writes once, see
    # :func:`tm.align._cuts`); each piece is aligned as above, and up to `workers` processes
    # (this one included, never more than the machine's cores) share the pieces
    workers: int = 2
    # a kept window ends after a 1-1 bead at least this confident (about 95% of them are
    # right, see `conf_pair`)
    cut_confidence: float = 0.9

    # -- lexicons
    # learn a word list from the first pass's confident 1-1 beads (margin over leaving them
    # unpaired at least `learn_margin`, at least `learn_min_beads` of them), word pairs
    # with Dice at least `learn_dice`, then align again: set by hand on align-dev
    learn: bool = True
    learn_margin: float = 2.4
    learn_min_beads: int = 4
    learn_dice: float = 0.5
    # use the built-in JA-EN word list (tm/data/lexicon.tsv) as `l:` anchors
    builtin_lexicon: bool = True

    # -- confidence
    # logistic weights over a bead's margins (see :func:`tm.align._features`, capped at
    # `margin_cap`): fitted by logistic regression on the beads of align-dev and of 60
    # synthetic Kyoto documents, the target being "this bead is exactly a gold bead"
    conf_pair: tuple[float, float, float] = (1.705, 0.089, 0.254)
    conf_null: tuple[float, float] = (1.369, 0.147)
    margin_cap: float = 8.0
