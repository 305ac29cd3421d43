"""Record types shared by the TM, the aligner and the interchange formats."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Segment", "Bead", "TMUnit", "Match", "NewUnit", "Alignment",
           "join_segments"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a document.

    :ivar kind: ``text``, ``heading``, ``list``, ``caption`` or ``boilerplate``
    """

    text: str
    lang: str
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class Bead:
    """One alignment bead: 0-based segment ids on each side, and a confidence in [0, 1].

    ``ja_ids == ()`` is a 0-1 bead (English only), ``en_ids == ()`` a 1-0 bead.
    """

    ja_ids: tuple[int, ...]
    en_ids: tuple[int, ...]
    score: float

    @property
    def kind(self) -> str:
        """``"2-1"`` style bead type."""
        return f"{len(self.ja_ids)}-{len(self.en_ids)}"


@dataclass(frozen=True, slots=True)
class TMUnit:
    """A translation unit as it travels between the store and TMX/XLSX/CSV.

    :ivar props: extra properties (document, position, confidence, TMX ``prop`` values …)
    """

    ja: str
    en: str
    document: str | None = None
    position: int | None = None
    confidence: float | None = None
    bead: str | None = None
    created: str | None = None
    note: str | None = None
    props: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """A fuzzy TM match.

    :ivar id: the unit id in the store
    :ivar score: 0–100, CAT style
    :ivar source: the matched unit's text in the query's language
    :ivar target: its translation
    :ivar flags: e.g. ``("numbers",)`` when only numbers/punctuation/width differ
    :ivar target_substituted: target with the query's numbers put in, when that is safe
    """

    id: int
    score: float
    source: str
    target: str
    flags: tuple[str, ...] = ()
    target_substituted: str | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class NewUnit:
    """A unit to store; ``position`` orders units within their document."""

    ja: str
    en: str
    position: int
    bead: str = "1-1"
    confidence: float = 1.0
    props: Mapping[str, str] = field(default_factory=dict)
    created: str | None = None


def join_segments(texts: Sequence[str], lang: str) -> str:
    """Join segment texts of one bead: English with spaces, Japanese without.

    Japanese pieces get a space only where two Latin words would otherwise run together.

    >>> join_segments(["一文目。", "二文目。"], "ja"), join_segments(["One.", "Two."], "en")
    ('一文目。二文目。', 'One. Two.')
    >>> join_segments(["He said", "yes"], "ja")
    'He said yes'
    """
    if lang == "en":
        return " ".join(t for t in texts if t)
    out = ""
    for t in texts:
        if not t:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and t[0].isascii() and t[0].isalnum():
            out += " "
        out += t
    return out


def _clean_cell(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


@dataclass(frozen=True)
class Alignment:
    """Segments of both sides and the beads that pair them.

    :ivar layout: ``halves``, ``interleaved``, ``pair`` or ``presegmented``
    :ivar message: what the layout step decided
    """

    ja: list[Segment]
    en: list[Segment]
    beads: list[Bead]
    layout: str
    message: str = ""

    def texts(self, bead: Bead) -> tuple[str, str]:
        """The joined Japanese and English text of *bead*."""
        return (
            join_segments([self.ja[i].text for i in bead.ja_ids], "ja"),
            join_segments([self.en[j].text for j in bead.en_ids], "en"),
        )

    def bead_counts(self) -> dict[str, int]:
        """Number of beads per type (``"1-1"``, ``"1-0"`` …), most common first."""
        return dict(Counter(b.kind for b in self.beads).most_common())

    def mean_confidence(self) -> float:
        """Mean confidence over the beads that pair both languages (0.0 when none)."""
        paired = [b.score for b in self.beads if b.ja_ids and b.en_ids]
        return sum(paired) / len(paired) if paired else 0.0

    def to_tsv(self) -> str:
        """TSV with header ``ja_ids, en_ids, score, ja_text, en_text``.

        Ids are 0-based and comma-separated (empty for 1-0 / 0-1 beads); the score has four
        decimals; tabs and newlines inside texts become spaces.
        """
        rows = ["ja_ids\ten_ids\tscore\tja_text\ten_text"]
        for b in self.beads:
            ja, en = self.texts(b)
            rows.append("\t".join([
                ",".join(map(str, b.ja_ids)), ",".join(map(str, b.en_ids)),
                f"{b.score:.4f}", _clean_cell(ja), _clean_cell(en),
            ]))
        return "\n".join(rows) + "\n"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: layout, counts, segments and beads."""
        beads = []
        for b in self.beads:
            ja, en = self.texts(b)
            beads.append({
                "ja_ids": list(b.ja_ids), "en_ids": list(b.en_ids), "type": b.kind,
                "score": round(b.score, 4), "ja_text": ja, "en_text": en,
            })
        return {
            "layout": self.layout,
            "message": self.message,
            "bead_counts": self.bead_counts(),
            "mean_confidence": round(self.mean_confidence(), 4),
            "ja": [{"text": s.text, "kind": s.kind} for s in self.ja],
            "en": [{"text": s.text, "kind": s.kind} for s in self.en],
            "beads": beads,
        }

    def to_json_text(self) -> str:
        """:meth:`to_json` as indented UTF-8 JSON text ending in a newline."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"
