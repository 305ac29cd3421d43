"""Record types shared by the TM, the aligner and the interchange formats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Segment", "Bead", "TMUnit", "Match"]


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
