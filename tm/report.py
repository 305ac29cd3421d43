"""Analysis of a pre-translated document by match band, written as an HTML bar chart or JSON."""

from __future__ import annotations

import contextlib
import html
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from taiyaku.core.errors import ExportError

if TYPE_CHECKING:
    from taiyaku.exports.outfile import OutputSet

__all__ = [
    "BANDS",
    "BAND_LABELS",
    "BAND_COLOURS",
    "band_of",
    "count_characters",
    "count_words",
    "BandCount",
    "Analysis",
    "analyze",
    "write_report",
    "write_report_html",
    "write_report_json",
    "REPORT_SUFFIXES",
]

#: band keys in report order: repetitions first, then from best to worst match
BANDS: tuple[str, ...] = ("repetition", "100", "95-99", "85-94", "75-84", "50-74", "no-match")

BAND_LABELS: dict[str, str] = {
    "repetition": "Repetitions",
    "100": "100%",
    "95-99": "95–99%",
    "85-94": "85–94%",
    "75-84": "75–84%",
    "50-74": "50–74%",
    "no-match": "No match",
}

#: one colour per band, shared by the HTML chart and the XLSX row fills (RGB hex, no '#'):
#: blues for text already translated, greens to ambers for fuzzy work, a warm red for new text
BAND_COLOURS: dict[str, str] = {
    "repetition": "8E7CC3",
    "100": "3C78D8",
    "95-99": "6AA84F",
    "85-94": "93C47D",
    "75-84": "F1C232",
    "50-74": "F6B26B",
    "no-match": "E06666",
}

#: lighter tints of :data:`BAND_COLOURS` for spreadsheet rows (dark fills hide the text)
BAND_TINTS: dict[str, str] = {
    "repetition": "E4DFF2",
    "100": "D2E1F7",
    "95-99": "D9EAD3",
    "85-94": "E8F3E1",
    "75-84": "FDF1C8",
    "50-74": "FCE5CD",
    "no-match": "F8D7D7",
}

REPORT_SUFFIXES = (".html", ".htm", ".json")

_SPACE = re.compile(r"\s+")
# An English word: letters or digits, with inner apostrophes, dots or hyphens (U.S., don't,
# 2,000, state-owned count as one word). Latin-1 and Latin Extended letters are included.
_WORD = re.compile(
    r"[0-9A-Za-z\u00c0-\u024f]+(?:[’'.,\-][0-9A-Za-z\u00c0-\u024f]+)*"
)


def band_of(score: float | None, *, repetition: bool = False) -> str:
    """The band of a segment whose best match scored *score* (None: no match).

    Scores are floored, not rounded, so 99.6 is not counted as an exact match.

    >>> band_of(100.0), band_of(99.6), band_of(94.99), band_of(50.0), band_of(49.9), band_of(None)
    ('100', '95-99', '85-94', '50-74', 'no-match', 'no-match')
    >>> band_of(100.0, repetition=True)
    'repetition'
    """
    if repetition:
        return "repetition"
    if score is None:
        return "no-match"
    if score >= 100.0:
        return "100"
    s = math.floor(score)
    if s >= 95:
        return "95-99"
    if s >= 85:
        return "85-94"
    if s >= 75:
        return "75-84"
    if s >= 50:
        return "50-74"
    return "no-match"


def count_characters(text: str) -> int:
    """Characters without whitespace (the unit Japanese translation is billed by).

    >>> count_characters("米中 対立\\u3000です。")
    7
    """
    return len(_SPACE.sub("", text))


