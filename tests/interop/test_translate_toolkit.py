"""Translate Toolkit (the reader behind Weblate and Pootle) reads the default TBX and TMX
exports (issue 15, "Done when")."""

from __future__ import annotations

import pytest

from .conftest import UNITS, Exports

pytest.importorskip("translate.storage.tbx", reason="translate-toolkit (test extra) missing")


def test_default_tbx_export(exports: Exports) -> None:
    from translate.storage import tbx

    store = tbx.tbxfile.parsefile(str(exports.tbx))
    got = sorted((u.source, u.target) for u in store.units)
    # the entry without English is not in the CAT-tool export
    assert got == sorted([("港湾", "port"), ("港湾局", "port authority"),
                          ("輸出規制", "export control")])


def test_tbx_notes_are_readable(exports: Exports) -> None:
    """The notes Translate Toolkit gives Weblate for a term are the user's note and the status
    in words, never taiyaku's JSON (issue 15.14)."""
    from translate.storage import tbx

    store = tbx.tbxfile.parsefile(str(exports.tbx))
    notes = {u.source: u.getnotes() for u in store.units}
    for term, text in notes.items():
        assert "taiyaku" not in text and "{" not in text, (term, text)
        assert "こうわん" not in text, (term, text)
    assert notes["港湾"].splitlines() == ["Status: approved", "house style"]
    assert notes["輸出規制"].splitlines() == ["Status: candidate — not reviewed"]
    assert notes["港湾局"].splitlines() == ["Status: forbidden — do not use"]


def test_tmx_export(exports: Exports) -> None:
    from translate.storage import tmx

    store = tmx.tmxfile.parsefile(str(exports.tmx))
    assert [(u.source, u.target) for u in store.units] == UNITS
    assert store.sourcelanguage == "ja"
