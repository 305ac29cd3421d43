"""Review files: escaped HTML, weakest-first ordering, colours, a safe and usable XLSX sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from taiyaku.core.errors import ExportError
from taiyaku.core.model import Bead, Segment
from taiyaku.exports.review import confidence_colour, review_rows, write_review
from taiyaku.tm.ingest import Alignment


def _alignment() -> Alignment:
    ja = [
        Segment("安全な文です。", "ja"),
        Segment("<script>alert('x')</script>を含む文。", "ja"),
        Segment("=SUM(A1:A3)と書いた。", "ja"),
        Segment("広告\x01です", "ja", "boilerplate"),
    ]
    en = [
        Segment("A safe sentence.", "en"),
        Segment("A sentence with <b>tags</b> & \"quotes\".", "en"),
        Segment("+1 and -2 and @name", "en"),
    ]
    beads = [
        Bead((0,), (0,), 0.98),
        Bead((1,), (1,), 0.31),
        Bead((2,), (2,), 0.65),
        Bead((3,), (), 0.05),
    ]
    return Alignment(ja, en, beads, "pair", "layout: pair (test)")


def test_rows_weakest_first() -> None:
    # the 1-0 bead (0.05) stays beside the bead before it (0.65): that pair sorts first
    rows = review_rows(_alignment())
    assert [r.number for r in rows] == [3, 4, 2, 1]
    assert [r.bead for r in rows] == ["1-1", "1-0", "1-1", "1-1"]
    assert rows[1].en == "" and rows[1].en_ids == ""


def test_unpaired_beads_stay_beside_their_neighbours() -> None:
    a = _alignment()
    beads = [Bead((), (0,), 0.1), Bead((0,), (1,), 0.9), Bead((1,), (), 0.2),
             Bead((2,), (), 0.3), Bead((3,), (2,), 0.4)]
    rows = review_rows(Alignment(a.ja, a.en, beads, "pair"))
    # the leading 0-1 goes with the first pair; the two 1-0 beads with the pair before them
    assert [r.number for r in rows] == [1, 2, 3, 4, 5]
    beads[4] = Bead((3,), (2,), 0.05)
    rows = review_rows(Alignment(a.ja, a.en, beads, "pair"))
    assert [r.number for r in rows] == [5, 1, 2, 3, 4]


def test_colours_run_from_red_to_green() -> None:
    low, mid, high = confidence_colour(0.0), confidence_colour(0.5), confidence_colour(1.0)
    assert len({low, mid, high}) == 3
    assert int(low[1:3], 16) > int(high[1:3], 16)  # more red at low confidence
    assert confidence_colour(-1) == low and confidence_colour(2) == high


def test_html_review_is_escaped_and_ordered(tmp_path: Path) -> None:
    path = tmp_path / "review.html"
    write_review(path, _alignment(), document_name="doc <1>")
    page = path.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page
    assert "<b>tags</b>" not in page and "&lt;b&gt;tags&lt;/b&gt; &amp; &quot;quotes&quot;" in page
    assert "Alignment review: doc &lt;1&gt;" in page
    # Weakest first: the 0.65 bead with the 0.05 null bead after it, then 0.31, 0.98.
    order = [page.index(t) for t in ("=SUM", "広告", "&lt;script&gt;", "安全な文です。")]
    assert order == sorted(order)
    assert page.count("<tr style=\"background:#") == 4
    assert "(nothing: Japanese only)" in page
    assert not list(tmp_path.glob(".*.part"))  # the temp file was renamed away


def test_xlsx_review_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "review.xlsx"
    write_review(path, _alignment(), document_name="doc")
    ws = load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:7] == ["#", "type", "confidence", "ja_ids", "en_ids", "Japanese", "English"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I5"
    assert ws.column_dimensions["F"].width >= 40
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [3, 4, 2, 1]
    # Formula-like text stays text; XML-illegal characters are removed.
    formula_row = rows[0]
    assert formula_row[5] == "=SUM(A1:A3)と書いた。" and formula_row[6] == "+1 and -2 and @name"
    assert ws.cell(row=2, column=6).data_type == "s"
    assert rows[1][5] == "広告です"
    assert ws.cell(row=2, column=6).alignment.wrap_text


def test_unknown_review_format(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown review format '.pdf'; use .htm, .html or .xlsx"):
        write_review(tmp_path / "r.pdf", _alignment(), document_name="d")
    assert not (tmp_path / "r.pdf").exists()
