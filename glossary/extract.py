"""``taiyaku terms extract``: mine everything ingested, pair JA↔EN, store candidates."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taiyaku.core.japanese import katakana_to_hiragana
from taiyaku.core.normalize import normalize
from taiyaku.core.printable import visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.dictionary import open_dictionary
from taiyaku.glossary.extract_en import (
    GENERAL_EN,
    EnCandidate,
    en_chunks,
    en_tokens,
    extract_en,
    is_name,
    score_en,
)
from taiyaku.glossary.extract_ja import JaCandidate, SegmentText, extract_ja, is_katakana, score_ja
from taiyaku.glossary.keys import display_singular, en_key, ja_key
from taiyaku.glossary.pairing import (
    COUNTRY_KANJI,
    Gloss,
    Pair,
    associate,
    find_glosses,
    kana_spelling_key,
    listed_english,
    pair_in_context,
    spelling_keys,
    spells,
)
from taiyaku.glossary.store import delete_extracted_candidates, insert_entry, protected_keys

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.glossary.dictionary import Dictionary
    from taiyaku.store.interface import Store

__all__ = ["ExtractOptions", "ExtractResult", "extract_terms"]

#: segment kinds that are not running text (photo captions, page furniture)
SKIP_KINDS = frozenset({"boilerplate", "caption"})
_LATIN = re.compile(r"^[A-Za-z0-9 .&'\-]+$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]{1,9}$")


@dataclass(frozen=True)
class ExtractOptions:
    """Settings of one extraction run.

    :ivar min_freq: a candidate seen fewer times is dropped, unless a gloss or quotation
        marks it as a term
    :ivar limit: store at most this many candidates (best first)
    :ivar dictionary: use the bilingual dictionary when the ``dict`` extra is installed
    """

    min_freq: int = 2
    limit: int = 500
    dictionary: bool = True


@dataclass
class ExtractResult:
    """What an extraction run stored."""

    entries: list[TermEntry]
    kept: int
    replaced: int
    segments: int
    pairs: int
    glosses: int
    skipped_protected: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """JSON for ``--json``: counts and the stored entries, best first."""
        return {
            "stored": len(self.entries), "kept_protected": self.kept,
            "replaced_candidates": self.replaced, "segments": self.segments,
            "pairs": self.pairs, "glosses": self.glosses,
            "entries": [e.to_json() for e in self.entries],
        }

    def summary(self) -> str:
        """A few lines for the terminal, with the best candidates."""
        paired = sum(1 for e in self.entries if e.en)
        lines = [
            f"extracted {len(self.entries)} candidate terms from {self.segments} segments "
            f"({paired} paired with English; {self.glosses} glosses); "
            f"{self.kept} approved/edited entries left untouched",
        ]
        for e in self.entries[:30]:
            en = visible("; ".join(f.text for f in e.en))
            lines.append(f"  {visible(e.ja[0].text) if e.ja else ''}"
                         f"{'  =  ' + en if en else ''}  ({e.score:.1f}, ×{e.frequency})")
        if len(self.entries) > 30:
            lines.append(f"  … {len(self.entries) - 30} more: taiyaku terms list --limit 100")
        return "\n".join(lines)


@dataclass
class _Draft:
    """An entry being built."""

    ja: str
    reading: str | None
    score: float
    freq: int
    docs: set[int]
    segments: list[int]
    units: set[int]
    proper: bool
    forms: list[TermForm] = field(default_factory=list)
    en: list[TermForm] = field(default_factory=list)
    pairing: dict[str, Any] | None = None
    definition: str | None = None
    note: str | None = None
    person: bool = False
    bonus: float = 0.0
    #: met once in an aligned unit: kept only if that unit gives it English (see _build)
    tentative: bool = False


def _load_segments(store: Store) -> tuple[list[SegmentText], list[SegmentText], dict[int, str]]:
    """JA and EN running-text segments (documents without segments give their units),
    each text once per document, and the document names."""
    names = {d.id: d.name for d in store.documents.all()}
    ja: list[SegmentText] = []
    en: list[SegmentText] = []
    seen: set[tuple[int, str, str]] = set()
    with_segments: set[int] = set()
    for doc_id in names:
        for t in store.segments.of_document(doc_id):
            with_segments.add(doc_id)
            if t.kind in SKIP_KINDS:
                continue
            key = (doc_id, t.lang, normalize(t.text))
            if key in seen:
                continue
            seen.add(key)
            seg = SegmentText(t.id, doc_id, t.text, t.unit_id, heading=t.kind == "heading")
            (ja if t.lang == "ja" else en).append(seg)
    if len(with_segments) < len(names):
        for u in store.units.iterate():
            if u.doc_id in with_segments:
                continue
            # a unit of a document without segments (a TMX import): the unit is the text
            # (a negative id marks it as a unit, not a segment)
            if u.ja.strip():
                ja.append(SegmentText(-u.id, u.doc_id, u.ja, u.id))
            if u.en.strip():
                en.append(SegmentText(-u.id, u.doc_id, u.en, u.id))
    return ja, en, names


def extract_terms(
    store: Store, options: ExtractOptions | None = None, progress: Progress = no_progress,
    *, analyzer: Analyzer | None = None,
) -> ExtractResult:
    """Extract term candidates from every ingested document, pair them, store them.

    Runs in one transaction. The candidates of an earlier run are replaced; approved,
    forbidden, imported, hand-added and hand-edited entries are never touched, and a
    candidate whose term they already hold, or that a person deleted, is not stored again.

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> extract_terms(s).summary().splitlines()[0][:31]
    'extracted 0 candidate terms fro'
    """
    from taiyaku.core.gcpause import paused_gc

    # millions of small containers (candidates, their sets and counters) and no cycles: the
    # collector took a tenth of the time at 100,000 units (see core.gcpause)
    with paused_gc():
        return _extract_terms(store, options, progress, analyzer)


def _extract_terms(
    store: Store, options: ExtractOptions | None, progress: Progress,
    analyzer: Analyzer | None,
) -> ExtractResult:
    """:func:`extract_terms` (with the collector paused)."""
    options = options or ExtractOptions()
    if analyzer is None:
        from taiyaku.core.japanese import Analyzer

        analyzer = Analyzer()
    ja_segs, en_segs, names = _load_segments(store)
    # progress counts segments read twice (candidates, then glosses), then four pairing steps
    # weighed as an eighth of the Japanese segments each (what they take on a large TM)
    step = max(1, len(ja_segs) // 8)
    total = 2 * len(ja_segs) + len(en_segs) + 4 * step
    progress(0, total, "reading segments")
    ja_cands = extract_ja(_reporting(ja_segs, progress, 0, total, "Japanese terms"), analyzer)
    n_docs = max(1, len({s.doc_id for s in ja_segs} | {s.doc_id for s in en_segs}))
    score_ja(ja_cands, n_docs)
    # a candidate scored 0 (a fragment of longer ones: 習会) is never stored nor paired: it
    # is dropped before the English is read, so both never take memory at the same time
    ja_cands = {k: c for k, c in ja_cands.items() if c.score > 0}
    # an English n-gram met once pairs only by its spelling: as a name or a single word
    en_cands = extract_en(_reporting(en_segs, progress, len(ja_segs), total, "English terms"),
                          keep_once=lambda words, capitalised: words == 1 or capitalised)
    score_en(en_cands)
    done = len(ja_segs) + len(en_segs)
    glosses = find_glosses(_reporting(ja_segs, progress, done, total, "glosses"), analyzer)
    done += len(ja_segs)
    progress(done, total, "pairing by co-occurrence")
    texts = {s.id: s.text for s in ja_segs}
    pairs = _associate(ja_cands, en_cands, glosses, analyzer)
    progress(done + step, total, "building entries")
    drafts = _build(ja_cands, en_cands, glosses, pairs, ja_segs, analyzer, options)
    # the candidates that made no draft are freed before the units are read again
    del ja_cands
    progress(done + 2 * step, total, "pairing in aligned units")
    dictionary = open_dictionary() if options.dictionary else None
    _pair_in_units(drafts, ja_segs, en_segs, analyzer, options, dictionary)
    _drop_unpaired_once(drafts, en_cands)
    progress(done + 3 * step, total, "suggesting English")
    _suggest(drafts, en_cands, analyzer, options, dictionary)
    entries = _finish(drafts, texts, names, options)
    progress(total, total, "storing")

    with store.transaction():
        replaced = delete_extracted_candidates(store)
        pj, pe = protected_keys(store)
        # terms a person deleted stay deleted
        pj |= store.glossary.dismissed("ja")
        kept = store.glossary.count(protected=True)
        stored: list[TermEntry] = []
        skipped: list[str] = []
        for entry, evidence in entries:
            if entry.ja and ja_key(entry.ja[0].text) in pj:
                skipped.append(entry.ja[0].text)
                continue
            term_id = insert_entry(store, entry, origin="extracted", evidence=evidence)
            stored.append(_with_id(entry, term_id))
    return ExtractResult(stored, int(kept), replaced, len(ja_segs) + len(en_segs), len(pairs),
                         len(glosses), skipped)


def _reporting(
    segs: list[SegmentText], progress: Progress, done: int, total: int, label: str,
    every: int = 2000,
) -> Iterator[SegmentText]:
    """The segments, telling *progress* every *every* of them."""
    for i, seg in enumerate(segs):
        if i % every == 0:
            progress(done + i, total, label)
        yield seg
    progress(done + len(segs), total, label)


def _with_id(e: TermEntry, term_id: int) -> TermEntry:
    return TermEntry(ja=e.ja, en=e.en, id=term_id, status=e.status, pos=e.pos, note=e.note,
                     definition=e.definition, context=e.context, sources=e.sources,
                     frequency=e.frequency, score=e.score, origin=e.origin,
                     evidence=e.evidence)


def _associate(
    ja_cands: dict[str, JaCandidate], en_cands: dict[str, EnCandidate], glosses: list[Gloss],
    analyzer: Analyzer,
) -> list[Pair]:
    """Co-occurrence pairs over aligned units, with glossed sentences as extra tiny units."""
    # the candidates' own sets, not copies (a copy of every set took some 100 MB at 100,000
    # units); a set a glossed sentence adds to is copied first (see below)
    ja_units = {k: c.unit_ids for k, c in ja_cands.items()
                if c.score > 0 and c.unit_ids and not c.latin}
    # a modifier that never heads its phrase ("rare" of "rare earths") is no translation
    en_units = {k: c.unit_ids for k, c in en_cands.items() if c.unit_ids and _head(c)}
    copied: set[int] = set()

    def own(units: dict[str, set[int]], k: str) -> set[int]:
        """The set of *k* in *units*, copied before its first change."""
        if id(units[k]) not in copied:
            units[k] = set(units[k])
            copied.add(id(units[k]))
        return units[k]

    all_units = set().union(*ja_units.values(), *en_units.values()) if ja_units else set()
    synthetic = -10_000_000
    longest = max((len(k) for k in ja_units), default=0)
    for g in glosses:
        if g.kind != "sentence":
            continue
        synthetic -= 1
        ja_text, en_text = (g.outer, g.inner) if g.outer_lang == "ja" else (g.inner, g.outer)
        # the candidates inside the glossed sentence: its substrings looked up, not every
        # candidate searched for in it (which grew with the corpus times the glosses)
        for k in _substrings(ja_text, longest):
            if k in ja_units:
                own(ja_units, k).add(synthetic)
        for k, c in extract_en([SegmentText(synthetic, 0, en_text, synthetic)]).items():
            if k in en_units:
                own(en_units, k).add(synthetic)
            elif _head(en_cands.get(k, c)):
                en_units[k] = {synthetic}
        all_units.add(synthetic)
    if not ja_units or not en_units:
        return []
    names = {k for k, c in en_cands.items() if is_name(c)}
    return associate(ja_units, en_units, len(all_units),
                     ja_size={k: c.units for k, c in ja_cands.items()}, en_names=names,
                     en_sub={k: c.subkeys for k, c in en_cands.items() if k in en_units})


def _substrings(text: str, longest: int) -> set[str]:
    """Every substring of *text* of at most *longest* characters.

    >>> sorted(_substrings("米中", 2))
    ['中', '米', '米中']
    """
    return {text[i:j] for i in range(len(text)) for j in range(i + 1, min(len(text), i + longest)
                                                               + 1)}


def _head(c: EnCandidate) -> bool:
    """The candidate can translate a term alone: it ends its phrase at least once (or is a
    name, which a verb may follow: "Bessent spoke") and is not a general word."""
    if c.words == 1 and c.key in GENERAL_EN:
        return False
    return c.final > 0 or (is_name(c) and c.modifier < c.freq)


def _new_draft(c: JaCandidate) -> _Draft:
    """A draft that takes over the candidate's sets and list (not copies: the candidates
    are not read once the drafts are built, and copies doubled the memory of a large TM)."""
    return _Draft(c.surface, c.reading, c.score, c.freq, c.docs, c.segments, c.unit_ids,
                  c.proper, person=c.person, bonus=6.0 * min(c.quoted, 2))


class _PhraseFinder:
    """Where glossed phrases occur in the Japanese segments, found in one pass.

    Each segment is normalised once and all phrases are looked for at once (Aho-Corasick,
    overlapping occurrences counted); searching every segment again for each phrase grew with
    the corpus times the glosses.

    >>> f = _PhraseFinder([SegmentText(1, 1, "真宗大谷派と大谷派"), SegmentText(2, 1, "大谷")],
    ...                   ["大谷派", "大谷", "谷派と"])
    >>> {p: [(s.id, n) for s, n in hits] for p, hits in sorted(f.hits.items())}
    {'大谷': [(1, 2), (2, 1)], '大谷派': [(1, 2)], '谷派と': [(1, 1)]}
    """

    def __init__(self, ja_segs: list[SegmentText], phrases: Iterable[str]) -> None:
        self._segs = ja_segs
        #: phrase → (indexes of the segments it occurs in, in order; occurrences in each)
        self._found: dict[str, tuple[list[int], list[int]]] = {}
        wanted = sorted({p for p in phrases if p})
        if not wanted or not ja_segs:
            return
        import polars as pl

        # every occurrence of every phrase, overlapping ones included, found by one
        # Aho-Corasick pass over the segments (a Python loop over the positions where a
        # phrase may start took most of the time of _build on a large TM), gathered per
        # phrase by polars (a Python row per phrase and segment took seconds at 100k units)
        found = (
            pl.DataFrame({"seg": pl.int_range(len(ja_segs), dtype=pl.Int32, eager=True),
                          "p": pl.Series([normalize(s.text) for s in ja_segs]).str
                          .extract_many(wanted, overlapping=True)})
            .explode("p").drop_nulls("p")
            .group_by("p", "seg").len()
            .sort("p", "seg")
            .group_by("p", maintain_order=True).agg("seg", "len")
        )
        for p, segs, counts in found.iter_rows():
            self._found[p] = (segs, counts)

    @property
    def hits(self) -> dict[str, list[tuple[SegmentText, int]]]:
        """Each phrase found → its segments with the occurrences in each, in order."""
        return {p: [(self._segs[i], n) for i, n in zip(segs, counts, strict=True)]
                for p, (segs, counts) in self._found.items()}

    def draft(self, text: str, analyzer: Analyzer) -> _Draft:
        """An entry for a glossed phrase that is not a compound noun (非常に前向きな枠組み)."""
        where, counts = self._found.get(text, ([], []))
        segs = [self._segs[i] for i in where]
        freq = sum(counts) or 1
        reading = katakana_to_hiragana(analyzer.reading(text))
        return _Draft(text, reading, math.log2(2 + len(text)) * freq, freq,
                      {s.doc_id for s in segs}, [s.id for s in segs][:50],
                      {s.unit_id for s in segs if s.unit_id is not None}, False)


def _en_form(text: str, kind: str = "term") -> TermForm:
    if kind == "term" and _ACRONYM.match(text):
        kind = "abbreviation"
    return TermForm(text, "en", kind)


def _en_forms(text: str, seen: Iterable[str] = ()) -> list[TermForm]:
    """The preferred English form first: a noun phrase in its singular, the plural written
    kept as a variant (general export licenses → general export license; …licenses).

    :param seen: other written forms of the same key (their number, not their casing, counts)
    """
    chunks = en_chunks(text)
    if len(chunks) != 1 or len(chunks[0]) != len(en_tokens(normalize(text))):
        return [_en_form(text)]
    base = display_singular(text)
    out = [_en_form(base)]
    words = base.split(" ")
    for form in (text, *seen):
        last = form.split(" ")[-1]
        variant = " ".join([*words[:-1], last.lower() if words[-1].islower() else last])
        if all(variant != f.text for f in out):
            out.append(TermForm(variant, "en", "variant"))
    return out


def _specialises(c: JaCandidate, established: set[str]) -> bool:
    """A rare compound built on an established term (国家安全保障 on 安全保障) is kept: it is a
    narrower term of the same field, not noise."""
    return c.units >= 2 and any(
        sub in established and len(sub) >= 3 and len(sub) < len(c.key) for sub in c.subkeys)


def _build(
    ja_cands: dict[str, JaCandidate], en_cands: dict[str, EnCandidate], glosses: list[Gloss],
    pairs: list[Pair], ja_segs: list[SegmentText], analyzer: Analyzer, options: ExtractOptions,
) -> dict[str, _Draft]:
    drafts: dict[str, _Draft] = {}
    glossed: set[str] = set()
    for g in glosses:
        if g.kind == "sentence":
            continue
        glossed.add(ja_key(g.outer))
        if g.kind != "translation":
            glossed.add(ja_key(g.inner))
    established = {k for k, c in ja_cands.items() if c.score > 0 and c.freq >= 3}
    # a name met once is still a term when the English text spells it out or Sudachi knows
    # it as a person's name written in kanji (森田恵子): small documents name people once
    spelled = {p.ja for p in pairs if p.method == "transliteration"}
    for k, c in ja_cands.items():
        if c.score <= 0:
            continue
        named = k in spelled or (c.person and len(k) >= 3 and not c.katakana and not c.latin)
        if (c.freq < options.min_freq and not c.quoted and k not in glossed and not named
                and not _specialises(c, established)):
            continue
        drafts[k] = _new_draft(c)
        # a place name is a glossary term when the English names it (深圳 ↔ Shenzhen)
        drafts[k].tentative = c.place
    # A compound met once in an aligned unit is a term when pairing finds its English in that
    # unit (政治コメンテーター ↔ political commentator): it is tried while the list has room and
    # dropped after pairing when the unit gives nothing (see _drop_unpaired_once); a large TM
    # fills the list with frequent terms, so this costs nothing there.
    room = options.limit - len(drafts)
    if room > 0:
        once = sorted((c for k, c in ja_cands.items()
                       if c.score > 0 and k not in drafts and c.freq == 1
                       and (c.units >= 2 or c.latin or c.place)
                       and any(u > 0 for u in c.unit_ids)),
                      key=lambda c: (-c.score, c.key))
        for c in once[:room]:
            drafts[c.key] = _new_draft(c)
            drafts[c.key].tentative = True

    # the glossed Japanese phrases that are no candidate, found in the segments at once
    finder = _PhraseFinder(ja_segs, (
        k for g in glosses if g.kind != "sentence"
        for k in (ja_key(g.outer), ja_key(g.inner))
        if not (k in ja_cands and ja_cands[k].score > 0)))

    def draft_for(text: str) -> _Draft:
        key = ja_key(text)
        d = drafts.get(key)
        if d is None:
            c = ja_cands.get(key)
            d = _new_draft(c) if c is not None and c.score > 0 else finder.draft(key, analyzer)
            drafts[key] = d
        return d

    # (a) glosses
    for g in glosses:
        if g.kind == "sentence":
            continue
        if g.kind == "translation":
            ja_text, en_text = (g.outer, g.inner) if g.outer_lang == "ja" else (g.inner, g.outer)
            d = draft_for(ja_text)
            if not any(en_key(f.text) == en_key(en_text) for f in d.en):
                d.en[0:0] = _en_forms(en_text)
            d.bonus += 20.0
            if g.segment_id not in d.segments:
                d.segments.insert(0, g.segment_id)
            d.pairing = {"method": "gloss", "confidence": 0.95, "en": en_text,
                         "segment": g.segment_id}
            continue
        if g.outer_lang == "en":
            # Washington Post(WAPO): the abbreviation joins the name's entry
            outer_d, inner_d = drafts.get(ja_key(g.outer)), drafts.get(ja_key(g.inner))
            if outer_d is not None and g.kind == "abbreviation":
                outer_d.forms.append(TermForm(g.inner, "ja", "abbreviation"))
                if not outer_d.en:
                    outer_d.en.append(TermForm(g.outer, "en"))
                outer_d.en.append(TermForm(g.inner, "en", "abbreviation"))
                if inner_d is not None and inner_d is not outer_d:
                    outer_d.freq += inner_d.freq
                    outer_d.score = max(outer_d.score, inner_d.score)
                    outer_d.docs |= inner_d.docs
                    del drafts[ja_key(g.inner)]
            continue
        main, other = g.outer, g.inner
        d = draft_for(main)
        kind = {"former": "synonym", "definition": "synonym"}.get(g.kind, g.kind)
        if not any(ja_key(f.text) == ja_key(other) for f in d.forms) and ja_key(other) != d.ja:
            d.forms.append(TermForm(other, "ja", kind,
                                    katakana_to_hiragana(analyzer.reading(other))))
        if g.kind == "definition":
            d.definition = d.definition or other
        if g.kind == "former":
            d.note = d.note or f"formerly {other}"
        d.bonus += 8.0
        if ja_key(other) in drafts:
            # the other term keeps its own entry and points back (synonyms both ways)
            o = drafts[ja_key(other)]
            if not any(ja_key(f.text) == ja_key(main) for f in o.forms):
                o.forms.append(TermForm(main, "ja", "synonym",
                                        katakana_to_hiragana(analyzer.reading(main))))
    # (b) co-occurrence and transliteration
    for p in pairs:
        pd = drafts.get(p.ja)
        if pd is None or pd.en:
            continue
        d = pd
        cand = en_cands.get(p.en)
        d.en.extend(_en_forms(cand.surface, cand.forms) if cand else _en_forms(p.en))
        d.pairing = {"method": p.method, "confidence": p.confidence, "en": p.en,
                     "cooccurrences": p.cooc}
        d.units |= set(u for u in p.units if u > 0)
        d.bonus += 10.0 * p.confidence
    # katakana names spelled out in English elsewhere in the same documents
    _pair_by_spelling(drafts, ja_cands, en_cands)
    # Latin names written the same in both languages (CNBC, Truth Social)
    for k, d in drafts.items():
        if not d.en and _LATIN.match(k):
            ek = en_key(k)
            cand = en_cands.get(ek)
            d.en.append(_en_form(cand.surface if cand and is_name(cand) else k))
    _merge_name_variants(drafts)
    return drafts


def _pair_in_units(
    drafts: dict[str, _Draft], ja_segs: list[SegmentText], en_segs: list[SegmentText],
    analyzer: Analyzer, options: ExtractOptions, dictionary: Dictionary | None = None,
) -> None:
    """Terms still without English look for it in their own aligned units (米国産大豆 ↔ U.S.
    soybeans, met once): see :func:`glossary.pairing.pair_in_context`. Only the drafts that
    may be stored are tried, so the work stays bounded on a large TM."""
    ranked = sorted(drafts.values(), key=lambda d: -(10.0 * math.log2(1.0 + d.score) + d.bonus))
    # (and the people paired with one word: their own units may write the whole name, which
    # the reading recognises: 高市早苗 took Takaichi from 高市, one unit says Sanae Takaichi)
    todo = {d.ja: sorted(u for u in d.units if u > 0)[:8]
            for d in ranked[: options.limit] if not _LATIN.match(d.ja) and (
                not d.en or d.person and " " not in d.en[0].text)}
    todo = {k: us for k, us in todo.items() if us}
    # and the terms whose English is an acronym (IMF): their units may spell it out
    # and the people paired with one word (Lifeng): their units may write the whole name
    short = {u for d in drafts.values() if d.en and (
        _ACRONYM.match(d.en[0].text) or d.person and " " not in d.en[0].text)
             for u in d.units if u > 0}
    if not todo and not short:
        return
    wanted = {u for us in todo.values() for u in us} | short
    # the word statistics are counted over every aligned unit when there are few (one
    # article: a few dozen units say little about how often two words meet), else over the
    # units of the terms tried, so a large TM costs no more than its best terms
    every = {s.unit_id for s in ja_segs if s.unit_id is not None and s.unit_id > 0}
    # the units pair_in_context reads (and Sudachi analyses again): on a large TM only the
    # tried terms' own; the acronyms' and one-word names' units need their English only
    # (a TM of 100,000 units has tens of thousands of those, which cost a second analysis)
    tried = {u for us in todo.values() for u in us}
    if len(every) <= 5000:
        wanted |= every
        tried = wanted
    ja_texts: dict[int, str] = {}
    en_texts: dict[int, str] = {}
    for segs, texts in ((ja_segs, ja_texts), (en_segs, en_texts)):
        for seg in segs:
            if seg.unit_id in (wanted if texts is en_texts else tried):
                texts[seg.unit_id] = (texts.get(seg.unit_id, "") + " " + seg.text).strip()
    # each unit's English normalised once (the people's units are read again and again)
    en_norm = _Normalised(en_texts)
    _expand_acronyms(drafts, en_norm)
    _full_names(drafts, en_norm)
    found = {} if not todo else pair_in_context(
        todo, ja_texts, en_texts if tried is wanted else {
            u: en_texts[u] for u in tried if u in en_texts}, analyzer,
        readings={k: drafts[k].reading or "" for k in todo if drafts[k].person},
        dictionary=dictionary)
    for k, p in found.items():
        d = drafts[k]
        if d.en:
            word = d.en[0].text
            if " " not in p.en or word.lower() not in p.en.lower().split():
                continue  # only the whole name of the word it has
            d.en = [_en_form(p.en), TermForm(word, "en", "variant"), *d.en[1:]]
        else:
            d.en.extend(_en_forms(p.en))
        d.pairing = {"method": p.method, "confidence": p.confidence, "en": p.en,
                     "units": list(p.units)}
        d.bonus += 10.0 * p.confidence
    _full_names(drafts, en_norm)


class _Normalised(dict[int, str]):
    """Unit id → its text normalised, made on first asking (a unit without text: "")."""

    def __init__(self, texts: Mapping[int, str]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, unit: int) -> str:
        text = self[unit] = normalize(self.texts.get(unit, ""))
        return text


def _drop_unpaired_once(drafts: dict[str, _Draft], en_cands: dict[str, EnCandidate]) -> None:
    """Forget the compounds met once and the place names (``tentative``) that their aligned
    units gave no English, and the Latin ones the unit's English does not hold."""
    for k in [k for k, d in drafts.items() if d.tentative]:
        d = drafts[k]
        if _LATIN.match(k):
            # a Latin name of several words the unit's English writes too (Fred Gao); one
            # Latin word met once (Gao, Tokyo) is too often a fragment of a longer one
            cand = en_cands.get(en_key(k))
            keep = " " in k and cand is not None and bool(set(cand.unit_ids) & d.units)
        else:
            keep = bool(d.en)  # pair_in_context's own threshold said the unit holds it
        if not keep:
            del drafts[k]


