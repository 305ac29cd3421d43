"""The alignment editor: ``/documents/{id}`` and its JSON API under ``/api/documents/{id}/``.

The page shows a document's beads in document order (a 1-0 or 0-1 bead stands where its
segment stands in the text), coloured by the aligner's confidence. Each change goes at once
through :mod:`taiyaku.tm.alignedit` (one transaction: beads, TM units and the fuzzy index)
with the revision the page last saw; a change made from an older state (another tab) is
refused with 409 and the page reloads the current beads (``/documents/{id}/rows``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from taiyaku.store.beads import StoredBead
from taiyaku.store.interface import Store
from taiyaku.tm import alignedit
from taiyaku.tm.alignedit import DocumentAlignment, EditResult
from taiyaku.web.deps import get_store, render

__all__ = ["router", "band", "doubtful", "LOW_BELOW", "HIGH_FROM"]

router = APIRouter()

StoreDep = Annotated[Store, Depends(get_store)]

#: a paired bead scoring at least this is shown green ("high"); below it, a bead not yet
#: confirmed is doubtful ("next doubtful bead" stops at it)
HIGH_FROM = 0.8
#: a paired bead scoring below this is "low" (red); from here to HIGH_FROM, amber ("mid")
LOW_BELOW = 0.5


def band(score: float, paired: bool) -> str:
    """The colour band of a bead: ``high``, ``mid``, ``low``, or ``none`` (unpaired).

    >>> band(0.93, True), band(0.6, True), band(0.2, True), band(0.0, False)
    ('high', 'mid', 'low', 'none')
    """
    if not paired:
        return "none"
    return "high" if score >= HIGH_FROM else "mid" if score >= LOW_BELOW else "low"


def doubtful(bead: StoredBead) -> bool:
    """Whether "next doubtful bead" stops at *bead*: not confirmed, and unpaired (a missed
    pairing?) or not green.

    >>> doubtful(StoredBead(0, (0,), (0,), 0.7)), doubtful(StoredBead(0, (0,), (0,), 0.9))
    (True, False)
    >>> doubtful(StoredBead(0, (0,), (), 0.0)), doubtful(StoredBead(0, (0,), (), 0.0, True))
    (True, False)
    """
    return not bead.confirmed and (not bead.paired or bead.score < HIGH_FROM)


def _rows(doc: DocumentAlignment) -> list[dict[str, Any]]:
    """What the template needs per bead (texts by segment, band, doubtful)."""
    rows = []
    for b in doc.beads:
        paired = b.paired
        rows.append({
            "position": b.position, "number": b.position + 1, "kind": b.kind,
            "score": b.score, "confirmed": b.confirmed, "paired": paired,
            "band": band(b.score, paired),
            "doubtful": doubtful(b),
            "ja": [(i, doc.ja[i]) for i in b.ja_ids], "en": [(i, doc.en[i]) for i in b.en_ids],
            "ja_ids": ",".join(map(str, b.ja_ids)), "en_ids": ",".join(map(str, b.en_ids)),
        })
    return rows


def _context(doc: DocumentAlignment) -> dict[str, Any]:
    scores = [b.score for b in doc.beads if b.paired]
    confirmed = sum(b.confirmed for b in doc.beads)
    return {"doc": doc, "rows": _rows(doc), "confirmed": confirmed,
            "mean": sum(scores) / len(scores) if scores else None,
            "doubtful": sum(map(doubtful, doc.beads))}


# -- pages ------------------------------------------------------------------------------------
@router.get("/documents/{doc_id}", include_in_schema=False)
def align_page(request: Request, doc_id: int, store: StoreDep) -> Response:
    """The alignment editor of document *doc_id* (rendered here in one pass)."""
    return render(request, "align.html", **_context(alignedit.load(store, doc_id)))


@router.get("/documents/{doc_id}/rows", include_in_schema=False)
def align_rows(request: Request, doc_id: int, store: StoreDep, start: int = 0,
               count: int | None = None) -> Response:
    """The editor's figures and bead rows as they are now: all of them (after a refused stale
    change the page swaps them all in), or *count* rows from *start* (after a change, the
    rows it made)."""
    context = _context(alignedit.load(store, doc_id))
    if count is not None:
        context["rows"] = context["rows"][max(0, start):max(0, start) + max(0, count)]
    return render(request, "align_rows.html", **context)


# -- API --------------------------------------------------------------------------------------
class BeadOut(BaseModel):
    """One bead (``StoredBead.to_json``): segment ids are 0-based per language."""

    position: int
    ja_ids: list[int]
    en_ids: list[int]
    type: str = Field(description='"1-1", "2-1", "1-0" …')
    score: float
    confirmed: bool
    unit_id: int | None


class BeadTextOut(BeadOut):
    """A bead with its joined texts (as its TM unit holds them)."""

    ja_text: str
    en_text: str


class AlignmentOut(BaseModel):
    """A document's alignment: pass ``revision`` back with the next edit."""

    document: str
    doc_id: int
    revision: int
    confirmed_share: float
    undoable: int
    beads: list[BeadTextOut]


