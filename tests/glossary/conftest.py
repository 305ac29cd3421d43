"""Building small stores for glossary tests: documents, segments and aligned units by hand."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from taiyaku.core.model import NewUnit
from taiyaku.store import NewSegment, Store


def add_mono(store: Store, name: str, sentences: Sequence[str], lang: str = "ja") -> int:
    """A one-language document of *sentences* (one segment each); returns its id."""
    with store.transaction():
        doc = store.documents.add(name, layout="mono", kind="mono")
        store.segments.add(doc, [NewSegment(lang, i, s) for i, s in enumerate(sentences)])
    return doc


def add_bilingual(store: Store, name: str, pairs: Sequence[tuple[str, str]]) -> int:
    """A bilingual document: each (ja, en) pair is one aligned unit and two linked segments."""
    with store.transaction():
        doc = store.documents.add(name, layout="pair", kind="bilingual")
        ids = store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(pairs)])
        store.segments.add(doc, [NewSegment(lang, i, text, unit_id=uid)
                                 for i, ((ja, en), uid) in enumerate(zip(pairs, ids, strict=True))
                                 for lang, text in (("ja", ja), ("en", en))])
    return doc


@pytest.fixture
def mono() -> object:
    """:func:`add_mono` for tests."""
    return add_mono


@pytest.fixture
def bilingual() -> object:
    """:func:`add_bilingual` for tests."""
    return add_bilingual