_SMALL_WORDS = frozenset("of and for the on in to de".split())


def initials(phrase: str) -> str:
    """The acronym a name makes: first letters of its words but the small ones.

    >>> initials("International Monetary Fund"), initials("Asia-Pacific Economic Cooperation")
    ('IMF', 'APEC')
    """
    words = phrase.replace("-", " ").split()
    return "".join(w[0].upper() for w in words if w.lower() not in _SMALL_WORDS)


def _expand_acronyms(drafts: dict[str, _Draft], en_norm: _Normalised) -> None:
    """国際通貨基金 glossed "IMF" takes the full form its aligned English spells out
    (International Monetary Fund); the acronym stays as a variant."""
    name = re.compile(r"(?:[A-Z][\w-]*(?:\s+(?:of|and|for|the|on|de)\s+|\s+))+[A-Z][\w-]*")
    for d in drafts.values():
        if not d.en or not _ACRONYM.match(d.en[0].text):
            continue
        acronym = d.en[0].text.replace(".", "")
        for u in sorted(u for u in d.units if u > 0):
            text = en_norm[u]
            full = next((m.group(0) for m in name.finditer(text)
                         for m2 in [m] if initials(m2.group(0)) == acronym), None)
            if full is None:
                # the name may start after a leading word ("The International …")
                full = next((" ".join(m.group(0).split()[k:]) for m in name.finditer(text)
                             for k in range(1, 3) if initials(
                                 " ".join(m.group(0).split()[k:])) == acronym), None)
            if full:
                full = re.sub(r"^(?:The|the)\s+", "", full)
                d.en = [TermForm(full, "en"), TermForm(d.en[0].text, "en", "abbreviation"),
                        *[f for f in d.en[1:] if en_key(f.text) != en_key(full)]]
                break