def count_words(text: str) -> int:
    """English words: runs of Latin letters and digits (Japanese text counts only its Latin
    words, e.g. names like CNBC).

    >>> count_words("The U.S. imposed 2,000 state-owned tariffs, didn't it?")
    8
    >>> count_words("財務長官が CNBC で語った")
    1
    """
    return len(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class BandCount:
    """Segments, characters (without spaces) and words in one band."""

    band: str
    segments: int = 0
    characters: int = 0
    words: int = 0

    @property
    def label(self) -> str:
        """Human label, e.g. ``95–99%``; ``Total`` for the total row."""
        return BAND_LABELS.get(self.band, "Total")

    def to_json(self) -> dict[str, object]:
        """``{"band", "label", "segments", "characters", "words"}``."""
        return {"band": self.band, "label": self.label, "segments": self.segments,
                "characters": self.characters, "words": self.words}


@dataclass(frozen=True, slots=True)
class Analysis:
    """Counts per band for one document, and their total.

    :ivar unit: the billing unit that the chart is drawn in: ``characters`` for a Japanese
        source, ``words`` for an English one
    """

    document: str
    src_lang: str
    trg_lang: str
    bands: tuple[BandCount, ...]
    total: BandCount

    @property
    def unit(self) -> str:
        """``characters`` (Japanese source) or ``words`` (English source)."""
        return "words" if self.src_lang == "en" else "characters"

    def band(self, key: str) -> BandCount:
        """The counts of band *key* (one of :data:`BANDS`)."""
        for b in self.bands:
            if b.band == key:
                return b
        raise KeyError(key)

    def share(self, key: str) -> float:
        """Share of band *key* in the billing unit, 0–1 (0 for an empty document)."""
        total = getattr(self.total, self.unit)
        return getattr(self.band(key), self.unit) / total if total else 0.0

    def to_json(self) -> dict[str, object]:
        """JSON: document, languages, unit, one object per band (in :data:`BANDS` order), total."""
        return {
            "document": self.document,
            "src_lang": self.src_lang,
            "trg_lang": self.trg_lang,
            "unit": self.unit,
            "bands": [b.to_json() for b in self.bands],
            "total": self.total.to_json(),
        }

    def render(self) -> str:
        """A plain-text table for the terminal."""
        lines = [f"{'band':<12}{'segments':>9}{'chars':>9}{'words':>8}{'share':>8}"]
        for b in (*self.bands, self.total):
            share = f"{100 * self.share(b.band):6.1f}%" if b.band in BANDS else "100.0%"
            if not self.total.segments:
                share = "     -"
            lines.append(f"{b.label:<12}{b.segments:>9}{b.characters:>9}{b.words:>8}{share:>8}")
        return "\n".join(lines)


def analyze(
    items: Iterable[tuple[str, str]], *, document: str = "", src_lang: str = "ja",
    trg_lang: str = "en",
) -> Analysis:
    """Count ``(source text, band)`` pairs into an :class:`Analysis`.

    >>> a = analyze([("米中対立", "no-match"), ("米中対立", "repetition"), ("会談", "100")])
    >>> a.band("repetition").characters, a.band("100").segments, a.total.characters
    (4, 1, 10)
    """
    acc = {key: [0, 0, 0] for key in BANDS}
    for text, band in items:
        if band not in acc:
            raise ValueError(f"unknown band {band!r}")
        row = acc[band]
        row[0] += 1
        row[1] += count_characters(text)
        row[2] += count_words(text)
    bands = tuple(BandCount(key, *acc[key]) for key in BANDS)
    total = BandCount(
        "total",
        sum(b.segments for b in bands),
        sum(b.characters for b in bands),
        sum(b.words for b in bands),
    )
    return Analysis(document, src_lang, trg_lang, bands, total)


# -- writers -----------------------------------------------------------------------------------
def write_report(analysis: Analysis, path: Path, *, outputs: OutputSet | None = None) -> None:
    """Write *analysis* to *path* as HTML (``.html``/``.htm``) or JSON (``.json``), atomically.

    :param outputs: the set of files this report belongs to (renamed into place together,
        see :class:`exports.outfile.OutputSet`); by default the report stands alone
    :raises ExportError: unknown extension or the file cannot be written
    """
    from taiyaku.exports.outfile import OutputSet

    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ExportError(
            f"{path}: unknown report format {suffix or '(none)'!r}; use .html or .json"
        )
    with contextlib.ExitStack() as stack:
        if outputs is None:
            outputs = stack.enter_context(OutputSet())
        fp = stack.enter_context(outputs.open(path))
        if suffix == ".json":
            write_report_json(analysis, fp)
        else:
            write_report_html(analysis, fp)


def write_report_json(analysis: Analysis, fp: IO[bytes]) -> None:
    """The analysis as UTF-8 JSON."""
    fp.write(json.dumps(analysis.to_json(), ensure_ascii=False, indent=2).encode("utf-8"))
    fp.write(b"\n")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",
 "Noto Sans JP",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem;margin:0 0 .2rem}
