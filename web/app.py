"""The workbench application: :func:`create_app` builds it, :func:`serve` runs it.

Example::

    app = create_app("tm.db")          # 127.0.0.1, no token
    serve("tm.db", port=8765)          # what `taiyaku serve` calls

On a PostgreSQL server (``serve("postgresql://…", workers=2)``) several worker processes
answer requests, each with its own pool of connections; they share one CSRF token, the
access token and the folder of pre-translation jobs through :data:`WORKER_ENV` (set by
:func:`serve`, read by :func:`app_from_environment` in each worker). A SQLite file is
served by one process.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from taiyaku.core.errors import (
    DamagedDatabaseError,
    InputError,
    NotFoundError,
    StaleEditError,
    TaiyakuError,
    UnavailableError,
)
from taiyaku.core.printable import json_text
from taiyaku.web import security
from taiyaku.web.deps import render, settings_of
from taiyaku.web.routes import ROUTERS
from taiyaku.web.security import Settings

__all__ = ["create_app", "serve", "Started", "JsonResponse", "error_status", "STATIC",
           "endpoints", "app_from_environment", "default_workers", "WORKER_ENV"]

STATIC = Path(__file__).resolve().parent / "static"
#: the environment variable through which :func:`serve` gives its worker processes their
#: settings (database, address, access token, the shared CSRF token and jobs folder)
WORKER_ENV = "TAIYAKU_SERVE_WORKER"


class JsonResponse(JSONResponse):
    """JSON as the CLI's ``--json`` prints it: UTF-8 text, every control character escaped
    (a lone surrogate in a stored file name would make the default encoder fail)."""

    def render(self, content: Any) -> bytes:
        return json_text(content, indent=None).encode("utf-8")


def error_status(error: TaiyakuError) -> int:
    """The HTTP status of a library error: 404 for an unknown id, 409 for a stale edit,
    503 when the server's database cannot answer (unreachable, held by another writer past
    the lock timeout, damaged: not the request's fault), 400 for any other bad input.

    >>> error_status(UnavailableError("db: gave up after waiting 30 s")), error_status(
    ...     InputError("x.tmx: not a TMX file"))
    (503, 400)
    """
    if isinstance(error, StaleEditError):
        return 409
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, (UnavailableError, DamagedDatabaseError)):
        return 503
    return 400


#: seconds a client is asked to wait before it tries again after a 503
RETRY_AFTER = 5


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


def _database(db: str | Path) -> Path | str:
    """*db* as :class:`Settings` keeps it: a PostgreSQL address as it is, a file as a Path."""
    from taiyaku.store.postgres import is_postgres_address

    return str(db) if is_postgres_address(str(db)) else Path(db)


def create_app(db: str | Path, *, token: str | None = None, host: str = "127.0.0.1",
               port: int = 8765, max_upload: int = security.MAX_UPLOAD_BYTES,
               csrf: str | None = None, jobs: Path | None = None) -> FastAPI:
    """The workbench on database *db* (a file or a PostgreSQL address).

    :param token: the access token (needed when *host* is not a loopback address)
    :param max_upload: the largest request body read, in bytes
    :param csrf: the CSRF token (default: a new random one; the workers of one server
        share theirs)
    :param jobs: the folder of pre-translation jobs (default: a temporary folder of this
        app's own; the workers of one server share theirs)
    :raises InputError: *host* reaches beyond this computer and no (or a short) token is given
    """
    security.check_bind(host, token)
    database = _database(db)
    extra = {"csrf": csrf} if csrf else {}
    settings = Settings(database, host=host, port=port, token=token, max_upload=max_upload,
                        jobs=jobs, **extra)
    pool = None
    if isinstance(database, str):
        from taiyaku.store.postgres.pool import PgPool

        pool = PgPool(database)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if pool is not None:
            pool.close()

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
        lifespan=lifespan,
    )
    app.state.settings = settings
    #: a PostgreSQL server's connections (None for a file: a request opens it)
    app.state.pool = pool
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
            response: Response = JsonResponse({"error": line}, status_code=status)
        else:
            response = render(request, "error.html", status_code=status, error=line)
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.exception_handler(TaiyakuError)
    async def library_error(request: Request, exc: TaiyakuError) -> Response:
        return answer(request, error_status(exc), _one_line(str(exc)))

    async def database_error(request: Request, exc: Exception) -> Response:
        """A database driver's error that reached a route (the server went away mid-request,
        a locked or full or damaged file): the store's one line, 503 when the database
        cannot answer, else 500; one the store cannot explain stays a server error."""
        from taiyaku.store import explain_error, unavailable

        db = settings_of(request).db
        line = explain_error(exc, db if isinstance(db, Path) else None, "serve")
        if line is None:
            raise exc
        return answer(request, 503 if unavailable(exc) else 500, _one_line(line))

    from taiyaku.store import driver_errors

    for error in driver_errors(app.state.settings.db):
        app.add_exception_handler(error, database_error)

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


def default_workers(db: str | Path) -> int:
    """How many worker processes serve *db* by default: 2 for a PostgreSQL server (a team
    server), 1 for a SQLite file (which one process must own).

    >>> default_workers("tm.db"), default_workers("postgresql://ann@db/team")
    (1, 2)
    """
    return 2 if isinstance(_database(db), str) else 1


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``serve(…, workers=N)``: the settings
    :func:`serve` put in :data:`WORKER_ENV` (uvicorn calls this in each worker)."""
    config = json.loads(os.environ[WORKER_ENV])
    return create_app(config["db"], token=config["token"], host=config["host"],
                      port=config["port"], csrf=config["csrf"], jobs=Path(config["jobs"]))