#: capitalised words before a name that are titles or descriptions, not a given name
_NOT_GIVEN = frozenset(
    """President Premier Minister Secretary Chairman Chair Vice Prime Foreign Treasury Defense
    Finance Trade State Mr Ms Mrs Dr Sir General Leader Chief Ambassador Governor Senator
    Representative Speaker Spokesman Spokeswoman Commerce Deputy Chinese Japanese American
    Korean Taiwanese Russian British The A An In On At By For Of And But When While""".split()
)


def _full_names(drafts: dict[str, _Draft], en_norm: _Normalised) -> None:
    """A person paired with one word (Lifeng, Xi) takes the two-word name its units write
    (He Lifeng, Xi Jinping) when at least half of them write it; the word alone is kept as a
    variant."""
    for d in drafts.values():
        if not d.person or not d.en or " " in d.en[0].text or not d.en[0].text[:1].isupper():
            continue
        word = d.en[0].text
        pattern = re.compile(rf"\b([A-Z][a-z]+) {re.escape(word)}\b|\b{re.escape(word)} "
                             rf"([A-Z][a-z]+)\b")
        counts: dict[str, int] = {}
        units = [u for u in d.units if u > 0 and u in en_norm.texts]
        for u in units:
            seen = set()
            for m in pattern.finditer(en_norm[u]):
                other = m.group(1) or m.group(2)
                if other not in _NOT_GIVEN:
                    seen.add(f"{other} {word}" if m.group(1) else f"{word} {other}")
            for full in seen:
                counts[full] = counts.get(full, 0) + 1
        if counts:
            full, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            if 2 * n >= len(units):
                d.en = [TermForm(full, "en"), TermForm(word, "en", "variant"),
                        *[f for f in d.en[1:] if f.text != full]]


