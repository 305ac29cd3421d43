"""Ingest round trips into a fresh store, one-transaction behaviour, and the align/ingest CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import taiyaku.exports.review as tm_review
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.errors import ExportError, InputError
from taiyaku.core.japanese import Analyzer
from taiyaku.store import Store, open_store
from taiyaku.tm.ingest import IngestOptions, align_document, ingest_file, join_segments

DATA = Path(__file__).resolve().parent.parent / "data"
HALVES = DATA / "seg_halves.txt"
PAIR_JA, PAIR_EN = DATA / "ingest_pair_ja.txt", DATA / "ingest_pair_en.txt"


def _segments(store: Store) -> list[object]:
    return [s for d in store.documents.all() for s in store.segments.of_document(d.id)]


def _snapshot(store: Store) -> tuple[object, ...]:
    return (store.documents.all(), sorted(store.units.iterate(), key=lambda u: u.id),
            _segments(store))


def test_ingest_halves_round_trip(store: Store) -> None:
    result = ingest_file(store, HALVES, IngestOptions(name="tram"))
    assert result.kind == "bilingual" and result.layout == "halves" and not result.replaced
    assert (result.ja_segments, result.en_segments) == (20, 11)
    counts = store.counts()
    assert counts["documents"] == 1
    assert counts["segments_ja"] == 20 and counts["segments_en"] == 11
    assert counts["units"] == result.units > 0
    assert sum(result.bead_counts.values()) >= result.units
    assert result.unaligned_ja + result.unaligned_en == counts["unaligned_segments"]
    (doc,) = store.documents.all()
    assert (doc.name, doc.layout, doc.kind) == ("tram", "halves", "bilingual")
    sha = doc.sha256
    assert isinstance(sha, str) and len(sha) == 64
    # Every unit is the join of exactly the segments that point at it, in order.
    segments = store.segments.of_document(doc.id)
    for unit in store.units.iterate():
        ja_parts = [s.text for s in segments if s.unit_id == unit.id and s.lang == "ja"]
        en_parts = [s.text for s in segments if s.unit_id == unit.id and s.lang == "en"]
        assert unit.ja == join_segments(ja_parts, "ja")
        assert unit.en == join_segments(en_parts, "en")
        assert unit.bead == f"{len(ja_parts)}-{len(en_parts)}"
    # Segment positions are 0..n-1 per language.
    for lang, n in (("ja", 20), ("en", 11)):
        positions = [s.position for s in segments if s.lang == lang]
        assert positions == list(range(n))
    summary = result.summary()
    assert "halves" in summary and "TM units" in summary and "mean confidence" in summary
    assert json.loads(json.dumps(result.to_json()))["units"] == result.units


def test_ingest_identity_is_path_and_content_not_the_name(store: Store, tmp_path: Path) -> None:
    text = HALVES.read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = tmp_path / "a" / "article.txt", tmp_path / "b" / "article.txt"
    a.write_text(text, encoding="utf-8")
    b.write_text(text.replace("。", "。", 1), encoding="utf-8")
    first = ingest_file(store, a)
    # the same file again: nothing to do, nothing rewritten
    before = _snapshot(store)
    again = ingest_file(store, a)
    assert again.status == "unchanged" and "nothing to do" in again.summary()
    assert _snapshot(store) == before
    # another file of the same name (another folder): a second document, the first kept
    other = ingest_file(store, b)
    assert (first.document, other.document) == ("article.txt", "b/article.txt")
    assert store.counts()["documents"] == 2 and store.counts()["units"] == 2 * first.units
    # the same file changed: replaces its own document only
    a.write_text(text + "\n追加の一文です。\n", encoding="utf-8")
    changed = ingest_file(store, a)
    assert changed.replaced and changed.document == "article.txt"
    assert "Replaced" in changed.summary()
    assert changed.to_json()["status"] == "replaced"
    assert sorted(d.name for d in store.documents.all()) == ["article.txt", "b/article.txt"]
    # a --name another file holds is refused (database unchanged) unless --replace is given
    before = _snapshot(store)
    with pytest.raises(InputError, match="already stored.*--replace"):
        ingest_file(store, HALVES, IngestOptions(name="article.txt"))
    assert _snapshot(store) == before
    forced = ingest_file(store, HALVES, IngestOptions(name="article.txt", replace=True))
    assert forced.replaced and store.counts()["documents"] == 2


def test_ingest_pair_and_presegmented(store: Store, tmp_path: Path) -> None:
    pair = ingest_file(store, PAIR_JA, IngestOptions(en_path=PAIR_EN))
    assert pair.layout == "pair" and pair.document == "ingest_pair_ja.txt"
    ja = tmp_path / "ja.txt"
    en = tmp_path / "en.txt"
    ja.write_text("一文目です。\n二文目です。二つ目の文。\n", encoding="utf-8")
    en.write_text("The first.\nThe second. And more.\n", encoding="utf-8")
    pre = ingest_file(store, ja, IngestOptions(en_path=en, presegmented=True, name="pre"))
    assert (pre.layout, pre.ja_segments, pre.en_segments) == ("presegmented", 2, 2)


def test_ingest_mono_stores_segments_only(store: Store) -> None:
    result = ingest_file(store, DATA / "ingest_mono_ja.txt", IngestOptions(layout="mono"))
    assert result.kind == "mono" and result.units == 0
    counts = store.counts()
    assert counts["units"] == 0 and counts["segments"] == 5
    assert store.documents.all()[0].kind == "mono"
    assert "segments: 4 Japanese, 1 English" in result.summary()


@pytest.mark.parametrize("layout", ["auto", "halves", "interleaved"])
def test_japanese_only_as_bilingual_fails_and_stores_nothing(store: Store, layout: str) -> None:
    with pytest.raises(InputError, match="has no English text; use --layout mono"):
        ingest_file(store, DATA / "ingest_mono_ja.txt", IngestOptions(layout=layout))
    assert store.counts()["documents"] == 0


def test_review_of_mono_and_unknown_review_format(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="drop --review"):
        ingest_file(store, DATA / "ingest_mono_ja.txt",
                    IngestOptions(layout="mono", review=tmp_path / "r.html"))
    with pytest.raises(ExportError, match="unknown review format"):
        ingest_file(store, HALVES, IngestOptions(review=tmp_path / "r.pdf"))
    assert store.counts()["documents"] == 0


def test_failure_mid_way_leaves_the_database_unchanged(store: Store, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_file(store, HALVES, IngestOptions(name="tram"))
    before = _snapshot(store)
    # The review is written inside the transaction, after units and segments: a review that
    # cannot be written must roll back the replacement.
    with pytest.raises(ExportError, match="does not exist"):
        ingest_file(store, PAIR_JA, IngestOptions(en_path=PAIR_EN, name="tram", replace=True,
                                                  review=tmp_path / "missing" / "r.html"))
    assert _snapshot(store) == before

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tm_review, "write_review", boom)
    with pytest.raises(RuntimeError):
        ingest_file(store, PAIR_JA, IngestOptions(en_path=PAIR_EN, name="new-doc",
                                                  review=tmp_path / "r.html"))
    assert _snapshot(store) == before
    assert not (tmp_path / "r.html").exists()


def test_ingest_writes_review(store: Store, tmp_path: Path) -> None:
    review = tmp_path / "review.html"
    result = ingest_file(store, HALVES, IngestOptions(review=review))
    assert result.review == str(review)
    page = review.read_text(encoding="utf-8")
    assert "City Sets Spring 2027 Opening for New Tram Line" in page


# --- align_document ------------------------------------------------------------------------------
def test_align_presegmented_ids_are_line_numbers(tmp_path: Path, analyzer: Analyzer) -> None:
    ja = tmp_path / "ja.txt"
    en = tmp_path / "en.txt"
    ja.write_text("市は計画を発表した。\n\n費用は480億円だ。\n", encoding="utf-8")
    en.write_text("The city announced the plan.\nIt costs 48 billion yen.\n", encoding="utf-8")
    alignment = align_document(ja, en, presegmented=True, analyzer=analyzer)
    assert len(alignment.ja) == 3 and len(alignment.en) == 2
    covered_ja = sorted(i for b in alignment.beads for i in b.ja_ids)
    covered_en = sorted(j for b in alignment.beads for j in b.en_ids)
    assert covered_ja == [0, 1, 2] and covered_en == [0, 1]
    tsv = alignment.to_tsv().splitlines()
    assert tsv[0] == "ja_ids\ten_ids\tscore\tja_text\ten_text"
    assert all(len(row.split("\t")) == 5 for row in tsv)


def test_tsv_cleans_tabs_and_joins(tmp_path: Path) -> None:
    from taiyaku.core.model import Bead, Segment
    from taiyaku.tm.ingest import Alignment

    alignment = Alignment(
        ja=[Segment("一\tつ目。", "ja"), Segment("二つ目。", "ja"), Segment("余り", "ja")],
        en=[Segment("One\nand two.", "en")],
        beads=[Bead((0, 1), (0,), 0.87654), Bead((2,), (), 0.5)],
        layout="pair",
    )
    lines = alignment.to_tsv().splitlines()
    assert lines[1] == "0,1\t0\t0.8765\t一 つ目。二つ目。\tOne and two."
    assert lines[2] == "2\t\t0.5000\t余り\t"
    data = json.loads(alignment.to_json_text())
    assert data["beads"][0]["type"] == "2-1" and data["bead_counts"] == {"2-1": 1, "1-0": 1}


def test_align_one_language_file_is_an_error(analyzer: Analyzer) -> None:
    with pytest.raises(InputError, match="ingest_mono_ja.txt: has no English text"):
        align_document(DATA / "ingest_mono_ja.txt", analyzer=analyzer)
    with pytest.raises(InputError, match="nothing to align"):
        align_document(HALVES, layout="mono", analyzer=analyzer)


# --- CLI -----------------------------------------------------------------------------------------
def test_cli_align_tsv_header_and_columns() -> None:
    result = CliRunner().invoke(cli, ["align", str(PAIR_JA), str(PAIR_EN), "--format", "tsv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ja_ids\ten_ids\tscore\tja_text\ten_text"
    ja_seen: list[int] = []
    for row in lines[1:]:
        ja_ids, en_ids, score, ja_text, en_text = row.split("\t")
        assert 0.0 <= float(score) <= 1.0 and len(score.split(".")[1]) == 4
        ja_seen += [int(x) for x in ja_ids.split(",") if x]
        assert bool(ja_ids) == bool(ja_text) and bool(en_ids) == bool(en_text)
    assert ja_seen == [0, 1, 2, 3]


def test_cli_align_presegmented_and_json(tmp_path: Path) -> None:
    ja = tmp_path / "ja.txt"
    en = tmp_path / "en.txt"
    ja.write_text("一文目。\n二文目。\n", encoding="utf-8")
    en.write_text("First.\nSecond.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["align", str(ja), str(en), "--presegmented",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layout"] == "presegmented"
    assert sorted(i for b in data["beads"] for i in b["ja_ids"]) == [0, 1]


def test_cli_ingest_and_errors(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    review = tmp_path / "r.html"
    result = runner.invoke(cli, ["ingest", str(HALVES), "--db", str(db_path), "--review",
                                 str(review), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layout"] == "halves" and data["review"] == str(review) and review.exists()
    bad = runner.invoke(cli, ["ingest", str(DATA / "ingest_mono_ja.txt"), "--layout",
                              "interleaved", "--db", str(db_path)])
    assert bad.exit_code == 1
    assert "has no English text; use --layout mono" in bad.stderr
    assert bad.stderr.count("\n") == 1


def test_cli_segment_show_rules() -> None:
    from taiyaku.tm.segment import RULES

    result = CliRunner().invoke(cli, ["segment", "--show-rules"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"- {r}" for r in RULES]
    seg = CliRunner().invoke(cli, ["segment", str(PAIR_EN), "--json"])
    assert [s["kind"] for s in json.loads(seg.stdout)][0] == "heading"


def test_seed_004_ingest(shared: Path, tmp_path: Path) -> None:
    (path,) = sorted((shared / "seeds").glob("004_*.txt"))
    with open_store(tmp_path / "seed.db") as store:
        result = ingest_file(store, path, IngestOptions(review=tmp_path / "r.xlsx"))
        assert result.layout == "halves"
        assert (result.ja_segments, result.en_segments) == (163, 106)
        # Every segment is stored; units link back to the segments they were made from.
        counts = store.counts()
        assert counts["segments"] == 269 and counts["units"] == result.units
        linked = len({s.unit_id for s in _segments(store) if s.unit_id is not None})
        assert linked == result.units


# --- interchange files are not documents (15.4) --------------------------------------------------
@pytest.mark.parametrize(("content", "what", "command"), [
    (b'<?xml version="1.0"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<tmx version="1.4"><header/>'
     b'<body><tu><tuv xml:lang="ja"><seg>\xe5\x83\x8d\xe3\x81\x8f</seg></tuv>'
     b'<tuv xml:lang="en"><seg>work</seg></tuv></tu></body></tmx>', "TMX", "tm import"),
    (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file '
     b'source-language="ja" target-language="en" original="x" datatype="plaintext"><body>'
     b'<trans-unit id="1"><source>\xe5\x83\x8d\xe3\x81\x8f</source><target>work</target>'
     b'</trans-unit></body></file></xliff>', "XLIFF", "tm import"),
    ("<!-- glossary --><martif type=\"TBX\" xml:lang=\"en\"><text><body/></text>"
     "</martif>".encode("utf-16"), "TBX", "terms import"),
])
def test_ingest_refuses_interchange_files_by_their_root_element(
    store: Store, tmp_path: Path, content: bytes, what: str, command: str
) -> None:
    path = tmp_path / "notes.txt"  # the extension says text; the root element says otherwise
    path.write_bytes(content)
    before = _snapshot(store)
    with pytest.raises(InputError) as exc:
        ingest_file(store, path)
    message = str(exc.value)
    assert message.startswith(f"{path}: is {'an' if what == 'XLIFF' else 'a'} {what} file")
    assert f"`taiyaku {command} {path}`" in message and "\n" not in message
    assert _snapshot(store) == before


def test_ingest_by_extension_when_the_xml_root_is_unknown(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "job.sdlxliff"
    path.write_text("<root><p>港に船が着いた。A ship arrived.</p></root>", encoding="utf-8")
    with pytest.raises(InputError, match="taiyaku tm import"):
        ingest_file(store, path)


# --- every input read once (16.7) ----------------------------------------------------------------
def _stored_sha(db: Path) -> list[str]:
    with open_store(db) as s:
        return [str(d.sha256) for d in s.documents.all()]


def _sha_of(*contents: bytes) -> str:
    import hashlib

    digest = hashlib.sha256()
    for data in contents:
        digest.update(data)
        digest.update(b"\0")
    return digest.hexdigest()


def test_ingest_reads_standard_input(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    data = HALVES.read_bytes()
    result = CliRunner().invoke(cli, ["ingest", "-", "--db", str(db), "--json"], input=data)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["document"] == "stdin" and out["units"] > 0 and out["source"] == "-"
    assert _stored_sha(db) == [_sha_of(data)]
    again = CliRunner().invoke(cli, ["ingest", "-", "--db", str(db), "--json"], input=data)
    assert json.loads(again.stdout)["status"] == "unchanged"


def test_ingest_of_a_process_substitution_stores_the_hash_of_what_it_read(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    taiyaku = Path(sys.executable).parent / "taiyaku"
    db = tmp_path / "t.db"
    proc = subprocess.run([bash, "-c", f"'{taiyaku}' ingest <(cat '{HALVES}') --db '{db}'"],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert _stored_sha(db) == [_sha_of(HALVES.read_bytes())]


def test_ingest_of_a_fifo_does_not_hang(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import threading

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / "article.fifo"
    os.mkfifo(fifo)
    data = HALVES.read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as fp:  # blocks until the reader opens it, once
            fp.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    db = tmp_path / "t.db"
    taiyaku = Path(sys.executable).parent / "taiyaku"
    try:
        proc = subprocess.run([str(taiyaku), "ingest", str(fifo), "--db", str(db)],
                              capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("ingest of a FIFO hung (it read the FIFO a second time)")
    assert proc.returncode == 0, proc.stderr
    assert _stored_sha(db) == [_sha_of(data)]


def test_ingest_pauses_the_cyclic_collector_and_restores_it(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import taiyaku.tm.ingest as ingest_mod

    seen: list[bool] = []
    real_align = ingest_mod.align_sides

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real_align(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_mod, "align_sides", spy)
    assert gc.isenabled()
    ingest_file(store, HALVES, IngestOptions(name="tram"))
    assert seen == [False], "aligning ran with the collector on (or never ran)"
    assert gc.isenabled()
    # A failing ingest (the review cannot be written) gives the collector back too, and a
    # caller that had it off keeps it off.
    with pytest.raises(ExportError):
        ingest_file(store, PAIR_JA, IngestOptions(en_path=PAIR_EN, name="b",
                                                  review=tmp_path / "missing" / "r.html"))
    assert gc.isenabled()
    gc.disable()
    try:
        ingest_file(store, PAIR_JA, IngestOptions(en_path=PAIR_EN, name="c"))
        assert not gc.isenabled()
    finally:
        gc.enable()
