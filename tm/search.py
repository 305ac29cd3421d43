"""Fuzzy TM lookup (CAT-style scores through the candidate index) and substring concordance."""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taiyaku.core.matchkeys import (
    EN_WORD,
    SHORT_LEN,
    codes_of,
    en_codes,
    en_keys,
    en_token_keys,
    ja_keys,
    match_key,
    text_hash,
)
from taiyaku.core.model import Match
from taiyaku.core.normalize import normalize
from taiyaku.core.printable import visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import Store, UnitText
from taiyaku.tm.fuzzy import _EN_TOKEN, diff_spans, query_lang, raw_similarity, score_match

__all__ = [
    "SearchOptions",
    "SearchResult",
    "ConcordanceHit",
    "find_matches",
    "find_matches_many",
    "concordance",
    "run_search",
    "match_to_json",
    "document_units",
    "diff_pieces",
    "span_pieces",
]

#: candidates rescored per query (after counting shared index keys)
CANDIDATES = 70
#: ... for a short Japanese query (units of a length that can reach 50, nearest first)
SHORT_CANDIDATES = 300


@dataclass(frozen=True)
class SearchOptions:
    """Options of ``taiyaku tm search``."""

    limit: int = 5
    min_score: float = 50.0
    concordance: bool = False
    #: only units this document (by name) holds
    document: str | None = None


@dataclass(frozen=True, slots=True)
class _Query:
    text: str
    norm: str
    lang: str
    cmp: str | list[str]
    keys: frozenset[str]
    hash: int
    #: keys the wide pass counts (English adds its words to its token bigrams)
    wide_keys: frozenset[str]
    #: English: the tokens as codes (:func:`taiyaku.core.matchkeys.en_codes`), what candidates
    #: are scored on
    codes: array[int] = field(default_factory=lambda: array("I"))


def _prepare(query: str) -> _Query:
    norm = normalize(query)
    lang = query_lang(norm)
    if lang == "ja":
        keys = frozenset(ja_keys(norm))
        return _Query(query, norm, lang, norm, keys, text_hash(match_key(query, "ja")), keys)
    tokens = _EN_TOKEN.findall(norm.lower())
    keys = frozenset(en_token_keys(tokens))
    return _Query(query, norm, lang, tokens, keys, text_hash(match_key(query, "en")),
                  keys | en_keys(norm), en_codes(tokens))


def _fetch(store: Store, ids: Sequence[int]) -> list[UnitText]:
    return store.units.texts(ids)


#: a query whose best candidate scores below this gets a second, wider candidate pass
#: (unless the bigram bound shows it futile) ...
WIDE_BELOW = {"ja": 70.0, "en": 90.0}
#: ... which counts up to this many postings of keys held by at most so many units. English
#: needs more: its keys (token bigrams and words) are fewer and commoner than Japanese
#: character bigrams, and a template sentence's best match shares only common ones.
WIDE_LIMITS = {"ja": (150_000, 60_000), "en": (250_000, 120_000)}


def _score_rows(
    store: Store, q: _Query, ids: Sequence[int], min_score: float,
    scored: list[tuple[float, float, int, Match]],
) -> float:
    """Score the units *ids* against *q*, add those reaching *min_score* to *scored*; return
    the best raw similarity seen.

    Only the compared side is read for every candidate (Japanese: the normalised text;
    English: its token codes); whole rows only for the few that come close (raw similarity of
    at least 40, where the 99 rule may apply, or *min_score*).
    """
    best_raw = 0.0
    qlen = len(q.cmp)
    cutoff = min(min_score, 40.0)
    close: dict[int, float] = {}
    query: str | list[str] | array[int]
    values: Any
    if q.lang == "ja":
        values, query = store.units.ja_norms(ids), q.cmp
    else:
        values, query = store.fuzzy.token_codes(ids), q.codes
    for uid, value in values:
        n = len(value) if q.lang == "ja" else len(value) // 4
        # Levenshtein similarity can't exceed shorter/longer: skip hopeless lengths early
        if 100.0 * min(qlen, n) / (max(qlen, n) or 1) < cutoff:
            continue
        cmp: str | array[int] = value if q.lang == "ja" else codes_of(value)
        raw = raw_similarity(query, cmp, score_cutoff=cutoff)
        if raw > 0.0 or cmp == query:
            close[uid] = raw
    if not close:
        return best_raw
    for uid, ja, en, ja_norm, en_norm, doc in _fetch(store, list(close)):
        if q.lang == "ja":
            source, source_norm, target = ja, ja_norm, en
            raw = close[uid]
        else:
            source, source_norm, target = en, en_norm, ja
            # on the tokens themselves: two tokens sharing a code only ever raised it
            raw = raw_similarity(q.cmp, _EN_TOKEN.findall(en_norm.lower()), score_cutoff=cutoff)
        s = score_match(q.text, q.norm, source, source_norm, target, q.lang, raw=raw)
        best_raw = max(best_raw, s.raw)
        if s.score < min_score or s.score <= 0:
            continue
        m = Match(uid, s.score, source, target, s.flags, s.target_substituted, doc)
        scored.append((s.score, s.raw, uid, m))
    return best_raw