def _suggest(
    drafts: dict[str, _Draft], en_cands: dict[str, EnCandidate], analyzer: Analyzer,
    options: ExtractOptions, dictionary: Dictionary | None,
) -> None:
    """English suggested for terms the material leaves without any (Japanese-only articles):

    - ``dictionary`` (0.6): the dictionary's romanised name of a person (習近平 → Xi Jinping) or
      the first gloss of the whole term;
    - ``dictionary`` (0.75): the English the aligner's built-in word list gives the whole
      term, when the TM's English side writes it (as written there);
    - ``composed``: the parts' English joined in order (一般 + 輸出 + 許可 → general export
      license), a part's English being its own entry's English, its dictionary glosses or
      the word list's English; 0.75 when the TM's English side holds the composition, else
      0.45 (its first choices; none when a part's English is the word list's alone).

    Suggestions are stored as candidates like everything extracted: never approved.
    """
    ranked = sorted(drafts.values(), key=lambda d: -(10.0 * math.log2(1.0 + d.score) + d.bonus))
    known = {k: d.en[0].text for k, d in drafts.items() if d.en}
    for d in ranked[: 2 * options.limit]:
        if d.en or _LATIN.match(d.ja):
            continue
        found = _compose(d.ja, known, en_cands, analyzer, dictionary)
        if found is None or (found[2] < 0.75 and any(u > 0 for u in d.units)):
            continue  # aligned English that does not hold the suggestion argues against it
        text, method, confidence = found
        d.en.extend(_en_forms(text))
        d.pairing = {"method": method, "confidence": confidence, "en": text}


