"""The pre-translation page: upload a Japanese (or English) article, see each segment with its
best TM match, score band and glossary terms, and download the XLIFF, XLSX or JSON and the
analysis report — written by the same writers as ``taiyaku pretranslate``
(:mod:`taiyaku.exports.registry`).

A pre-translation is a job: a folder named by its random id, in the jobs folder that every
worker of one server shares (:attr:`~taiyaku.web.security.Settings.jobs`), holding every
download written when the article is uploaded, so that any worker answers its links. The last
:data:`KEEP` jobs are kept; :func:`~taiyaku.web.app.serve` removes the folder when it stops.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
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
#: a job id as :func:`secrets.token_urlsafe` (16 bytes) makes it: nothing else names a folder
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{22}")
#: in a job's folder: the upload's stem (the downloads' file names) and when it was made
_ABOUT = "job.json"

_lock = threading.RLock()


def jobs_folder(app: FastAPI) -> Path:
    """The folder of *app*'s pre-translation jobs: its settings' (shared by the workers of a
    server), or one of its own made on first use and removed with the app."""
    given: Path | None = app.state.settings.jobs
    if given is not None:
        return given
    with _lock:
        own: Path | None = getattr(app.state, "own_jobs", None)
        if own is None:
            own = Path(tempfile.mkdtemp(prefix="taiyaku-jobs-"))
            weakref.finalize(app, shutil.rmtree, own, True)
            app.state.own_jobs = own
    return own


def job_files(folder: Path, job_id: str) -> Path:
    """The folder of job *job_id* in jobs *folder*.

    :raises NotFoundError: *job_id* is not a job id (nothing outside *folder* is ever
        named), or that job is gone
    """
    if not _JOB_ID.fullmatch(job_id):
        raise NotFoundError(f"{job_id}: not a pre-translation id")
    found = folder / job_id
    if not (found / _ABOUT).is_file():
        raise NotFoundError(f"pre-translation {job_id}: not found (they are kept for the last "
                            f"{KEEP} uploads while the server runs): upload the article again")
    return found


def _file_name(stem: str, what: str) -> str:
    suffix = {"xliff12": "-xliff12", "report": "-report", "report-json": "-report"}.get(what, "")
    return f"{stem}{suffix}{DOWNLOADS[what][1]}"


def _write_downloads(folder: Path, stem: str, result: Any) -> None:
    """Every download of *result* into *folder* (the XLIFF 2.1 and HTML report are there)."""
    from taiyaku.exports import registry
    from taiyaku.tm.pretranslate import PretranslateOptions, write_output

    for what, (kind, _) in DOWNLOADS.items():
        path = folder / _file_name(stem, what)
        if path.exists():
            continue
        if kind == "report":
            registry.write_output("report", result.analysis, path)
        else:
            write_output(result.document, PretranslateOptions(
                output=path, xliff_version="1.2" if what == "xliff12" else "2.1"))
    # written last: a job is complete once it is there
    (folder / _ABOUT).write_text(json.dumps({"stem": stem, "made": time.time_ns()}),
                                 encoding="utf-8")


def _made(job: Path) -> int:
    try:
        made: int = json.loads((job / _ABOUT).read_text("utf-8"))["made"]
        return made
    except (OSError, ValueError, KeyError):
        return 0  # half-made or broken: the oldest


def _keep(jobs: Path, folder: Path) -> str:
    """Move the finished job *folder* into *jobs* under a new id; drop the oldest past KEEP."""
    job_id = secrets.token_urlsafe(16)
    # a rename within one folder: another worker sees the whole job or none of it
    os.replace(folder, jobs / job_id)
    kept = sorted((p for p in jobs.iterdir() if _JOB_ID.fullmatch(p.name)), key=_made)
    for old in kept[:max(0, len(kept) - KEEP)]:
        shutil.rmtree(old, ignore_errors=True)
    return job_id


def _run(jobs: Path, store: Store, upload: UploadFile, limit: int) -> tuple[str, Any]:
    """Pre-translate the uploaded article and write all its downloads as a new job.

    :raises InputError: the library's one line, naming the file as the user knows it
    """
    from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file, term_finder

    # made inside the jobs folder (so the rename is within one file system), under a name
    # that is no job id
    folder = Path(tempfile.mkdtemp(prefix=".making-", dir=jobs))
    try:
        with upload_folder() as uploads:
            try:
                source = save_upload(upload, uploads, limit=limit)
                stem = source.stem or "article"
                options = PretranslateOptions(output=folder / _file_name(stem, "xliff"),
                                              report=folder / _file_name(stem, "report"))
                # one at a time: the kept term index holds Sudachi tokenizers
                with _lock:
                    result = pretranslate_file(store, source, options,
                                               terms=term_finder(store))
                _write_downloads(folder, stem, result)
            except TaiyakuError as e:
                raise InputError(shown_error(e, uploads)) from None
        return _keep(jobs, folder), result
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


@router.get("/pretranslate", include_in_schema=False)
def pretranslate_page(request: Request) -> Response:
    """The upload form."""
    return render(request, "pretranslate.html", job=None, result=None, error=None)


@router.post("/pretranslate", include_in_schema=False)
def pretranslate_upload(request: Request, store: StoreDep,
                        file: Annotated[UploadFile, File()]) -> Response:
    """Pre-translate the upload and show it segment by segment (or the one-line error)."""
    try:
        job_id, result = _run(jobs_folder(request.app), store, file,
                              settings_of(request).max_upload)
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
    job_id, result = _run(jobs_folder(request.app), store, file,
                              settings_of(request).max_upload)
    data = {k: v for k, v in result.to_json().items() if k not in ("input", "output", "report")}
    return {"job": job_id, **data, "segments_list": result.document.to_json(),
            "downloads": {name: f"/pretranslate/{job_id}/{name}" for name in DOWNLOADS}}


@router.get("/pretranslate/{job_id}/{what}")
def pretranslate_download(request: Request, job_id: str, what: str) -> FileResponse:
    """A file of pre-translation *job_id*: ``xliff`` (2.1), ``xliff12``, ``xlsx``, ``json``,
    ``report`` (HTML) or ``report-json``."""
    if what not in DOWNLOADS:
        raise NotFoundError(f"{what}: no such download (use one of {', '.join(DOWNLOADS)})")
    job = job_files(jobs_folder(request.app), job_id)
    stem = json.loads((job / _ABOUT).read_text("utf-8"))["stem"]
    path = job / _file_name(stem, what)
    return FileResponse(path, media_type=_MEDIA[DOWNLOADS[what][1]], filename=path.name)
