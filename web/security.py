"""What keeps a local server safe: where it may listen, which Host it answers, CSRF, the
access token, and uploads.

- It listens on 127.0.0.1 unless told otherwise; another address needs an access token
  (``--token`` or ``TAIYAKU_TOKEN``), else :func:`check_bind` refuses to start.
- Every request's ``Host`` header must name this server (a loopback name, or the address it
  was bound to): a page on another site that points its own host name at 127.0.0.1 (DNS
  rebinding) gets 421 and no data.
- Every state-changing request (POST, PUT, PATCH, DELETE) carries the server's CSRF token,
  as the header ``X-CSRF-Token`` (``fetch``) or the form field ``csrf_token`` (forms). A
  page of another site cannot read it (same-origin policy), so it cannot forge a request.
- With an access token, each request carries it (cookie ``taiyaku_token``, set once by the
  page that asks for it, or ``Authorization: Bearer …``); without it a page shows the token
  form and ``/api/…`` answers 401.
- An upload is refused over :data:`MAX_UPLOAD_BYTES` (413, while it arrives), written only to
  a temporary folder (:func:`save_upload`) and removed when the request ends.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taiyaku.core.errors import InputError, TaiyakuError
from taiyaku.core.printable import name_text

__all__ = [
    "MAX_UPLOAD_BYTES",
    "CSRF_HEADER",
    "CSRF_FIELD",
    "TOKEN_COOKIE",
    "TOKEN_ENV",
    "Settings",
    "check_bind",
    "is_loopback",
    "host_allowed",
    "csrf_ok",
    "token_ok",
    "save_upload",
    "upload_folder",
    "BodyLimit",
]

#: the largest request body (an uploaded file with its form) the server reads: 20 MiB is
#: far more than a news article or a glossary of 10,000 entries, and bounds memory and disk
MAX_UPLOAD_BYTES = 20 << 20
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_COOKIE = "taiyaku_token"
TOKEN_ENV = "TAIYAKU_TOKEN"
#: an access token shorter than this is refused: it guards the database on a network
MIN_TOKEN_LENGTH = 12
#: the methods that change nothing (no CSRF token needed)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class Settings:
    """One server's settings (``app.state.settings``).

    :ivar db: the database file, or a PostgreSQL address (a string: a Path would fold its
        ``//``)
    :ivar token: the access token (None: loopback only, no token asked)
    :ivar csrf: this server's CSRF token (new at each start)
    :ivar max_upload: the largest request body read, in bytes
    :ivar jobs: the folder of pre-translation jobs, shared by the workers of one server
        (None: the app makes its own on first use)
    """

    db: Path | str
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    max_upload: int = MAX_UPLOAD_BYTES
    jobs: Path | None = None

    @property
    def url(self) -> str:
        """Where a browser on this computer reaches the server."""
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"


def is_loopback(host: str) -> bool:
    """True for a name or address that only this computer reaches.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("192.168.1.5"), is_loopback("example.org")
    (False, False, False)
    """
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this computer without an access token (or with a weak one).

    :raises InputError: one line saying what to give

    >>> check_bind("127.0.0.1", None)
    >>> try:
    ...     check_bind("0.0.0.0", None)
    ... except InputError as e:
    ...     print(str(e)[:60])
    --host 0.0.0.0 is reachable from other computers: give an ac
    """
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise InputError(f"the access token is too short ({len(token)} characters): give at "
                         f"least {MIN_TOKEN_LENGTH}, e.g. the output of `openssl rand -hex 16`")
    if not is_loopback(host) and token is None:
        raise InputError(
            f"--host {host} is reachable from other computers: give an access token with "
            f"--token or {TOKEN_ENV} (at least {MIN_TOKEN_LENGTH} characters), or keep the "
            "default --host 127.0.0.1")


def _host_name(header: str) -> str:
    """The host part of a ``Host`` header (``[::1]:8765`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header[1:]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str | None, settings: Settings) -> bool:
    """Whether a request's ``Host`` header names this server.

    A loopback name always does; so does the address the server was bound to. Bound to every
    address (``0.0.0.0``), any name does: the access token (required there) is what guards it.

    >>> s = Settings(Path("x.db"))
    >>> host_allowed("127.0.0.1:8765", s), host_allowed("localhost", s)
    (True, True)
    >>> host_allowed("evil.example:8765", s), host_allowed(None, s)
    (False, False)
    """
    if not header:
        return False
    name = _host_name(header)
    if is_loopback(name):
        return True
    bound = settings.host.strip("[]").lower()
    if bound in ("0.0.0.0", "::", ""):
        return settings.token is not None
    return name == bound


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def csrf_ok(method: str, header: str | None, form_field: str | None, settings: Settings) -> bool:
    """Whether a request may go on: a safe method, or the CSRF token in the header or form."""
    if method.upper() in SAFE_METHODS:
        return True
    return _same(header, settings.csrf) or _same(form_field, settings.csrf)


def token_ok(cookie: str | None, authorization: str | None, settings: Settings) -> bool:
    """Whether a request carries the access token (always true when the server has none)."""
    if settings.token is None:
        return True
    bearer = None
    if authorization and authorization.lower().startswith("bearer "):
        bearer = authorization[7:].strip()
    return _same(cookie, settings.token) or _same(bearer, settings.token)


# -- uploads ---------------------------------------------------------------------------------
class _TooLarge(Exception):
    pass


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: a request body over *limit* bytes gets 413 while it arrives (a
    ``Content-Length`` over it before a byte is read), so nothing larger is ever spooled."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, send)
                return
        seen = 0
        started = exceeded = refused = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, refused
            if exceeded:
                # the app answered the cut-off body its own way (a parse error): say why
                if message["type"] == "http.response.start" and not started and not refused:
                    refused = True
                    await self._refuse(scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not started and not refused:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        mib = self.limit / (1 << 20)
        line = f"the upload is larger than the limit of {mib:g} MiB; nothing was stored"
        from taiyaku.core.printable import json_text

        if scope.get("path", "").startswith("/api/"):
            body, kind = json_text({"error": line}, indent=None).encode(), b"application/json"
        else:
            body = (f"<!doctype html><meta charset=utf-8><title>Too large</title>"
                    f"<p>{line}</p><p><a href=\"/\">Home</a></p>"
                    ).encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def upload_folder() -> Iterator[Path]:
    """A private temporary folder for one request's uploads, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="taiyaku-upload-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _safe_name(filename: str | None) -> str:
    """The last component of an uploaded file's name, harmless as a file name.

    >>> _safe_name("../../etc/passwd"), _safe_name("C:\\\\x\\\\記事.txt"), _safe_name("")
    ('passwd', '記事.txt', 'upload')
    """
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(c for c in base if c.isprintable()).lstrip(".")
    return name_text(base)[:200] or "upload"


def save_upload(upload: Any, folder: Path, *, limit: int = MAX_UPLOAD_BYTES) -> Path:
    """Write an uploaded file (a Starlette ``UploadFile``) into *folder* (from
    :func:`upload_folder`) under its own base name, and return its path.

    :raises InputError: no file was chosen, or it is larger than *limit* (an empty one is
        the reader's to refuse, with the CLI's message)
    """
    name = _safe_name(getattr(upload, "filename", None))
    if not getattr(upload, "filename", None):
        raise InputError("no file was chosen: pick the file to upload")
    path = folder / name
    written = 0
    source = upload.file
    source.seek(0)
    with open(path, "wb") as out:
        while chunk := source.read(1 << 16):
            written += len(chunk)
            if written > limit:
                raise InputError(f"{name}: larger than the upload limit of "
                                 f"{limit / (1 << 20):g} MiB; nothing was stored")
            out.write(chunk)
    return path


def shown_error(error: TaiyakuError, folder: Path) -> str:
    """The error's one line with the temporary folder taken out of file names, so it names
    the uploaded file as the user knows it."""
    line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return line.replace(str(folder) + os.sep, "")
