"""Correcting what is stored: listing, showing and removing documents, editing and deleting TM
units. The same functions serve the CLI and (later) the web workbench; each write is one
transaction, and an unknown id is a one-line :class:`~taiyaku.core.errors.NotFoundError`
that leaves the database as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taiyaku.core.errors import InputError, NotFoundError, StaleEditError
from taiyaku.core.normalize import normalize
from taiyaku.core.printable import visible
from taiyaku.store.beads import StoredBead
from taiyaku.store.interface import (
    DocumentSummary,
    RemovedDocument,
    Store,
    StoredSegment,
    StoredUnit,
)

__all__ = [
    "list_documents",
    "show_document",
    "remove_document",
    "edit_unit",
    "delete_unit",
    "unit_etag",
    "DocumentList",
    "AlignmentStats",
    "DocumentDetail",
    "DocumentRemoval",
    "UnitChange",
]


def _summary_line(s: DocumentSummary) -> str:
    d = s.document
    units = f"{s.units} units" + (f" (+{s.shared_units} shared)" if s.shared_units else "")
    return (f"{d.id:>5}  {visible(d.name)}  {d.layout}  {s.segments_ja}+{s.segments_en} "
            f"segments  {units}  added {d.created}  from {visible(d.source_path or '-')}")


@dataclass(frozen=True)
class AlignmentStats:
    """A bilingual document's alignment at a glance: how sure the aligner was and how much
    of it a person has checked.

    :ivar beads: all beads; :ivar paired: those with both languages (they make TM units)
    :ivar mean_confidence: mean score of the paired beads (None without any)
    :ivar confirmed: beads a person confirmed
    """

    beads: int
    paired: int
    mean_confidence: float | None
    confirmed: int

    @property
    def confirmed_share(self) -> float:
        """Review progress: the share of beads confirmed (0.0 for no beads)."""
        return self.confirmed / self.beads if self.beads else 0.0

    @classmethod
    def of(cls, beads: list[StoredBead]) -> AlignmentStats:
        """The stats of a document's *beads*.

        >>> from taiyaku.store.beads import StoredBead
        >>> s = AlignmentStats.of([StoredBead(0, (0,), (0,), 0.9, True),
        ...                        StoredBead(1, (1,), (), 0.0), StoredBead(2, (2,), (1,), 0.5)])
        >>> (s.beads, s.paired, round(s.mean_confidence or 0, 2), s.confirmed_share)
        (3, 2, 0.7, 0.3333333333333333)
        """
        scores = [b.score for b in beads if b.paired]
        return cls(len(beads), len(scores), sum(scores) / len(scores) if scores else None,
                   sum(b.confirmed for b in beads))

    def to_json(self) -> dict[str, Any]:
        return {"beads": self.beads, "paired_beads": self.paired,
                "mean_confidence": None if self.mean_confidence is None
                else round(self.mean_confidence, 4),
                "confirmed_beads": self.confirmed,
                "confirmed_share": round(self.confirmed_share, 4)}


#: the alignment fields of a document that has none (one-language or imported)
_NO_ALIGNMENT = {"beads": 0, "paired_beads": 0, "mean_confidence": None, "confirmed_beads": 0,
                 "confirmed_share": None}


@dataclass(frozen=True)
class DocumentList:
    """What ``taiyaku documents`` prints: each document with its counts and, for a bilingual
    one, its alignment's confidence and review progress."""

    documents: list[DocumentSummary]
    alignment: dict[int, AlignmentStats] = field(default_factory=dict)

    def to_json(self) -> list[dict[str, Any]]:
        out = []
        for s in self.documents:
            stats = self.alignment.get(s.document.id)
            out.append({**s.to_json(), **(stats.to_json() if stats else _NO_ALIGNMENT)})
        return out

    def render(self) -> str:
        if not self.documents:
            return "no documents stored"
        lines = []
        for s in self.documents:
            line = _summary_line(s)
            stats = self.alignment.get(s.document.id)
            if stats is not None and stats.beads:
                mean = ("-" if stats.mean_confidence is None
                        else f"{stats.mean_confidence:.2f}")
                line += (f"  confidence {mean}  reviewed {stats.confirmed}/{stats.beads} "
                         f"({100 * stats.confirmed_share:.0f}%)")
            lines.append(line)
        return "\n".join(lines)


