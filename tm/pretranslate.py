"""Pre-translation: best TM matches and glossary terms for every segment of a new article.

Stacked by size so each layer tests alone (as Translate Toolkit's pretranslate does):
:func:`pretranslate_segment` turns one segment's matches and term hits into a
:class:`PretranslatedSegment`; :func:`pretranslate_document` looks up a whole list of segments in
one batch and marks repetitions; :func:`pretranslate_file` reads, segments, writes the output
(XLIFF, XLSX, JSON or TMX, by extension) and the analysis report. The records are
:mod:`core.pretranslated`'s; the files are written by :mod:`exports` (the extension picks the
writer in :mod:`exports.registry`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from taiyaku.core.analysis import Analysis, band_of
from taiyaku.core.errors import ExportError, InputError
from taiyaku.core.matchkeys import match_key, text_hash
from taiyaku.core.model import Match, Segment
from taiyaku.core.normalize import has_japanese, normalize, script_of
from taiyaku.core.pretranslated import (
    PretranslatedDocument,
    PretranslatedSegment,
    TermFound,
    TermHitLike,
    suggested_target,
)
from taiyaku.core.printable import name_text, path_text, visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.core.terms import usable_en
from taiyaku.tm.numbercheck import numbers_agree, repair_match

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.exports.outfile import OutputSet
    from taiyaku.store.interface import Store

__all__ = [
    "PretranslateOptions",
    "TermFound",
    "PretranslatedSegment",
    "PretranslatedDocument",
    "PretranslateResult",
    "pretranslate_segment",
    "pretranslate_document",
    "pretranslate_file",
    "term_finder",
    "write_output",
    "detect_language",
]

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


class TermFinder(Protocol):
    """Finds glossary terms in a text (``glossary.lookup.TermIndex``)."""

    def find(self, text: str) -> Sequence[TermHitLike]: ...


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

    >>> from taiyaku.store import open_store
    >>> store = open_store(":memory:")
    >>> doc = pretranslate_document(store, [Segment("新しい文", "ja"), Segment("新しい文", "ja")],
    ...                             PretranslateOptions(output=Path("out.json")))
    >>> [s.band for s in doc.segments]
    ['no-match', 'repetition']
    """
    from taiyaku.tm.search import find_matches_many

    src_lang = detect_language(segments)
    trg_lang = "en" if src_lang == "ja" else "ja"
    store.fuzzy.prepare(progress)  # an index an older version built is rebuilt, shown
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
        for h in todo:
            self._cache[h] = []
        for h, uid, src, trg, doc in self.store.units.by_hashes(self.lang, todo):
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

        >>> from taiyaku.store import open_store
        >>> from taiyaku.core.model import NewUnit
        >>> s = open_store(":memory:")
        >>> with s.transaction():
        ...     doc = s.documents.add("d", layout="pair", kind="bilingual")
        ...     _ = s.units.add(doc, [NewUnit("一般的に、会談は続く。", "Talks go on.", 0)])
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


#: term finders built by :func:`term_finder`, by database: (glossary fingerprint, finder)
_FINDERS: dict[str, tuple[str, TermFinder]] = {}


def term_finder(store: Store) -> TermFinder:
    """The store's glossary as a term finder, built once and kept while the glossary stays
    as it is (:meth:`~taiyaku.store.glossary.GlossaryArea.fingerprint`): a long-running
    caller (the web workbench) pre-translates many articles against one glossary, and
    building the index (every term through Sudachi) costs far more than a look-up.

    The finder holds Sudachi tokenizers: callers on several threads use it one at a time.
    """
    key = str(store.path) if store.path is not None else ""
    stamp = store.glossary.fingerprint()
    kept = _FINDERS.get(key)
    if key and kept is not None and kept[0] == stamp:
        return kept[1]
    finder = _load_terms(store, None)
    if key:
        _FINDERS[key] = (stamp, finder)
    return finder


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
    english = {normalize(f.text) for e in entries if usable_en(e) for f in e.ja}
    return LayeredTermFinder(coarse, fine, sorted(surfaces), english)


