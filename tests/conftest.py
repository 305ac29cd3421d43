"""Shared fixtures: a fresh store, the Sudachi analyzer, and the optional ../shared folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from taiyaku.core.japanese import Analyzer
from taiyaku.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (CI has it; a user's machine may not)."""
    env = os.environ.get("TAIYAKU_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared")
    for c in candidates:
        if (c / "seeds").is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of ../shared, or skip the test cleanly when it is absent."""
    path = shared_dir()
    if path is None:
        pytest.skip("../shared (seeds, corpus, validators) is not present")
    return path


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """One Sudachi analyzer for the whole session (loading the dictionary costs ~0.1 s)."""
    return Analyzer()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh on-disk store in a temporary folder."""
    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path for a database file a CLI test creates."""
    return tmp_path / "cli.db"


@pytest.fixture
def pt_tm_store(store: Store) -> Store:
    """The store with tests/data/pt_tm.tsv's units (the pre-translation TM: exact, fuzzy and
    number-only matches for pt_new_ja.txt) and a small glossary (one forbidden term, one
    candidate, one nested pair)."""
    from taiyaku.core.model import NewUnit
    from taiyaku.glossary.store import add_term

    data = ROOT / "tests" / "data" / "pt_tm.tsv"
    rows = [line.split("\t") for line in data.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
    with store.transaction():
        doc = store.documents.add("pt_tm", layout="pair", kind="bilingual")
        store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(rows)])
    add_term(store, "港湾", "port")
    add_term(store, "環境", "environment")
    add_term(store, "環境影響評価", "environmental impact assessment")
    add_term(store, "渋滞", "traffic jam", status="forbidden")
    add_term(store, "騒音", "noise", status="candidate")
    return store
