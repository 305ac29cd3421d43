"""The alignment editor: ``/documents/{id}`` and its JSON API under ``/api/documents/{id}/``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from taiyaku.store.interface import Store
from taiyaku.web.deps import get_store, render

__all__ = ["router"]

router = APIRouter()

StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/documents/{doc_id}", include_in_schema=False)
def align_page(request: Request, doc_id: int, store: StoreDep) -> Response:
    """The alignment editor of document *doc_id*."""
    from taiyaku.tm.alignedit import load

    doc = load(store, doc_id)
    return render(request, "align.html", doc=doc)


@router.get("/api/documents/{doc_id}/alignment", summary="A document's alignment",
            tags=["alignment"])
def api_alignment(doc_id: int, store: StoreDep) -> Any:
    """The document's beads in order with their texts and its revision."""
    from taiyaku.tm.alignedit import load

    return load(store, doc_id).to_json()
