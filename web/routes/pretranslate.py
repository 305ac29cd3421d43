"""The pre-translation page: upload a Japanese (or English) article, see each segment with its
best TM match, score band and glossary terms, and download the XLIFF, XLSX or JSON and the
analysis report — written by the same writers as ``taiyaku pretranslate``
(:mod:`taiyaku.exports.registry`).

A pre-translation is kept in memory (the last :data:`KEEP` of them) with a temporary folder
holding its files, under a random job id the download links carry.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, Response
from taiyaku.core.errors import InputError, NotFoundError, TaiyakuError
from taiyaku.store.interface import Store
from taiyaku.web.deps import get_store, render, settings_of
from taiyaku.web.security import save_upload, shown_error, upload_folder

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]

#: pre-translations kept for download
KEEP = 20
#: what can be downloaded: name → (kind of output, extension)
DOWNLOADS = {
    "xliff": ("pre-translation", ".xlf"),
    "xliff12": ("pre-translation", ".xlf"),
    "xlsx": ("pre-translation", ".xlsx"),
    "json": ("pre-translation", ".json"),
    "report": ("report", ".html"),
    "report-json": ("report", ".json"),
}
_MEDIA = {".xlf": "application/xliff+xml", ".xlsx":
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".json": "application/json", ".html": "text/html; charset=utf-8"}


@dataclass
class _Job:
    folder: Path
    stem: str
    result: Any  # taiyaku.tm.pretranslate.PretranslateResult


_jobs: OrderedDict[str, _Job] = OrderedDict()
_lock = threading.RLock()


def _keep(job: _Job) -> str:
    job_id = secrets.token_urlsafe(16)
    with _lock:
        _jobs[job_id] = job
        while len(_jobs) > KEEP:
            _, old = _jobs.popitem(last=False)
            shutil.rmtree(old.folder, ignore_errors=True)
    return job_id


def _job(job_id: str) -> _Job:
    with _lock:
        job = _jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"pre-translation {job_id}: not found (they are kept for the last "
                            f"{KEEP} uploads while the server runs): upload the article again")
    return job


def _run(store: Store, upload: UploadFile, limit: int) -> tuple[str, Any]:
    """Pre-translate the uploaded article; the XLIFF and the HTML report are written now.

    :raises InputError: the library's one line, naming the file as the user knows it
    """
    from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file, term_finder

    folder = Path(tempfile.mkdtemp(prefix="taiyaku-pretranslate-"))
    try:
        with upload_folder() as uploads:
            try:
                source = save_upload(upload, uploads, limit=limit)
                stem = source.stem or "article"
                options = PretranslateOptions(output=folder / f"{stem}.xlf",
                                              report=folder / f"{stem}-report.html")
                # one at a time: the kept term index holds Sudachi tokenizers
                with _lock:
                    result = pretranslate_file(store, source, options,
                                               terms=term_finder(store))
            except TaiyakuError as e:
                raise InputError(shown_error(e, uploads)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _keep(_Job(folder, stem, result)), result


@router.get("/pretranslate", include_in_schema=False)
def pretranslate_page(request: Request) -> Response:
    """The upload form."""
    return render(request, "pretranslate.html", job=None, result=None, error=None)


@router.post("/pretranslate", include_in_schema=False)
def pretranslate_upload(request: Request, store: StoreDep,
                        file: Annotated[UploadFile, File()]) -> Response:
    """Pre-translate the upload and show it segment by segment (or the one-line error)."""
    try:
        job_id, result = _run(store, file, settings_of(request).max_upload)
    except TaiyakuError as e:
        return render(request, "pretranslate.html", job=None, result=None, error=str(e),
                      status_code=400)
    from taiyaku.tm.search import span_pieces

    rows = [(seg, span_pieces(seg.source, [(t.start, t.end) for t in seg.terms]))
            for seg in result.document.segments]
    return render(request, "pretranslate.html", job=job_id, result=result, error=None,
                  rows=rows, analysis=result.analysis.to_json(), downloads=DOWNLOADS)


@router.post("/api/pretranslate")
def api_pretranslate(request: Request, store: StoreDep,
                     file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Pre-translate an uploaded article: ``pretranslate --json``'s object without the file
    names, plus ``job`` (for the downloads) and ``segments`` (the ``-o X.json`` content)."""
    job_id, result = _run(store, file, settings_of(request).max_upload)
    data = {k: v for k, v in result.to_json().items() if k not in ("input", "output", "report")}
    return {"job": job_id, **data, "segments_list": result.document.to_json(),
            "downloads": {name: f"/pretranslate/{job_id}/{name}" for name in DOWNLOADS}}


@router.get("/pretranslate/{job_id}/{what}")
def pretranslate_download(job_id: str, what: str) -> FileResponse:
    """A file of pre-translation *job_id*: ``xliff`` (2.1), ``xliff12``, ``xlsx``, ``json``,
    ``report`` (HTML) or ``report-json``."""
    from taiyaku.exports import registry
    from taiyaku.tm.pretranslate import PretranslateOptions, write_output

    if what not in DOWNLOADS:
        raise NotFoundError(f"{what}: no such download (use one of {', '.join(DOWNLOADS)})")
    job = _job(job_id)
    kind, ext = DOWNLOADS[what]
    suffix = {"xliff12": "-xliff12", "report": "-report", "report-json": "-report"}.get(what, "")
    path = job.folder / f"{job.stem}{suffix}{ext}"
    if not path.exists():
        if kind == "report":
            registry.write_output("report", job.result.analysis, path)
        else:
            write_output(job.result.document, PretranslateOptions(
                output=path, xliff_version="1.2" if what == "xliff12" else "2.1"))
    return FileResponse(path, media_type=_MEDIA[ext], filename=path.name)
