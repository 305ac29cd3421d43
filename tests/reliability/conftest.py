"""Fixtures for the reliability tests: a database with some content, copied fresh per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from taiyaku.core.model import NewUnit
from taiyaku.store import NewSegment, Store, open_store

from .support import TERMS, SeedContent, checkpoint, sentence_pairs

SEED_UNITS = 40

def _add_terms(store: Store) -> None:
    from taiyaku.glossary.store import add_term

    for ja, en in TERMS:
        add_term(store, ja, en, note=None, status="approved")  # type: ignore[arg-type]


def build_seed_db(path: Path, units: int = SEED_UNITS) -> SeedContent:
    """Create a database holding one aligned document and a few approved terms."""
    pairs = sentence_pairs(units, start=10_000)
    with open_store(path) as store:
        with store.transaction():
            doc = store.documents.add("seed-article", layout="pair", kind="bilingual")
            ids = store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(pairs)])
            store.segments.add(doc, [
                NewSegment(lang, i, text, unit_id=uid)
                for i, ((ja, en), uid) in enumerate(zip(pairs, ids, strict=True))
                for lang, text in (("ja", ja), ("en", en))])
        with store.transaction():
            _add_terms(store)
        terms = store.counts()["terms"]
    checkpoint(path)
    return SeedContent(documents=1, units=units, terms=terms)


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SeedContent]:
    """One seeded database per test session (per xdist worker), never written by tests."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    content = build_seed_db(path)
    return path, content


@pytest.fixture
def seeded_db(tmp_path: Path, seed_template: tuple[Path, SeedContent]) -> Path:
    """A private copy of the seeded database (main file only: the WAL was checkpointed)."""
    target = tmp_path / "tm.db"
    shutil.copyfile(seed_template[0], target)
    return target


@pytest.fixture
def seed_content(seed_template: tuple[Path, SeedContent]) -> SeedContent:
    """What :func:`seeded_db` holds."""
    return seed_template[1]


@pytest.fixture(scope="session")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded database with 5,000 units (exports of a few hundred KB)."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    build_seed_db(path, units=5000)
    return path


@pytest.fixture
def big_db(tmp_path: Path, big_template: Path) -> Path:
    """A private copy of the 5,000-unit database."""
    target = tmp_path / "big.db"
    shutil.copyfile(big_template, target)
    return target