def _compose(
    ja: str, known: dict[str, str], en_cands: dict[str, EnCandidate], analyzer: Analyzer,
    dictionary: Dictionary | None,
) -> tuple[str, str, float] | None:
    """The suggestion for one term: (English, method, confidence), or None."""
    if dictionary is not None:
        name = dictionary.name(ja)
        if name and " " in name:
            return name, "dictionary", 0.6
    if dictionary is not None:
        # the dictionary's own entry for the whole compound (世論調査 → public opinion poll)
        # beats any composition of its parts' glosses (public opinion investigation)
        whole = dictionary.glosses(ja)
        if whole:
            return whole[0], "dictionary", 0.6
    # the aligner's built-in word list, when the TM's English writes its English of the whole
    # (its forms are written in lower case, so only as the TM's English writes them)
    # (its first form, or one of several words: a later single word is often another part
    # of speech or a looser sense, as "contain" for 封じ込め after "containment")
    for i, form in enumerate(listed_english(ja)):
        cand = en_cands.get(en_key(form)) if i == 0 or " " in form else None
        if cand is not None:
            return cand.surface, "dictionary", 0.75
    parts = _pieces(ja, known, analyzer, dictionary)
    if not 2 <= len(parts) <= 3:
        return None  # (four pieces and more compose into word salad: 台湾地位未定論)
    options: list[list[str]] = []
    checked_only = False  # a part's English comes from the word list alone
    for p, affix in parts:
        choices = [known[p]] if p in known else []
        if _is_country(p):
            # 米中 → U.S.–China: newspapers' country kanji, not the dictionary's "rice"
            choices.append("–".join(COUNTRY_KANJI[c] for c in p))
        if dictionary is not None and not (affix and not choices):
            # (an affix's own glosses are no translation in a compound: 産 is "innocent")
            choices += [g for g in dictionary.glosses(p)[:4] if len(g.split()) <= 3]
        listed = [] if affix and not choices else [
            f for f in listed_english(p)[:4] if len(f.split()) <= 3 and f not in choices]
        checked_only = checked_only or not choices and bool(listed)
        choices += listed
        if not choices:
            return None
        options.append(choices)
    import itertools

    tried = 0
    for combo in itertools.product(*options):
        tried += 1
        if tried > 256:
            break
        if en_key(" ".join(combo)) in en_cands:
            return en_cands[en_key(" ".join(combo))].surface, "composed", 0.75
    if checked_only:
        return None  # (the TM's English does not write it: nothing to show but lower case)
    return " ".join(o[0] for o in options), "composed", 0.45