class LayeredTermFinder:
    """Term hits of a primary finder, plus those of a finer-grained one that overlap none of
    them (the primary's longest-term-wins choice always stands), or that have English and lie
    inside a primary hit without English (lookup never hides a translation).

    :param surfaces: the normalised Japanese forms of the glossary; when given, the finer
        finder runs only for texts holding more occurrences of them than the primary hits
        account for (most texts do not, and tokenizing twice is the slow part)
    :param english: those of *surfaces* whose entries have English: a hit without English
        does not account for them

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
                 surfaces: Sequence[str] | None = None,
                 english: Collection[str] | None = None) -> None:
        self.primary = primary
        self.finer = finer
        self._english = frozenset(english or ())
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
        """Whether *text* holds a glossary surface that the primary hits do not cover (a hit
        without English does not cover the surfaces with English inside it)."""
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
        hit_texts = [(normalize(h.surface), bool(usable_en(h.entry))) for h in hits]
        return any(
            n > sum(t.count(sf) for t, has_en in hit_texts if has_en or sf not in self._english)
            for sf, n in found.items())

    def find(self, text: str) -> list[TermHitLike]:
        """Hits in text order."""
        hits: list[TermHitLike] = list(self.primary.find(text))
        if not self._hidden_terms(text, hits):
            return hits
        taken = [(h.start, h.end) for h in hits if usable_en(h.entry)]
        hosts = [(h.start, h.end) for h in hits if not usable_en(h.entry)]
        for h in self.finer.find(text):
            free = all(h.end <= a or h.start >= b for a, b in taken)
            if not free:
                continue
            outside = all(h.end <= a or h.start >= b for a, b in hosts)
            inside = usable_en(h.entry) and any(
                a <= h.start and h.end <= b and (h.start, h.end) != (a, b) for a, b in hosts)
            if outside or inside:
                hits.append(h)
                (taken if usable_en(h.entry) else hosts).append((h.start, h.end))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits


# -- layer 3: a file ---------------------------------------------------------------------------
def check_paths(options: PretranslateOptions) -> None:
    """Refuse unknown output or report extensions before any work is done.

    :raises ExportError: naming the file and the formats that work
    """
    from taiyaku.exports.registry import output_format_for

    output_format_for("pre-translation", options.output)
    if options.report is not None:
        output_format_for("report", options.report)
    if options.xliff_version not in ("2.1", "1.2"):
        raise ExportError(f"XLIFF version {options.xliff_version!r} is not supported; "
                          "use 2.1 or 1.2")


def pretranslate_file(
    store: Store,
    path: Path,
    options: PretranslateOptions,
    progress: Progress = no_progress,
    *,
    terms: TermFinder | None = None,
) -> PretranslateResult:
    """Read and segment *path* (Japanese or English, detected), pre-translate it against the
    TM and glossary in *store*, and write ``options.output`` (and ``options.report``).

    :param terms: the glossary's term finder (:func:`term_finder`); by default built now
    :raises InputError: the file cannot be read or holds no text
    :raises ExportError: unknown output extension, or the output cannot be written

    Example::

        result = pretranslate_file(store, Path("new.txt"),
                                   PretranslateOptions(Path("new.xlf"), report=Path("a.html")))
        print(result.summary())
    """
    from taiyaku.core.japanese import Analyzer
    from taiyaku.exports import registry
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
        store, segments, options, name=name_text(path), terms=terms, analyzer=analyzer,
        progress=progress
    )
    analysis = doc.analysis()
    # The output and the report are one change: if either cannot be written, neither is.
    with OutputSet() as outputs:
        write_output(doc, options, outputs=outputs)
        if options.report is not None:
            registry.write_output("report", analysis, options.report, outputs=outputs)
    return PretranslateResult(path, options.output, options.report, doc, analysis)


# -- the output file ---------------------------------------------------------------------------
def write_output(doc: PretranslatedDocument, options: PretranslateOptions, *,
                 outputs: OutputSet | None = None) -> None:
    """Write *doc* to ``options.output`` in the format its extension names (atomically), through
    :func:`exports.registry.write_output`.

    :param outputs: the set of files this output belongs to (renamed into place together);
        by default the file stands alone
    """
    from taiyaku.exports import registry

    check_paths(options)
    registry.write_output("pre-translation", doc, options.output, outputs=outputs,
                          xliff_version=options.xliff_version)
