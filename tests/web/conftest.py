"""Fixtures of the web tests: the app on a fresh database through FastAPI's TestClient, the
same app served by uvicorn on a free port, and Debian's chromium driven by Playwright.

The database of a test (:func:`web_db`) is an SQLite file and, for every test that is not a
browser test, also a fresh database on the PostgreSQL test server of :mod:`pgcluster` (skipped
when no server can be had, failed instead under ``TAIYAKU_REQUIRE_POSTGRES``): the API is
tested on both backends. Browser tests run on SQLite only (the pages are the same; the API
tests cover what the database answers).

Browser tests are marked ``@pytest.mark.browser`` and take the ``page`` fixture. They skip
only when ``/usr/bin/chromium`` is missing and ``TAIYAKU_REQUIRE_CHROMIUM`` is unset (.ci/run
installs chromium and sets it, so in CI they fail rather than skip). Playwright's own browser
download is not available here: the launcher points ``executable_path`` at Debian's build.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from taiyaku.store import Store
from taiyaku.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgcluster  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
#: the flags every launch uses: headless, no sandbox (root in CI), nothing phoning home
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: the window the pages must work in (and the README's screenshots' size)
VIEWPORT = {"width": 1280, "height": 800}
#: where the browser tests put the README's screenshots: docs/screenshots/ when
#: ``TAIYAKU_SCREENSHOTS=1`` (re-taking them on purpose, to be looked at before committing),
#: else a folder under the temporary directory, so a test run leaves the checkout as it was
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("TAIYAKU_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / f"taiyaku-screenshots-{os.getpid()}")
#: the pre-translation tests' small TM (one ja<TAB>en pair a line)
PT_TM = Path(__file__).resolve().parents[1] / "data" / "pt_tm.tsv"
#: the Host a TestClient request carries (the server answers only to its own address)
BASE_URL = "http://127.0.0.1:8765"


#: the backends the API tests run on (browser tests: the first only)
WEB_BACKENDS = ["sqlite", "postgres"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses :func:`web_db` runs once per backend, but browser tests."""
    if "web_db" in metafunc.fixturenames:
        browser = metafunc.definition.get_closest_marker("browser") is not None
        metafunc.parametrize("web_db", WEB_BACKENDS[:1] if browser else WEB_BACKENDS,
                             indirect=True)


@pytest.fixture
def web_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """The database of one test's server: a file (created on first open), or the address
    of a fresh database on the PostgreSQL test server (typed as a Path for the tests, which
    hand it to ``open_store`` and ``--db`` as they would a file)."""
    if request.param == "sqlite":
        yield tmp_path / "web.db"
        return
    pgcluster.need_server()
    address = pgcluster.fresh_database()
    try:
        yield address  # type: ignore[misc]
    finally:
        pgcluster.drop_database(address)


def add_pt_tm(store: Store, name: str) -> int:
    """Store tests/data/pt_tm.tsv's units (the pre-translation tests' TM: exact, fuzzy and
    number-only matches for pt_new_ja.txt) as one document named *name*; its id."""
    from taiyaku.core.model import NewUnit

    pairs = [line.split("\t") for line in PT_TM.read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    with store.transaction():
        doc = store.documents.add(name, layout="pair", kind="bilingual")
        store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(pairs)])
    return doc


@pytest.fixture
def app(web_db: Path) -> FastAPI:
    """The workbench on :func:`web_db` (loopback, no token)."""
    return create_app(web_db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient whose requests carry the right Host and, on state-changing requests, the
    CSRF token (``client.headers``); ``csrf`` is the token itself."""
    with TestClient(app, base_url=BASE_URL) as c:
        c.headers["X-CSRF-Token"] = app.state.settings.csrf
        yield c


@pytest.fixture
def bare_client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient that sends no CSRF token (for the tests that check it is required)."""
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """A workbench served by uvicorn in a thread: ``url``, ``db`` and ``app``."""

    def __init__(self, db: Path, **options: Any) -> None:
        import uvicorn

        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(db, port=self.port, **options)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def served(web_db: Path) -> Iterator[Served]:
    """The workbench on :func:`web_db`, served on a free port of 127.0.0.1."""
    with Served(web_db) as s:
        yield s


def chromium_or_skip() -> Path:
    """Debian's chromium, or skip (fail when ``TAIYAKU_REQUIRE_CHROMIUM`` is set)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("TAIYAKU_REQUIRE_CHROMIUM"):
        pytest.fail(f"{CHROMIUM} is missing and TAIYAKU_REQUIRE_CHROMIUM is set "
                    "(apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian chromium for the session, driven by Playwright."""
    path = chromium_or_skip()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("TAIYAKU_REQUIRE_CHROMIUM"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh 1280×800 page (the Content-Security-Policy bypassed); errors the page's
    scripts throw fail the test."""
    # the pages' Content-Security-Policy forbids eval, which Playwright's wait_for_function
    # uses; bypassed, a hostile-text test also shows escaping alone keeps scripts out
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", bypass_csp=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not errors, f"the page's scripts failed: {errors}"
