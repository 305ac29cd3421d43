"""tm import / export: one transaction, duplicates skipped, round trip, unsafe files refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from taiyaku.core.errors import ExportError, InputError, ParseError
from taiyaku.store import Store, open_store
from taiyaku.tm.search import find_matches
from taiyaku.tm.tmio import export_tm, import_tm, iter_units

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
    assert [d.name for d in store.documents.all()] == ["mem.tmx"]
    assert [(d.kind, d.layout) for d in store.documents.all()] == [("tmx", "tmx")]
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
    assert [d.name for d in store.documents.all()] == ["mem.tmx"]
    assert store.counts()["units"] == 2
    assert len(find_matches(store, "夕方には店が閉まる。", limit=5, min_score=90)) == 1


def test_round_trip_keeps_every_unit_and_property(tmp_path: Path) -> None:
    first = open_store(tmp_path / "a.db")
    import_tm(first, write_tmx(tmp_path / "in.tmx", PAIRS))
    out1 = tmp_path / "out1.tmx"
    assert export_tm(first, out1).units == 3
    second = open_store(tmp_path / "b.db")
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
    before = (store.counts(), store.fuzzy.key_counts_all())
    bad = tmp_path / "good.tmx"  # same name: a successful import would replace the document
    bad.write_bytes(data)
    with pytest.raises(ParseError) as exc:
        import_tm(store, bad)
    assert "\n" not in str(exc.value) and str(bad) in str(exc.value)
    after = (store.counts(), store.fuzzy.key_counts_all())
    assert after == before
    assert find_matches(store, PAIRS[1][0])[0].score == 100.0


def test_missing_file_and_unknown_formats(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        import_tm(store, tmp_path / "none.tmx")
    with pytest.raises(ExportError, match="unknown TM format"):
        export_tm(store, tmp_path / "tm.docx")
    assert not (tmp_path / "tm.docx").exists()


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".xlsx"])
def test_tabular_formats_go_through_the_registry(store: Store, tmp_path: Path,
                                                 suffix: str) -> None:
    import_tm(store, write_tmx(tmp_path / "mem.tmx", PAIRS))
    out = tmp_path / f"tm{suffix}"
    assert export_tm(store, out).units == 3
    other = open_store(tmp_path / "other.db")
    assert import_tm(other, out).added == 3
    assert sorted((u.ja, u.en) for u in iter_units(other)) == sorted(set(PAIRS))


# -- document identity (issue 15.1) -------------------------------------------------------------
DATA = Path(__file__).resolve().parent.parent / "data"


def _doc_units(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for unit in store.units.iterate():
        out.setdefault(unit.document, set()).add(unit.en)
    return out


def test_two_files_of_the_same_name_from_two_folders_are_both_kept(store: Store,
                                                                   tmp_path: Path) -> None:
    a = tmp_path / "a" / "omegat" / "project_save.tmx"
    b = tmp_path / "b" / "omegat" / "project_save.tmx"
    for p in (a, b):
        p.parent.mkdir(parents=True)
    write_tmx(a, PAIRS[:2])
    write_tmx(b, [PAIRS[3]])
    first, second = import_tm(store, a), import_tm(store, b)
    assert (first.status, second.status) == ("added", "added")
    # every OmegaT project has omegat/project_save.tmx: the project folder tells them apart
    assert (first.document, second.document) == ("project_save.tmx",
                                                 "b/omegat/project_save.tmx")
    assert _doc_units(store) == {"project_save.tmx": {PAIRS[0][1], PAIRS[1][1]},
                                 "b/omegat/project_save.tmx": {PAIRS[3][1]}}


def test_two_tsv_memories_of_the_same_name_keep_all_their_units(store: Store,
                                                                tmp_path: Path) -> None:
    rows_a = [(f"顧客Aの{i}番目の文です。", f"Client A sentence {i}.") for i in range(100)]
    rows_b = [(f"顧客Bの{i}番目の文です。", f"Client B sentence {i}.") for i in range(51)]
    paths = []
    for folder, rows in (("clientA", rows_a), ("clientB", rows_b)):
        p = tmp_path / folder / "memory.tsv"
        p.parent.mkdir()
        p.write_text("ja\ten\n" + "".join(f"{ja}\t{en}\n" for ja, en in rows), encoding="utf-8")
        paths.append(p)
    results = [import_tm(store, p) for p in paths]
    assert [r.added for r in results] == [100, 51]
    assert [r.document for r in results] == ["memory.tsv", "clientB/memory.tsv"]
    assert store.counts()["units"] == 151


def test_replacing_a_document_keeps_the_units_another_document_holds(store: Store,
                                                                     tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "mem.tmx", tmp_path / "b" / "mem.tmx"
    a.parent.mkdir()
    b.parent.mkdir()
    write_tmx(a, [PAIRS[0], PAIRS[1]])
    write_tmx(b, [PAIRS[0], PAIRS[3]])
    import_tm(store, a)
    assert import_tm(store, b).duplicates == 1  # PAIRS[0] is a's unit, held by b too
    write_tmx(a, [PAIRS[1]])  # a changes and drops PAIRS[0]
    assert import_tm(store, a).status == "replaced"
    assert _doc_units(store) == {"mem.tmx": {PAIRS[1][1]},
                                 "b/mem.tmx": {PAIRS[0][1], PAIRS[3][1]}}
    assert find_matches(store, PAIRS[0][0])[0].score == 100.0


# -- no Japanese-English pair (15.2), every TU accounted for (16.12) ----------------------------
def _tmx_langs(path: Path, tus: list[list[tuple[str, str]]]) -> Path:
    body = "".join("<tu>" + "".join(f'<tuv xml:lang="{lang}"><seg>{text}</seg></tuv>'
                                    for lang, text in tu) + "</tu>" for tu in tus)
    path.write_text(f'<tmx version="1.4"><header srclang="*all*"/><body>{body}</body></tmx>',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("langs", "found"), [
    (("en-US", "fr-FR"), "en-US, fr-FR"),
    (("ja-JP", "zh-CN"), "ja-JP, zh-CN"),
    (("de-DE", "en-GB", "cs-CZ"), "cs-CZ, de-DE, en-GB"),
])
def test_a_tmx_without_a_japanese_english_pair_is_refused(store: Store, tmp_path: Path,
                                                           langs: tuple[str, ...],
                                                           found: str) -> None:
    import_tm(store, write_tmx(tmp_path / "keep.tmx", PAIRS[:2]))
    before = (store.counts(), store.documents.all())
    path = _tmx_langs(tmp_path / "other.tmx",
                      [[(lang, f"text {i} {lang}") for lang in langs] for i in range(3)])
    with pytest.raises(InputError) as exc:
        import_tm(store, path)
    assert str(exc.value) == (f"{path}: no Japanese–English pair (languages found: {found}; "
                              "taiyaku keeps ja and en)")
    assert (store.counts(), store.documents.all()) == before


def test_a_tmx_with_ja_and_en_among_other_languages_imports_those_two(store: Store,
                                                                     tmp_path: Path) -> None:
    path = _tmx_langs(tmp_path / "multi.tmx", [[("de-DE", "Hafen"), ("ja-JP", "港"),
                                                ("en-GB", "harbour"), ("fr-FR", "port")]])
    result = import_tm(store, path)
    assert (result.read, result.added) == (1, 1)
    assert [(u.ja, u.en) for u in iter_units(store)] == [("港", "harbour")]


def test_every_tmx_unit_read_is_accounted_for(store: Store, tmp_path: Path) -> None:
    tus = [[("ja", f"第{i}条の文です。"), ("en", f"Sentence of article {i}.")] for i in range(14)]
    tus.append([("ja", "空の訳"), ("en", " ")])  # an empty side
    tus.append([("ja", "フランス語だけ"), ("fr", "seulement en français")])  # no English
    tus.append(tus[0])  # a duplicate
    result = import_tm(store, _tmx_langs(tmp_path / "17.tmx", tus))
    assert (result.read, result.added, result.duplicates) == (17, 14, 1)
    assert result.skipped == {"empty_side": 1, "not_ja_en": 1}
    assert result.to_json()["skipped"] == {"empty_side": 1, "not_ja_en": 1}
    assert result.to_json()["read"] == 17
    line = result.summary()
    assert "(17 read)" in line and "1 skipped with an empty" in line and "1 duplicate " in line


# -- other CAT tools' files (15.10) -------------------------------------------------------------
def _pairs(store: Store, document: str) -> set[tuple[str, str]]:
    return {(u.ja, u.en) for u in store.units.iterate() if u.document == document}


def test_omegat_project_save_tmx(store: Store) -> None:
    result = import_tm(store, DATA / "tmimport_project_save.tmx")
    assert (result.read, result.added, result.skipped) == (7, 6, {"empty_side": 1})
    pairs = _pairs(store, "tmimport_project_save.tmx")
    assert ("詳しくは受付でお尋ねください。", "Ask at the front desk for details.") in pairs
    assert ("図書館は月曜日に休館します。", "The library is closed on Mondays.") in pairs
    assert not any(ja == "（図）" for ja, _ in pairs)


def test_trados_sdlxliff_keeps_confirmed_segments_per_mrk(store: Store) -> None:
    result = import_tm(store, DATA / "tmimport_job.sdlxliff")
    assert _pairs(store, "tmimport_job.sdlxliff") == {
        ("港の倉庫は午前八時に開く。", "The harbour warehouse opens at 8 a.m."),
        ("土曜日は休みです。", "It is closed on Saturdays."),
        # tracked changes: the deleted word is gone, the added one kept
        ("貸し出しは一人三冊までです。", "Loans are limited to three items per person."),
    }
    assert (result.read, result.added, result.format) == (7, 3, "XLIFF")
    assert result.skipped == {"not_translatable": 1, "unconfirmed": 2, "no_target": 1}
    (props,) = [u.props for u in store.units.iterate() if u.ja == "土曜日は休みです。"]
    assert props["x-xliff-state"] == "ApprovedSignOff"


FLAVOURS = [
    # memoQ: mq:status ManuallyConfirmed / Reviewer1Confirmed / Proofread count
    ("tmimport_job.mqxliff", {("バルブを閉じてください。", "Close the valve."), ("警告", "Warning"),
                              ("電源を切ってください。", "Switch off the power.")},
     {"unconfirmed": 2, "no_target": 1}),
    # Phrase: m:confirmed 1 and 2 count, 0 does not
    ("tmimport_job.mxliff", {("料金はいくらですか。", "How much does it cost?"),
                             ("駐車場はありますか。", "Is there a car park?")},
     {"unconfirmed": 1}),
    # XLIFF 2.0 from a web tool, English to Japanese; inline codes flattened to their text
    ("tmimport_web.xlf", {("おかえりなさい！", "Welcome back!"), ("変更を保存", "Save changes"),
                          ("ご注文の商品を発送しました。", "Your order has shipped."),
                          ("開始を押して始めます。", "Press Start to begin.")},
     {"unconfirmed": 1, "no_target": 1}),
]


@pytest.mark.parametrize(("name", "pairs", "skipped"), FLAVOURS, ids=[f[0] for f in FLAVOURS])
def test_cat_tool_xliff_keeps_exactly_the_confirmed_segments(
    store: Store, name: str, pairs: set[tuple[str, str]], skipped: dict[str, int]
) -> None:
    result = import_tm(store, DATA / name)
    assert _pairs(store, name) == pairs
    assert result.skipped == skipped
    assert result.read == len(pairs) + sum(skipped.values())


def test_xliff2_notes_and_file_travel_as_props(store: Store) -> None:
    import_tm(store, DATA / "tmimport_web.xlf")
    (props,) = [u.props for u in store.units.iterate() if u.en == "Welcome back!"]
    assert "Home screen title" in str(props) and "app/strings.json" in str(props)


def test_include_drafts_adds_the_unconfirmed_translated_segments(store: Store) -> None:
    result = import_tm(store, DATA / "tmimport_job.sdlxliff", include_drafts=True)
    assert result.added == 5 and result.skipped == {"not_translatable": 1, "no_target": 1}
    assert ("荷物は受付で預かります。", "Parcels are kept at the reception desk.") in _pairs(
        store, "tmimport_job.sdlxliff")


XLIFF12 = ('<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
           '<file original="o" source-language="{src}" target-language="{trg}" '
           'datatype="plaintext"><body>{units}</body></file></xliff>')


@pytest.mark.parametrize(("attrs", "kept"), [
    ('approved="yes"', True), ('', False), ('state="final"', True),
    ('state="signed-off"', True), ('state="translated"', True),
    ('state="needs-review-translation"', False), ('state="new"', False),
])
def test_xliff12_states(store: Store, tmp_path: Path, attrs: str, kept: bool) -> None:
    unit_attr = attrs if attrs.startswith("approved") else ""
    target_attr = "" if attrs.startswith("approved") else attrs
    units = (f'<trans-unit id="1" {unit_attr}><source>港</source>'
             f'<target {target_attr}>harbour</target></trans-unit>'
             '<trans-unit id="2" approved="yes"><source>船</source><target>ship</target>'
             '</trans-unit>')
    path = tmp_path / "job.xliff"
    path.write_text(XLIFF12.format(src="ja", trg="en", units=units), encoding="utf-8")
    result = import_tm(store, path)
    assert result.added == (2 if kept else 1)
    assert result.skipped == ({} if kept else {"unconfirmed": 1})


def test_xliff_inline_codes_are_read_as_the_xliff_reader_reads_them(store: Store,
                                                                    tmp_path: Path) -> None:
    """One flattening for both XLIFF readers: a dropped code or deleted text leaves no double
    space, and a <cp> naming a lone surrogate is dropped (it failed storing the unit)."""
    units = ('<trans-unit id="1" approved="yes"><source>港<x id="1"/>湾<cp hex="D800"/></source>'
             '<target>Open <x id="1"/> the <mrk mtype="x-sdl-deleted">old</mrk> port'
             '<cp hex="2603"/></target></trans-unit>')
    path = tmp_path / "codes.xliff"
    path.write_text(XLIFF12.format(src="ja", trg="en", units=units), encoding="utf-8")
    assert import_tm(store, path).added == 1
    assert _pairs(store, "codes.xliff") == {("港湾", "Open the port\u2603")}


def test_xliff_without_japanese_english_is_refused_naming_the_languages(store: Store,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "fr.xliff"
    path.write_text(XLIFF12.format(src="en-US", trg="fr-FR", units=(
        '<trans-unit id="1" approved="yes"><source>port</source><target>port</target>'
        '</trans-unit>')), encoding="utf-8")
    with pytest.raises(InputError, match=r"languages found: en-US, fr-FR; taiyaku keeps ja"):
        import_tm(store, path)
    assert store.counts()["documents"] == 0


def test_an_xliff_is_found_by_its_content_and_xliff_is_not_called_xlf(store: Store,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "job.txt"
    path.write_bytes((DATA / "tmimport_job.mxliff").read_bytes())
    assert import_tm(store, path).added == 2
    with pytest.raises(ExportError, match=r"unknown TM format '\.xliff'; use \.tmx"):
        export_tm(store, tmp_path / "tm.xliff")


# -- TMX export of a pair several documents hold (15.18) ----------------------------------------
def test_export_writes_an_identical_pair_once_and_names_the_other_documents(
    store: Store, tmp_path: Path
) -> None:
    from taiyaku.core.model import NewUnit

    with store.transaction():  # as two ingested documents would store it: one unit each
        for name in ("one.txt", "two.txt"):
            doc = store.documents.add(name, layout="pair", kind="bilingual")
            store.units.add(doc, [NewUnit(PAIRS[0][0], PAIRS[0][1], 0),
                                   NewUnit(f"{name}だけの文。", f"Only in {name}.", 1)])
    a, b = tmp_path / "a" / "m.tmx", tmp_path / "b" / "m.tmx"
    for p in (a, b):
        p.parent.mkdir()
        write_tmx(p, [PAIRS[1]])
    import_tm(store, a)
    import_tm(store, b)  # skipped as a duplicate: held by b/m.tmx too
    out = tmp_path / "out.tmx"
    result = export_tm(store, out)
    assert (result.units, result.merged) == (4, 1)
    assert result.to_json()["duplicates_merged"] == 1
    text = out.read_text(encoding="utf-8")
    assert text.count(f"<seg>{PAIRS[0][1]}</seg>") == 1
    assert text.count(f"<seg>{PAIRS[1][1]}</seg>") == 1
    assert '<prop type="x-also-in">two.txt</prop>' in text
    assert '<prop type="x-also-in">b/m.tmx</prop>' in text
    other = open_store(tmp_path / "other.db")
    assert import_tm(other, out).added == 4


# -- the index worker dying mid-import (16.8) ---------------------------------------------------
KILL_THE_WORKER = """
import os, signal, sys
import taiyaku.store.sqlite.index as index

index.WORKER_AFTER = 50
start = index._Bulk._start


def start_then_kill(self):
    start(self)
    if self.proc is not None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.join()


index._Bulk._start = start_then_kill
from taiyaku.cli import cli

sys.argv = ["taiyaku", "tm", "import", sys.argv[1], "--db", sys.argv[2]]
cli()
"""


def test_a_dead_index_worker_is_one_line_and_a_rollback(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "t.db"
    with open_store(db) as store:
        import_tm(store, write_tmx(tmp_path / "before.tmx", PAIRS))
    pairs = [(f"倉庫{i}番の鍵を返した。", f"Returned the key of warehouse {i}.")
             for i in range(300)]
    big = write_tmx(tmp_path / "big.tmx", pairs)
    # run as the console script runs: the CLI restores SIGPIPE's default action
    proc = subprocess.run([sys.executable, "-c", KILL_THE_WORKER, str(big), str(db)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the indexing process stopped")
    assert "Traceback" not in proc.stderr
    with open_store(db) as store:
        assert [d.name for d in store.documents.all()] == ["before.tmx"]
        assert store.counts()["units"] == 3
