"""tm import / export: one transaction, duplicates skipped, round trip, unsafe files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tm.errors import ExportError, InputError, ParseError
from tm.fuzzy import en_tokens
from tm.search import find_matches
from tm.store import Store
from tm.tmio import export_tm, import_tm, iter_units

TU = ('<tu{date}><prop type="x-document">{doc}</prop><prop type="x-position">{pos}</prop>'
      '<prop type="x-confidence">0.75</prop><prop type="project">P{pos}</prop>'
      '<tuv xml:lang="ja-JP"><seg>{ja}</seg></tuv><tuv xml:lang="en-US"><seg>{en}</seg></tuv></tu>')


def write_tmx(path: Path, pairs: list[tuple[str, str]]) -> Path:
    body = "".join(
        TU.format(date=' creationdate="20240101T000000Z"' if i % 2 else "", doc=f"d{i % 3}.txt",
                  pos=i, ja=ja, en=en)
        for i, (ja, en) in enumerate(pairs)
    )
    path.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="ja-JP"/>'
                    f"<body>{body}</body></tmx>", encoding="utf-8")
    return path


PAIRS = [("朝の市場はにぎやかだ。", "The morning market is lively."),
         ("夕方には店が閉まる。", "The shops close in the evening."),
         ("朝の市場はにぎやかだ。", "The morning market is lively."),  # duplicate
         ("橋の上から山が見える。", "From the bridge you can see the mountains.")]


def test_import_skips_duplicates_and_makes_one_document(store: Store, tmp_path: Path) -> None:
    result = import_tm(store, write_tmx(tmp_path / "mem.tmx", PAIRS))
    assert (result.read, result.added, result.duplicates) == (4, 3, 1)
    assert [d.name for d in store.documents()] == ["mem.tmx"]
    assert [(d.kind, d.layout) for d in store.documents()] == [("tmx", "tmx")]
    assert result.to_json()["duplicates_skipped"] == 1 and "3 units added" in result.summary()
    assert find_matches(store, "夕方には店が閉まった。")[0].target == PAIRS[1][1]


def test_reimport_of_the_same_file_is_unchanged_or_replaces_it(store: Store,
                                                               tmp_path: Path) -> None:
    path = write_tmx(tmp_path / "mem.tmx", PAIRS)
    import_tm(store, path)
    again = import_tm(store, path)
    assert (again.status, again.document, again.added) == ("unchanged", "mem.tmx", 0)
    assert "nothing to do" in again.summary()
    write_tmx(path, PAIRS[:2])  # the same file, changed: its earlier import is replaced
    changed = import_tm(store, path)
    assert (changed.status, changed.document, changed.added) == ("replaced", "mem.tmx", 2)
    assert "replacing" in changed.summary()
    assert [d.name for d in store.documents()] == ["mem.tmx"]
    assert store.counts()["units"] == 2
    assert len(find_matches(store, "夕方には店が閉まる。", limit=5, min_score=90)) == 1


def test_round_trip_keeps_every_unit_and_property(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "a.db")
    import_tm(first, write_tmx(tmp_path / "in.tmx", PAIRS))
    out1 = tmp_path / "out1.tmx"
    assert export_tm(first, out1).units == 3
    second = Store.open(tmp_path / "b.db")
    import_tm(second, out1)
    out2 = tmp_path / "out2.tmx"
    export_tm(second, out2)
    units1, units2 = list(iter_units(first)), list(iter_units(second))
    assert units1 == units2
    assert units1[0].props == {"project": "P0"} and units1[0].document == "d0.txt"
    assert units1[0].confidence == 0.75
    assert {u.created for u in units1} >= {"2024-01-01T00:00:00Z"}


BOMB = (b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;">]><tmx version="1.4"><header/><body>'
        b'<tu><tuv xml:lang="ja"><seg>&c;</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>'
        b"</body></tmx>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b'<tmx version="1.4"><header/><body><tu><tuv xml:lang="ja"><seg>&x;</seg></tuv>'
            b'<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>')


@pytest.mark.parametrize("data", [BOMB, EXTERNAL, b"<tmx><body><tu>", b"<xliff/>"])
def test_bad_tmx_is_refused_and_the_db_is_unchanged(store: Store, tmp_path: Path,
                                                    data: bytes) -> None:
    import_tm(store, write_tmx(tmp_path / "good.tmx", PAIRS[:2]))
    before = (store.counts(), store.conn.execute("SELECT count(*) FROM fuzzy_keys").fetchone())
    bad = tmp_path / "good.tmx"  # same name: a successful import would replace the document
    bad.write_bytes(data)
    with pytest.raises(ParseError) as exc:
        import_tm(store, bad)
    assert "\n" not in str(exc.value) and str(bad) in str(exc.value)
    after = (store.counts(), store.conn.execute("SELECT count(*) FROM fuzzy_keys").fetchone())
    assert after == before
    assert find_matches(store, PAIRS[1][0])[0].score == 100.0


def test_missing_file_and_unknown_formats(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        import_tm(store, tmp_path / "none.tmx")
    with pytest.raises(ExportError, match="unsupported TM format"):
        export_tm(store, tmp_path / "tm.docx")
    assert not (tmp_path / "tm.docx").exists()


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".xlsx"])
def test_tabular_formats_go_through_the_registry(store: Store, tmp_path: Path,
                                                 suffix: str) -> None:
    import_tm(store, write_tmx(tmp_path / "mem.tmx", PAIRS))
    out = tmp_path / f"tm{suffix}"
    assert export_tm(store, out).units == 3
    other = Store.open(tmp_path / "other.db")
    assert import_tm(other, out).added == 3
    assert sorted((u.ja, u.en) for u in iter_units(other)) == sorted(set(PAIRS))


def _postings(store: Store) -> dict[str, list[int]]:
    from tm import index

    out: dict[str, list[int]] = {}
    for key, blob in store.conn.execute("SELECT key, ids FROM fuzzy_postings ORDER BY key, chunk"):
        out.setdefault(key, []).extend(index._from_blob(blob))
    return out


def test_bulk_import_index_built_by_the_worker_equals_a_rebuild(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tm import index
    from tm import units as units_mod

    monkeypatch.setattr(index, "WORKER_AFTER", 5)  # the worker starts after the first chunk
    monkeypatch.setattr(index, "SPILL_UNITS", 8)  # and moves token codes to its file often
    monkeypatch.setattr(units_mod.add_units, "__kwdefaults__", {"skip_duplicates": False,
                                                                 "chunk_size": 4})
    pairs = [(f"港の{i}番目の倉庫を開けた。", f"Opened warehouse number {i} at the port.")
             for i in range(40)]
    import_tm(store, write_tmx(tmp_path / "big.tmx", pairs))
    built = _postings(store)
    dfs = dict(store.conn.execute("SELECT key, df FROM fuzzy_keys"))
    codes = dict(store.conn.execute("SELECT id, codes FROM fuzzy_tokens"))
    with store.atomic():
        index.rebuild(store)
    assert built == _postings(store) and dfs == dict(store.conn.execute(
        "SELECT key, df FROM fuzzy_keys"))
    # the worker sends back every unit's English token codes, the same a rebuild writes
    assert codes == dict(store.conn.execute("SELECT id, codes FROM fuzzy_tokens"))
    for uid, en_norm in store.conn.execute("SELECT id, en_norm FROM units"):
        assert list(index.codes_of(codes[uid])) == list(index.en_codes(en_tokens(en_norm)))
    assert len(built["j港の"]) == 40
    assert find_matches(store, "港の7番目の倉庫を開けた。")[0].score == 100.0


def _worker_that_dies(conn: object, parent_end: object = None) -> None:
    import os

    os._exit(3)


def test_import_whose_index_worker_dies_is_a_store_error_and_rolls_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tm import index
    from tm import units as units_mod
    from tm.errors import StoreError

    import_tm(store, write_tmx(tmp_path / "before.tmx", PAIRS))
    before = store.counts()
    monkeypatch.setattr(index, "WORKER_AFTER", 5)
    monkeypatch.setattr(index, "_postings_worker", _worker_that_dies)
    monkeypatch.setattr(units_mod.add_units, "__kwdefaults__", {"skip_duplicates": False,
                                                                 "chunk_size": 4})
    pairs = [(f"駅の{i}番線に電車が来た。", f"A train came to platform {i}.") for i in range(40)]
    with pytest.raises(StoreError, match="indexing process stopped.*exit code 3"):
        import_tm(store, write_tmx(tmp_path / "big.tmx", pairs))
    assert store.counts() == before
    assert [d.name for d in store.documents()] == ["before.tmx"]
    assert find_matches(store, "夕方には店が閉まる。")[0].score == 100.0