def _is_country(text: str) -> bool:
    return len(text) <= 2 and all(c in COUNTRY_KANJI for c in text)


def _pieces(ja: str, known: dict[str, str], analyzer: Analyzer,
            dictionary: Dictionary | None) -> list[tuple[str, bool]]:
    """A compound cut into the fewest pieces the glossary or the dictionary knows, longest
    first (台湾 + 高速鉄道, not 台湾 + 高速 + 鉄道: "high-speed rail" is the dictionary's own
    word; 米中 + 首脳会談), else into Sudachi's tokens; each with whether it is an affix
    token. The whole compound itself is not tried (the caller looked it up)."""
    toks = [t for t in analyzer.tokenize(ja) if t.surface.strip()]
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(toks):
        j = max(i + 1, len(toks) if i > 0 else len(toks) - 1)
        while j > i + 1:
            text = ja[toks[i].begin : toks[j - 1].end]
            if text in known or _is_country(text) or listed_english(text) or (
                    dictionary is not None and dictionary.glosses(text)):
                break
            j -= 1
        text = ja[toks[i].begin : toks[j - 1].end]
        out.append((text, j == i + 1 and toks[i].pos[0] in ("接尾辞", "接頭辞")))
        i = j
    return out


def _pair_by_spelling(
    drafts: dict[str, _Draft], ja_cands: dict[str, JaCandidate],
    en_cands: dict[str, EnCandidate],
) -> None:
    """ホワイトハウス ↔ White House: transliteration within a document, no alignment needed."""
    # only the documents of katakana terms still without English can use a name: the
    # others' names are never spelt out (spelling keys cost a few µs a name)
    docs = {doc for k, d in drafts.items() if not d.en and is_katakana(k.replace("・", ""))
            for doc in d.docs}
    names = [c for c in en_cands.values() if c.words <= 4 and (is_name(c) or c.freq >= 2)
             and not docs.isdisjoint(c.docs)]
    # names indexed by document and by the first sound of their spelling, so a katakana term
    # is compared only with the names of its own documents that can match (not with all)
    index: dict[tuple[int, str], list[int]] = {}
    for i, c in enumerate(names):
        for letter in {k[:1] for k in spelling_keys(c.surface)}:
            for doc in c.docs:
                # (only the documents a term asks about: a frequent name is in thousands)
                if doc in docs:
                    index.setdefault((doc, letter), []).append(i)
    taken = {en_key(f.text) for d in drafts.values() for f in d.en}
    for k, d in sorted(drafts.items(), key=lambda kv: -kv[1].score):
        if d.en or not is_katakana(k.replace("・", "")):
            continue
        test = spells(k)  # (the term's side of transliterates, worked out once)
        if test is None:
            continue  # too short to spell any name
        letter = kana_spelling_key(k)[:1]
        near = sorted({i for doc in d.docs for i in index.get((doc, letter), ())})
        best: EnCandidate | None = None
        for c in (names[i] for i in near):
            # a name no more frequent than the best so far would not replace it: not tested
            if best is not None and c.freq <= best.freq or c.key in taken or not test(
                    c.surface):
                continue
            best = c
        if best is not None:
            d.en.append(_en_form(best.surface))
            d.pairing = {"method": "transliteration", "confidence": 0.8, "en": best.key}
            d.bonus += 8.0
            taken.add(best.key)


