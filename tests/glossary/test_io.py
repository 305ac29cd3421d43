"""Glossary import/export through the store: lossless round trips, one transaction, clean errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from taiyaku.core.errors import ExportError, InputError, ParseError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import tbx
from taiyaku.glossary.io import export_glossary, import_glossary
from taiyaku.glossary.store import iter_entries, upsert_entries
from taiyaku.store import Store, open_store

DATA = Path(__file__).resolve().parent.parent / "data"

ENTRIES = [
    TermEntry(ja=(TermForm("輸出規制", "ja", reading="ゆしゅつきせい"),
                  TermForm("輸出管理", "ja", kind="variant", reading="ゆしゅつかんり"),
                  TermForm("輸規", "ja", kind="abbreviation", reading="ゆき", status="forbidden")),
              en=(TermForm("export control", "en"),
                  TermForm("export controls", "en", kind="synonym")),
              status="approved", note="=prefer the singular", context="輸出規制を強めた。",
              definition="rules on what may leave the country", sources=("memo-1",),
              frequency=4, score=0.75),
    TermEntry(ja=(TermForm("危険語", "ja", reading="きけんご"),),
              en=(TermForm("bad word", "en"),), status="forbidden", note="never use"),
]


def _seed(store: Store) -> None:
    with store.transaction():
        upsert_entries(store, ENTRIES, origin="manual")


def _essence(entries: list[TermEntry]) -> list[tuple[object, ...]]:
    """What must survive: status, forms with kind/status/reading, notes, context, definition."""
    return sorted(
        (tuple((f.text, f.kind, f.status, f.reading) for f in e.ja),
         tuple((f.text, f.kind, f.status) for f in e.en),
         e.status, e.note, e.context, e.definition, e.sources)
        for e in entries
    )


@pytest.mark.parametrize("suffix,version", [(".tbx", "3"), (".tbx", "2008"), (".xlsx", "3"),
                                            (".csv", "3"), (".tsv", "3")])
def test_export_import_export_is_lossless(tmp_path: Path, suffix: str, version: str) -> None:
    a = open_store(tmp_path / "a.db")
    _seed(a)
    first = tmp_path / f"one{suffix}"
    result = export_glossary(a, first, tbx_version=version)
    assert result.entries == 2
    b = open_store(tmp_path / "b.db")
    imported = import_glossary(b, first)
    assert (imported.read, imported.written) == (2, 2)
    assert _essence(list(iter_entries(b))) == _essence(list(iter_entries(a)))
    second = tmp_path / f"two{suffix}"
    export_glossary(b, second, tbx_version=version)
    again = list(tbx.read(open(second, "rb"), "x")) if suffix == ".tbx" else None
    if again is not None:
        assert _essence(again) == _essence(list(iter_entries(a)))


def test_status_filter(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    _seed(s)
    out = tmp_path / "forbidden.tbx"
    assert export_glossary(s, out, status="forbidden").entries == 1
    [entry] = tbx.read(open(out, "rb"), "forbidden.tbx")
    assert entry.status == "forbidden" and entry.ja[0].text == "危険語"
    assert b"deprecatedTerm-admn-sts" in out.read_bytes()


def test_other_tools_tbx(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    result = import_glossary(s, DATA / "fmt_other_tool_v3.tbx")
    assert result.written == 1
    [e] = list(iter_entries(s))
    assert [f.text for f in e.ja] == ["出荷制限", "出制"]
    assert e.ja[1].kind == "abbreviation" and e.ja[1].status == "forbidden"
    assert e.en[0].text == "shipment restriction" and e.status == "approved"
    assert e.context == "新しい出荷制限が発表された。" and e.note == "checked by the reviewer"
    assert e.definition == "ある国から物を出すことを制限する決まり。"
    assert e.sources == ("sample notes",)


def test_failed_import_leaves_the_database_unchanged(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    _seed(s)
    good = tmp_path / "g.tbx"
    export_glossary(s, good)
    before = _essence(list(iter_entries(s)))
    broken = tmp_path / "broken.tbx"
    data = good.read_bytes().replace("危険語".encode(), "新語".encode())
    broken.write_bytes(data[: len(data) - 200])
    with pytest.raises(ParseError) as info:
        import_glossary(s, broken)
    assert str(info.value).startswith(str(broken)) and info.value.line is not None
    assert _essence(list(iter_entries(s))) == before


def test_errors_are_one_line(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    with pytest.raises(InputError, match="no such file"):
        import_glossary(s, tmp_path / "missing.tbx")
    odd = tmp_path / "terms.doc"
    odd.write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match=r"unsupported glossary format .*\.tbx, \.xlsx"):
        import_glossary(s, odd)
    with pytest.raises(ExportError, match="unknown glossary format"):
        export_glossary(s, tmp_path / "out.pdf")
    with pytest.raises(ExportError, match="TBX version"):
        export_glossary(s, tmp_path / "out.tbx", tbx_version="2")


def test_sniffed_extension(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    _seed(s)
    out = tmp_path / "g.tbx"
    export_glossary(s, out)
    renamed = tmp_path / "glossary.xml"
    renamed.write_bytes(out.read_bytes())
    assert import_glossary(open_store(tmp_path / "b.db"), renamed).format == "TBX"
    again = import_glossary(s, renamed)
    assert dataclasses.asdict(again)["read"] == 2
    # the same entries again: nothing added, nothing changed
    assert again.count("unchanged") == 2 and again.written == 0
