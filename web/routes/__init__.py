"""The workbench's routers: each module named in :data:`ROUTERS` has a ``router``
(a FastAPI ``APIRouter``) that :func:`taiyaku.web.app.create_app` includes, in this order."""

from __future__ import annotations

__all__ = ["ROUTERS"]

#: modules of this package whose ``router`` the app includes (one name per line: each web
#: engineer adds theirs)
ROUTERS: tuple[str, ...] = (
    "documents",
    "align",
    "glossary",
    "tm",
    "pretranslate",
    "io",
)
