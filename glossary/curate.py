"""Curating the glossary from the web workbench: filtered pages of entries, edits that refuse a
stale view (an ``etag``), status changes for many entries at once, and the evidence of a term
(the sentences it occurs in, with their aligned English).

The rules of who may change what stay in :mod:`taiyaku.glossary.store`; this module adds what
a screen of many entries needs on top of them. No web framework is imported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import InputError, StaleEditError
from taiyaku.core.terms import STATUSES, TermEntry
from taiyaku.glossary.store import (
    TermEdit,
    TermMerged,
    edit_term,
    get_entry,
    load_entries,
    merge_terms,
)

if TYPE_CHECKING:
    from taiyaku.store.interface import Store

__all__ = [
    "entry_etag", "TermFilter", "TermPage", "filter_terms", "StaleTermError",
    "edit_term_checked", "merge_terms_checked", "set_status_many", "EvidenceLine",
    "TermEvidence", "term_evidence",
]


def entry_etag(entry: TermEntry) -> str:
    """A short hash of everything a person sees of *entry* (its JSON shape): two views of the
    same state have the same etag, and any change to the entry changes it.

    >>> from taiyaku.core.terms import TermForm
    >>> a = TermEntry(ja=(TermForm("港湾", "ja"),), id=1)
    >>> entry_etag(a) == entry_etag(TermEntry(ja=(TermForm("港湾", "ja"),), id=1))
    True
    >>> entry_etag(a) == entry_etag(TermEntry(ja=(TermForm("港湾", "ja"),), id=1, note="x"))
    False
    """
    data = json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:20]


class StaleTermError(StaleEditError):
    """An edit made from an old view of a term: refused; :attr:`current` is the entry now.

    :ivar current: the entry as stored, for the caller to show
    """

    def __init__(self, message: str, current: TermEntry) -> None:
        super().__init__(message)
        self.current = current


def _check_etag(store: Store, term_id: int, etag: str | None) -> TermEntry:
    entry = get_entry(store, term_id)
    if etag is not None and etag != entry_etag(entry):
        raise StaleTermError(
            f"term {term_id} was changed since you loaded it (another tab or reviewer); "
            "nothing was changed: reload it and edit again", entry)
    return entry


@dataclass(frozen=True)
class TermFilter:
    """What the glossary page shows (None: no filter).

    :ivar q: a lookup as ``terms search`` makes it (surface, reading or English)
    :ivar has_en: True: entries with an English form; False: without
    :ivar document: a document name among the entry's sources
    """

    status: str | None = None
    has_en: bool | None = None
    document: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    q: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class TermPage:
    """One page of a filtered glossary: the entries, and how many pass the filter in all.

    :ivar suggestions: by entry id, the machine's pairing its evidence records (``method``,
        ``confidence``, ``en``), for the entries that have one: shown as a suggestion
    """

    entries: list[TermEntry]
    total: int
    filter: TermFilter = field(default_factory=TermFilter)
    suggestions: dict[int, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"total", "offset", "entries": [entry JSON + etag + suggestion]}``."""
        return {"total": self.total, "offset": self.filter.offset,
                "entries": [{**e.to_json(), "etag": entry_etag(e),
                             "suggestion": self.suggestions.get(e.id or 0)}
                            for e in self.entries]}


def _suggestion(store: Store, term_id: int) -> dict[str, Any] | None:
    """The pairing term extraction recorded for an entry (None: none recorded)."""
    pairing = store.glossary.evidence(term_id).get("pairing")
    return pairing if isinstance(pairing, dict) else None


#: a lookup (``q``) ranks this many hits before the other filters are applied
_SEARCH_POOL = 1000