.meta{color:#555;margin:0 0 1.5rem}
.stack{display:flex;height:2.2rem;border-radius:4px;overflow:hidden;border:1px solid #bbb;
 margin-bottom:.4rem}
.stack div{height:100%}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;margin-bottom:1.6rem}
.legend span.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;
 margin-right:.3rem;vertical-align:-1px}
table{border-collapse:collapse;width:100%}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e4e4e4;text-align:right;
 white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{font-size:.85rem;color:#444;border-bottom:2px solid #999}
td.bar{width:45%;text-align:left}
.track{background:#f1f1f1;border-radius:3px;height:1.1rem;position:relative}
.fill{height:100%;border-radius:3px}
th.bar{text-align:left}
.pct{font-weight:600}
tr.total td{font-weight:700;border-top:2px solid #999;border-bottom:none}
.note{color:#666;font-size:.8rem;margin-top:1.2rem}
"""


def write_report_html(analysis: Analysis, fp: IO[bytes]) -> None:
    """A self-contained page (HTML + CSS, no script): a stacked bar of the whole document, then
    one horizontal bar per band with its segments, characters and words."""
    fp.write(render_html(analysis).encode("utf-8"))


def render_html(analysis: Analysis) -> str:
    """The HTML page of :func:`write_report_html` as a string (all text escaped).

    >>> page = render_html(analyze([("<b>新</b>", "no-match")], document="a&b.txt"))
    >>> "<b>新" in page, "a&amp;b.txt" in page
    (False, True)
    """
    esc = html.escape
    unit = analysis.unit
    unit_label = "English words" if unit == "words" else "Japanese characters (no spaces)"
    title = f"Analysis: {analysis.document}" if analysis.document else "Analysis"
    stack = []
    legend = []
    rows = []
    for b in analysis.bands:
        share = analysis.share(b.band)
        colour = BAND_COLOURS[b.band]
        pct = f"{100 * share:.1f}%"
        if share > 0:
            stack.append(
                f'<div style="width:{100 * share:.3f}%;background:#{colour}" '
                f'title="{esc(b.label)}: {pct}"></div>'
            )
        legend.append(f'<span><span class="sw" style="background:#{colour}"></span>'
                      f"{esc(b.label)} {pct}</span>")
        rows.append(
            f"<tr><td>{esc(b.label)}</td><td>{b.segments}</td><td>{b.characters}</td>"
            f"<td>{b.words}</td><td class=\"pct\">{pct}</td>"
            f'<td class="bar"><div class="track"><div class="fill" '
            f'style="width:{100 * share:.3f}%;background:#{colour}"></div></div></td></tr>'
        )
    t = analysis.total
    rows.append(
        f'<tr class="total"><td>Total</td><td>{t.segments}</td><td>{t.characters}</td>'
        f"<td>{t.words}</td><td class=\"pct\">{'100.0%' if t.segments else '–'}</td>"
        "<td></td></tr>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="meta">{esc(analysis.src_lang)} → {esc(analysis.trg_lang)} ·
{t.segments} segments · {t.characters} characters · {t.words} words ·
bars show the share of {esc(unit_label)}</p>
<div class="stack" role="img" aria-label="share of the document by match band">
{"".join(stack)}
</div>
<div class="legend">{"".join(legend)}</div>
<table>
<thead><tr><th>Band</th><th>Segments</th><th>Characters</th><th>Words</th><th>Share</th>
<th class="bar">{esc(unit_label)}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="note">Characters are counted without spaces; words are runs of Latin letters and
digits. A segment repeated in the document counts as new (by its match) the first time and
as a repetition after that.</p>
</body>
</html>
"""