@dataclass(frozen=True)
class DocumentDetail:
    """What ``taiyaku documents show ID`` prints: the document and its segments."""

    summary: DocumentSummary
    segments: list[StoredSegment] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**self.summary.to_json(), "sha256": self.summary.document.sha256,
                "segment_list": [{"id": s.id, "lang": s.lang, "position": s.position,
                                  "text": s.text, "kind": s.kind, "unit_id": s.unit_id}
                                 for s in self.segments]}

    def render(self) -> str:
        d = self.summary.document
        lines = [_summary_line(self.summary), f"kind: {d.kind}, sha256: {d.sha256 or '-'}"]
        for s in self.segments:
            unit = f"unit {s.unit_id}" if s.unit_id is not None else "unaligned"
            lines.append(f"  {s.lang} {s.position:>4}  [{unit}]  {visible(s.text)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DocumentRemoval:
    """What ``taiyaku documents remove ID`` did."""

    removed: RemovedDocument

    def to_json(self) -> dict[str, Any]:
        r = self.removed
        return {"id": r.document.id, "name": r.document.name, "segments_removed": r.segments,
                "units_removed": r.units, "units_kept": r.units_kept}

    def render(self) -> str:
        r = self.removed
        kept = (f"; {r.units_kept} units other documents hold stay with them"
                if r.units_kept else "")
        return (f"removed document {r.document.id} ({visible(r.document.name)}): "
                f"{r.segments} segments, {r.units} units{kept}")


@dataclass(frozen=True)
class UnitChange:
    """A unit as it was and as it is (None after a delete)."""

    before: StoredUnit
    after: StoredUnit | None

    def to_json(self) -> dict[str, Any]:
        def unit(u: StoredUnit | None) -> dict[str, Any] | None:
            return None if u is None else {"id": u.id, "ja": u.ja, "en": u.en,
                                           "document": u.document}
        return {"id": self.before.id, "before": unit(self.before), "after": unit(self.after),
                "deleted": self.after is None}

    def render(self) -> str:
        if self.after is None:
            return (f"deleted unit {self.before.id}: {visible(self.before.ja)} → "
                    f"{visible(self.before.en)}")
        return (f"edited unit {self.after.id}: {visible(self.after.ja)} → "
                f"{visible(self.after.en)}")


def list_documents(store: Store) -> DocumentList:
    """Every document with its segment and unit counts, oldest first; a bilingual one with
    its alignment's mean confidence and review progress (:class:`AlignmentStats`)."""
    summaries = store.documents.summaries()
    alignment = {s.document.id: AlignmentStats.of(store.beads.beads(s.document.id))
                 for s in summaries if s.document.kind == "bilingual"}
    return DocumentList(summaries, alignment)


def _summary(store: Store, doc_id: int) -> DocumentSummary:
    for s in store.documents.summaries():
        if s.document.id == doc_id:
            return s
    raise NotFoundError(f"document {doc_id}: no such document (`taiyaku documents` lists them)")


def show_document(store: Store, doc_id: int) -> DocumentDetail:
    """Document *doc_id* with its segments.

    :raises NotFoundError: no document has that id
    """
    return DocumentDetail(_summary(store, doc_id), store.segments.of_document(doc_id))


def remove_document(store: Store, doc_id: int) -> DocumentRemoval:
    """Remove document *doc_id*: its segments, its units and their index entries, in one
    transaction. Units another document holds too stay, with that document. Terms extracted
    from it stay; their evidence from it (segments, units, the document's name) goes.

    :raises NotFoundError: no document has that id (nothing is changed)
    """
    with store.transaction():
        # terms keep their entries but lose the evidence this document gave them; the
        # glossary reads that evidence (the document's segments and units) before they go
        store.glossary.forget_document(doc_id)
        removed = store.documents.remove(doc_id)
        if removed is None:
            raise NotFoundError(
                f"document {doc_id}: no such document (`taiyaku documents` lists them)")
    return DocumentRemoval(removed)


def _unit_not_found(unit_id: int) -> NotFoundError:
    return NotFoundError(f"unit {unit_id}: no such TM unit (`taiyaku tm search --json` shows ids)")


def unit_etag(ja: str, en: str) -> str:
    """A short hash of a unit's two texts as a person saw them: an edit made from that view
    carries it, and is refused once the unit has changed.

    >>> unit_etag("港湾", "port") == unit_etag("港湾", "port") != unit_etag("港湾", "harbor")
    True
    """
    import hashlib

    return hashlib.sha256(f"{ja}\x00{en}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _check_unit_etag(unit: StoredUnit, etag: str | None) -> None:
    if etag is not None and etag != unit_etag(unit.ja, unit.en):
        raise StaleEditError(
            f"unit {unit.id} was changed since you loaded it (another tab or reviewer); "
            "nothing was changed: reload it and try again")


def edit_unit(store: Store, unit_id: int, *, ja: str | None = None, en: str | None = None,
              etag: str | None = None) -> UnitChange:
    """Change the Japanese and/or English text of unit *unit_id* in one transaction; searches
    and pre-translation see the new text at once.

    :param etag: :func:`unit_etag` of the unit as the caller saw it (None: no check)
    :raises InputError: neither text given, or a text that is empty once normalised
    :raises NotFoundError: no unit has that id (nothing is changed)
    :raises StaleEditError: the unit changed since the caller saw it (nothing is changed)
    """
    if ja is None and en is None:
        raise InputError(f"unit {unit_id}: give --ja and/or --en, the new text")
    for lang, text in (("ja", ja), ("en", en)):
        if text is not None and not normalize(text):
            raise InputError(f"unit {unit_id}: the new --{lang} text is empty")
    with store.transaction():
        before = store.units.get(unit_id)
        if before is None:
            raise _unit_not_found(unit_id)
        _check_unit_etag(before, etag)
        after = store.units.update(unit_id, ja=ja, en=en)
    return UnitChange(before, after)


def delete_unit(store: Store, unit_id: int, *, etag: str | None = None) -> UnitChange:
    """Delete unit *unit_id* (and its index entries) in one transaction; the segments it was
    made from become unaligned.

    :param etag: :func:`unit_etag` of the unit as the caller saw it (None: no check)
    :raises NotFoundError: no unit has that id (nothing is changed)
    :raises StaleEditError: the unit changed since the caller saw it (nothing is changed)
    """
    with store.transaction():
        if etag is not None:
            current = store.units.get(unit_id)
            if current is None:
                raise _unit_not_found(unit_id)
            _check_unit_etag(current, etag)
        before = store.units.delete(unit_id)
        if before is None:
            raise _unit_not_found(unit_id)
    return UnitChange(before, None)