def filter_terms(store: Store, flt: TermFilter) -> TermPage:
    """The entries passing *flt*, best first (a lookup: in the order ``terms search`` gives),
    one page of them.

    :raises InputError: an unknown status, a negative offset or a limit below 1

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "港湾", "port")
    >>> _ = add_term(s, "川習会", status="candidate")
    >>> [e.ja[0].text for e in filter_terms(s, TermFilter(has_en=False)).entries]
    ['川習会']
    """
    if flt.status is not None and flt.status not in STATUSES:
        raise InputError(f"unknown term status {flt.status!r}: use one of {', '.join(STATUSES)}")
    if flt.offset < 0 or flt.limit < 1:
        raise InputError("offset must be 0 or more and limit 1 or more")
    area = store.glossary
    ids = area.filtered_ids(status=flt.status, has_en=flt.has_en, source=flt.document,
                            min_score=flt.min_score, max_score=flt.max_score)
    if flt.q is not None and flt.q.strip():
        from taiyaku.glossary.lookup import search_terms

        passing = set(ids)
        ids = [e.id for e in search_terms(store, flt.q, limit=_SEARCH_POOL)
               if e.id is not None and e.id in passing]
    page = ids[flt.offset : flt.offset + flt.limit]
    suggestions = {i: s for i in page if (s := _suggestion(store, i)) is not None}
    return TermPage(load_entries(store, page), len(ids), flt, suggestions)


def edit_term_checked(store: Store, term_id: int, edit: TermEdit,
                      etag: str | None = None) -> TermEntry:
    """:func:`taiyaku.glossary.store.edit_term`, refused when *etag* is not the entry's
    current one (see :func:`entry_etag`); one transaction.

    :raises StaleTermError: the entry changed since the caller loaded it (nothing changed)

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "港湾", "port")
    >>> tag = entry_etag(e)
    >>> edit_term_checked(s, e.id, TermEdit(note="house style"), tag).note
    'house style'
    >>> edit_term_checked(s, e.id, TermEdit(note="mine"), tag)
    Traceback (most recent call last):
    ...
    taiyaku.glossary.curate.StaleTermError: term 1 was changed since you loaded it ...
    """
    with store.transaction():
        _check_etag(store, term_id, etag)
        return edit_term(store, term_id, edit)


def merge_terms_checked(store: Store, ids: Sequence[int],
                        etags: Mapping[int, str] | None = None) -> TermMerged:
    """:func:`taiyaku.glossary.store.merge_terms`, refused when an entry's etag in *etags*
    is not its current one (another tab forbade or edited it since it was shown); one
    transaction, so a refused merge changes nothing.

    :raises StaleTermError: an entry changed since the caller loaded it

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> a, b = add_term(s, "米中首脳会談"), add_term(s, "川習会", status="candidate")
    >>> tags = {a.id: entry_etag(a), b.id: entry_etag(b)}
    >>> _ = edit_term_checked(s, b.id, TermEdit(status="forbidden"))
    >>> merge_terms_checked(s, [a.id, b.id], tags)
    Traceback (most recent call last):
    ...
    taiyaku.glossary.curate.StaleTermError: term 2 was changed since you loaded it ...
    >>> merge_terms_checked(s, [a.id, b.id]).merged
    (2,)
    """
    with store.transaction():
        for term_id, etag in (etags or {}).items():
            if term_id in ids:
                _check_etag(store, term_id, etag)
        return merge_terms(store, ids)


def set_status_many(store: Store, ids: Sequence[int], status: str,
                    etags: Mapping[int, str] | None = None) -> list[TermEntry]:
    """Give every entry of *ids* *status* by hand (approve or forbid many), in one
    transaction: an unknown id or a stale etag changes none of them. Forms with a status of
    their own keep it; each entry is marked edited.

    :raises InputError: no id, an unknown id or status
    :raises StaleTermError: an entry changed since the caller loaded it

    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> a, b = add_term(s, "港湾", status="candidate"), add_term(s, "川習会", status="candidate")
    >>> [e.status for e in set_status_many(s, [a.id, b.id], "approved")]
    ['approved', 'approved']
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InputError("no term id given")
    if status not in STATUSES:
        raise InputError(f"unknown term status {status!r}: use one of {', '.join(STATUSES)}")
    area = store.glossary
    with store.transaction():
        for term_id in wanted:
            _check_etag(store, term_id, (etags or {}).get(term_id))
        for term_id in wanted:
            area.set_status(term_id, status)
    return load_entries(store, wanted)


# -- evidence ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """A TM unit a term occurs in, with where (character offsets) in each side.

    :ivar ja_spans: where a Japanese form of the term is in :attr:`ja`
    :ivar en_spans: where an English form is in :attr:`en`
    """

    unit_id: int
    ja: str
    en: str
    document: str
    ja_spans: tuple[tuple[int, int], ...] = ()
    en_spans: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``unit_id, ja, en, document, ja_spans, en_spans``."""
        return {"unit_id": self.unit_id, "ja": self.ja, "en": self.en,
                "document": self.document, "ja_spans": [list(s) for s in self.ja_spans],
                "en_spans": [list(s) for s in self.en_spans]}