class EditOut(BaseModel):
    """What one edit changed: the beads from ``start`` that it replaced and put there, the
    TM units made and removed, and the document's new ``revision``."""

    document: str
    revision: int
    action: str
    start: int
    before: list[BeadOut]
    after: list[BeadOut]
    units_added: list[int]
    units_removed: list[int]


class Edit(BaseModel):
    """Every edit names the revision it was made from (a stale one is refused: 409)."""

    revision: int = Field(ge=0, description="the document's revision the client last saw")


class PairIn(Edit):
    ja_ids: list[int] = Field(min_length=1, description="consecutive Japanese segment ids")
    en_ids: list[int] = Field(min_length=1, description="consecutive English segment ids")


class PositionIn(Edit):
    position: int = Field(ge=0, description="0-based bead position")


class SplitIn(PositionIn):
    ja_count: int = Field(ge=0, description="Japanese segments the first part keeps")
    en_count: int = Field(ge=0, description="English segments the first part keeps")


class MoveIn(PositionIn):
    lang: Literal["ja", "en"]
    direction: Literal["up", "down"] = Field(
        description="up: the bead's first segment joins the bead before; down: its last "
                    "joins the bead after")


class ConfirmIn(Edit):
    positions: list[int] = Field(min_length=1)
    confirmed: bool = Field(True, description="false takes the confirmation back")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the edit does not fit the beads: `{\"error\": \"<one line>\"}`"},
    404: {"description": "no such document"},
    409: {"description": "stale edit: the document changed since `revision`; nothing was "
                         "changed: reload and make the edit again"},
}
_EDIT: dict[str, Any] = {"response_model": EditOut, "responses": ERRORS, "tags": ["alignment"]}


def _out(result: EditResult) -> dict[str, Any]:
    return result.to_json()


@router.get("/api/documents/{doc_id}/alignment", summary="A document's alignment",
            response_model=AlignmentOut, responses=ERRORS, tags=["alignment"])
def api_alignment(doc_id: int, store: StoreDep) -> Any:
    """The document's beads in document order with their texts, its revision, its review
    progress and how many edits can be undone."""
    return alignedit.load(store, doc_id).to_json()


@router.post("/api/documents/{doc_id}/pair", summary="Pair segments", **_EDIT)
def api_pair(doc_id: int, edit: PairIn, store: StoreDep) -> Any:
    """Make one bead of exactly these segments; beads they come from keep their others."""
    return _out(alignedit.pair(store, doc_id, edit.revision, edit.ja_ids, edit.en_ids))


@router.post("/api/documents/{doc_id}/unpair", summary="Unpair a bead", **_EDIT)
def api_unpair(doc_id: int, edit: PositionIn, store: StoreDep) -> Any:
    """Break the bead into 1-0 and 0-1 beads where it stands; its TM unit goes."""
    return _out(alignedit.unpair(store, doc_id, edit.revision, edit.position))


@router.post("/api/documents/{doc_id}/merge", summary="Merge a bead with the next", **_EDIT)
def api_merge(doc_id: int, edit: PositionIn, store: StoreDep) -> Any:
    """Merge the bead with the one after it (one TM unit of both)."""
    return _out(alignedit.merge_next(store, doc_id, edit.revision, edit.position))


@router.post("/api/documents/{doc_id}/split", summary="Split a bead in two", **_EDIT)
def api_split(doc_id: int, edit: SplitIn, store: StoreDep) -> Any:
    """The first part keeps the first ``ja_count`` Japanese and ``en_count`` English
    segments, the second the rest (neither may be empty)."""
    return _out(alignedit.split(store, doc_id, edit.revision, edit.position, edit.ja_count,
                                edit.en_count))


@router.post("/api/documents/{doc_id}/move", summary="Move a segment to the next bead",
             **_EDIT)
def api_move(doc_id: int, edit: MoveIn, store: StoreDep) -> Any:
    """Move a segment of the bead into the bead before (``up``) or after (``down``)."""
    return _out(alignedit.move(store, doc_id, edit.revision, edit.position, edit.lang,
                               edit.direction))


@router.post("/api/documents/{doc_id}/confirm", summary="Confirm beads", **_EDIT)
def api_confirm(doc_id: int, edit: ConfirmIn, store: StoreDep) -> Any:
    """Mark beads checked by a person (no re-alignment undoes them), or take it back."""
    return _out(alignedit.confirm(store, doc_id, edit.revision, edit.positions,
                                  edit.confirmed))


@router.post("/api/documents/{doc_id}/undo", summary="Undo the last edit", **_EDIT)
def api_undo(doc_id: int, edit: Edit, store: StoreDep) -> Any:
    """Undo the document's last recorded edit (repeat to go further back)."""
    return _out(alignedit.undo(store, doc_id, edit.revision))
