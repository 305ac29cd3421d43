"""Import and export: TMX, XLIFF, XLSX, CSV/TSV into the TM and TMX, XLSX, CSV/TSV out of it
(``tm import`` / ``tm export``); TBX, XLSX, CSV/TSV into and out of the glossary
(``terms import`` / ``terms export``). The same library functions as the CLI read and write
the files, so errors are the same one line (shown on the page, or ``{"error"}`` from the API)
and a file that fails leaves the database as it was. XLIFF out is the pre-translation page's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from taiyaku.core.errors import InputError, TaiyakuError
from taiyaku.store.interface import Store
from taiyaku.web.deps import get_store, render, settings_of
from taiyaku.web.security import save_upload, shown_error, upload_folder

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]

#: what can be exported: kind → the file extensions its writers take (the CLI's)
EXPORTS = {"tm": (".tmx", ".xlsx", ".csv", ".tsv"), "terms": (".tbx", ".xlsx", ".csv", ".tsv")}
_MEDIA = {".tmx": "application/x-tmx+xml", ".tbx": "application/x-tbx+xml",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".csv": "text/csv; charset=utf-8", ".tsv": "text/tab-separated-values; charset=utf-8"}


def _unfolder(value: Any, folder: Path) -> Any:
    """*value* (JSON) with the temporary folder taken out of every text, so the upload is
    named as the user knows it."""
    if isinstance(value, str):
        return value.replace(str(folder) + os.sep, "")
    if isinstance(value, list):
        return [_unfolder(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: _unfolder(v, folder) for k, v in value.items()}
    return value


def _import(store: Store, kind: str, upload: UploadFile, *, include_drafts: bool,
            allow_monolingual: bool, limit: int) -> tuple[dict[str, Any], str]:
    """Import the upload into the TM (``kind="tm"``) or the glossary (``"terms"``): the
    result's JSON and its summary line.

    :raises InputError: the library's one line, naming the file as the user knows it
    """
    if kind not in ("tm", "terms"):
        raise InputError(f"unknown import kind {kind!r}: use tm or terms")
    with upload_folder() as folder:
        try:
            path = save_upload(upload, folder, limit=limit)
            result: Any
            if kind == "tm":
                from taiyaku.tm.tmio import import_tm

                result = import_tm(store, path, include_drafts=include_drafts,
                                   upload=path.name)
            else:
                from taiyaku.glossary.io import import_glossary

                result = import_glossary(store, path, allow_monolingual=allow_monolingual)
        except TaiyakuError as e:
            raise InputError(shown_error(e, folder)) from None
        return _unfolder(result.to_json(), folder), _unfolder(result.summary(), folder)


def _export(store: Store, kind: str, fmt: str, *, tbx_version: str, status: str | None,
            bilingual: bool | None) -> tuple[Path, Path]:
    """Write the TM or the glossary in *fmt* into a temporary folder; (file, folder)."""
    ext = "." + fmt.lower().lstrip(".")
    if kind not in EXPORTS:
        raise InputError(f"unknown export kind {kind!r}: use tm or terms")
    if ext not in EXPORTS[kind]:
        raise InputError(f"{kind} cannot be exported as {fmt!r}: use one of "
                         f"{', '.join(e[1:] for e in EXPORTS[kind])}")
    folder = Path(tempfile.mkdtemp(prefix="taiyaku-export-"))
    path = folder / f"taiyaku-{'tm' if kind == 'tm' else 'glossary'}{ext}"
    try:
        if kind == "tm":
            from taiyaku.tm.tmio import export_tm

            export_tm(store, path)
        else:
            from taiyaku.glossary.io import export_glossary

            export_glossary(store, path, tbx_version=tbx_version, status=status or None,
                            bilingual=bilingual)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path, folder


def _counts(store: Store) -> dict[str, int]:
    return store.counts()


@router.get("/io", include_in_schema=False)
def io_page(request: Request, store: StoreDep) -> Response:
    """The import forms and the export links."""
    return render(request, "io.html", done=None, error=None, counts=_counts(store))


@router.post("/io/import", include_in_schema=False)
def io_import_form(request: Request, store: StoreDep, kind: Annotated[str, Form()],
                   file: Annotated[UploadFile, File()],
                   include_drafts: Annotated[bool, Form()] = False,
                   allow_monolingual: Annotated[bool, Form()] = False) -> Response:
    """Import from the page: the CLI's summary, or its one-line error."""
    try:
        _, summary = _import(store, kind, file, include_drafts=include_drafts,
                             allow_monolingual=allow_monolingual,
                             limit=settings_of(request).max_upload)
    except TaiyakuError as e:
        return render(request, "io.html", status_code=400, done=None, error=str(e),
                      counts=_counts(store))
    return render(request, "io.html", done=summary, error=None, counts=_counts(store))


@router.post("/api/io/import/{kind}")
def api_import(request: Request, kind: str, store: StoreDep,
               file: Annotated[UploadFile, File()],
               include_drafts: Annotated[bool, Form()] = False,
               allow_monolingual: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Import a file into the TM (``tm``: as ``tm import --json``) or the glossary
    (``terms``: as ``terms import --json``)."""
    data, _ = _import(store, kind, file, include_drafts=include_drafts,
                      allow_monolingual=allow_monolingual,
                      limit=settings_of(request).max_upload)
    return data


@router.get("/io/export/{kind}")
def io_export(kind: str, store: StoreDep, format: str = "tmx", tbx_version: str = "2008",
              status: str | None = None, bilingual: str | None = None) -> FileResponse:
    """Download the TM (``tm``: tmx, xlsx, csv, tsv) or the glossary (``terms``: tbx, xlsx,
    csv, tsv; ``status`` and ``bilingual=yes|no`` as ``terms export``)."""
    if bilingual not in (None, "", "yes", "no"):
        raise InputError(f"bilingual: use yes or no, not {bilingual!r}")
    path, folder = _export(store, kind, format, tbx_version=tbx_version, status=status,
                           bilingual=None if not bilingual else bilingual == "yes")
    return FileResponse(path, media_type=_MEDIA[path.suffix], filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
