"""Correcting a stored alignment: pair, unpair, merge, split, move, confirm, undo.

The library API the review round trip (``taiyaku review apply``) and the web workbench
call. Each operation is one transaction that changes the document's beads, its TM units and
the fuzzy index together, records the change for :func:`undo`, and returns the document's
new revision. The caller passes the revision it last saw: an edit made from an older state
(another tab, another reviewer) is refused with :class:`StaleEditError`, nothing changed.

Beads are addressed by position (0-based, document order; messages number them from 1,
``#1``, as the review XLSX does) and segments by their 0-based position per language, as
``taiyaku align`` and the review XLSX show them. A bead an edit
makes is marked confirmed (a person decided it) with score 1.0; no re-alignment undoes it
(:mod:`taiyaku.tm.realign`).

Example::

    with Store.open("tm.db") as store:
        doc = load(store, "article.txt")
        result = merge_next(store, "article.txt", doc.revision, 4)
        result = confirm(store, "article.txt", result.revision, [0, 1, 2])
        result = undo(store, "article.txt", result.revision)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from taiyaku.core.errors import InputError, NotFoundError, StaleEditError
from taiyaku.store.beads import BeadEdit, BeadUnit, StoredBead
from taiyaku.store.interface import Store
from taiyaku.tm.ingest import join_segments

__all__ = [
    "DocumentAlignment",
    "EditResult",
    "load",
    "pair",
    "unpair",
    "merge_next",
    "split",
    "move",
    "confirm",
    "undo",
    "edit",
    "plan_pair",
    "plan_unpair",
    "plan_merge_next",
    "plan_split",
    "plan_move",
    "plan_confirm",
]

#: the score of a bead a person made
PERSON_SCORE = 1.0


@dataclass(frozen=True)
class DocumentAlignment:
    """A stored document's alignment as an editor shows it.

    :ivar revision: pass it back with the next edit
    :ivar ja: / :ivar en: segment texts by position
    :ivar undoable: how many edits :func:`undo` can take back
    """

    doc_id: int
    name: str
    revision: int
    ja: list[str]
    en: list[str]
    beads: list[StoredBead]
    undoable: int = 0

    def texts(self, bead: StoredBead) -> tuple[str, str]:
        """The joined Japanese and English text of *bead* (as its TM unit holds them)."""
        return (join_segments([self.ja[i] for i in bead.ja_ids], "ja"),
                join_segments([self.en[i] for i in bead.en_ids], "en"))

    def confirmed_share(self) -> float:
        """Share of beads confirmed (review progress), 0.0 for no beads."""
        return sum(b.confirmed for b in self.beads) / len(self.beads) if self.beads else 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the beads with their texts, in document order."""
        beads = []
        for b in self.beads:
            ja, en = self.texts(b)
            beads.append({**b.to_json(), "ja_text": ja, "en_text": en})
        return {"document": self.name, "doc_id": self.doc_id, "revision": self.revision,
                "confirmed_share": round(self.confirmed_share(), 4),
                "undoable": self.undoable, "beads": beads}


@dataclass(frozen=True)
class EditResult:
    """What one edit changed.

    :ivar start: position of the first bead replaced
    :ivar before: the beads replaced; :ivar after: the beads now there
    :ivar units_added: / :ivar units_removed: TM unit ids
    """

    document: str
    revision: int
    action: str
    start: int
    before: tuple[StoredBead, ...]
    after: tuple[StoredBead, ...]

    @property
    def units_added(self) -> list[int]:
        old = {b.unit_id for b in self.before}
        return [b.unit_id for b in self.after if b.unit_id is not None and b.unit_id not in old]

    @property
    def units_removed(self) -> list[int]:
        new = {b.unit_id for b in self.after}
        return [b.unit_id for b in self.before if b.unit_id is not None and b.unit_id not in new]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"document": self.document, "revision": self.revision, "action": self.action,
                "start": self.start, "before": [b.to_json() for b in self.before],
                "after": [b.to_json() for b in self.after], "units_added": self.units_added,
                "units_removed": self.units_removed}


# -- reading -----------------------------------------------------------------------------------
def _doc_id(store: Store, document: str | int) -> tuple[int, str]:
    """The id and name of *document* (a name, or an id as int)."""
    doc = (store.documents.get(document) if isinstance(document, int)
           else store.documents.find(document))
    if doc is None:
        raise NotFoundError(f"no document {document!r} is stored (taiyaku documents lists them)")
    if doc.kind != "bilingual":
        raise InputError(f"document {doc.name!r}: a {doc.kind} document has no "
                         "alignment to edit")
    return doc.id, doc.name


