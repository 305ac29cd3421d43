"""Pre-translation: best TM matches and glossary terms for every segment of a new article.

Stacked by size so each layer tests alone (as Translate Toolkit's pretranslate does):
:func:`pretranslate_segment` turns one segment's matches and term hits into a
:class:`PretranslatedSegment`; :func:`pretranslate_document` looks up a whole list of segments in
one batch and marks repetitions; :func:`pretranslate_file` reads, segments, writes the output
(XLIFF, XLSX, JSON or TMX, by extension) and the analysis report.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from taiyaku.core.errors import ExportError, InputError
from taiyaku.core.model import Match, Segment, TMUnit
from taiyaku.core.normalize import has_japanese, normalize, script_of
from taiyaku.core.printable import name_text, path_text, visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.tm.qa import NOT_SUBSTITUTED, numbers_agree, repair_match
from taiyaku.tm.report import BAND_LABELS, BAND_TINTS, REPORT_SUFFIXES, Analysis, analyze, band_of
from taiyaku.tm.units import match_key, text_hash

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.core.terms import TermEntry
    from taiyaku.exports.outfile import OutputSet
    from taiyaku.tm.store import Store

__all__ = [
    "PretranslateOptions",
    "TermFound",
    "PretranslatedSegment",
    "PretranslatedDocument",
    "PretranslateResult",
    "OUTPUT_SUFFIXES",
    "pretranslate_segment",
    "pretranslate_document",
    "pretranslate_file",
    "write_output",
    "detect_language",
]

#: output formats by extension
OUTPUT_SUFFIXES = (".xlf", ".xliff", ".xlsx", ".json", ".tmx")


@dataclass(frozen=True)
class PretranslateOptions:
    """What to pre-translate into, and how.

    :ivar output: output file; its extension picks the format (.xlf/.xliff, .xlsx, .json, .tmx)
    :ivar min_score: matches below this score are not offered
    :ivar report: analysis report file (.html or .json), or None
    :ivar xliff_version: ``"2.1"`` (default) or ``"1.2"`` (matches as ``alt-trans``)
    :ivar fill_fuzzy: also fill targets from the best fuzzy match (state: needs review)
    :ivar limit: how many matches to keep per segment, best first
    """

    output: Path
    min_score: float = 50.0
    report: Path | None = None
    xliff_version: str = "2.1"
    fill_fuzzy: bool = False
    limit: int = 3


class TermHitLike(Protocol):
    """What a term finder returns per hit (``glossary.lookup.TermHit``)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def surface(self) -> str: ...
    @property
    def entry(self) -> TermEntry: ...


class TermFinder(Protocol):
    """Finds glossary terms in a text (``glossary.lookup.TermIndex``)."""

    def find(self, text: str) -> Sequence[TermHitLike]: ...


@dataclass(frozen=True, slots=True)
class TermFound:
    """A glossary term found in a segment.

    :ivar ja: the entry's preferred Japanese term
    :ivar en: its preferred usable English term (None when the entry has no English)
    :ivar status: the entry's status: ``approved``, ``candidate`` or ``forbidden``
    :ivar en_alternatives: further English forms, preferred first
    """

    start: int
    end: int
    surface: str
    ja: str
    en: str | None
    status: str
    entry_id: int | None = None
    en_alternatives: tuple[str, ...] = ()

    @property
    def forbidden(self) -> bool:
        """True when the term must not be used (its entry is marked forbidden)."""
        return self.status == "forbidden"

    @classmethod
    def from_hit(cls, hit: TermHitLike) -> TermFound:
        """Build from a term index hit; the English shown is the first form not deprecated.

        >>> from taiyaku.core.terms import TermEntry, TermForm
        >>> class Hit:
        ...     start, end, surface = 0, 4, "輸出規制"
        ...     entry = TermEntry(ja=(TermForm("輸出規制", "ja"),),
        ...                       en=(TermForm("export ctrl", "en", status="forbidden"),
        ...                           TermForm("export controls", "en")), status="approved")
        >>> t = TermFound.from_hit(Hit())
        >>> t.ja, t.en, t.en_alternatives
        ('輸出規制', 'export controls', ('export ctrl',))
        """
        e = hit.entry
        usable = [f.text for f in e.en if f.status not in ("forbidden", "deprecated")]
        others = [f.text for f in e.en if f.text not in usable]
        en = usable[0] if usable else None
        return cls(
            start=hit.start,
            end=hit.end,
            surface=hit.surface,
            ja=e.ja[0].text if e.ja else hit.surface,
            en=en,
            status=e.status,
            entry_id=e.id,
            en_alternatives=tuple(usable[1:] + others),
        )

    def describe(self) -> str:
        """One line for a spreadsheet cell or a note: ``輸出規制 → export controls``.

        >>> TermFound(0, 2, "曖昧", "曖昧さ", None, "forbidden").describe()
        '曖昧さ → (no English) [forbidden]'
        """
        text = f"{self.ja} → {self.en or '(no English)'}"
        if self.status != "approved":
            text += f" [{self.status}]"
        return text

    def to_json(self) -> dict[str, object]:
        """``ja``, ``en`` (strings; ``en`` may be null), where it was found, and the status."""
        return {
            "ja": self.ja,
            "en": self.en,
            "surface": self.surface,
            "start": self.start,
            "end": self.end,
            "status": self.status,
            "forbidden": self.forbidden,
            "id": self.entry_id,
            "en_alternatives": list(self.en_alternatives),
        }


