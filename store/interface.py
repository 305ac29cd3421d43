"""The storage interface: what ``tm/`` and ``glossary/`` may ask of a store.

A backend (today :class:`taiyaku.store.sqlite.SqliteStore`; PostgreSQL next) gives a
:class:`Store` whose areas — :attr:`Store.documents`, :attr:`Store.segments`,
:attr:`Store.units`, :attr:`Store.fuzzy`, :attr:`Store.meta`, :attr:`Store.beads`
(:class:`~taiyaku.store.beads.BeadsArea`), :attr:`Store.glossary`
(:mod:`taiyaku.store.glossary`), :attr:`Store.qa` — take and return the frozen
records below. Every write goes through one of these methods inside
:meth:`Store.transaction`; the backend keeps its fuzzy index exact in that same transaction.
No SQL (and no connection) crosses this boundary.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from taiyaku.core.findings import Finding
from taiyaku.core.model import NewUnit
from taiyaku.core.progress import Progress
from taiyaku.store.beads import BeadsArea
from taiyaku.store.glossary import GlossaryArea

__all__ = [
    "Store",
    "Documents",
    "Segments",
    "Units",
    "Fuzzy",
    "Meta",
    "QaMemory",
    "DocumentInfo",
    "DocumentSummary",
    "RemovedDocument",
    "NewSegment",
    "StoredSegment",
    "StoredUnit",
    "UnitText",
    "Candidates",
    "NewUnit",
    "is_bookkeeping",
]


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A stored document.

    :ivar kind: ``bilingual``, ``mono`` or ``tmx`` (any imported TM file)
    :ivar source_path: the source file's key (absolute path) or None
    """

    id: int
    name: str
    layout: str
    kind: str
    created: str
    source_path: str | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A document with what it holds: segments per side and TM units (its own, and those it
    shares with a document that stored them first)."""

    document: DocumentInfo
    segments_ja: int
    segments_en: int
    units: int
    shared_units: int

    def to_json(self) -> dict[str, Any]:
        d = self.document
        return {"id": d.id, "name": d.name, "source_path": d.source_path, "layout": d.layout,
                "kind": d.kind, "segments": self.segments_ja + self.segments_en,
                "segments_ja": self.segments_ja, "segments_en": self.segments_en,
                "units": self.units, "shared_units": self.shared_units, "added": d.created}


@dataclass(frozen=True, slots=True)
class RemovedDocument:
    """What removing a document took away (and what it handed to other documents)."""

    document: DocumentInfo
    segments: int
    units: int
    units_kept: int


@dataclass(frozen=True, slots=True)
class NewSegment:
    """A segment to store with its document: its side, position, text and kind, and the unit
    it went into (None: unaligned)."""

    lang: str
    position: int
    text: str
    kind: str = "text"
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredSegment:
    """A stored segment."""

    id: int
    doc_id: int
    lang: str
    position: int
    text: str
    kind: str
    unit_id: int | None


@dataclass(frozen=True, slots=True)
class StoredUnit:
    """A stored TM unit.

    :ivar document: the name of the document that holds it
    :ivar also_in: other documents holding it too (skipped there as its duplicates)
    :ivar props: extra properties (TMX ``prop`` values, ``x-document``, ``x-note`` …)
    """

    id: int
    doc_id: int
    document: str
    position: int
    ja: str
    en: str
    ja_norm: str
    en_norm: str
    bead: str
    confidence: float
    created: str
    props: dict[str, str] = field(default_factory=dict)
    also_in: tuple[str, ...] = ()


#: (id, ja, en, ja_norm, en_norm, document name): the row a search reads per hit
UnitText = tuple[int, str, str, str, str, str]


@dataclass(frozen=True, slots=True)
class Candidates:
    """Fuzzy candidates: unit ids, best first, and the highest raw similarity (0–100) any
    unit left out can have with the query (:func:`taiyaku.core.matchkeys.
    bigram_similarity_bound`; 100 when the backend cannot say)."""

    ids: list[int]
    bound: float = 100.0


def is_bookkeeping(key: str) -> bool:
    """Whether a meta *key* is this database's own bookkeeping rather than a fact about its
    content: the fuzzy index's state (``fuzzy_*``) and the glossary's revision counter, which
    every write bumps. Exports and ``db copy`` leave them out, so two databases holding the same
    TM and glossary export the same files.

    >>> [is_bookkeeping(k) for k in ("fuzzy_version", "glossary_revision", "created")]
    [True, True, False]
    """
    return key.startswith("fuzzy_") or key == "glossary_revision"


class Meta(Protocol):
    """Key–value settings of the store (signature, index bookkeeping)."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def all(self) -> dict[str, str]: ...


