"""The workbench application: :func:`create_app` builds it, :func:`serve` runs it.

Example::

    app = create_app("tm.db")          # 127.0.0.1, no token
    serve("tm.db", port=8765)          # what `taiyaku serve` calls
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from taiyaku.core.errors import NotFoundError, StaleEditError, TaiyakuError
from taiyaku.core.printable import json_text
from taiyaku.web import security
from taiyaku.web.deps import render, settings_of
from taiyaku.web.routes import ROUTERS
from taiyaku.web.security import Settings

__all__ = ["create_app", "serve", "Started", "JsonResponse", "error_status", "STATIC",
           "endpoints"]

STATIC = Path(__file__).resolve().parent / "static"


class JsonResponse(JSONResponse):
    """JSON as the CLI's ``--json`` prints it: UTF-8 text, every control character escaped
    (a lone surrogate in a stored file name would make the default encoder fail)."""

    def render(self, content: Any) -> bytes:
        return json_text(content, indent=None).encode("utf-8")


def error_status(error: TaiyakuError) -> int:
    """The HTTP status of a library error: 404 for an unknown id, 409 for a stale edit,
    400 for any other bad input."""
    if isinstance(error, StaleEditError):
        return 409
    if isinstance(error, NotFoundError):
        return 404
    return 400


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _one_line(text: str) -> str:
    return text.splitlines()[0] if text else text


async def _csrf_guard(request: Request) -> None:
    """Every state-changing request carries the CSRF token (header or form field)."""
    settings = settings_of(request)
    if request.method in security.SAFE_METHODS:
        return
    field = None
    if request.headers.get(security.CSRF_HEADER) is None and (
            request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data"))):
        form = await request.form(max_part_size=settings.max_upload)
        value = form.get(security.CSRF_FIELD)
        field = value if isinstance(value, str) else None
    if not security.csrf_ok(request.method, request.headers.get(security.CSRF_HEADER), field,
                            settings):
        raise _Refused(403, "the request lacks this server's CSRF token (reload the page and "
                            "try again); nothing was changed")


class _Refused(Exception):
    def __init__(self, status: int, line: str) -> None:
        super().__init__(line)
        self.status = status
        self.line = line


def create_app(db: str | Path, *, token: str | None = None, host: str = "127.0.0.1",
               port: int = 8765, max_upload: int = security.MAX_UPLOAD_BYTES) -> FastAPI:
    """The workbench on database *db*.

    :param token: the access token (needed when *host* is not a loopback address)
    :param max_upload: the largest request body read, in bytes
    :raises InputError: *host* reaches beyond this computer and no (or a short) token is given
    """
    security.check_bind(host, token)
    settings = Settings(Path(db), host=host, port=port, token=token, max_upload=max_upload)
    app = FastAPI(
        title="taiyaku workbench",
        summary="Documents, alignment editor, glossary, TM and pre-translation over HTTP.",
        description=(
            "The JSON API under `/api/` returns the shapes the CLI's `--json` prints. "
            "Errors are `{\"error\": \"<one line>\"}` with status 400 (bad input), 404 (unknown "
            "id), 409 (stale edit: reload and try again) or 403 (missing CSRF token). Every "
            "POST/PUT/PATCH/DELETE carries the header `X-CSRF-Token` (the page's "
            "`<meta name=\"csrf-token\">`)."),
        version="1",
        default_response_class=JsonResponse,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN: offline (and under
        # this app's Content-Security-Policy) they would not work; /openapi.json is the API
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(_csrf_guard)],
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in ROUTERS:
        module = importlib.import_module(f"taiyaku.web.routes.{name}")
        app.include_router(module.router)
    _install_handlers(app)
    _install_gates(app, settings)
    return app


def _install_handlers(app: FastAPI) -> None:
    """One handler per kind of error: the library's one line as JSON on ``/api/…``, on a page
    otherwise."""

    def answer(request: Request, status: int, line: str) -> Response:
        if _is_api(request):
            return JsonResponse({"error": line}, status_code=status)
        return render(request, "error.html", status_code=status, error=line)

    @app.exception_handler(TaiyakuError)
    async def library_error(request: Request, exc: TaiyakuError) -> Response:
        return answer(request, error_status(exc), _one_line(str(exc)))

    @app.exception_handler(_Refused)
    async def refused(request: Request, exc: _Refused) -> Response:
        return answer(request, exc.status, exc.line)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        return answer(request, 400, "bad request: " + "; ".join(problems))


def _install_gates(app: FastAPI, settings: Settings) -> None:
    """Host check and access token, before any route runs; the body limit around it all."""

    @app.middleware("http")
    async def gate(request: Request,
                   call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not security.host_allowed(request.headers.get("host"), settings):
            return Response("This server answers only to its own address (Host header "
                            "refused).\n", status_code=421, media_type="text/plain")
        if settings.token is not None and request.url.path != "/login" and not (
                security.token_ok(request.cookies.get(security.TOKEN_COOKIE),
                                  request.headers.get("authorization"), settings)):
            if _is_api(request):
                return JsonResponse({"error": "this server needs its access token "
                                              "(Authorization: Bearer …)"}, status_code=401)
            if request.url.path.startswith("/static/"):
                return Response(status_code=401)
            return render(request, "login.html", status_code=401, next=request.url.path)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        if settings.token is None:  # nothing to log in to
            return _not_found(request)
        form = await request.form()
        given = form.get("token")
        target = form.get("next")
        # back to a path of this server only: "//host" and "/\\host" lead elsewhere
        nxt = target if isinstance(target, str) and target.startswith("/") and not (
            target.startswith(("//", "/\\")) or "\\" in target) else "/"
        if not isinstance(given, str) or not security.token_ok(given, None, settings):
            return render(request, "login.html", status_code=401, next=nxt,
                          error="that is not this server's access token")
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(security.TOKEN_COOKIE, given, httponly=True, samesite="strict")
        return response

    app.add_middleware(security.BodyLimit, limit=settings.max_upload)


def _not_found(request: Request) -> Response:
    """404 as every unknown path answers it."""
    if _is_api(request):
        return JsonResponse({"error": "Not Found"}, status_code=404)
    return render(request, "error.html", status_code=404, error="Not Found")


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, in the order it matches them: each route of the
    included routers and the app's own, ``("MOUNT", "/static")`` for the static files. HEAD,
    which Starlette adds to every GET, is left out. (FastAPI keeps an included router's
    routes inside it, so ``app.routes`` alone does not list them.)

    >>> ("POST", "/api/documents/{doc_id}/merge") in endpoints(create_app(":memory:"))
    True
    """
    found: list[tuple[str, str]] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + (route.include_context.prefix or ""))
                continue
            methods = getattr(route, "methods", None)
            path = prefix + str(getattr(route, "path", ""))
            if methods is None:
                found.append(("MOUNT", path))
            else:
                found.extend((m, path) for m in sorted(methods) if m != "HEAD")

    walk(app.routes, "")
    return found


