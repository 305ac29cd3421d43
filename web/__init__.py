"""The web workbench (``taiyaku serve``): documents, the alignment editor, glossary, TM,
pre-translation and import/export in a browser, on the same library as the CLI.

FastAPI, Jinja2 and uvicorn are imported only here (and by ``serve``), so ``taiyaku --help``
stays light. :func:`taiyaku.web.app.create_app` builds the application;
:mod:`taiyaku.web.security` holds what keeps a local server safe (Host check, CSRF, the
access token, upload limits).
"""