def _wide_is_futile(best_raw: float, min_score: float, bound: float) -> bool:
    """True when no unit the first pass left out can beat *best_raw* (or reach the minimum
    score): *bound* is the candidates' bound on the raw similarity of the units left out
    (:func:`taiyaku.core.matchkeys.bigram_similarity_bound` over the query's characters or
    tokens)."""
    return bound <= max(best_raw, min(min_score, 40.0))


def _match_one(
    store: Store,
    q: _Query,
    limit: int,
    min_score: float,
    df_cache: dict[str, int] | None = None,
    postings_cache: dict[str, array[int]] | None = None,
    within: Sequence[int] | None = None,
) -> list[Match]:
    if not q.norm:
        return []
    if within is not None:
        # one document's units: score every one of them (the index ranks the whole TM)
        scored_in: list[tuple[float, float, int, Match]] = []
        _score_rows(store, q, within, min_score, scored_in)
        scored_in.sort(key=lambda t: (-t[0], -t[1], -t[2]))
        return [t[3] for t in scored_in[:limit]]
    short = len(q.norm) if q.lang == "ja" and 2 * len(q.norm) <= SHORT_LEN else 0
    found = store.fuzzy.candidates(q.keys, length=len(q.cmp),
                                   top=SHORT_CANDIDATES if short else CANDIDATES,
                                   df_cache=df_cache, postings_cache=postings_cache, short=short)
    ids = found.ids
    exact = store.units.ids_by_hash(q.lang, q.hash)
    wanted = list(dict.fromkeys(exact + ids))
    scored: list[tuple[float, float, int, Match]] = []
    best_raw = _score_rows(store, q, wanted, min_score, scored)
    if (best_raw < WIDE_BELOW[q.lang] and len(ids) >= CANDIDATES and not short
            and not _wide_is_futile(best_raw, min_score, found.bound)):
        # Weak matches often share only common bigrams with the query, which the first pass
        # (rarest keys only) does not count: count those too and score the new candidates.
        budget, max_df = WIDE_LIMITS[q.lang]
        more = store.fuzzy.wide_candidates(q.wide_keys, exclude=wanted, df_cache=df_cache,
                                           budget=budget, max_df=max_df)
        _score_rows(store, q, more, min_score, scored)
    scored.sort(key=lambda t: (-t[0], -t[1], -t[2]))
    return [t[3] for t in scored[:limit]]


def document_units(store: Store, document: str | None) -> list[int] | None:
    """The ids of the units the document named *document* holds (None: no document given).

    :raises NotFoundError: no document has that name
    """
    if document is None:
        return None
    info = store.documents.find(document)
    if info is None:
        from taiyaku.core.errors import NotFoundError

        raise NotFoundError(f"document {visible(document)!r}: no such document "
                            "(`taiyaku documents` lists them)")
    return store.units.of_document(info.id)


def _ready(store: Store, progress: Progress = no_progress) -> None:
    """Before searching: the backend readies its index (rebuilding one an older version
    built, shown through *progress*)."""
    store.fuzzy.prepare(progress)