def _open_browser(url: str) -> None:
    import webbrowser

    webbrowser.open(url)


@dataclass(frozen=True)
class Started:
    """Where a started workbench listens (what ``serve`` prints, or ``--json`` emits)."""

    url: str
    database: str
    token_required: bool

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "database": self.database,
                "token_required": self.token_required}

    def render(self) -> str:
        return (f"taiyaku workbench on {self.url} (database {self.database}); Ctrl-C stops it"
                + ("; access token required" if self.token_required else ""))


def serve(db: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          token: str | None = None, open_browser: bool = False,
          announce: Callable[[Started], None] = lambda s: print(s.render())) -> None:
    """Run the workbench until Ctrl-C (what ``taiyaku serve`` calls).

    :param token: the access token (default: ``$TAIYAKU_TOKEN``)
    :param announce: told where the server listens, once its database is open
    :raises InputError: see :func:`create_app`
    """
    import threading

    import uvicorn

    if token is None:
        token = os.environ.get(security.TOKEN_ENV) or None
    app = create_app(db, token=token, host=host, port=port)
    settings: Settings = app.state.settings
    # the database must open (and migrate) before the server says it is ready
    from taiyaku.store import open_store

    open_store(settings.db, command="serve").close()
    announce(Started(settings.url, str(settings.db), token is not None))
    if open_browser:
        threading.Timer(0.5, _open_browser, args=(settings.url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