def load(store: Store, document: str | int) -> DocumentAlignment:
    """The stored alignment of *document* (its name, or its id as an int).

    :raises NotFoundError: no such document
    :raises InputError: a one-language document
    """
    doc_id, name = _doc_id(store, document)
    area = store.beads
    return DocumentAlignment(doc_id, name, area.revision(doc_id), area.segment_texts(doc_id, "ja"),
                             area.segment_texts(doc_id, "en"), area.beads(doc_id),
                             len(area.history(doc_id)))


# -- planning: pure functions from beads to beads ----------------------------------------------
Plan = Callable[[list[StoredBead]], list[StoredBead]]


def _made(ja: Iterable[int], en: Iterable[int]) -> StoredBead:
    return StoredBead(0, tuple(ja), tuple(en), PERSON_SCORE, True)


def _bead(beads: Sequence[StoredBead], position: int) -> StoredBead:
    if not 0 <= position < len(beads):
        raise InputError(f"no bead at position {position}: the document has positions "
                         f"0…{len(beads) - 1}")
    return beads[position]


def _run(ids: Iterable[int], lang: str, n: int) -> tuple[int, ...]:
    run = tuple(sorted(set(ids)))
    if any(not 0 <= i < n for i in run):
        raise InputError(f"{lang} segment ids {','.join(map(str, run))}: the document has "
                         f"{lang} segments 0…{n - 1}")
    if run and run[-1] - run[0] != len(run) - 1:
        raise InputError(f"{lang} segment ids {','.join(map(str, run))} are not consecutive")
    return run


def _singles(bead: StoredBead) -> list[StoredBead]:
    return [_made((i,), ()) for i in bead.ja_ids] + [_made((), (i,)) for i in bead.en_ids]


def plan_pair(ja_ids: Iterable[int], en_ids: Iterable[int], n_ja: int, n_en: int) -> Plan:
    """Make one bead of exactly these segments (consecutive on each side, both sides given).

    The beads they come from keep their other segments: a bead wholly before (or after) the
    new one stays as it was; one that would cross it is broken into 1-0 / 0-1 beads.
    """
    ja, en = _run(ja_ids, "Japanese", n_ja), _run(en_ids, "English", n_en)
    if not ja or not en:
        raise InputError("pair needs Japanese and English segment ids")

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        touched = [k for k, b in enumerate(beads)
                   if set(b.ja_ids) & set(ja) or set(b.en_ids) & set(en)]
        first, last = touched[0], touched[-1]
        before: list[StoredBead] = []
        after: list[StoredBead] = []
        for b in beads[first : last + 1]:
            rest_ja = [i for i in b.ja_ids if i not in ja]
            rest_en = [i for i in b.en_ids if i not in en]
            if len(rest_ja) == len(b.ja_ids) and len(rest_en) == len(b.en_ids) and (
                    all(i < ja[0] for i in rest_ja) and all(i < en[0] for i in rest_en)):
                before.append(b)
            elif len(rest_ja) == len(b.ja_ids) and len(rest_en) == len(b.en_ids) and (
                    all(i > ja[-1] for i in rest_ja) and all(i > en[-1] for i in rest_en)):
                after.append(b)
            else:
                for piece in _singles(replace(b, ja_ids=tuple(rest_ja), en_ids=tuple(rest_en))):
                    low = piece.ja_ids[0] < ja[0] if piece.ja_ids else piece.en_ids[0] < en[0]
                    (before if low else after).append(piece)
        return beads[:first] + before + [_made(ja, en)] + after + beads[last + 1:]

    return plan


def plan_unpair(position: int) -> Plan:
    """Break bead *position* into 1-0 and 0-1 beads (Japanese first): these do not pair."""

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        b = _bead(beads, position)
        if not b.paired:
            raise InputError(f"bead #{position + 1} ({b.kind}) is not a pair")
        return beads[:position] + _singles(b) + beads[position + 1:]

    return plan


