"""The TM page and its JSON API: fuzzy search and concordance with the difference marks of
``tm search``, within one document if asked; edit or delete a unit from a result (an edit
made from a stale view is a 409 with the unit as it is now).

``GET /api/tm/search`` returns exactly the object ``taiyaku tm search --json`` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from taiyaku.core.errors import NotFoundError, StaleEditError
from taiyaku.core.normalize import normalize
from taiyaku.store.interface import Store
from taiyaku.tm.edit import delete_unit, edit_unit, unit_etag
from taiyaku.tm.fuzzy import query_lang
from taiyaku.tm.search import SearchOptions, diff_pieces, run_search, span_pieces
from taiyaku.web.deps import get_store, render

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]


def _search(store: Store, q: str, limit: int, concordance: bool, document: str | None,
            min_score: float) -> Any:
    options = SearchOptions(limit=limit, min_score=min_score, concordance=concordance,
                            document=document or None)
    return run_search(store, query=q, queries_file=None, options=options)


def _unit_json(store: Store, unit_id: int) -> dict[str, Any]:
    unit = store.units.get(unit_id)
    if unit is None:
        raise NotFoundError(f"unit {unit_id}: no such TM unit")
    return {"id": unit.id, "ja": unit.ja, "en": unit.en, "document": unit.document,
            "etag": unit_etag(unit.ja, unit.en)}


def _stale(store: Store, unit_id: int, e: StaleEditError) -> JSONResponse:
    return JSONResponse({"error": str(e), "current": _unit_json(store, unit_id)},
                        status_code=409)


# -- the page ----------------------------------------------------------------------------------
@router.get("/tm", include_in_schema=False)
def tm_page(request: Request, store: StoreDep, q: str | None = None,
            limit: int = Query(10, ge=1, le=200), concordance: bool = False,
            document: str | None = None, min_score: float = Query(50.0, ge=0, le=100)
            ) -> Response:
    """The search form and its results, each with its difference marks and an editor."""
    results: list[dict[str, Any]] = []
    if q and q.strip():
        found = _search(store, q, limit, concordance, document, min_score)
        if concordance:
            for h in found.hits[0]:
                pieces = span_pieces(h.ja if h.side == "ja" else h.en, h.spans)
                results.append({"id": h.id, "ja": h.ja, "en": h.en, "document": h.document,
                                "side": h.side, "pieces": pieces, "score": None, "flags": (),
                                "etag": unit_etag(h.ja, h.en)})
        else:
            lang = query_lang(normalize(q))
            for m in found.matches[0]:
                ja, en = (m.source, m.target) if lang == "ja" else (m.target, m.source)
                results.append({"id": m.id, "ja": ja, "en": en, "document": m.document,
                                "side": lang, "pieces": diff_pieces(q, m.source),
                                "score": m.score, "flags": m.flags,
                                "substituted": m.target_substituted,
                                "etag": unit_etag(ja, en)})
    documents = sorted({d.name for d in store.documents.all()})
    return render(request, "tm.html", q=q or "", limit=limit, concordance=concordance,
                  document=document or "", min_score=min_score, results=results,
                  documents=documents)


# -- the API -----------------------------------------------------------------------------------
@router.get("/api/tm/search")
def api_tm_search(store: StoreDep, q: str, limit: int = Query(5, ge=1, le=1000),
                  concordance: bool = False, document: str | None = None,
                  min_score: float = Query(50.0, ge=0, le=100)) -> Any:
    """The object ``taiyaku tm search Q --json [--concordance] [--limit N]`` prints:
    ``{"query", "matches"}``; *document* keeps only units that document holds."""
    return _search(store, q, limit, concordance, document, min_score).to_json()


@router.get("/api/tm/units/{unit_id}")
def api_unit(unit_id: int, store: StoreDep) -> dict[str, Any]:
    """One unit: ``id, ja, en, document, etag``."""
    return _unit_json(store, unit_id)


class UnitChangeBody(BaseModel):
    """New texts of a unit (left out: unchanged) and the etag of the unit as shown."""

    ja: str | None = None
    en: str | None = None
    etag: str | None = Field(None, description="etag of the unit as shown; a stale one: 409")


@router.patch("/api/tm/units/{unit_id}", response_model=None)
def api_edit_unit(unit_id: int, body: UnitChangeBody, store: StoreDep
                  ) -> dict[str, Any] | JSONResponse:
    """Edit a unit's texts (as ``tm edit --json``), with the new etag."""
    try:
        change = edit_unit(store, unit_id, ja=body.ja, en=body.en, etag=body.etag)
    except StaleEditError as e:
        return _stale(store, unit_id, e)
    after = change.after
    assert after is not None
    return {**change.to_json(), "etag": unit_etag(after.ja, after.en)}


@router.delete("/api/tm/units/{unit_id}", response_model=None)
def api_delete_unit(unit_id: int, store: StoreDep, etag: str | None = None
                    ) -> dict[str, Any] | JSONResponse:
    """Delete a unit (as ``tm delete --json``); its segments become unaligned."""
    try:
        return delete_unit(store, unit_id, etag=etag).to_json()
    except StaleEditError as e:
        return _stale(store, unit_id, e)
