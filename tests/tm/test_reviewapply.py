"""``taiyaku review apply``: a reviewer's edited review XLSX of a KNH-like document yields
exactly the TM its corrections describe; untouched rows stay; bad rows change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alignedit_support import assert_consistent, knh_like, sentence, snapshot, unit_pairs
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.exports.review import ReviewedRow
from taiyaku.store import open_store
from taiyaku.tm import alignedit
from taiyaku.tm.reviewapply import Correction, parse_correction

LEAD = "米中の接近だけを見て安心するのも危険だ。"


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def reviewed(tmp_path: Path) -> tuple[Path, Path]:
    """A database holding the KNH-like document, and the review XLSX ingest wrote."""
    pj, pe = knh_like(tmp_path / "src")
    db, review = tmp_path / "tm.db", tmp_path / "review.xlsx"
    result = _run("ingest", str(pj), "--en", str(pe), "--presegmented", "--name", "knh",
                  "--review", str(review), "--db", str(db))
    assert result.exit_code == 0, result.output
    return db, review


def _fill(review: Path, cells: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Write OK? and correction cells into the rows showing these (ja_ids, en_ids)."""
    from openpyxl import load_workbook

    wb = load_workbook(review)
    ws = wb["review"]
    header = [c.value for c in ws[1]]
    ja_col, en_col = header.index("ja_ids") + 1, header.index("en_ids") + 1
    ok_col, fix_col = header.index("OK?") + 1, header.index("correction / note") + 1
    left = dict(cells)
    for row in range(2, ws.max_row + 1):
        key = (str(ws.cell(row, ja_col).value or ""), str(ws.cell(row, en_col).value or ""))
        if key in left:
            ok, fix = left.pop(key)
            ws.cell(row, ok_col).value = ok or None
            ws.cell(row, fix_col).value = fix or None
    assert not left, f"rows not found: {left}"
    wb.save(review)


def _snapshot(db: Path) -> tuple[object, ...]:
    with open_store(db) as s:
        return snapshot(s)


# segment ids in the generated document: ja 0-1 are the lead, body sentence k is ja k+2 and
# en k+1 (en 0 is "Share this article")
def _body(k: int) -> tuple[str, str]:
    return (str(k + 2), str(k + 1))