@dataclass(frozen=True, slots=True)
class PretranslatedSegment:
    """One segment with its matches (best first), terms, target and band.

    :ivar index: 0-based position in the document
    :ivar target: filled for exact (100) matches, and from the best fuzzy match with
        ``fill_fuzzy``; None otherwise
    :ivar state: ``translated`` (exact), ``needs-review`` (fuzzy fill) or ``new``
    :ivar repetition_of: index of the first occurrence when this segment repeats an earlier one
    :ivar parts: how many input segments were joined into this one to meet an exact TM unit
    """

    index: int
    source: str
    lang: str
    matches: tuple[Match, ...] = ()
    terms: tuple[TermFound, ...] = ()
    target: str | None = None
    state: str = "new"
    band: str = "no-match"
    kind: str = "text"
    repetition_of: int | None = None
    parts: int = 1

    @property
    def best(self) -> Match | None:
        """The best match, or None."""
        return self.matches[0] if self.matches else None

    @property
    def score(self) -> float | None:
        """The best match's score, or None."""
        return self.matches[0].score if self.matches else None

    def to_json(self) -> dict[str, object]:
        """The DESIGN.md shape: ``source``, ``matches`` best first (``score``, ``source``,
        ``target``), ``terms`` (``ja``, ``en``), plus target, state, band and repetition."""
        return {
            "id": self.index + 1,
            "source": self.source,
            "lang": self.lang,
            "kind": self.kind,
            "target": self.target,
            "state": self.state,
            "band": self.band,
            "score": self.score,
            "repetition_of": None if self.repetition_of is None else self.repetition_of + 1,
            "joined": self.parts,
            "matches": [match_json(m) for m in self.matches],
            "terms": [t.to_json() for t in self.terms],
        }


def match_json(m: Match) -> dict[str, object]:
    """A match in the DESIGN.md shape (``score``, ``source``, ``target``) with its extras."""
    return {
        "score": round(m.score, 2),
        "source": m.source,
        "target": m.target,
        "target_substituted": m.target_substituted,
        "flags": list(m.flags),
        "id": m.id,
        "document": m.document,
    }


def suggested_target(m: Match) -> str:
    """The target a translator gets from *m*: with the query's numbers put in when only
    numbers differ, the stored target otherwise."""
    return m.target_substituted if m.target_substituted else m.target


@dataclass(frozen=True, slots=True)
class PretranslatedDocument:
    """A whole pre-translated document."""

    name: str
    src_lang: str
    trg_lang: str
    segments: tuple[PretranslatedSegment, ...]

    def analysis(self) -> Analysis:
        """Counts by match band (repetitions, 100%, 95–99 … no match)."""
        return analyze(
            ((s.source, s.band) for s in self.segments),
            document=self.name, src_lang=self.src_lang, trg_lang=self.trg_lang,
        )

    def to_json(self) -> list[dict[str, object]]:
        """One object per segment (the ``-o X.json`` content)."""
        return [s.to_json() for s in self.segments]


