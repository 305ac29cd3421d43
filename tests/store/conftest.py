"""The backend contract suite's fixture: a fresh, empty store of each backend.

Every test in ``test_contract_*.py`` takes ``backend`` and must pass for every backend listed
in :data:`BACKENDS`: SQLite (a file in the test's folder) and PostgreSQL (a fresh database on
the test server of :mod:`tests.pgcluster`; skipped when no server can be had, failed instead
under ``TAIYAKU_REQUIRE_POSTGRES``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from taiyaku.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgcluster  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


def _sqlite(tmp_path: Path) -> tuple[Store, Callable[[], None]]:
    return open_store(tmp_path / "contract.db"), lambda: None


def _postgres(tmp_path: Path) -> tuple[Store, Callable[[], None]]:
    pgcluster.need_server()
    address = pgcluster.fresh_database()
    return open_store(address), lambda: pgcluster.drop_database(address)


_OPENERS: dict[str, Callable[[Path], tuple[Store, Callable[[], None]]]] = {
    "sqlite": _sqlite, "postgres": _postgres}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh empty store of the backend named by the parameter."""
    store, cleanup = _OPENERS[request.param](tmp_path)
    try:
        yield store
    finally:
        store.close()
        cleanup()


@pytest.fixture
def pg_backend(tmp_path: Path) -> Iterator[Store]:
    """A fresh empty PostgreSQL store, for what only a server has (a password, say)."""
    store, cleanup = _postgres(tmp_path)
    try:
        yield store
    finally:
        store.close()
        cleanup()