def find_matches(
    store: Store, query: str, *, limit: int = 5, min_score: float = 50.0
) -> list[Match]:
    """The best TM matches for *query*, best first (score formula: :mod:`tm.fuzzy`).

    A Japanese query (any kana or kanji) is compared with the Japanese side, character by
    character; an English query with the English side, word by word.

    >>> from taiyaku.store import open_store
    >>> from taiyaku.core.model import NewUnit
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     doc = s.documents.add("d", layout="pair", kind="bilingual")
    ...     _ = s.units.add(doc, [NewUnit("2019年に会った。", "We met in 2019.", 0)])
    >>> m = find_matches(s, "2021年に会った。")[0]
    >>> m.score, m.flags, m.target_substituted
    (99.0, ('numbers',), 'We met in 2021.')
    """
    _ready(store)
    return _match_one(store, _prepare(query), limit, min_score)


def find_matches_many(
    store: Store, queries: Sequence[str], *, limit: int = 5, min_score: float = 50.0,
    document: str | None = None,
) -> list[list[Match]]:
    """:func:`find_matches` for many queries, sharing index reads (document frequencies and
    the posting lists of common keys) across the batch.

    >>> from taiyaku.store import open_store
    >>> find_matches_many(open_store(":memory:"), ["一つ", "two"])
    [[], []]
    """
    _ready(store)
    within = document_units(store, document)
    df_cache: dict[str, int] = {}
    postings_cache: dict[str, array[int]] = {}
    out = []
    for text in queries:
        out.append(_match_one(store, _prepare(text), limit, min_score, df_cache, postings_cache,
                              within))
        if len(postings_cache) > 300:  # bound the memory a long batch can hold
            postings_cache.clear()
    return out