@dataclass(frozen=True)
class TermEvidence:
    """Why a term (and its pairing) was proposed.

    :ivar lines: the sentences it occurs in, with their aligned English
    :ivar source: ``stored`` (the units extraction recorded) or ``concordance`` (found now)
    :ivar suggestion: the machine's pairing (``method``, ``confidence``, ``en``), if recorded
    """

    term_id: int
    lines: list[EvidenceLine]
    source: str
    suggestion: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """``term_id, source, suggestion, lines``."""
        return {"term_id": self.term_id, "source": self.source,
                "suggestion": self.suggestion, "lines": [x.to_json() for x in self.lines]}


def _spans(text: str, forms: Sequence[str], *, ignore_case: bool) -> tuple[tuple[int, int], ...]:
    """Non-overlapping occurrences of any of *forms* in *text*, longest form first."""
    hay = text.lower() if ignore_case else text
    taken: list[tuple[int, int]] = []
    for form in sorted({f for f in forms if f}, key=len, reverse=True):
        needle = form.lower() if ignore_case else form
        start = hay.find(needle)
        while start >= 0:
            end = start + len(needle)
            if all(end <= a or start >= b for a, b in taken):
                taken.append((start, end))
            start = hay.find(needle, end)
    return tuple(sorted(taken))


def term_evidence(store: Store, term_id: int, *, limit: int = 10) -> TermEvidence:
    """The sentences term *term_id* occurs in, with their aligned English: the TM units term
    extraction recorded as its evidence, else (a term added by hand or imported) a
    concordance over the TM for its Japanese forms (then its English ones).

    :raises InputError: no such term

    >>> from taiyaku.core.model import NewUnit
    >>> from taiyaku.glossary.store import add_term
    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     doc = s.documents.add("d", layout="pair", kind="bilingual")
    ...     _ = s.units.add(doc, [NewUnit("港湾を整備した。", "The port was improved.", 0)])
    >>> e = add_term(s, "港湾", "port")
    >>> ev = term_evidence(s, e.id)
    >>> ev.source, ev.lines[0].ja_spans, ev.lines[0].en_spans
    ('concordance', ((0, 2),), ((4, 8),))
    """
    entry = get_entry(store, term_id)
    stored = store.glossary.evidence(term_id)
    suggestion = _suggestion(store, term_id)
    ja_forms = [f.text for f in entry.ja]
    en_forms = [f.text for f in entry.en]
    unit_ids = [i for i in stored.get("units", []) if isinstance(i, int)]
    rows: list[tuple[int, str, str, str]] = []
    source = "stored"
    if unit_ids:
        by_id = {r[0]: r for r in store.units.texts(unit_ids[: limit * 3])}
        rows = [(i, by_id[i][1], by_id[i][2], by_id[i][5]) for i in unit_ids if i in by_id]
    if not rows:
        from taiyaku.tm.search import concordance

        source = "concordance"
        seen: set[int] = set()
        for form in (*ja_forms, *en_forms):
            for hit in concordance(store, form, limit=limit):
                if hit.id not in seen:
                    seen.add(hit.id)
                    rows.append((hit.id, hit.ja, hit.en, hit.document))
            if len(rows) >= limit:
                break
    lines = [EvidenceLine(uid, ja, en, doc, _spans(ja, ja_forms, ignore_case=False),
                          _spans(en, en_forms, ignore_case=True))
             for uid, ja, en, doc in rows[:limit]]
    return TermEvidence(term_id, lines, source, suggestion)
