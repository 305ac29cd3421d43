"""Pre-translation: one segment, a document (repetitions, batch lookup), a file in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glossary.model import TermEntry, TermForm
from tm.errors import ExportError
from tm.model import Match, Segment
from tm.pretranslate import (
    PretranslatedDocument,
    PretranslateOptions,
    TermFound,
    detect_language,
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
    data = p.to_json()
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
    data = pretranslate_segment(seg, [m], index=0, options=opts()).to_json()
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
    from tm.normalize import script_of

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

    from tm.report import BAND_TINTS

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