class Documents(Protocol):
    """Documents: one per ingested file or imported TM file."""

    def add(self, name: str, *, layout: str, kind: str, source_path: str | None = None,
            sha256: str | None = None, created: str | None = None) -> int:
        """Store a new document; *created* keeps a copied document's time (default: now)."""
        ...

    def get(self, doc_id: int) -> DocumentInfo | None: ...

    def find(self, name: str) -> DocumentInfo | None: ...

    def all(self) -> list[DocumentInfo]: ...

    def summaries(self) -> list[DocumentSummary]: ...

    def from_source(self, source_path: str) -> list[DocumentInfo]: ...

    def source_ends_with(self, tail: str) -> bool: ...

    def remove(self, doc_id: int) -> RemovedDocument | None: ...


class Segments(Protocol):
    """A document's segments on both sides, with the unit each went into."""

    def add(self, doc_id: int, segments: Iterable[NewSegment]) -> None: ...

    def of_document(self, doc_id: int) -> list[StoredSegment]: ...


class Units(Protocol):
    """TM units."""

    def add(self, doc_id: int, units: Iterable[NewUnit], *, skip_duplicates: bool = False,
            chunk_size: int = ...) -> list[int | None]: ...

    def get(self, unit_id: int) -> StoredUnit | None: ...

    def texts(self, ids: Sequence[int]) -> list[UnitText]: ...

    def ja_norms(self, ids: Sequence[int]) -> Iterator[tuple[int, str]]: ...

    def ids_by_hash(self, lang: str, text_hash: int) -> list[int]: ...

    def by_hashes(self, lang: str, hashes: Sequence[int]
                  ) -> Iterator[tuple[int, int, str, str, str]]: ...

    def iterate(self) -> Iterator[StoredUnit]: ...

    def of_document(self, doc_id: int) -> list[int]: ...

    def repeated_pairs(self) -> Iterator[tuple[str, str, str]]: ...

    def holders(self) -> Iterator[tuple[int, int, int]]:
        """(unit id, document id, position) of every document that holds a unit stored under
        another document (what :meth:`add` with ``skip_duplicates`` records), by unit id."""
        ...

    def add_holders(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """Record (unit id, document id, position) holders as :meth:`holders` reads them
        (``db copy``); one already recorded stays as it is."""
        ...

    def update(self, unit_id: int, *, ja: str | None = None, en: str | None = None
               ) -> StoredUnit | None: ...

    def delete(self, unit_id: int) -> StoredUnit | None: ...

    def bulk(self, progress: Progress = ...) -> contextlib.AbstractContextManager[None]: ...


class Fuzzy(Protocol):
    """Fuzzy-search candidates over :mod:`taiyaku.core.matchkeys` keys; the backend owns the
    index and keeps it exact in every write's transaction."""

    def prepare(self, progress: Progress = ...) -> None: ...

    def candidates(
        self, keys: Iterable[str], *, length: int, top: int = ..., budget: int = ...,
        df_cache: dict[str, int] | None = None,
        postings_cache: dict[str, array[int]] | None = None, short: int = 0,
    ) -> Candidates: ...

    def wide_candidates(
        self, keys: Iterable[str], *, top: int = ..., exclude: Iterable[int] = (),
        budget: int = ..., max_df: int = ..., df_cache: dict[str, int] | None = None,
    ) -> list[int]: ...

    def key_counts(self, keys: Iterable[str]) -> dict[str, int]: ...

    def holders(self, key: str) -> array[int]: ...

    def first_holders(self, prefix: str, first: int) -> list[int]: ...

    def token_codes(self, ids: Sequence[int]) -> Iterator[tuple[int, bytes]]: ...

    def rebuild(self, progress: Progress = ...) -> None: ...


class QaMemory(Protocol):
    """Findings of ``taiyaku qa`` a reviewer marked as false positives, per checked file."""

    def known(self, file_id: str) -> set[tuple[str, str, str, str]]: ...

    def remember(self, file_id: str, findings: Iterable[Finding]) -> int: ...

    def all(self) -> list[tuple[str, str, str, str, str]]:
        """(file id, unit, check, source, target) of every stored false positive, sorted."""
        ...


class Store(Protocol):
    """An open store. Writes happen inside :meth:`transaction` (one per command: all or
    nothing); nested transactions are savepoints."""

    @property
    def path(self) -> Path | None: ...

    @property
    def name(self) -> str:
        """How messages name the database: its file, ``:memory:``, or a server's address
        with the password masked (:func:`taiyaku.core.dburl.mask`)."""
        ...

    @property
    def schema_version(self) -> int: ...

    @property
    def documents(self) -> Documents: ...

    @property
    def segments(self) -> Segments: ...

    @property
    def units(self) -> Units: ...

    @property
    def fuzzy(self) -> Fuzzy: ...

    @property
    def meta(self) -> Meta: ...

    @property
    def beads(self) -> BeadsArea: ...

    @property
    def glossary(self) -> GlossaryArea: ...

    @property
    def qa(self) -> QaMemory: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...

    def counts(self) -> dict[str, int]: ...

    def close(self) -> None: ...