def plan_merge_next(position: int) -> Plan:
    """Merge bead *position* with the one after it."""

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        a = _bead(beads, position)
        if position + 1 >= len(beads):
            raise InputError(f"bead #{position + 1} is the last one: nothing to merge it with")
        b = beads[position + 1]
        return beads[:position] + [_made(a.ja_ids + b.ja_ids, a.en_ids + b.en_ids)] + (
            beads[position + 2:])

    return plan


def plan_split(position: int, ja_count: int, en_count: int) -> Plan:
    """Split bead *position* in two: the first keeps its first *ja_count* Japanese and
    *en_count* English segments, the second the rest (neither may be empty)."""

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        b = _bead(beads, position)
        if not (0 <= ja_count <= len(b.ja_ids) and 0 <= en_count <= len(b.en_ids)):
            raise InputError(f"bead #{position + 1} ({b.kind}) cannot keep {ja_count} Japanese and "
                             f"{en_count} English segments in its first part")
        one = _made(b.ja_ids[:ja_count], b.en_ids[:en_count])
        two = _made(b.ja_ids[ja_count:], b.en_ids[en_count:])
        if not (one.ja_ids or one.en_ids) or not (two.ja_ids or two.en_ids):
            raise InputError(f"splitting bead #{position + 1} so leaves one part empty")
        return beads[:position] + [one, two] + beads[position + 1:]

    return plan


def plan_move(position: int, lang: str, direction: str) -> Plan:
    """Move a segment of bead *position* to the neighbouring bead: ``up`` moves its first
    *lang* segment to the end of the bead before, ``down`` its last to the start of the
    bead after. A bead left empty goes."""
    if lang not in ("ja", "en") or direction not in ("up", "down"):
        raise InputError(f"move needs lang ja or en and direction up or down, "
                         f"not {lang!r} {direction!r}")

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        b = _bead(beads, position)
        ids = b.ja_ids if lang == "ja" else b.en_ids
        if not ids:
            raise InputError(f"bead #{position + 1} ({b.kind}) has no {lang} segment to move")
        other = position - 1 if direction == "up" else position + 1
        if not 0 <= other < len(beads):
            raise InputError(f"bead #{position + 1} has no bead {direction} of it")
        t = beads[other]
        moved = ids[0] if direction == "up" else ids[-1]
        rest = tuple(i for i in ids if i != moved)
        t_ids = t.ja_ids if lang == "ja" else t.en_ids
        t_new = tuple(sorted((*t_ids, moved)))
        if lang == "ja":
            src, dst = _made(rest, b.en_ids), _made(t_new, t.en_ids)
        else:
            src, dst = _made(b.ja_ids, rest), _made(t.ja_ids, t_new)
        pair = [dst, src] if direction == "up" else [src, dst]
        pair = [x for x in pair if x.ja_ids or x.en_ids]
        lo = min(position, other)
        return beads[:lo] + pair + beads[lo + 2:]

    return plan


def plan_confirm(positions: Iterable[int], confirmed: bool = True) -> Plan:
    """Mark beads confirmed (or, with ``confirmed=False``, no longer confirmed)."""
    wanted = sorted(set(positions))

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        out = list(beads)
        for p in wanted:
            out[p] = replace(_bead(beads, p), confirmed=confirmed)
        return out

    return plan


# -- applying ----------------------------------------------------------------------------------
def _check_revision(document: str, revision: int, current: int) -> None:
    if revision != current:
        raise StaleEditError(
            f"document {document!r} changed since revision {revision} (it is at revision "
            f"{current}): nothing was changed; reload it and make the edit again")


def edit(store: Store, document: str | int, revision: int, plan: Plan, *,
         action: str) -> EditResult:
    """Apply *plan* to the beads of *document* in one transaction (every operation below
    is this with its own plan).

    :raises StaleEditError: *revision* is not the document's current revision
    :raises InputError: no such document, or the plan's arguments do not fit its beads
    """
    with store.transaction():
        doc_id, name = _doc_id(store, document)
        area = store.beads
        _check_revision(name, revision, area.revision(doc_id))
        old = area.beads(doc_id)
        new = [replace(b, position=k) for k, b in enumerate(plan(list(old)))]
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        end_old, end_new = len(old), len(new)
        while end_old > start and end_new > start and (
                replace(old[end_old - 1], position=0) == replace(new[end_new - 1], position=0)):
            end_old, end_new = end_old - 1, end_new - 1
        if start == end_old == end_new:  # e.g. confirming a confirmed bead: nothing to do
            return EditResult(name, revision, action, start, (), ())
        saved = _replace(store, doc_id, start, old[start:end_old], new[start:end_new], action)
    return EditResult(name, saved.revision, action, start, saved.before, saved.after)


