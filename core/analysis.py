"""Analysis of a pre-translated document by match band: the bands, the counting, the records.

The files (an HTML bar chart, JSON) are written by :mod:`exports.html` and
:mod:`exports.jsonfile`, chosen by extension in :mod:`exports.registry`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BANDS",
    "BAND_LABELS",
    "BAND_COLOURS",
    "BAND_TINTS",
    "band_of",
    "count_characters",
    "count_words",
    "BandCount",
    "Analysis",
    "analyze",
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
