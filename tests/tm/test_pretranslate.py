"""Pre-translation: one segment, a document (repetitions, batch lookup), a file in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from taiyaku.core.errors import ExportError, InputError
from taiyaku.core.japanese import Analyzer
from taiyaku.core.model import Match, NewUnit, Segment
from taiyaku.core.normalize import normalize
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.store import add_term
from taiyaku.store import Store
from taiyaku.tm.pretranslate import (
    PretranslatedDocument,
    PretranslatedSegment,
    PretranslateOptions,
    PretranslateResult,
    TermFound,
    detect_language,
    pretranslate_file,
    pretranslate_segment,
    write_output,
)

DATA = Path(__file__).resolve().parent.parent / "data"


class Hit:
    """A term hit as the term index reports it (start, end, surface, entry)."""

    def __init__(self, start: int, end: int, surface: str, entry: TermEntry) -> None:
        self.start, self.end, self.surface, self.entry = start, end, surface, entry


def entry(ja: str, *en: str, status: str = "approved", id: int = 1) -> TermEntry:
    return TermEntry(ja=(TermForm(ja, "ja"),), en=tuple(TermForm(e, "en") for e in en),
                     status=status, id=id)


def opts(tmp: Path = Path("."), name: str = "out.json", **kw: object) -> PretranslateOptions:
    return PretranslateOptions(output=tmp / name, **kw)  # type: ignore[arg-type]


# -- one segment -------------------------------------------------------------------------------
def test_exact_match_fills_target() -> None:
    seg = Segment("港湾の整備が進んだ。", "ja")
    exact = Match(1, 100.0, seg.text, "Port works moved ahead.")
    fuzzy = Match(2, 80.0, "港湾の整備が遅れた。", "Port works fell behind.")
    p = pretranslate_segment(seg, [fuzzy, exact], options=opts())
    assert p.matches == (exact, fuzzy)  # best first, whatever order they came in
    assert p.target == "Port works moved ahead."
    assert p.state == "translated"
    assert p.band == "100"


def test_fuzzy_match_is_offered_not_filled() -> None:
    seg = Segment("港湾の整備が進んだ。", "ja")
    fuzzy = Match(2, 80.0, "港湾の整備が遅れた。", "Port works fell behind.")
    p = pretranslate_segment(seg, [fuzzy], options=opts())
    assert p.target is None
    assert p.state == "new"
    assert p.band == "75-84"
    assert p.best == fuzzy


def test_fill_fuzzy_uses_number_substituted_target() -> None:
    seg = Segment("会議は3月に開かれた。", "ja")
    m = Match(3, 99.0, "会議は4月に開かれた。", "The meeting was held in April 4.",
              flags=("numbers",), target_substituted="The meeting was held in April 3.")
    p = pretranslate_segment(seg, [m], options=opts(fill_fuzzy=True))
    assert p.target == "The meeting was held in April 3."
    assert p.state == "needs-review"
    assert p.band == "95-99"


def test_matches_below_min_score_and_over_limit_are_dropped() -> None:
    seg = Segment("a b c", "en")
    ms = [Match(i, s, "x", "y") for i, s in enumerate([90.0, 70.0, 60.0, 55.0, 40.0])]
    p = pretranslate_segment(seg, ms, options=opts(min_score=58.0, limit=2))
    assert [m.score for m in p.matches] == [90.0, 70.0]
    p = pretranslate_segment(seg, ms, options=opts(min_score=95.0))
    assert p.matches == ()
    assert p.band == "no-match"


def test_repetition_band_and_target_kept() -> None:
    seg = Segment("港湾の整備が進んだ。", "ja")
    exact = Match(1, 100.0, seg.text, "Port works moved ahead.")
    p = pretranslate_segment(seg, [exact], index=5, options=opts(), repetition_of=2)
    assert p.band == "repetition"
    assert p.target == "Port works moved ahead."
    assert p.to_json()["repetition_of"] == 3  # 1-based like the segment ids


def test_terms_are_reported_in_text_order_with_status() -> None:
    seg = Segment("防衛装備の輸出規制を見直す。", "ja")
    hits = [
        Hit(5, 9, "輸出規制", entry("輸出規制", "export controls", id=2)),
        Hit(0, 4, "防衛装備", entry("防衛装備", status="forbidden", id=3)),
    ]
    p = pretranslate_segment(seg, [], hits, options=opts())
    assert [t.surface for t in p.terms] == ["防衛装備", "輸出規制"]
    assert p.terms[0].forbidden and p.terms[0].en is None
    assert p.terms[1].en == "export controls" and not p.terms[1].forbidden
    data = json.loads(json.dumps(p.to_json()))
    assert data["terms"][1]["ja"] == "輸出規制"
    assert data["terms"][1]["en"] == "export controls"
    assert data["terms"][0]["status"] == "forbidden"


def test_term_found_skips_deprecated_english() -> None:
    e = TermEntry(ja=(TermForm("一般許可", "ja"),),
                  en=(TermForm("general permit", "en", status="deprecated"),
                      TermForm("general licence", "en")), status="approved")
    t = TermFound.from_hit(Hit(0, 4, "一般許可", e))
    assert t.en == "general licence"
    assert t.en_alternatives == ("general permit",)
    assert t.describe() == "一般許可 → general licence"


def test_segment_json_shape() -> None:
    seg = Segment("港湾の整備が進んだ。", "ja")
    m = Match(9, 87.5, "港湾の整備が遅れた。", "Port works fell behind.", document="d1")
    data = json.loads(json.dumps(pretranslate_segment(seg, [m], options=opts()).to_json()))
    assert data["source"] == seg.text
    assert data["matches"][0]["score"] == 87.5
    assert data["matches"][0]["source"] == m.source
    assert data["matches"][0]["target"] == m.target
    assert data["terms"] == []
    assert data["id"] == 1 and data["band"] == "85-94"


@pytest.mark.parametrize(
    ("texts", "lang"),
    [
        (["港湾の整備が進んだ。", "CNBC"], "ja"),
        (["Port works moved ahead.", "港"], "en"),
        (["Port works moved ahead of schedule this year.",
          "港湾の整備が予定より早く進み、関係者は安心した。"], "ja"),
    ],
)
def test_detect_language(texts: list[str], lang: str) -> None:
    from taiyaku.core.normalize import script_of

    assert detect_language([Segment(t, script_of(t)) for t in texts]) == lang


# -- writers on a hand-built document ----------------------------------------------------------
def small_document() -> PretranslatedDocument:
    exact = Match(1, 100.0, "港湾の整備が進んだ。", "Port works moved ahead.")
    fuzzy = Match(2, 78.0, "港湾の整備が遅れた。", "=Port works fell behind.")
    segs = (
        pretranslate_segment(Segment("港湾の整備が進んだ。", "ja"), [exact], index=0),
        pretranslate_segment(Segment("港湾の整備が止まった。", "ja"), [fuzzy], index=1),
        pretranslate_segment(Segment("=SUM(A1:A3)", "en"), [], index=2),
        pretranslate_segment(Segment("港湾の整備が進んだ。", "ja"), [exact], index=3,
                             repetition_of=0),
    )
    return PretranslatedDocument("doc.txt", "ja", "en", segs)


def test_write_json(tmp_path: Path) -> None:
    doc = small_document()
    write_output(doc, opts(tmp_path, "o.json"))
    data = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert [d["source"] for d in data] == [s.source for s in doc.segments]
    assert [d["band"] for d in data] == ["100", "75-84", "no-match", "repetition"]
    assert data[1]["matches"][0]["score"] == 78.0


def test_write_xlsx_colours_bands_and_keeps_text_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from taiyaku.core.analysis import BAND_TINTS

    write_output(small_document(), opts(tmp_path, "o.xlsx"))
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:6] == ["#", "Segment", "Best match", "Score", "Its translation", "Terms"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H5"
    assert ws["D2"].value == 100 and ws["E2"].value == "Port works moved ahead."
    # user text that looks like a formula stays a string
    assert ws["B4"].value == "=SUM(A1:A3)" and ws["B4"].data_type == "s"
    assert ws["E3"].value == "=Port works fell behind." and ws["E3"].data_type == "s"
    assert ws["B2"].fill.start_color.rgb.endswith(BAND_TINTS["100"])
    assert ws["B5"].fill.start_color.rgb.endswith(BAND_TINTS["repetition"])
    assert ws["B4"].fill.start_color.rgb.endswith(BAND_TINTS["no-match"])
    assert ws.column_dimensions["B"].width > 30


def test_unknown_output_extension_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"o\.docx.*\.xlf"):
        write_output(small_document(), opts(tmp_path, "o.docx"))
    assert list(tmp_path.iterdir()) == []


# -- the real store, search and glossary -------------------------------------------------------
@pytest.fixture
def tm_store(pt_tm_store: Store) -> Store:
    """The pt_tm.tsv units and a small glossary (tests/conftest.py ``pt_tm_store``)."""
    return pt_tm_store


def by_source(result: PretranslateResult) -> dict[str, PretranslatedSegment]:
    """Segments by source text (the first occurrence of a repeated one)."""
    out: dict[str, PretranslatedSegment] = {}
    for s in result.document.segments:
        out.setdefault(s.source, s)
    return out


def test_file_japanese_article(tm_store: Store, tmp_path: Path, analyzer: Analyzer) -> None:
    out = tmp_path / "o.json"
    result = pretranslate_file(tm_store, DATA / "pt_new_ja.txt",
                               PretranslateOptions(output=out, report=tmp_path / "r.json"))
    doc = result.document
    assert (doc.src_lang, doc.trg_lang) == ("ja", "en")
    segs = by_source(result)
    exact = segs["港湾の拡張工事は予定より早く進んでいる。"]
    assert exact.band == "100" and exact.target == "The port expansion is ahead of schedule."
    # the same sentence again at the end: a repetition, with the same target
    again = doc.segments[-2]
    assert again.source == exact.source
    assert again.band == "repetition" and again.repetition_of == exact.index
    assert again.target == exact.target
    # only a number differs: 99, offered with the number put in, not filled
    numbers = segs["観光客の数は前年より15%増えた。"]
    assert numbers.score == 99.0 and numbers.target is None
    assert numbers.best is not None
    assert numbers.best.target_substituted == "Tourist numbers rose 15% from the previous year."
    # a real fuzzy match is offered with its score
    fuzzy = segs["環境影響評価は冬までに終わる見込みだ。"]
    assert fuzzy.best is not None and 85 <= fuzzy.best.score < 100
    assert fuzzy.best.target.startswith("The environmental impact assessment")
    # the longest term wins: 環境影響評価, not 環境
    assert [(t.ja, t.en) for t in fuzzy.terms] == [
        ("環境影響評価", "environmental impact assessment")]
    # forbidden and candidate terms are reported with their status
    worried = segs["住民の多くは騒音と渋滞を心配している。"]
    assert [(t.surface, t.status) for t in worried.terms] == [
        ("騒音", "candidate"), ("渋滞", "forbidden")]
    assert segs["新しい倉庫の建設も始まった。"].band == "no-match"
    # JSON output: one object per segment in the DESIGN.md shape
    data = json.loads(out.read_text("utf-8"))
    assert len(data) == len(doc.segments)
    first_exact = data[exact.index]
    assert first_exact["matches"][0]["score"] == 100
    assert first_exact["matches"][0]["target"] == exact.target
    assert {"ja", "en"} <= set(first_exact["terms"][0])
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    bands = {b["band"]: b["segments"] for b in report["bands"]}
    assert bands["repetition"] == 1 and bands["100"] == 1 and bands["95-99"] == 2
    assert report["total"]["segments"] == len(doc.segments)


def test_file_english_article(tm_store: Store, tmp_path: Path) -> None:
    result = pretranslate_file(tm_store, DATA / "pt_new_en.txt",
                               PretranslateOptions(output=tmp_path / "o.json"))
    assert (result.document.src_lang, result.document.trg_lang) == ("en", "ja")
    segs = by_source(result)
    assert segs["The port expansion is ahead of schedule."].target == (
        "港湾の拡張工事は予定より早く進んでいる。")
    worried = segs["Many residents are worried about noise and traffic."]
    assert worried.best is not None and worried.best.target == "住民の多くは騒音を心配している。"
    assert 50 <= worried.best.score < 100
    assert [t.ja for t in worried.terms] == ["騒音"]  # found by its English form
    assert result.analysis.unit == "words"


def test_segments_of_a_two_sentence_unit_are_joined(store: Store, tmp_path: Path) -> None:
    with store.transaction():
        doc = store.documents.add("d", layout="halves", kind="bilingual")
        store.units.add(doc, [NewUnit("一般に、港は夜も動く。", "Ports run at night.", 0),
                               NewUnit("船が着いた。", "A ship arrived.", 1)])
    src = tmp_path / "a.txt"
    src.write_text("一般に、\n港は夜も動く。\n船が着いた。\n", encoding="utf-8")
    result = pretranslate_file(store, src, PretranslateOptions(output=tmp_path / "o.json"))
    segs = result.document.segments
    assert [(s.source, s.parts, s.score) for s in segs] == [
        ("一般に、港は夜も動く。", 2, 100.0), ("船が着いた。", 1, 100.0)]


def test_a_sentence_spread_over_a_list_meets_its_four_line_unit(store: Store,
                                                                 tmp_path: Path) -> None:
    # the aligner stores such a sentence as one 4-1 unit; pre-translation joins the lines back
    with store.transaction():
        doc = store.documents.add("d", layout="halves", kind="bilingual")
        store.units.add(doc, [NewUnit("この計画の狙いは、交通の便を良くすること"
                                       "住民の暮らしを守ることという二点だ。",
                                       "The plan aims to improve transport and to protect "
                                       "residents.", 0)])
    src = tmp_path / "a.txt"
    src.write_text("この計画の狙いは、\n・交通の便を良くすること\n・住民の暮らしを守ること\n"
                   "という二点だ。\n", encoding="utf-8")
    result = pretranslate_file(store, src, PretranslateOptions(output=tmp_path / "o.json"))
    segs = result.document.segments
    assert [(s.parts, s.score) for s in segs] == [(4, 100.0)]


def test_fill_fuzzy_and_min_score(tm_store: Store, tmp_path: Path) -> None:
    options = PretranslateOptions(output=tmp_path / "o.json", fill_fuzzy=True, min_score=90)
    segs = by_source(pretranslate_file(tm_store, DATA / "pt_new_ja.txt", options))
    numbers = segs["観光客の数は前年より15%増えた。"]
    assert numbers.target == "Tourist numbers rose 15% from the previous year."
    assert numbers.state == "needs-review"
    # 84% is under --min-score 90: no match offered, nothing filled
    worried = segs["住民の多くは騒音と渋滞を心配している。"]
    assert worried.matches == () and worried.target is None and worried.band == "no-match"


def test_tmx_output_holds_filled_segments(tm_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "o.tmx"
    pretranslate_file(tm_store, DATA / "pt_new_ja.txt", PretranslateOptions(output=out))
    from taiyaku.exports import tmx

    with out.open("rb") as fp:
        units = list(tmx.read(fp, str(out)))
    pair = ("港湾の拡張工事は予定より早く進んでいる。", "The port expansion is ahead of schedule.")
    assert [(u.ja, u.en) for u in units] == [pair, pair]


def test_xlsx_output_end_to_end(tm_store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "o.xlsx"
    result = pretranslate_file(tm_store, DATA / "pt_new_ja.txt", PretranslateOptions(output=out))
    ws = load_workbook(out).active
    assert ws is not None
    assert ws.max_row == len(result.document.segments) + 1
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    row = rows["環境影響評価は冬までに終わる見込みだ。"]
    assert row[2] == "環境影響評価は秋までに終わる見込みだ。"
    assert row[5] == "環境影響評価 → environmental impact assessment"
    assert "[forbidden]" in rows["住民の多くは騒音と渋滞を心配している。"][5]


def test_bad_inputs(tm_store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown pre-translation format"):
        pretranslate_file(tm_store, DATA / "pt_new_ja.txt",
                          PretranslateOptions(output=tmp_path / "o.pdf"))
    with pytest.raises(ExportError, match="unknown report format"):
        pretranslate_file(tm_store, DATA / "pt_new_ja.txt",
                          PretranslateOptions(output=tmp_path / "o.json",
                                              report=tmp_path / "r.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty.txt"):
        pretranslate_file(tm_store, empty, PretranslateOptions(output=tmp_path / "o.json"))
    with pytest.raises(InputError, match="missing.txt"):
        pretranslate_file(tm_store, tmp_path / "missing.txt",
                          PretranslateOptions(output=tmp_path / "o.json"))
    assert not (tmp_path / "o.json").exists()


def test_cli_pretranslate(tm_store: Store, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from taiyaku.cli import cli

    db = tm_store.path
    out, report = tmp_path / "o.json", tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["pretranslate", str(DATA / "pt_new_ja.txt"), "-o",
                                      str(out), "--report", str(report), "--db", str(db),
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["segments"] == 8 and data["filled"] == 2
    assert data["analysis"]["total"]["segments"] == 8
    assert report.read_text("utf-8").startswith("<!DOCTYPE html>")
    bad = CliRunner().invoke(cli, ["pretranslate", str(DATA / "pt_new_ja.txt"), "-o",
                                   str(tmp_path / "o.doc"), "--db", str(db)])
    assert bad.exit_code == 1
    assert "unknown pre-translation format" in bad.stderr


# -- the seeds (skips without ../shared) -------------------------------------------------------
def test_japanese_half_of_004_is_all_exact(shared: Path, store: Store, tmp_path: Path) -> None:
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    seed = next((shared / "seeds").glob("004_*.txt"))
    ingest_file(store, seed, IngestOptions())
    (doc,) = store.documents.all()
    rows = [(s.text, s.unit_id) for s in store.segments.of_document(doc.id) if s.lang == "ja"]
    aligned = [text for text, unit in rows if unit is not None]
    assert len(aligned) > 50
    half = tmp_path / "004-ja.txt"  # written at test time: seed text never enters the repo
    half.write_text("\n".join(text for text, _ in rows) + "\n", encoding="utf-8")
    result = pretranslate_file(store, half, PretranslateOptions(output=tmp_path / "o.json"))
    segs = result.document.segments
    for text in aligned:
        key = normalize(text)
        holders = [s for s in segs if key in normalize(s.source)]
        assert holders, text
        assert any(s.score == 100.0 and s.target for s in holders), text


@pytest.mark.parametrize("version", ["2.1", "1.2"])
def test_xliff_output(tm_store: Store, tmp_path: Path, version: str) -> None:
    from taiyaku.exports import xliff

    out = tmp_path / f"o{version}.xlf"
    result = pretranslate_file(tm_store, DATA / "pt_new_ja.txt",
                               PretranslateOptions(output=out, xliff_version=version))
    with out.open("rb") as fp:
        units = list(xliff.read(fp, str(out)))
    segs = result.document.segments
    assert [u.source for u in units] == [s.source for s in segs]
    by_text = {u.source: u for u in units}
    exact = by_text["港湾の拡張工事は予定より早く進んでいる。"]
    assert exact.target == "The port expansion is ahead of schedule."
    fuzzy = by_text["環境影響評価は冬までに終わる見込みだ。"]
    assert fuzzy.target is None
    assert fuzzy.candidates[0].source == "環境影響評価は秋までに終わる見込みだ。"
    assert 85 <= fuzzy.candidates[0].score < 100
    # the number-only match is offered with the query's number put in
    numbers = by_text["観光客の数は前年より15%増えた。"]
    assert numbers.candidates[0].target == "Tourist numbers rose 15% from the previous year."
    if version == "2.1":  # 1.2 carries terms as notes only
        assert [(t.ja, t.en) for t in fuzzy.terms] == [
            ("環境影響評価", "environmental impact assessment")]
        worried = by_text["住民の多くは騒音と渋滞を心配している。"]
        assert ("渋滞", "forbidden") in [(t.ja, t.status) for t in worried.terms]


@pytest.mark.parametrize("version", ["2.1", "1.2"])
def test_xliff_output_passes_the_validator(
    shared: Path, tm_store: Store, tmp_path: Path, version: str
) -> None:
    import subprocess
    import sys

    out = tmp_path / "o.xlf"
    pretranslate_file(tm_store, DATA / "pt_new_ja.txt",
                      PretranslateOptions(output=out, xliff_version=version))
    run = subprocess.run([sys.executable, str(shared / "tools" / "validate_xliff.py"), str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_term_inside_a_sudachi_compound_is_found(store: Store, tmp_path: Path) -> None:
    # Sudachi's split mode C reads トランプ大統領 as one token; the glossary's トランプ is
    # still in the text and must be reported.
    add_term(store, "トランプ", "Trump")
    add_term(store, "大統領選挙", "presidential election")
    src = tmp_path / "a.txt"
    src.write_text("トランプ大統領が大統領選挙について語った。\n", encoding="utf-8")
    result = pretranslate_file(store, src, PretranslateOptions(output=tmp_path / "o.json"))
    terms = result.document.segments[0].terms
    assert [(t.surface, t.en) for t in terms] == [
        ("トランプ", "Trump"), ("大統領選挙", "presidential election")]