def _merge_name_variants(drafts: dict[str, _Draft]) -> None:
    """ベッセント is a variant of スコット・ベッセント: one entry, the full name preferred."""
    for k in sorted(drafts, key=len, reverse=True):
        d = drafts.get(k)
        if d is None:
            continue
        if "・" in k and all(is_katakana(p) for p in k.split("・")):
            parts = [k.split("・")[-1], k.split("・")[0]]
        elif d.person and len(k) >= 3:
            # 高市早苗 and 高市: the family name alone is a variant of the full name
            parts = [k[:n] for n in (1, 2, 3) if n < len(k) and k[:n] in drafts]
            parts = [p for p in parts if drafts[p].person or drafts[p].proper]
        else:
            continue
        for part in parts:
            short = drafts.get(part)
            if short is None or short is d or short.tentative:
                continue  # (a place name still unpaired is no name part: アジア・ソサエティー)
            if not (short.proper or short.person or short.en and short.en[0].text[:1].isupper()):
                continue  # クシュナー・チャンネル: チャンネル is a word, not a name part
            d.forms.append(TermForm(short.ja, "ja", "variant", short.reading))
            d.freq += short.freq
            d.score = max(d.score, short.score) + 0.25 * min(d.score, short.score)
            d.bonus = max(d.bonus, short.bonus)
            d.docs |= short.docs
            d.units |= short.units
            if not d.en and short.en:
                d.en, d.pairing = short.en, short.pairing
            else:
                # Bessent next to Scott Bessent: the short English form is a variant too
                have = {en_key(f.text) for f in d.en}
                d.en.extend(TermForm(f.text, "en", "variant") for f in short.en
                            if en_key(f.text) not in have)
            del drafts[part]