def serve(db: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          token: str | None = None, open_browser: bool = False, workers: int | None = None,
          announce: Callable[[Started], None] = lambda s: print(s.render())) -> None:
    """Run the workbench until Ctrl-C (what ``taiyaku serve`` calls).

    :param token: the access token (default: ``$TAIYAKU_TOKEN``)
    :param workers: worker processes (default :func:`default_workers`); more than one only
        on a PostgreSQL server
    :param announce: told where the server listens, once its database is open
    :raises InputError: see :func:`create_app`; several workers for a SQLite file
    """
    import shutil
    import tempfile

    if token is None:
        token = os.environ.get(security.TOKEN_ENV) or None
    count = default_workers(db) if workers is None else workers
    if count < 1:
        raise InputError(f"--workers {count}: give at least 1")
    # the pre-translation jobs of this server, which every worker reads and writes
    jobs = Path(tempfile.mkdtemp(prefix="taiyaku-serve-"))
    try:
        _serve(db, host=host, port=port, token=token, open_browser=open_browser, count=count,
               jobs=jobs, announce=announce)
    finally:
        shutil.rmtree(jobs, ignore_errors=True)


def _serve(db: str | Path, *, host: str, port: int, token: str | None, open_browser: bool,
           count: int, jobs: Path, announce: Callable[[Started], None]) -> None:
    """:func:`serve` once the jobs folder is made."""
    import threading

    import uvicorn

    app = create_app(db, token=token, host=host, port=port, jobs=jobs)
    settings: Settings = app.state.settings
    if count > 1 and not isinstance(settings.db, str):
        raise InputError(
            f"--workers {count}: {settings.db} is a SQLite file, which one process serves "
            "(several workers are for a PostgreSQL server, --db postgresql://…)")
    # the database must open (and migrate) before the server says it is ready
    from taiyaku.store import open_store
    from taiyaku.store.postgres import masked_address

    open_store(settings.db, command="serve").close()
    shown = masked_address(settings.db) if isinstance(settings.db, str) else str(settings.db)
    announce(Started(settings.url, shown, token is not None))
    if open_browser:
        threading.Timer(0.5, _open_browser, args=(settings.url,)).start()
    if count == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
        return
    # the workers are new processes that build their own app: they get its settings, and
    # this server's CSRF token (one for all, or a page from one worker would post in vain
    # to another), from the environment, which only this user can read
    os.environ[WORKER_ENV] = json.dumps({"db": settings.db, "token": token, "host": host,
                                         "port": port, "csrf": settings.csrf,
                                         "jobs": str(jobs)})
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=count, host=host,
                port=port, log_level="warning", server_header=False)
