"""Analysis by match band: band limits, counting units, totals, HTML and JSON reports."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.analysis import (
    BAND_COLOURS,
    BAND_LABELS,
    BANDS,
    Analysis,
    analyze,
    band_of,
    count_characters,
    count_words,
)
from taiyaku.core.errors import ExportError
from taiyaku.exports.html import render_html
from taiyaku.exports.registry import write_output


def write_report(analysis: Analysis, path: Path) -> None:
    """The report as ``pretranslate --report`` writes it: the extension picks the writer."""
    write_output("report", analysis, path)

BAND_CASES = [
    (100.0, "100"),
    (99.99, "95-99"),
    (99.0, "95-99"),
    (95.0, "95-99"),
    (94.9, "85-94"),
    (85.0, "85-94"),
    (84.5, "75-84"),
    (75.0, "75-84"),
    (74.99, "50-74"),
    (50.0, "50-74"),
    (49.99, "no-match"),
    (0.0, "no-match"),
    (None, "no-match"),
]


@pytest.mark.parametrize(("score", "band"), BAND_CASES)
def test_band_limits(score: float | None, band: str) -> None:
    assert band_of(score) == band


@pytest.mark.parametrize("score", [None, 30.0, 80.0, 100.0])
def test_repetition_band_wins_over_score(score: float | None) -> None:
    assert band_of(score, repetition=True) == "repetition"


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_bands_are_ordered_by_score(score: float) -> None:
    # A higher score never lands in a worse band (BANDS runs best → worst after repetitions).
    order = {b: i for i, b in enumerate(BANDS)}
    higher = min(100.0, score + 1.0)
    assert order[band_of(higher)] <= order[band_of(score)]


@pytest.mark.parametrize(
    ("text", "chars", "words"),
    [
        ("米中対立", 4, 0),
        ("米中 対立\u3000の 内幕", 7, 0),
        ("財務長官が CNBC で語った", 13, 1),
        ("Talks resumed on Oct. 13, officials said.", 35, 7),
        ("state-owned firms don't export 1,500 tonnes", 38, 6),
        ("", 0, 0),
    ],
)
def test_counting_units(text: str, chars: int, words: int) -> None:
    assert count_characters(text) == chars
    assert count_words(text) == words


def test_analyze_counts_each_band_and_total() -> None:
    items = [
        ("港湾の整備が進んだ。", "no-match"),  # 10 chars
        ("港湾の整備が進んだ。", "repetition"),
        ("新たな規制案は 2 月に公表された。", "100"),  # 16 chars, 1 word ("2")
        ("会議は延期された。", "85-94"),  # 9 chars
    ]
    a = analyze(items, document="doc.txt")
    assert [b.band for b in a.bands] == list(BANDS)
    assert a.band("no-match").segments == 1
    assert a.band("repetition").characters == 10
    assert a.band("100").characters == 16
    assert a.band("100").words == 1
    assert a.band("85-94").segments == 1
    assert a.band("50-74").segments == 0
    assert a.total.segments == 4
    assert a.total.characters == 10 + 10 + 16 + 9
    assert a.unit == "characters"
    assert a.share("repetition") == pytest.approx(10 / 45)


def test_english_source_is_measured_in_words() -> None:
    a = analyze([("Prices rose sharply.", "no-match"), ("Prices fell.", "100")],
                src_lang="en", trg_lang="ja")
    assert a.unit == "words"
    assert a.share("100") == pytest.approx(2 / 5)


def test_unknown_band_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown band"):
        analyze([("x", "90%")])


@given(st.lists(st.tuples(st.text(max_size=30), st.sampled_from(BANDS)), max_size=40))
@settings(max_examples=150, deadline=None)
def test_bands_sum_to_total(items: list[tuple[str, str]]) -> None:
    a = analyze(items)
    assert sum(b.segments for b in a.bands) == a.total.segments == len(items)
    assert sum(b.characters for b in a.bands) == a.total.characters
    assert sum(b.words for b in a.bands) == a.total.words
    if a.total.characters:
        assert sum(a.share(b) for b in BANDS) == pytest.approx(1.0)


class _Collector(HTMLParser):
    """Collects tags, style attributes and text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.styles += [v or "" for k, v in attrs if k == "style"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_draws_one_bar_per_band_sized_by_share() -> None:
    a = analyze([("一二三四五六", "100"), ("一二", "no-match"), ("一二", "repetition")],
                document="記事.txt")
    page = render_html(a)
    p = _Collector()
    p.feed(page)
    assert "script" not in p.tags  # works without JS
    text = " ".join(p.text)
    for band in BANDS:
        assert BAND_LABELS[band] in text
    # the 100% band holds 6 of 10 characters: its bar is 60% wide, in its colour
    assert f"width:60.000%;background:#{BAND_COLOURS['100']}" in page
    assert f"width:20.000%;background:#{BAND_COLOURS['no-match']}" in page
    assert "記事.txt" in text


def test_html_report_escapes_text() -> None:
    page = render_html(analyze([("x", "100")], document='<img src=x onerror="alert(1)">'))
    assert "<img" not in page
    assert "&lt;img" in page


def test_write_report_html_and_json(tmp_path: Path) -> None:
    a = analyze([("港", "100"), ("港", "repetition")], document="d")
    write_report(a, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [b["band"] for b in data["bands"]] == list(BANDS)
    assert data["total"] == {"band": "total", "label": "Total", "segments": 2,
                             "characters": 2, "words": 0}
    write_report(a, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_report_refuses_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"r\.pdf.*\.html or \.json"):
        write_report(analyze([]), tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_empty_analysis_renders() -> None:
    a = analyze([])
    assert a.total.segments == 0
    assert a.share("100") == 0.0
    assert "Total" in a.render()
    assert "<table>" in render_html(a)
