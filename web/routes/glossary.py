"""The glossary page and its JSON API: filter, look up, edit inline, approve or forbid one or
many, merge duplicates, and show a term's evidence.

Every handler calls one library function (:mod:`taiyaku.glossary.curate`,
:mod:`taiyaku.glossary.store`, :mod:`taiyaku.glossary.lookup`); JSON shapes are the CLI's
``--json`` ones, plus an ``etag`` per entry that an edit sends back (a stale one is a 409 with
the entry as it is now).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from taiyaku.glossary.curate import (
    StaleTermError,
    TermFilter,
    edit_term_checked,
    entry_etag,
    filter_terms,
    merge_terms_checked,
    set_status_many,
    term_evidence,
)
from taiyaku.glossary.lookup import search_terms
from taiyaku.glossary.store import TermEdit, get_entry
from taiyaku.store.interface import Store
from taiyaku.web.deps import get_store, render

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]

#: entries per page of the glossary page
PAGE_SIZE = 50


def _with_etag(entry: Any) -> dict[str, Any]:
    return {**entry.to_json(), "etag": entry_etag(entry)}


def _stale(e: StaleTermError) -> JSONResponse:
    """409 with the one-line error and the entry as it is now (the client shows it)."""
    return JSONResponse({"error": str(e), "current": _with_etag(e.current)}, status_code=409)


def _blank(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _score(value: str | None, name: str) -> float | None:
    from taiyaku.core.errors import InputError

    value = _blank(value)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{name}: {value!r} is not a number") from None


def _term_filter(status: str | None, has_en: str | None, document: str | None,
                 min_score: str | None, max_score: str | None, q: str | None,
                 offset: int, limit: int) -> TermFilter:
    from taiyaku.core.errors import InputError

    has = _blank(has_en)
    if has not in (None, "yes", "no"):
        raise InputError(f"has_en: use yes or no, not {has!r}")
    return TermFilter(status=_blank(status), has_en=None if has is None else has == "yes",
                      document=_blank(document), min_score=_score(min_score, "min_score"),
                      max_score=_score(max_score, "max_score"), q=_blank(q), offset=offset,
                      limit=limit)


# -- the page ----------------------------------------------------------------------------------
@router.get("/glossary", include_in_schema=False)
def glossary_page(
    request: Request, store: StoreDep, q: str | None = None,
    status: str | None = None, has_en: str | None = None, document: str | None = None,
    min_score: str | None = None, max_score: str | None = None, page: int = Query(1, ge=1),
) -> Response:
    """Filters, bulk actions and one page of entries (each with its etag)."""
    flt = _term_filter(status, has_en, document, min_score, max_score, q,
                       (page - 1) * PAGE_SIZE, PAGE_SIZE)
    found = filter_terms(store, flt)
    documents = sorted({d.name for d in store.documents.all()})
    rows = [(e, entry_etag(e), found.suggestions.get(e.id or 0)) for e in found.entries]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render(request, "glossary.html", rows=rows, total=found.total, page=page,
                  pages=pages, flt=flt, documents=documents,
                  args={"q": q or "", "status": status or "", "has_en": has_en or "",
                        "document": document or "", "min_score": min_score or "",
                        "max_score": max_score or ""})


# -- the API -----------------------------------------------------------------------------------
@router.get("/api/terms/search")
def api_terms_search(store: StoreDep, q: str, limit: int = Query(10, ge=1, le=1000)
                     ) -> list[dict[str, Any]]:
    """The list ``taiyaku terms search Q --json`` prints (the same lookup)."""
    return [e.to_json() for e in search_terms(store, q, limit=limit)]


@router.get("/api/terms")
def api_terms(
    store: StoreDep, q: str | None = None, status: str | None = None,
    has_en: str | None = None, document: str | None = None, min_score: str | None = None,
    max_score: str | None = None, offset: int = Query(0, ge=0),
    limit: int = Query(PAGE_SIZE, ge=1, le=1000),
) -> dict[str, Any]:
    """A filtered page of the glossary: ``{"total", "offset", "entries"}`` (entry JSON of
    ``terms list --json`` plus ``etag``)."""
    flt = _term_filter(status, has_en, document, min_score, max_score, q, offset, limit)
    return filter_terms(store, flt).to_json()


@router.get("/api/terms/{term_id}")
def api_term(term_id: int, store: StoreDep) -> dict[str, Any]:
    """One entry (``terms list --json`` shape) with its etag."""
    return _with_etag(get_entry(store, term_id))


class TermChange(BaseModel):
    """An inline edit: the fields of ``taiyaku terms edit`` (left out: unchanged) and the
    etag of the entry as the page loaded it."""

    etag: str | None = Field(None, description="etag of the entry as loaded; a stale one: 409")
    ja: str | None = None
    en: str | None = None
    add_ja: list[str] = Field(default_factory=list)
    add_en: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    note: str | None = None
    definition: str | None = None
    pos: str | None = None
    status: str | None = None


@router.patch("/api/terms/{term_id}", response_model=None)
def api_edit_term(term_id: int, change: TermChange, store: StoreDep
                  ) -> dict[str, Any] | JSONResponse:
    """Edit one entry (as ``terms edit``); the entry after it, with its new etag."""
    edit = TermEdit(ja=_blank(change.ja), en=_blank(change.en),
                    add_ja=tuple(t for t in change.add_ja if t.strip()),
                    add_en=tuple(t for t in change.add_en if t.strip()),
                    remove=tuple(t for t in change.remove if t.strip()), note=change.note,
                    definition=change.definition, pos=change.pos, status=_blank(change.status))
    try:
        return _with_etag(edit_term_checked(store, term_id, edit, change.etag))
    except StaleTermError as e:
        return _stale(e)


class StatusChange(BaseModel):
    """Approve, forbid or demote many entries at once (all or none)."""

    ids: list[int]
    status: str
    etags: dict[int, str] = Field(default_factory=dict,
                                  description="term id → etag as loaded (checked when given)")


@router.post("/api/terms/status", response_model=None)
def api_set_status(change: StatusChange, store: StoreDep
                   ) -> list[dict[str, Any]] | JSONResponse:
    """Set the status of every entry in ``ids``; the entries after it."""
    try:
        return [_with_etag(e) for e in set_status_many(store, change.ids, change.status,
                                                        change.etags)]
    except StaleTermError as e:
        return _stale(e)


class TermMerge(BaseModel):
    """Term ids (the first is the one that stays) and, per id, the etag as loaded."""

    ids: list[int]
    etags: dict[int, str] = Field(default_factory=dict,
                                  description="term id → etag as loaded (checked when given)")


@router.post("/api/terms/merge", response_model=None)
def api_merge_terms(body: TermMerge, store: StoreDep) -> dict[str, Any] | JSONResponse:
    """Merge entries into the first (as ``terms merge``): its JSON plus ``merged``; an entry
    changed since it was loaded (a stale etag) refuses the merge: 409 with it as it is now."""
    try:
        done = merge_terms_checked(store, body.ids, body.etags)
    except StaleTermError as e:
        return _stale(e)
    return {**done.to_json(), "etag": entry_etag(done.entry)}


@router.get("/api/terms/{term_id}/evidence")
def api_term_evidence(term_id: int, store: StoreDep, limit: int = Query(10, ge=1, le=100)
                      ) -> dict[str, Any]:
    """The sentences the term occurs in with their aligned English, and the machine's
    pairing suggestion if one was recorded."""
    return term_evidence(store, term_id, limit=limit).to_json()