@dataclass(frozen=True)
class PretranslateResult:
    """What :func:`pretranslate_file` did: the document, its analysis and the files written."""

    input: Path
    output: Path
    report: Path | None
    document: PretranslatedDocument
    analysis: Analysis = field(repr=False)

    def to_json(self) -> dict[str, object]:
        """For ``--json``: files, languages, counts of filled targets and term hits, analysis."""
        segs = self.document.segments
        return {
            "input": path_text(self.input),
            "output": path_text(self.output),
            "report": path_text(self.report) if self.report else None,
            "src_lang": self.document.src_lang,
            "trg_lang": self.document.trg_lang,
            "segments": len(segs),
            "filled": sum(1 for s in segs if s.target is not None),
            "term_hits": sum(len(s.terms) for s in segs),
            "analysis": self.analysis.to_json(),
        }

    def summary(self) -> str:
        """Human summary: what was written, then the band table."""
        segs = self.document.segments
        filled = sum(1 for s in segs if s.target is not None)
        hits = sum(len(s.terms) for s in segs)
        lines = [
            f"{visible(str(self.input))}: {len(segs)} segments ({self.document.src_lang} → "
            f"{self.document.trg_lang}), {filled} targets filled, {hits} term hits",
            f"wrote {visible(str(self.output))}"
            + (f" and {visible(str(self.report))}" if self.report else ""),
            self.analysis.render(),
        ]
        return "\n".join(lines)


# -- layer 1: one segment ----------------------------------------------------------------------
def pretranslate_segment(
    segment: Segment,
    matches: Sequence[Match],
    hits: Sequence[TermHitLike] = (),
    *,
    index: int = 0,
    options: PretranslateOptions | None = None,
    repetition_of: int | None = None,
    parts: int = 1,
) -> PretranslatedSegment:
    """Combine one segment's TM matches and term hits into a :class:`PretranslatedSegment`.

    Matches under ``options.min_score`` are dropped, the rest sorted best first and cut to
    ``options.limit``; an exact match (100) fills the target, and with ``fill_fuzzy`` so does
    the best fuzzy one (numbers substituted where only numbers differ).

    :param repetition_of: index of the segment's first occurrence, when it repeats one
    :param parts: how many segments of the input were joined into this one

    >>> seg = Segment("会談は13日に行われた。", "ja")
    >>> m = Match(7, 99.0, "会談は12日に行われた。", "The talks were held on the 12th.",
    ...           flags=("numbers",), target_substituted="The talks were held on the 13th.")
    >>> p = pretranslate_segment(seg, [m])
    >>> p.band, p.target, p.state
    ('95-99', None, 'new')
    >>> opts = PretranslateOptions(output=Path("x.json"), fill_fuzzy=True)
    >>> pretranslate_segment(seg, [m], options=opts).target
    'The talks were held on the 13th.'
    """
    opts = options or PretranslateOptions(output=Path("-"))
    kept = sorted((m for m in matches if m.score >= opts.min_score), key=lambda m: -m.score)
    # numbers written as words or month names are substituted too, or the match is flagged
    kept = [repair_match(segment.text, m, segment.lang) for m in kept[: max(opts.limit, 1)]]
    target: str | None = None
    state = "new"
    if kept:
        best = kept[0]
        if best.score >= 100.0:
            target, state = best.target, "translated"
        elif opts.fill_fuzzy and numbers_agree(segment.text, suggested_target(best),
                                               segment.lang):
            target, state = suggested_target(best), "needs-review"
    terms = tuple(sorted((TermFound.from_hit(h) for h in hits), key=lambda t: (t.start, -t.end)))
    band = band_of(kept[0].score if kept else None, repetition=repetition_of is not None)
    return PretranslatedSegment(
        index=index,
        source=segment.text,
        lang=segment.lang,
        matches=tuple(kept),
        terms=terms,
        target=target,
        state=state,
        band=band,
        kind=segment.kind,
        repetition_of=repetition_of,
        parts=parts,
    )


# -- layer 2: a document -----------------------------------------------------------------------
def detect_language(segments: Sequence[Segment]) -> str:
    """The document's language: the script holding most of its letters (``ja`` on a tie).

    >>> detect_language([Segment("Trade talks resumed.", "en"), Segment("米中が協議", "ja")])
    'en'
    """
    weight = {"ja": 0, "en": 0}
    for s in segments:
        lang = s.lang if s.lang in weight else script_of(s.text)
        if lang in weight:
            # Japanese packs about three Latin letters' worth into one character.
            n = len(s.text)
            weight[lang] += n * 3 if lang == "ja" else n
    return "en" if weight["en"] > weight["ja"] else "ja"