def _replace(store: Store, doc_id: int, start: int, removed: Sequence[StoredBead],
             placed: Sequence[StoredBead], action: str, *, record: bool = True) -> BeadEdit:
    """Hand the changed range to the store: a placed bead covering the same segments as a
    removed one keeps its unit; other paired beads get units made from their texts."""
    area = store.beads
    units_by_segments = {(b.ja_ids, b.en_ids): b.unit_id for b in removed if b.unit_id}
    ja = en = None
    beads: list[StoredBead] = []
    units: list[BeadUnit | None] = []
    for b in placed:
        uid = units_by_segments.get((b.ja_ids, b.en_ids)) if b.paired else None
        beads.append(replace(b, unit_id=uid))
        if b.paired and uid is None:
            if ja is None or en is None:
                ja, en = area.segment_texts(doc_id, "ja"), area.segment_texts(doc_id, "en")
            units.append(BeadUnit(join_segments([ja[i] for i in b.ja_ids], "ja"),
                                  join_segments([en[i] for i in b.en_ids], "en")))
        else:
            units.append(None)
    return area.replace(doc_id, start, len(removed), beads, units, action=action, record=record)


def pair(store: Store, document: str | int, revision: int, ja_ids: Iterable[int],
         en_ids: Iterable[int]) -> EditResult:
    """Pair exactly these segments (see :func:`plan_pair`)."""
    doc = load(store, document)
    return edit(store, document, revision, plan_pair(ja_ids, en_ids, len(doc.ja), len(doc.en)),
                action="pair")


def unpair(store: Store, document: str | int, revision: int, position: int) -> EditResult:
    """Unpair bead *position*: its unit leaves the TM."""
    return edit(store, document, revision, plan_unpair(position), action="unpair")


def merge_next(store: Store, document: str | int, revision: int, position: int) -> EditResult:
    """Merge bead *position* with the next one."""
    return edit(store, document, revision, plan_merge_next(position), action="merge")


def split(store: Store, document: str | int, revision: int, position: int, ja_count: int,
          en_count: int) -> EditResult:
    """Split bead *position* (see :func:`plan_split`)."""
    return edit(store, document, revision, plan_split(position, ja_count, en_count),
                action="split")


def move(store: Store, document: str | int, revision: int, position: int, lang: str,
         direction: str) -> EditResult:
    """Move a segment to the neighbouring bead (see :func:`plan_move`)."""
    return edit(store, document, revision, plan_move(position, lang, direction), action="move")


def confirm(store: Store, document: str | int, revision: int, positions: Iterable[int],
            confirmed: bool = True) -> EditResult:
    """Confirm beads (``confirmed=False``: take the confirmation back)."""
    return edit(store, document, revision, plan_confirm(positions, confirmed),
                action="confirm" if confirmed else "unconfirm")


def undo(store: Store, document: str | int, revision: int) -> EditResult:
    """Undo the last recorded edit of *document* (repeat to go further back, up to
    :data:`taiyaku.store.beads.HISTORY_SIZE` edits). Undo itself is not recorded.

    :raises InputError: nothing left to undo
    :raises StaleEditError: *revision* is not the document's current revision
    """
    with store.transaction():
        doc_id, name = _doc_id(store, document)
        area = store.beads
        _check_revision(name, revision, area.revision(doc_id))
        history = area.history(doc_id)
        if not history:
            raise InputError(f"document {name!r}: no edit left to undo")
        last = history[-1]
        now = area.beads(doc_id)
        start, n = last.start, len(last.after)
        current = now[start : start + n]
        if [(b.ja_ids, b.en_ids, b.confirmed) for b in current] != [
                (b.ja_ids, b.en_ids, b.confirmed) for b in last.after]:
            raise InputError(f"document {name!r}: its beads no longer match the last edit "
                             f"({last.action}); nothing was undone")
        saved = _replace(store, doc_id, start, current, last.before, f"undo {last.action}",
                         record=False)
        area.drop_last_edit(doc_id, last.revision)
    return EditResult(name, saved.revision, f"undo {last.action}", start, saved.before,
                      saved.after)