def test_applied_review_yields_exactly_the_tm_it_describes(reviewed: tuple[Path, Path]
                                                           ) -> None:
    db, review = reviewed
    with open_store(db) as s:
        before = alignedit.load(s, "knh")
        untouched_ids = {before.texts(b): b.unit_id for b in before.beads if b.paired}
    _fill(review, {
        _body(1): ("yes", ""),
        _body(3): ("", "unpair"),
        _body(5): ("", "Merge"),
        ("1", ""): ("", "pair en=0"),  # the Japanese-only lead ↔ "Share this article"
        _body(8): ("", "note: check the figures"),
        _body(9): ("x", ""),
        _body(10): ("", "pair ja=12 en=11"),  # its own pairing again, written out
    })
    result = _run("review", "apply", str(review), "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["document"] == "knh" and report["revision"] == 1
    assert [(c["row"] > 1, c["command"]) for c in report["corrections"]] == [
        (True, "pair"), (True, "unpair"), (True, "merge"), (True, "pair")]
    assert report["units_removed"] == 3 and report["units_added"] == 2  # body 10 keeps its unit

    expected = {sentence(k) for k in range(12) if k not in (3, 5, 6)}
    expected.add((sentence(5)[0] + sentence(6)[0], sentence(5)[1] + " " + sentence(6)[1]))
    expected.add((LEAD, "Share this article"))
    with open_store(db) as s:
        doc = assert_consistent(s, "knh")
        assert unit_pairs(s, doc.doc_id) == expected
        # rows nobody touched keep their units (ids unchanged) and stay unconfirmed
        for k in (0, 2, 4, 7, 8, 11):
            b = next(b for b in doc.beads if doc.texts(b) == sentence(k))
            assert b.unit_id == untouched_ids[sentence(k)] and not b.confirmed
        confirmed = {doc.texts(b) for b in doc.beads if b.confirmed}
        assert confirmed == {sentence(1), sentence(9), sentence(10), (LEAD, "Share this article"),
                             (sentence(3)[0], ""), ("", sentence(3)[1]),
                             (sentence(5)[0] + sentence(6)[0],
                              sentence(5)[1] + " " + sentence(6)[1])}
        # one undoable edit
        back = alignedit.undo(s, "knh", 1)
        assert back.action == "undo review apply"
        assert unit_pairs(s, doc.doc_id) == set(untouched_ids)


def test_untouched_review_changes_nothing(reviewed: tuple[Path, Path]) -> None:
    db, review = reviewed
    before = _snapshot(db)
    result = _run("review", "apply", str(review), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "Nothing to apply" in result.stdout
    assert _snapshot(db) == before


@pytest.mark.parametrize(("cells", "message"), [
    ({_body(2): ("", "swap with next")}, r"row \d+: cannot read the correction 'swap with next'"),
    ({_body(2): ("maybe", "")}, r"row \d+: cannot read OK\? 'maybe'"),
    ({_body(2): ("", "pair ja=2,4")}, r"row \d+: Japanese segment ids 2,4 are not consecutive"),
    ({_body(2): ("", "pair en=99")}, r"row \d+: English segment ids 99: the document has"),
    ({_body(1): ("", "merge"), _body(2): ("", "unpair")},
     r"row \d+: its bead was already changed by the correction of an earlier row"),
])
def test_a_bad_row_is_one_line_naming_it_and_nothing_changes(
        reviewed: tuple[Path, Path], cells: dict[tuple[str, str], tuple[str, str]],
        message: str) -> None:
    db, review = reviewed
    _fill(review, {_body(0): ("yes", ""), **cells})  # a good row too: it must not stick
    before = _snapshot(db)
    result = _run("review", "apply", str(review), "--db", str(db))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    import re

    assert re.search(message, lines[0]), lines[0]
    assert str(review) in lines[0]
    assert _snapshot(db) == before


def test_a_review_of_an_older_alignment_is_refused_by_row(reviewed: tuple[Path, Path]) -> None:
    db, review = reviewed
    with open_store(db) as s:
        doc = alignedit.load(s, "knh")
        k = next(b.position for b in doc.beads if doc.texts(b) == sentence(4))
        alignedit.merge_next(s, "knh", 0, k)
    _fill(review, {_body(4): ("yes", "")})
    before = _snapshot(db)
    result = _run("review", "apply", str(review), "--db", str(db))
    assert result.exit_code == 1
    assert "is not in document 'knh' any more" in result.stderr
    assert _snapshot(db) == before


def test_review_apply_needs_a_stored_document(tmp_path: Path,
                                              reviewed: tuple[Path, Path]) -> None:
    db, review = reviewed
    result = _run("review", "apply", str(review), "--db", str(db), "--document", "other")
    assert result.exit_code == 1 and "no document 'other' is stored" in result.stderr
    not_review = tmp_path / "x.xlsx"
    not_review.write_bytes(b"PK\x03\x04 not a zip")
    result = _run("review", "apply", str(not_review), "--db", str(db))
    assert result.exit_code == 1 and "x.xlsx" in result.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("unpair", Correction("unpair")),
    ("  MERGE ", Correction("merge")),
    ("pair ja=1 en=2-3", Correction("pair", (1,), (2, 3))),
    ("pair en: 7", Correction("pair", (4,), (7,))),
    ("# looks fine", None),
    ("note: ask the author", None),
    ("", None),
])
def test_parse_correction(text: str, expected: Correction | None) -> None:
    assert parse_correction(text, ReviewedRow(3, 1, (4,), (5,), "", "")) == expected