def repetition_key(text: str) -> str:
    """What makes two segments repetitions of each other: the normalised text, case kept.

    >>> repetition_key("米中　対立") == repetition_key("米中対立")
    True
    """
    return normalize(text)


def pretranslate_document(
    store: Store,
    segments: Sequence[Segment],
    options: PretranslateOptions,
    *,
    name: str = "",
    terms: TermFinder | None = None,
    analyzer: Analyzer | None = None,
    progress: Progress = no_progress,
) -> PretranslatedDocument:
    """Pre-translate *segments*: one batch TM lookup for the distinct segments, term hits per
    segment, repetitions marked (the first occurrence counts by its match, later ones as
    repetitions).

    :param terms: a term finder; by default the store's glossary
        (``glossary.lookup.TermIndex.load(store, analyzer)``)
    :param analyzer: the Sudachi analyzer to share (one is built when needed)

    >>> from taiyaku.tm.store import Store
    >>> store = Store.open(":memory:")
    >>> doc = pretranslate_document(store, [Segment("新しい文", "ja"), Segment("新しい文", "ja")],
    ...                             PretranslateOptions(output=Path("out.json")))
    >>> [s.band for s in doc.segments]
    ['no-match', 'repetition']
    """
    from taiyaku.tm.index import ensure_current
    from taiyaku.tm.search import find_matches_many

    src_lang = detect_language(segments)
    trg_lang = "en" if src_lang == "ja" else "ja"
    ensure_current(store, progress)  # an index an older version built is rebuilt, shown
    progress(0, len(segments), "pretranslating")

    exact = ExactMatcher(store, src_lang, limit=options.limit)
    segments, parts = exact.join_segments(segments)
    total = len(segments)
    first: dict[str, int] = {}
    distinct: list[int] = []
    for i, seg in enumerate(segments):
        key = repetition_key(seg.text)
        if key not in first:
            first[key] = i
            distinct.append(i)

    # Exact matches come from the hash columns of the source language (a line of English in a
    # Japanese article is still Japanese-side text); fuzzy search only runs for segments
    # written in the source language, so no candidate ever translates the wrong way.
    matches_of = {i: exact.matches(segments[i].text) for i in distinct}
    fuzzy = [i for i in distinct if not matches_of[i] and _searchable(segments[i].text, src_lang)]
    chunk = 200
    for start in range(0, len(fuzzy), chunk):
        part = fuzzy[start : start + chunk]
        found = find_matches_many(
            store, [segments[i].text for i in part],
            limit=options.limit, min_score=options.min_score,
        )
        for i, ms in zip(part, found, strict=True):
            matches_of[i] = ms
        progress(min(start + chunk, len(fuzzy)), len(fuzzy), "matching")

    if terms is None:
        terms = _load_terms(store, analyzer)

    out: list[PretranslatedSegment] = []
    for i, seg in enumerate(segments):
        key_first = first[repetition_key(seg.text)]
        rep = key_first if key_first != i else None
        hits = terms.find(seg.text) if seg.text.strip() else ()
        out.append(
            pretranslate_segment(
                seg, matches_of[key_first], hits, index=i, options=options, repetition_of=rep,
                parts=parts[i],
            )
        )
        if (i + 1) % 100 == 0 or i + 1 == total:
            progress(i + 1, total, "terms")
    return PretranslatedDocument(name, src_lang, trg_lang, tuple(out))


def _searchable(text: str, src_lang: str) -> bool:
    """Whether fuzzy search can offer *text* a translation into the other language: Japanese
    text for a Japanese article, Latin text without kana/kanji for an English one."""
    if src_lang == "ja":
        return has_japanese(text)
    return not has_japanese(text) and any(c.isalpha() for c in text)


#: the longest run of consecutive segments tried as one, to meet a TM unit aligned 2-1, 3-1
#: or as a sentence spread over a list (up to 6-1, see :class:`tm.align.AlignParams`)
MAX_JOIN = 6


