"""The backend contract suite's fixture: a fresh, empty store of each backend.

Every test in ``test_contract_*.py`` takes ``backend`` and must pass for every backend listed
in :data:`BACKENDS` (SQLite now; PostgreSQL will be the second).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from taiyaku.store import Store, open_store

BACKENDS = ["sqlite"]


def _sqlite(tmp_path: Path) -> Store:
    return open_store(tmp_path / "contract.db")


_OPENERS: dict[str, Callable[[Path], Store]] = {"sqlite": _sqlite}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh empty store of the backend named by the parameter."""
    store = _OPENERS[request.param](tmp_path)
    try:
        yield store
    finally:
        store.close()
