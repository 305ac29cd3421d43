"""The beads area of the storage interface: a document's stored alignment and its edit history.

A bead pairs consecutive Japanese segments with consecutive English segments of one
document (either side may be empty: a 1-0 or 0-1 bead). Segment ids are 0-based positions
per language, as ``taiyaku align`` prints them and the review XLSX shows them. Every change
goes through :meth:`BeadsArea.replace`, which keeps the TM units and the fuzzy index in step
in the caller's transaction and bumps the document's revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["StoredBead", "BeadEdit", "BeadUnit", "BeadsArea", "HISTORY_SIZE"]

#: edits kept per document for undo (older ones are dropped)
HISTORY_SIZE = 50


@dataclass(frozen=True, slots=True)
class StoredBead:
    """One stored bead of a document.

    :ivar position: 0-based, in document order
    :ivar ja_ids: Japanese segment positions (consecutive, ascending; ``()`` for 0-1)
    :ivar en_ids: English segment positions (``()`` for 1-0)
    :ivar score: the aligner's confidence in [0, 1] (1.0 for a bead a person made)
    :ivar confirmed: a person checked it: no re-alignment undoes it
    :ivar unit_id: the TM unit this bead made (paired beads only), None otherwise
    """

    position: int
    ja_ids: tuple[int, ...]
    en_ids: tuple[int, ...]
    score: float
    confirmed: bool = False
    unit_id: int | None = None

    @property
    def kind(self) -> str:
        """``"2-1"`` style bead type."""
        return f"{len(self.ja_ids)}-{len(self.en_ids)}"

    @property
    def paired(self) -> bool:
        """Both languages present: the bead makes a TM unit."""
        return bool(self.ja_ids) and bool(self.en_ids)

    def same_segments(self, other: StoredBead) -> bool:
        """True when *other* covers exactly the same segments."""
        return self.ja_ids == other.ja_ids and self.en_ids == other.en_ids

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape the web API and ``review apply --json`` use)."""
        return {"position": self.position, "ja_ids": list(self.ja_ids),
                "en_ids": list(self.en_ids), "type": self.kind, "score": round(self.score, 4),
                "confirmed": self.confirmed, "unit_id": self.unit_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredBead:
        """The inverse of :meth:`to_json` (the edit history is kept as JSON)."""
        return cls(int(data["position"]), tuple(int(i) for i in data["ja_ids"]),
                   tuple(int(i) for i in data["en_ids"]), float(data["score"]),
                   bool(data["confirmed"]),
                   None if data.get("unit_id") is None else int(data["unit_id"]))


@dataclass(frozen=True, slots=True)
class BeadUnit:
    """The TM unit a new paired bead makes: its joined texts (the behaviour joins them)."""

    ja: str
    en: str


@dataclass(frozen=True, slots=True)
class BeadEdit:
    """One recorded change of a document's beads, enough to undo it.

    :ivar revision: the document's revision this edit produced
    :ivar start: position of the first bead replaced
    :ivar before: the beads that were at ``start…`` (their unit ids as they were)
    :ivar after: the beads put there instead
    """

    doc_id: int
    revision: int
    action: str
    start: int
    before: tuple[StoredBead, ...]
    after: tuple[StoredBead, ...]
    created: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"revision": self.revision, "action": self.action, "start": self.start,
                "before": [b.to_json() for b in self.before],
                "after": [b.to_json() for b in self.after], "created": self.created}


class BeadsArea(Protocol):
    """Stored beads, per-document revisions and edit history.

    Reads see the caller's transaction; writes must run inside ``store.transaction()``.
    """

    def beads(self, doc_id: int) -> list[StoredBead]:
        """The document's beads in order (empty for a one-language document)."""
        ...

    def revision(self, doc_id: int) -> int:
        """The document's alignment revision: 0 as ingested, +1 per change (undo included)."""
        ...

    def segment_texts(self, doc_id: int, lang: str) -> list[str]:
        """The document's segment texts of *lang*, by position."""
        ...

    def store_alignment(self, doc_id: int, beads: Sequence[StoredBead]) -> None:
        """Record the beads ingest stored (their units already exist); revision 0."""
        ...

    def replace(self, doc_id: int, start: int, count: int, new: Sequence[StoredBead],
                units: Sequence[BeadUnit | None], *, action: str,
                record: bool = True) -> BeadEdit:
        """Put *new* in place of the *count* beads at *start*, and bump the revision.

        A new bead with a ``unit_id`` keeps that unit (it covers the same segments as a
        replaced bead); a paired one without gets a new unit made from its entry in *units*;
        units of replaced beads that no new bead keeps are deleted. Units, the fuzzy index
        and the segments' unit links change in the same transaction.

        :param record: keep the edit in the history (undo itself is not recorded)
        """
        ...

    def history(self, doc_id: int) -> list[BeadEdit]:
        """The recorded edits, oldest first (at most :data:`HISTORY_SIZE`)."""
        ...

    def restore(self, doc_id: int, revision: int, history: Sequence[BeadEdit]) -> None:
        """Set the document's revision and its recorded edits as they were in another store
        (``db copy``: the beads are written first with :meth:`store_alignment`, and the unit
        ids inside *history* are already those of this store)."""
        ...

    def drop_last_edit(self, doc_id: int, revision: int) -> None:
        """Forget the recorded edit that produced *revision* (it was undone)."""
        ...
