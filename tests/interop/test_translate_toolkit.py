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
    assert got == sorted([("港湾", "port"), ("輸出規制", "export control")])


def test_tmx_export(exports: Exports) -> None:
    from translate.storage import tmx

    store = tmx.tmxfile.parsefile(str(exports.tmx))
    assert [(u.source, u.target) for u in store.units] == UNITS
    assert store.sourcelanguage == "ja"