def _finish(
    drafts: dict[str, _Draft], texts: dict[int, str], names: dict[int, str],
    options: ExtractOptions,
) -> list[tuple[TermEntry, dict[str, Any]]]:
    # A Latin entry that is only another entry's English (IMF, AI) is not a term of its own.
    en_of_others = {en_key(f.text) for d in drafts.values() if not _LATIN.match(d.ja)
                    for f in d.en}
    # Frequency is compressed (log) so evidence of termhood — a gloss, quotation marks, an
    # English pair — can lift a rare term (一般輸出許可) above frequent names.
    for d in drafts.values():
        d.score = 10.0 * math.log2(1.0 + d.score) + d.bonus
    ordered = sorted(drafts.values(), key=lambda d: (-d.score, d.ja))
    # ... but the Japanese text writes it (APEC, IMF): a Japanese form of the entry whose
    # English it is, so look-up finds the entry there too
    owner: dict[str, _Draft] = {}
    for d in ordered:
        if not _LATIN.match(d.ja):
            for f in d.en:
                owner.setdefault(en_key(f.text), d)
    for d in ordered:
        o = owner.get(en_key(d.ja)) if _LATIN.match(d.ja) else None
        if o is not None and all(f.text != d.ja for f in o.forms):
            o.forms.append(TermForm(d.ja, "ja", "abbreviation" if _ACRONYM.match(d.ja)
                                    else "variant"))
    out: list[tuple[TermEntry, dict[str, Any]]] = []
    for d in ordered:
        if _LATIN.match(d.ja) and en_key(d.ja) in en_of_others:
            continue
        context = next((texts[s] for s in d.segments if s in texts), None)
        if context and len(context) > 240:
            i = normalize(context).find(d.ja)
            start = max(0, i - 80) if i >= 0 else 0
            context = context[start : start + 240]
        pos = "properNoun" if d.proper or _LATIN.match(d.ja) else "noun"
        entry = TermEntry(
            ja=(TermForm(d.ja, "ja", "term", d.reading, None, pos), *d.forms),
            en=tuple(d.en), status="candidate", pos=pos, note=d.note,
            definition=d.definition, context=context,
            sources=tuple(sorted({names.get(i, str(i)) for i in d.docs})),
            frequency=d.freq, score=round(d.score, 4), origin="extracted",
            evidence=tuple(s for s in d.segments[:20] if s > 0),
        )
        evidence: dict[str, Any] = {"units": sorted(u for u in d.units if u > 0)[:50]}
        if d.pairing:
            evidence["pairing"] = d.pairing
        out.append((entry, evidence))
        if len(out) >= options.limit:
            break
    return out
