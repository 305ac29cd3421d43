"""The home page and the documents: list, ingest by upload, remove.

Pages: ``/`` (counts and links), ``/documents`` (the list, the upload form),
``/documents/{id}/remove`` (asks before removing). API: ``GET /api/documents`` (what
``taiyaku documents --json`` prints), ``POST /api/documents`` (ingest an upload: what
``taiyaku ingest --json`` prints), ``DELETE /api/documents/{id}`` (what ``taiyaku documents
remove --json`` prints). Ingest and removal call the same library functions as the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from taiyaku.core.errors import InputError, TaiyakuError
from taiyaku.store.interface import Store
from taiyaku.tm.edit import list_documents, remove_document, show_document
from taiyaku.web.deps import get_store, render, settings_of
from taiyaku.web.security import save_upload, shown_error, upload_folder

__all__ = ["router", "ingest_upload"]

router = APIRouter()

#: the layouts ``taiyaku ingest --layout`` takes (the CLI's list, kept in step by a test)
LAYOUTS = ("auto", "halves", "interleaved", "pair", "mono")

StoreDep = Annotated[Store, Depends(get_store)]


class DocumentOut(BaseModel):
    """One stored document (``taiyaku documents --json``)."""

    id: int
    name: str
    source_path: str | None
    layout: str
    kind: str
    segments: int
    segments_ja: int
    segments_en: int
    units: int
    shared_units: int
    added: str
    beads: int
    paired_beads: int
    mean_confidence: float | None
    confirmed_beads: int
    confirmed_share: float | None


class RemovedOut(BaseModel):
    """What removing a document took away (``taiyaku documents remove --json``)."""

    id: int
    name: str
    segments_removed: int
    units_removed: int
    units_kept: int


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input: `{\"error\": \"<one line>\"}`"},
    404: {"description": "no such document: `{\"error\": \"<one line>\"}`"},
    413: {"description": "the upload is over the size limit"},
}


@dataclass(frozen=True)
class UploadForm:
    """The fields of an ingest upload (``taiyaku ingest``'s options)."""

    file: UploadFile
    en_file: UploadFile | None
    layout: str
    presegmented: bool
    name: str | None
    replace: bool


def _upload_form(file: Annotated[UploadFile, File(description="the document (or its "
                                                               "Japanese half)")],
                 en_file: Annotated[UploadFile | None, File(description="the English file "
                                                                        "of a pair")] = None,
                 layout: Annotated[str, Form(description="auto, halves, interleaved, pair "
                                                         "or mono")] = "auto",
                 presegmented: Annotated[bool, Form()] = False,
                 name: Annotated[str, Form(description="name in the TM")] = "",
                 replace: Annotated[bool, Form()] = False) -> UploadForm:
    return UploadForm(file, en_file, layout, presegmented, name or None, replace)


UploadDep = Annotated[UploadForm, Depends(_upload_form)]


def ingest_upload(store: Store, request: Request, form: UploadForm) -> dict[str, Any]:
    """Ingest an uploaded document exactly as ``taiyaku ingest`` would (same layouts, options
    and errors), from a temporary folder removed afterwards; the JSON of its result.

    :raises TaiyakuError: what ``ingest`` raises, naming the uploaded file (nothing stored)
    """
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    if form.layout not in LAYOUTS:
        raise InputError(f"unknown layout {form.layout!r} (use one of {', '.join(LAYOUTS)})")
    limit = settings_of(request).max_upload
    with upload_folder() as folder:
        try:
            path = save_upload(form.file, folder, limit=limit)
            en_path = None
            if form.en_file is not None and form.en_file.filename:
                (folder / "en").mkdir()
                en_path = save_upload(form.en_file, folder / "en", limit=limit)
            upload = path.name if en_path is None else f"{path.name} + {en_path.name}"
            options = IngestOptions(en_path=en_path, layout=form.layout,
                                    presegmented=form.presegmented, name=form.name,
                                    replace=form.replace, upload=upload)
            result = ingest_file(store, path, options)
        except TaiyakuError as e:
            line = shown_error(e, folder)
            if line == str(e):
                raise
            # the same error, naming the file as uploaded rather than its temporary copy
            raise (InputError(line) if isinstance(e, InputError) else TaiyakuError(line)
                   ) from None
    out: dict[str, Any] = result.to_json()
    out["source"] = upload
    return out


# -- pages ------------------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
def home(request: Request, store: StoreDep) -> Response:
    """The home page: what the database holds, and where to go."""
    counts = store.counts()
    return render(request, "index.html", counts=counts)


@router.get("/documents", include_in_schema=False)
def documents_page(request: Request, store: StoreDep) -> Response:
    """The stored documents with their confidence and review progress; the upload form."""
    return _documents_page(request, store)


def _documents_page(request: Request, store: Store, *, status_code: int = 200,
                    error: str | None = None, done: dict[str, Any] | None = None) -> Response:
    listed = list_documents(store).to_json()
    return render(request, "documents.html", status_code=status_code, documents=listed,
                  layouts=LAYOUTS, error=error, done=done)


@router.post("/documents", include_in_schema=False)
def documents_upload(request: Request, store: StoreDep, form: UploadDep) -> Response:
    """The upload form: ingest, then show the list with what was stored (or the error)."""
    try:
        done = ingest_upload(store, request, form)
    except TaiyakuError as e:
        return _documents_page(request, store, status_code=400, error=str(e))
    return _documents_page(request, store, done=done)


@router.get("/documents/{doc_id}/remove", include_in_schema=False)
def remove_page(request: Request, doc_id: int, store: StoreDep) -> Response:
    """Asks before removing a document, saying what goes with it."""
    detail = show_document(store, doc_id).summary.to_json()
    return render(request, "documents_remove.html", document=detail)


@router.post("/documents/{doc_id}/remove", include_in_schema=False)
def remove_form(request: Request, doc_id: int, store: StoreDep) -> Response:
    """Remove the document (the confirmation page's button), then back to the list."""
    removed = remove_document(store, doc_id).to_json()
    return RedirectResponse(f"/documents?removed={removed['id']}", status_code=303)


# -- API --------------------------------------------------------------------------------------
@router.get("/api/documents", summary="List the stored documents",
            response_model=list[DocumentOut], tags=["documents"])
def api_documents(store: StoreDep) -> Any:
    """Every document, oldest first, as ``taiyaku documents --json`` prints it: counts of
    segments and units, and for a bilingual one its beads, the mean confidence of its paired
    beads and its review progress (``confirmed_share``, 0–1)."""
    return list_documents(store).to_json()


@router.post("/api/documents", summary="Ingest an uploaded document", status_code=201,
             responses=ERRORS, tags=["documents"])
def api_ingest(request: Request, store: StoreDep, form: UploadDep) -> dict[str, Any]:
    """Split, segment, align and store an uploaded file, as ``taiyaku ingest FILE [--en
    EN_FILE] --layout … [--presegmented] [--name …] [--replace] --json`` does, with the same
    errors; the answer is the object that command prints (``status`` added / replaced /
    unchanged, ``document``, ``doc_id``, ``kind``, ``layout``, ``message``, ``source`` (the
    uploaded file's name), ``ja_segments``, ``en_segments``, ``units``, ``unaligned_ja``,
    ``unaligned_en``, ``bead_counts``, ``mean_confidence``, ``weak_beads`` …). The same
    upload again is ``"unchanged"``."""
    return ingest_upload(store, request, form)


@router.delete("/api/documents/{doc_id}", summary="Remove a document",
               response_model=RemovedOut, responses=ERRORS, tags=["documents"])
def api_remove(doc_id: int, store: StoreDep) -> Any:
    """Remove document *doc_id* with its segments and TM units (units another document holds
    stay), as ``taiyaku documents remove ID --json`` does."""
    return remove_document(store, doc_id).to_json()