class ExactMatcher:
    """Exact (100%) TM lookups by hash on the source language's side of the units.

    :param limit: how many exact units to return per text (different translations)
    """

    def __init__(self, store: Store, src_lang: str, *, limit: int = 3) -> None:
        self.store = store
        self.lang = "en" if src_lang == "en" else "ja"
        self.limit = max(limit, 1)
        self._cache: dict[int, list[Match]] = {}

    def keys(self, texts: Sequence[str]) -> list[str]:
        """Match keys of *texts* read as one segment: joined with a space, and (Japanese)
        without one, as the aligner joins the sentences of a 2-1 bead."""
        return self.keys_of_normalized([normalize(t) for t in texts])

    def keys_of_normalized(self, pieces: Sequence[str]) -> list[str]:
        """:meth:`keys` from already normalised *pieces* (each segment is normalised once).

        Normalising a joined text equals joining the normalised pieces, except at the seams,
        where the space of a spaced join disappears between two Japanese characters; the
        seam is normalised on its own to decide.

        >>> m = ExactMatcher(None, "ja")  # type: ignore[arg-type]
        >>> m.keys_of_normalized(["会談は", "続く"]), m.keys_of_normalized(["CNBC", "Fox"])
        (['会談は続く'], ['CNBCFox', 'CNBC Fox'])
        """
        pieces = [p for p in pieces if p]
        if not pieces:
            return [""]
        spaced = pieces[0]
        for p in pieces[1:]:
            seam = normalize(spaced[-1] + " " + p[0])
            spaced += (" " if len(seam) == 3 else "") + p
        if self.lang == "en":
            return [spaced.lower()]
        tight = "".join(pieces)
        return [tight] if tight == spaced else [tight, spaced]

    def lookup(self, hashes: Sequence[int]) -> None:
        """Fetch the units of every hash not looked up yet (in chunks of 500)."""
        todo = [h for h in dict.fromkeys(hashes) if h not in self._cache]
        column = f"{self.lang}_hash"
        source, target = ("u.ja", "u.en") if self.lang == "ja" else ("u.en", "u.ja")
        for k in range(0, len(todo), 500):
            part = todo[k : k + 500]
            for h in part:
                self._cache[h] = []
            marks = ",".join("?" * len(part))
            rows = self.store.conn.execute(
                f"SELECT u.{column}, u.id, {source}, {target}, d.name FROM units u "
                f"JOIN documents d ON d.id = u.doc_id WHERE u.{column} IN ({marks}) "
                "ORDER BY u.id DESC",
                part,
            )
            for h, uid, src, trg, doc in rows:
                found = self._cache[int(h)]
                if len(found) < self.limit and all(m.target != trg for m in found):
                    found.append(Match(int(uid), 100.0, src, trg, document=doc))

    def matches(self, text: str) -> list[Match]:
        """The exact matches of *text* (most recent unit first), or ``[]``."""
        hashes = [text_hash(k) for k in self.keys([text])]
        self.lookup(hashes)
        for h in hashes:
            if self._cache[h]:
                return list(self._cache[h])
        return []

    def join_segments(self, segments: Sequence[Segment]) -> tuple[list[Segment], list[int]]:
        """Join runs of 2–3 consecutive segments that together equal a stored unit exactly.

        The aligner stores a 2-1 or 3-1 bead as one unit holding both sentences; a translator
        re-using that document deserves the 100% match, so such runs become one segment (as a
        CAT tool's "join segments" would). A segment with an exact match of its own is never
        joined. Returns the segments and, for each, how many input segments it holds.

        >>> from taiyaku.tm.store import Store
        >>> from taiyaku.tm.units import NewUnit, add_units
        >>> s = Store.open(":memory:")
        >>> with s.atomic():
        ...     doc = s.add_document("d", layout="pair", kind="bilingual")
        ...     _ = add_units(s, doc, [NewUnit("一般的に、会談は続く。", "Talks go on.", 0)])
        >>> segs, parts = ExactMatcher(s, "ja").join_segments(
        ...     [Segment("一般的に、", "ja"), Segment("会談は続く。", "ja")])
        >>> [x.text for x in segs], parts
        (['一般的に、会談は続く。'], [2])
        """
        norms = [normalize(s.text) for s in segments]
        runs: dict[tuple[int, int], list[int]] = {}
        for i in range(len(segments)):
            for n in range(1, MAX_JOIN + 1):
                if i + n > len(segments):
                    break
                runs[(i, n)] = [text_hash(k) for k in self.keys_of_normalized(norms[i : i + n])]
        self.lookup([h for hs in runs.values() for h in hs])

        def hit(i: int, n: int) -> int | None:
            return next((h for h in runs.get((i, n), ()) if self._cache[h]), None)

        out: list[Segment] = []
        parts: list[int] = []
        i = 0
        while i < len(segments):
            n = 1
            if hit(i, 1) is None:
                n = next((k for k in range(MAX_JOIN, 1, -1) if hit(i, k) is not None), 1)
            run = segments[i : i + n]
            if n == 1:
                out.append(run[0])
            else:
                texts = [s.text for s in run]
                tight = "".join(texts)
                joined = tight if hit(i, n) == text_hash(match_key(tight, self.lang)) else (
                    " ".join(texts))
                out.append(Segment(joined, run[0].lang, run[0].kind))
            parts.append(n)
            i += n
        return out, parts