# -- concordance --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConcordanceHit:
    """A unit whose Japanese or English side contains the query.

    :ivar side: ``"ja"`` or ``"en"``, where the query was found
    :ivar spans: character offsets of the occurrences in that side's original text
    """

    id: int
    ja: str
    en: str
    document: str
    side: str
    spans: tuple[tuple[int, int], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The JSON shape: ``source`` is the side holding the query, ``target`` the other."""
        source, target = (self.ja, self.en) if self.side == "ja" else (self.en, self.ja)
        return {"id": self.id, "source": source, "target": target, "ja": self.ja, "en": self.en,
                "side": self.side, "document": self.document,
                "spans": [list(s) for s in self.spans]}


def _find_spans(text: str, needle: str, *, ignore_case: bool) -> tuple[tuple[int, int], ...]:
    if not needle:
        return ()
    flags = re.IGNORECASE if ignore_case else 0
    return tuple((m.start(), m.end()) for m in re.finditer(re.escape(needle), text, flags))


def _verify_ids(
    store: Store, ids: Sequence[int], test: Any, limit: int
) -> list[UnitText]:
    hits: list[UnitText] = []
    for i in range(0, len(ids), 200):
        for row in sorted(_fetch(store, ids[i : i + 200])):
            if test(row):
                hits.append(row)
                if len(hits) >= limit:
                    return hits
    return hits


def _ja_side(store: Store, q: str, limit: int, within: set[int] | None = None
             ) -> list[UnitText]:
    if len(q) == 1 and within is not None:
        ids: Sequence[int] = sorted(within)  # one document's units: read them all
    elif len(q) == 1:
        ids = store.fuzzy.first_holders("j" + q, 4 * limit + 50)
    else:
        keys = {"j" + q[i : i + 2] for i in range(len(q) - 1)}
        dfs = store.fuzzy.key_counts(keys)
        if len(dfs) < len(keys):
            return []  # some bigram never occurs
        order = sorted(keys, key=lambda k: dfs[k])
        first = store.fuzzy.holders(order[0])
        if len(order) > 1 and len(first) > 5000:
            second = set(store.fuzzy.holders(order[1]))
            ids = [i for i in first if i in second]
        else:
            ids = first
    if within is not None:
        ids = [i for i in ids if i in within]
    return _verify_ids(store, ids, lambda row: q in row[3], limit)


def _en_side(store: Store, q: str, limit: int, within: set[int] | None = None
             ) -> list[UnitText]:
    words = EN_WORD.findall(q.lower())
    if not words:
        return []
    keys = {"e" + w for w in words}
    dfs = store.fuzzy.key_counts(keys)
    if len(dfs) < len(keys):
        return []
    order = sorted(keys, key=lambda k: dfs[k])
    ids: Sequence[int] = store.fuzzy.holders(order[0])
    if len(order) > 1 and len(ids) > 5000:
        second = set(store.fuzzy.holders(order[1]))
        ids = [i for i in ids if i in second]
    if within is not None:
        ids = [i for i in ids if i in within]
    pattern = re.compile(r"(?<!\w)" + re.escape(q.lower()) + r"(?!\w)")
    return _verify_ids(store, ids, lambda row: pattern.search(row[4].lower()) is not None, limit)


def concordance(store: Store, query: str, *, limit: int = 20,
                document: str | None = None) -> list[ConcordanceHit]:
    """Units whose Japanese side contains *query* (any length, even one character), or whose
    English side contains it as whole words, case-insensitive; oldest first.

    Japanese is matched on normalised text through the bigram index (a one-character query
    reads every bigram starting with it), English through the word index and a check.

    >>> from taiyaku.store import open_store
    >>> from taiyaku.core.model import NewUnit
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     doc = s.documents.add("d", layout="pair", kind="bilingual")
    ...     _ = s.units.add(doc, [NewUnit("米国の政策", "US policy", 0)])
    >>> [h.spans for h in concordance(s, "米")], [h.side for h in concordance(s, "Policy")]
    ([((0, 1),)], ['en'])
    """
    _ready(store)
    q = normalize(query)
    if not q:
        return []
    ids = document_units(store, document)
    within = None if ids is None else set(ids)
    found: dict[int, ConcordanceHit] = {}
    for uid, ja, en, _jn, _en, doc in _ja_side(store, q, limit, within):
        found[uid] = ConcordanceHit(uid, ja, en, doc, "ja", _find_spans(ja, query.strip(),
                                                                          ignore_case=False))
    if query_lang(q) == "en":
        for uid, ja, en, _jn, _en, doc in _en_side(store, q, limit, within):
            if uid not in found:
                found[uid] = ConcordanceHit(uid, ja, en, doc, "en",
                                            _find_spans(en, query.strip(), ignore_case=True))
    return [found[k] for k in sorted(found)[:limit]]


# -- the command's result -----------------------------------------------------------------------
def match_to_json(query: str, match: Match) -> dict[str, Any]:
    """A match as JSON: ``score``, ``source``, ``target`` plus ``id``, ``flags``, ``document``,
    ``target_substituted`` and ``spans`` (what differs, as offsets into query and source)."""
    return {
        "id": match.id,
        "score": match.score,
        "source": match.source,
        "target": match.target,
        "target_substituted": match.target_substituted,
        "flags": list(match.flags),
        "document": match.document,
        "spans": diff_spans(query, match.source, query_lang(normalize(query))),
    }


_RED, _GREEN, _BOLD, _DIM, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


def span_pieces(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, str]]:
    """*text* cut at *spans* (overlapping ones skipped): ``("same", …)`` and ``("hit", …)``
    pieces, what a concordance marks (the terminal in colour or brackets, the web page with
    ``<mark>``).

    >>> span_pieces("米国の政策", [(0, 2)])
    [('hit', '米国'), ('same', 'の政策')]
    """
    out: list[tuple[str, str]] = []
    last = 0
    for a, b in sorted(spans):
        if a < last:
            continue
        if a > last:
            out.append(("same", text[last:a]))
        out.append(("hit", text[a:b]))
        last = b
    if last < len(text):
        out.append(("same", text[last:]))
    return out


def diff_pieces(query: str, source: str) -> list[tuple[str, str]]:
    """The stored segment *source* of a match cut against *query*: ``("same", …)``,
    ``("source", …)`` (what only the stored segment has) and, at its place, ``("query", …)``
    (what the query has instead): the difference marks of ``tm search`` and the web page.

    >>> diff_pieces("2021年に会った。", "2019年に会った。")
    [('same', '20'), ('source', '19'), ('query', '21'), ('same', '年に会った。')]
    """
    out: list[tuple[str, str]] = []
    last = 0
    for sp in diff_spans(query, source, query_lang(normalize(query))):
        sa, sb = sp["source"]
        qa, qb = sp["query"]
        if sa > last:
            out.append(("same", source[last:sa]))
        if sb > sa:
            out.append(("source", source[sa:sb]))
        if qb > qa:
            out.append(("query", query[qa:qb]))
        last = sb
    if last < len(source):
        out.append(("same", source[last:]))
    return out


def _mark(text: str, spans: Sequence[tuple[int, int]], open_: str, close: str) -> str:
    return "".join(visible(t) if kind == "same" else f"{open_}{visible(t)}{close}"
                   for kind, t in span_pieces(text, spans))


def _render_match(query: str, m: Match, color: bool) -> list[str]:
    # Show the stored segment with the parts the query lacks marked, and, at the right place,
    # what the query has instead.
    src_open, src_close = (_RED, _RESET) if color else ("[", "]")
    q_open, q_close = (_GREEN + "+", _RESET) if color else ("{+", "}")
    marks = {"same": ("", ""), "source": (src_open, src_close), "query": (q_open, q_close)}
    # Stored text is shown through visible(): an escape sequence imported from a file must
    # not reach the terminal (only our own colour codes do).
    pieces = [f"{marks[kind][0]}{visible(t)}{marks[kind][1]}"
              for kind, t in diff_pieces(query, m.source)]
    flags = f" ({', '.join(m.flags)})" if m.flags else ""
    score = f"{m.score:5.1f}"
    head = f"{_BOLD}{score}{_RESET}" if color else score
    document = visible(m.document) if m.document else ""
    doc = f"  {_DIM}{document}{_RESET}" if color and document else (
        f"  {document}" if document else "")
    lines = [f"{head}{flags}{doc}", "    " + "".join(pieces)]
    target = m.target_substituted or m.target
    lines.append("    → " + visible(target))
    return lines


@dataclass(frozen=True)
class SearchResult:
    """What ``taiyaku tm search`` prints: one entry per query (fuzzy matches or concordance)."""

    queries: list[str]
    matches: list[list[Match]] = field(default_factory=list)
    hits: list[list[ConcordanceHit]] = field(default_factory=list)
    batch: bool = False
    concordance: bool = False

    def to_json(self) -> Any:
        """One object ``{"query", "matches"}`` per query; a list for a batch."""
        objs = []
        for i, q in enumerate(self.queries):
            if self.concordance:
                items = [h.to_json() for h in self.hits[i]]
            else:
                items = [match_to_json(q, m) for m in self.matches[i]]
            objs.append({"query": q, "matches": items})
        return objs if self.batch else objs[0]

    def render(self, color: bool = False) -> str:
        """Terminal text; differences marked ``[in the match]{+in the query}`` or coloured."""
        lines: list[str] = []
        for i, q in enumerate(self.queries):
            if self.batch or len(self.queries) > 1:
                lines.append(f"# {visible(q)}")
            if self.concordance:
                if not self.hits[i]:
                    lines.append("no segment contains it")
                for h in self.hits[i]:
                    src, tgt = (h.ja, h.en) if h.side == "ja" else (h.en, h.ja)
                    o, c = (_RED, _RESET) if color else ("[", "]")
                    lines.append(f"{h.id:>8}  {_mark(src, h.spans, o, c)}")
                    lines.append(f"          → {visible(tgt)}")
            else:
                if not self.matches[i]:
                    lines.append("no match at or above the minimum score")
                for m in self.matches[i]:
                    lines += _render_match(q, m, color)
            if self.batch:
                lines.append("")
        return "\n".join(lines).rstrip("\n")


def run_search(
    store: Store, *, query: str | None, queries_file: Path | None, options: SearchOptions,
    progress: Progress = no_progress,
) -> SearchResult:
    """Run ``taiyaku tm search``: one query or every non-empty line of *queries_file*.

    >>> from taiyaku.store import open_store
    >>> r = run_search(open_store(":memory:"), query="台湾", queries_file=None,
    ...                options=SearchOptions())
    >>> r.to_json()
    {'query': '台湾', 'matches': []}
    """
    batch = queries_file is not None
    if queries_file is not None:
        from taiyaku.tm.textio import read_text

        queries = [line.strip() for line in read_text(queries_file).splitlines() if line.strip()]
    else:
        queries = [query or ""]
    _ready(store, progress)  # a rebuild after an upgrade shows its progress here
    if options.concordance:
        hits = [concordance(store, q, limit=options.limit, document=options.document)
                for q in queries]
        return SearchResult(queries, hits=hits, batch=batch, concordance=True)
    matches = find_matches_many(store, queries, limit=options.limit, min_score=options.min_score,
                                document=options.document)
    return SearchResult(queries, matches=matches, batch=batch)
