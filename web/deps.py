"""What every route shares: the store of the request, the templates and :func:`render`.

A route takes ``store: Store = Depends(get_store)``: a store opened for that request on the
server's database and closed after it (opening costs about 3 ms); no two requests share a
connection. On a PostgreSQL server the request borrows a connection of the worker's pool
(``app.state.pool``, :class:`taiyaku.store.postgres.pool.PgPool`) and gives it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import Response
from taiyaku.store.interface import Store
from taiyaku.web.security import CSRF_FIELD, CSRF_HEADER, Settings

__all__ = ["get_store", "settings_of", "db_name", "templates", "render", "NAV", "TEMPLATES",
           "shown", "marked"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: the navigation bar: (path, label)
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/documents", "Documents"),
    ("/glossary", "Glossary"),
    ("/tm", "TM"),
    ("/pretranslate", "Pre-translate"),
    ("/io", "Import/export"),
)

#: characters that change how the text around them shows without showing themselves:
#: bidirectional overrides and isolates (U+202E turns "txt.exe" around), zero-width
#: characters, the BOM, and C0/C1 controls but tab and line feed. In stored text each is
#: shown as a visible mark.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\ufeff]")


def _mark(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f'<span class="ctl" title="U+{code:04X}">⟨U+{code:04X}⟩</span>'


def shown(text: object) -> Markup:
    """Stored text as safe HTML: escaped, with every invisible format or control character
    shown as a mark (``⟨U+202E⟩``), so a right-to-left override or a zero-width joiner
    shows as what it is and turns nothing around.

    >>> str(shown('<script>"x"\u202e'))
    '&lt;script&gt;&#34;x&#34;<span class="ctl" title="U+202E">⟨U+202E⟩</span>'
    """
    # escaping leaves these characters alone (none of them is HTML syntax)
    return Markup(_INVISIBLE.sub(_mark, str(escape("" if text is None else text))))


def marked(text: object) -> str:
    """Stored text for where no markup may go (a page title): each invisible character as
    the text ``⟨U+202E⟩`` (the template escapes the rest).

    >>> marked("a\u202eb")
    'a⟨U+202E⟩b'
    """
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", "" if text is None else str(text))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["shown"] = shown
    env.filters["marked"] = marked
    return env


templates = Jinja2Templates(env=_environment())


def settings_of(request: Request) -> Settings:
    """The server's :class:`~taiyaku.web.security.Settings`."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Iterator[Store]:
    """A store on the server's database for one request (a FastAPI dependency)."""
    pool = getattr(request.app.state, "pool", None)
    if pool is not None:
        with pool.store() as pooled:
            yield pooled
        return
    from taiyaku.store import open_store

    # FastAPI opens it in one worker thread and runs the route in another (never two at once)
    store = open_store(settings_of(request).db, command="serve", any_thread=True)
    try:
        yield store
    finally:
        store.close()


def db_name(db: Path | str) -> str:
    """How the pages name the database: a file's name, or a server address with its
    password masked.

    >>> db_name(Path("/home/ann/tm.db")), db_name("postgresql://ann:pw@db/team")
    ('tm.db', 'postgresql://ann:***@db/team')
    """
    if isinstance(db, Path):
        return db.name
    from taiyaku.store.postgres import masked_address

    return masked_address(db)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render template *name* with the common context: ``csrf_token``, ``csrf_field``,
    ``csrf_header``, ``nav``, ``db_name``, ``path``."""
    settings = settings_of(request)
    common = {"csrf_token": settings.csrf, "csrf_field": CSRF_FIELD, "csrf_header": CSRF_HEADER,
              "nav": NAV, "db_name": db_name(settings.db), "path": request.url.path}
    return templates.TemplateResponse(request, name, {**common, **context},
                                      status_code=status_code)