def _load_terms(store: Store, analyzer: Analyzer | None) -> TermFinder:
    from taiyaku.core.japanese import Analyzer as _Analyzer
    from taiyaku.core.japanese import hiragana_to_katakana
    from taiyaku.glossary.lookup import TermIndex
    from taiyaku.glossary.store import iter_entries

    entries = list(iter_entries(store))
    coarse = TermIndex(analyzer or _Analyzer(), entries)
    # Split mode C keeps compounds whole (トランプ大統領 is one token), hiding the glossary's
    # トランプ inside it; a second index on mode A's short units finds such occurrences.
    fine = TermIndex(_Analyzer(mode="A"), entries)
    # Written forms and readings (a term may be spelled out in kana: おせちりょうり).
    surfaces = {normalize(f.text) for e in entries for f in e.ja}
    readings = {f.reading for e in entries for f in e.ja if f.reading and len(f.reading) > 2}
    surfaces |= readings | {hiragana_to_katakana(r) for r in readings}
    return LayeredTermFinder(coarse, fine, sorted(surfaces))


class LayeredTermFinder:
    """Term hits of a primary finder, plus those of a finer-grained one that overlap none of
    them (the primary's longest-term-wins choice always stands).

    :param surfaces: the normalised Japanese forms of the glossary; when given, the finer
        finder runs only for texts holding more occurrences of them than the primary hits
        account for (most texts do not, and tokenizing twice is the slow part)

    >>> from taiyaku.core.terms import TermEntry, TermForm
    >>> from taiyaku.glossary.lookup import TermIndex
    >>> from taiyaku.core.japanese import Analyzer
    >>> e = [TermEntry(ja=(TermForm("トランプ", "ja"),), en=(TermForm("Trump", "en"),))]
    >>> finder = LayeredTermFinder(TermIndex(Analyzer(), e), TermIndex(Analyzer("A"), e),
    ...                            ["トランプ"])
    >>> [(h.surface, h.start) for h in finder.find("トランプ氏とトランプ大統領")]
    [('トランプ', 0), ('トランプ', 6)]
    """

    def __init__(self, primary: TermFinder, finer: TermFinder,
                 surfaces: Sequence[str] | None = None) -> None:
        self.primary = primary
        self.finer = finer
        self._by_first: dict[str, set[str]] | None = None
        # first character → the lengths of the surfaces that start with it, longest first: a
        # text is scanned with one set look-up per length (there are few) instead of one
        # startswith per surface (a 10,000-term glossary has a hundred per character)
        self._lengths: dict[str, list[int]] = {}
        if surfaces is not None:
            self._by_first = {}
            for sf in surfaces:
                if sf:
                    self._by_first.setdefault(sf[0], set()).add(sf)
            for ch, group in self._by_first.items():
                self._lengths[ch] = sorted({len(sf) for sf in group}, reverse=True)

    def _hidden_terms(self, text: str, hits: Sequence[TermHitLike]) -> bool:
        """Whether *text* holds a glossary surface that the primary hits do not cover."""
        if self._by_first is None:
            return True
        norm = normalize(text)
        found: dict[str, int] = {}
        for k, ch in enumerate(norm):
            group = self._by_first.get(ch)
            if group is None:
                continue
            for n in self._lengths[ch]:
                piece = norm[k : k + n]
                if piece in group:
                    found[piece] = found.get(piece, 0) + 1
        if not found:
            return False
        hit_texts = [normalize(h.surface) for h in hits]
        return any(n > sum(t.count(sf) for t in hit_texts) for sf, n in found.items())

    def find(self, text: str) -> list[TermHitLike]:
        """Hits in text order."""
        hits: list[TermHitLike] = list(self.primary.find(text))
        if not self._hidden_terms(text, hits):
            return hits
        taken = [(h.start, h.end) for h in hits]
        for h in self.finer.find(text):
            if all(h.end <= a or h.start >= b for a, b in taken):
                hits.append(h)
                taken.append((h.start, h.end))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits


# -- layer 3: a file ---------------------------------------------------------------------------
def check_paths(options: PretranslateOptions) -> None:
    """Refuse unknown output or report extensions before any work is done.

    :raises ExportError: naming the file and the formats that work
    """
    suffix = options.output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ExportError(
            f"{options.output}: unknown output format {suffix or '(none)'!r}; "
            "use .xlf, .xliff, .xlsx, .json or .tmx"
        )
    if options.report is not None and options.report.suffix.lower() not in REPORT_SUFFIXES:
        raise ExportError(
            f"{options.report}: unknown report format "
            f"{options.report.suffix.lower() or '(none)'!r}; use .html or .json"
        )
    if options.xliff_version not in ("2.1", "1.2"):
        raise ExportError(f"XLIFF version {options.xliff_version!r} is not supported; "
                          "use 2.1 or 1.2")


def pretranslate_file(
    store: Store,
    path: Path,
    options: PretranslateOptions,
    progress: Progress = no_progress,
) -> PretranslateResult:
    """Read and segment *path* (Japanese or English, detected), pre-translate it against the
    TM and glossary in *store*, and write ``options.output`` (and ``options.report``).

    :raises InputError: the file cannot be read or holds no text
    :raises ExportError: unknown output extension, or the output cannot be written

    Example::

        result = pretranslate_file(store, Path("new.txt"),
                                   PretranslateOptions(Path("new.xlf"), report=Path("a.html")))
        print(result.summary())
    """
    from taiyaku.core.japanese import Analyzer
    from taiyaku.exports.outfile import OutputSet, check_outputs
    from taiyaku.tm.segment import segment_text
    from taiyaku.tm.textio import read_text

    check_paths(options)
    path = Path(path)
    check_outputs({"output": options.output, "report": options.report},
                  inputs={"input": path}, database=getattr(store, "path", None))
    text = read_text(path)
    segments = [s for s in segment_text(text, lang="auto") if s.text.strip()]
    if not segments:
        raise InputError(f"{path}: no text to pre-translate")
    analyzer = Analyzer()
    doc = pretranslate_document(
        store, segments, options, name=name_text(path), analyzer=analyzer, progress=progress
    )
    analysis = doc.analysis()
    # The output and the report are one change: if either cannot be written, neither is.
    with OutputSet() as outputs:
        write_output(doc, options, outputs=outputs)
        if options.report is not None:
            from taiyaku.tm.report import write_report

            write_report(analysis, options.report, outputs=outputs)
    return PretranslateResult(path, options.output, options.report, doc, analysis)


# -- writers -----------------------------------------------------------------------------------
def write_output(doc: PretranslatedDocument, options: PretranslateOptions, *,
                 outputs: OutputSet | None = None) -> None:
    """Write *doc* to ``options.output`` in the format its extension names (atomically).

    :param outputs: the set of files this output belongs to (renamed into place together);
        by default the file stands alone
    """
    from taiyaku.exports.outfile import OutputSet

    check_paths(options)
    suffix = options.output.suffix.lower()
    with contextlib.ExitStack() as stack:
        if outputs is None:
            outputs = stack.enter_context(OutputSet())
        fp = stack.enter_context(outputs.open(options.output))
        if suffix == ".json":
            write_json(doc, fp)
        elif suffix == ".xlsx":
            write_xlsx(doc, fp)
        elif suffix == ".tmx":
            write_tmx(doc, fp)
        else:
            write_xliff(doc, fp, version=options.xliff_version)


def write_json(doc: PretranslatedDocument, fp: IO[bytes]) -> None:
    """A JSON array, one object per segment (see :meth:`PretranslatedSegment.to_json`)."""
    fp.write(json.dumps(doc.to_json(), ensure_ascii=False, indent=2).encode("utf-8"))
    fp.write(b"\n")


def write_tmx(doc: PretranslatedDocument, fp: IO[bytes]) -> None:
    """The filled segments (source + target) as TMX 1.4b units."""
    from taiyaku.exports import tmx

    units = []
    for s in doc.segments:
        if s.target is None:
            continue
        ja, en = (s.source, s.target) if doc.src_lang == "ja" else (s.target, s.source)
        units.append(TMUnit(ja=ja, en=en, document=doc.name, position=s.index,
                            props={"state": s.state, "band": s.band}))
    from taiyaku.core.signature import static_meta

    tmx.write(units, fp, meta=static_meta())


def write_xliff(doc: PretranslatedDocument, fp: IO[bytes], *, version: str = "2.1") -> None:
    """XLIFF 2.1 (matches as translation candidates, terms as glossary entries) or 1.2
    (``alt-trans``), through ``exports.xliff``."""
    from taiyaku.exports import xliff

    records = []
    for s in doc.segments:
        candidates = tuple(
            xliff.Candidate(
                score=round(m.score, 2), source=m.source, target=suggested_target(m),
                origin=m.document or "tm",
            )
            for m in s.matches
        )
        term_records = tuple(
            xliff.TermRef(ja=t.ja, en=t.en, status=t.status) for t in s.terms
        )
        notes = []
        if s.repetition_of is not None:
            notes.append(f"repetition of segment {s.repetition_of + 1}")
        if s.best is not None and NOT_SUBSTITUTED in s.best.flags:
            notes.append(f"best match ({s.best.score:g}): numbers differ, not substituted")
        note = "; ".join(notes) or None
        records.append(
            xliff.XliffSegment(
                id=str(s.index + 1), source=s.source, target=s.target,
                state=_xliff_state(s.state), candidates=candidates, terms=term_records,
                note=note,
            )
        )
    xliff.write(records, fp, version=version, src_lang=doc.src_lang, trg_lang=doc.trg_lang,
                original=doc.name or "document")


def _xliff_state(state: str) -> str:
    return {"translated": "translated", "needs-review": "initial"}.get(state, "initial")


XLSX_HEADERS = ("#", "Segment", "Best match", "Score", "Its translation", "Terms", "Band",
                "Target")
XLSX_WIDTHS = (6, 60, 60, 8, 60, 40, 12, 60)


def write_xlsx(doc: PretranslatedDocument, fp: IO[bytes]) -> None:
    """One sheet: segment, best match, score, its translation, terms, band, target; rows
    tinted by band; header frozen and filtered; user text never becomes a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from taiyaku.exports.xlsx import save_workbook

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "Pretranslation"[:31]
    ws.append(list(XLSX_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fills = {band: PatternFill("solid", start_color=tint, end_color=tint)
             for band, tint in BAND_TINTS.items()}
    for s in doc.segments:
        best = s.best
        row = [
            s.index + 1,
            s.source,
            best.source if best else "",
            round(best.score, 1) if best else None,
            suggested_target(best) if best else "",
            "\n".join(t.describe() for t in s.terms),
            BAND_LABELS[s.band],
            s.target or "",
        ]
        ws.append([_xlsx_value(v, f"segment {s.index + 1}, column {XLSX_HEADERS[c]!r}")
                   for c, v in enumerate(row)])
        r = ws.max_row
        for c in range(1, len(row) + 1):
            cell = ws.cell(row=r, column=c)
            cell.fill = fills[s.band]
            cell.alignment = wrap
            if isinstance(cell.value, str):
                # Typed as text: "=SUM(A1)" or "-3%" in an article stays what it says.
                cell.data_type = "s"
    for i, width in enumerate(XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_HEADERS))}{ws.max_row}"
    save_workbook(wb, fp)


def _xlsx_value(value: object, what: str) -> object:
    if not isinstance(value, str):
        return value
    if not value:
        return None  # an empty cell, not an empty string
    from taiyaku.exports.cells import check_xlsx_text
    from taiyaku.exports.xmlutil import clean_xml_text

    return check_xlsx_text(clean_xml_text(value), what, instead=".xlf or .json")
