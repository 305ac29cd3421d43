"""Pre-translation records: a glossary term found in a segment, a pre-translated segment (its
matches, terms, target and band) and a whole pre-translated document.

:mod:`tm.pretranslate` produces them; :mod:`exports` turns them into files (XLIFF, XLSX, JSON,
TMX, chosen by extension in :mod:`exports.registry`); ``--json`` prints their ``to_json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from taiyaku.core.analysis import Analysis, analyze
from taiyaku.core.model import Match
from taiyaku.core.terms import usable_en

if TYPE_CHECKING:
    from taiyaku.core.terms import TermEntry

__all__ = ["TermHitLike", "TermFound", "PretranslatedSegment", "PretranslatedDocument",
           "match_json", "suggested_target", "NOT_SUBSTITUTED"]

#: the flag a pre-translation match gets when its numbers could not be put right
#: (:func:`taiyaku.tm.numbercheck.repair_match`); the XLIFF note says so
NOT_SUBSTITUTED = "numbers-not-substituted"


class TermHitLike(Protocol):
    """What a term finder returns per hit (``glossary.lookup.TermHit``)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def surface(self) -> str: ...
    @property
    def entry(self) -> TermEntry: ...




@dataclass(frozen=True, slots=True)
class TermFound:
    """A glossary term found in a segment.

    :ivar ja: the entry's preferred Japanese term
    :ivar en: its preferred usable English term (None when the entry has no English)
    :ivar status: the entry's status: ``approved``, ``candidate`` or ``forbidden``
    :ivar en_alternatives: further English forms, preferred first
    """

    start: int
    end: int
    surface: str
    ja: str
    en: str | None
    status: str
    entry_id: int | None = None
    en_alternatives: tuple[str, ...] = ()

    @property
    def forbidden(self) -> bool:
        """True when the term must not be used (its entry is marked forbidden)."""
        return self.status == "forbidden"

    @classmethod
    def from_hit(cls, hit: TermHitLike) -> TermFound:
        """Build from a term index hit; the English shown is the first form not deprecated,
        and the status is that form's own where it has one (else the entry's).

        >>> from taiyaku.core.terms import TermEntry, TermForm
        >>> class Hit:
        ...     start, end, surface = 0, 4, "輸出規制"
        ...     entry = TermEntry(ja=(TermForm("輸出規制", "ja"),),
        ...                       en=(TermForm("export ctrl", "en", status="forbidden"),
        ...                           TermForm("export controls", "en")), status="approved")
        >>> t = TermFound.from_hit(Hit())
        >>> t.ja, t.en, t.en_alternatives
        ('輸出規制', 'export controls', ('export ctrl',))
        """
        e = hit.entry
        usable = list(usable_en(e))
        others = [f.text for f in e.en if f.text not in usable]
        en = usable[0] if usable else None
        # the status reported is the English shown's own where it has one: an approved term
        # whose only English is the machine's candidate pairing says "candidate"
        own = next((f.status for f in e.en if f.text == en), None)
        return cls(
            start=hit.start,
            end=hit.end,
            surface=hit.surface,
            ja=e.ja[0].text if e.ja else hit.surface,
            en=en,
            status=e.status if e.status == "forbidden" or own is None else own,
            entry_id=e.id,
            en_alternatives=tuple(usable[1:] + others),
        )

    def describe(self) -> str:
        """One line for a spreadsheet cell or a note: ``輸出規制 → export controls``.

        >>> TermFound(0, 2, "曖昧", "曖昧さ", None, "forbidden").describe()
        '曖昧さ → (no English) [forbidden]'
        """
        text = f"{self.ja} → {self.en or '(no English)'}"
        if self.status != "approved":
            text += f" [{self.status}]"
        return text

    def to_json(self) -> dict[str, object]:
        """``ja``, ``en`` (strings; ``en`` may be null), where it was found, and the status."""
        return {
            "ja": self.ja,
            "en": self.en,
            "surface": self.surface,
            "start": self.start,
            "end": self.end,
            "status": self.status,
            "forbidden": self.forbidden,
            "id": self.entry_id,
            "en_alternatives": list(self.en_alternatives),
        }


@dataclass(frozen=True, slots=True)
class PretranslatedSegment:
    """One segment with its matches (best first), terms, target and band.

    :ivar index: 0-based position in the document
    :ivar target: filled for exact (100) matches, and from the best fuzzy match with
        ``fill_fuzzy``; None otherwise
    :ivar state: ``translated`` (exact), ``needs-review`` (fuzzy fill) or ``new``
    :ivar repetition_of: index of the first occurrence when this segment repeats an earlier one
    :ivar parts: how many input segments were joined into this one to meet an exact TM unit
    """

    index: int
    source: str
    lang: str
    matches: tuple[Match, ...] = ()
    terms: tuple[TermFound, ...] = ()
    target: str | None = None
    state: str = "new"
    band: str = "no-match"
    kind: str = "text"
    repetition_of: int | None = None
    parts: int = 1

    @property
    def best(self) -> Match | None:
        """The best match, or None."""
        return self.matches[0] if self.matches else None

    @property
    def score(self) -> float | None:
        """The best match's score, or None."""
        return self.matches[0].score if self.matches else None

    def to_json(self) -> dict[str, object]:
        """The DESIGN.md shape: ``source``, ``matches`` best first (``score``, ``source``,
        ``target``), ``terms`` (``ja``, ``en``), plus target, state, band and repetition."""
        return {
            "id": self.index + 1,
            "source": self.source,
            "lang": self.lang,
            "kind": self.kind,
            "target": self.target,
            "state": self.state,
            "band": self.band,
            "score": self.score,
            "repetition_of": None if self.repetition_of is None else self.repetition_of + 1,
            "joined": self.parts,
            "matches": [match_json(m) for m in self.matches],
            "terms": [t.to_json() for t in self.terms],
        }


def match_json(m: Match) -> dict[str, object]:
    """A match in the DESIGN.md shape (``score``, ``source``, ``target``) with its extras."""
    return {
        "score": round(m.score, 2),
        "source": m.source,
        "target": m.target,
        "target_substituted": m.target_substituted,
        "flags": list(m.flags),
        "id": m.id,
        "document": m.document,
    }


def suggested_target(m: Match) -> str:
    """The target a translator gets from *m*: with the query's numbers put in when only
    numbers differ, the stored target otherwise."""
    return m.target_substituted if m.target_substituted else m.target


@dataclass(frozen=True, slots=True)
class PretranslatedDocument:
    """A whole pre-translated document."""

    name: str
    src_lang: str
    trg_lang: str
    segments: tuple[PretranslatedSegment, ...]

    def analysis(self) -> Analysis:
        """Counts by match band (repetitions, 100%, 95–99 … no match)."""
        return analyze(
            ((s.source, s.band) for s in self.segments),
            document=self.name, src_lang=self.src_lang, trg_lang=self.trg_lang,
        )

    def to_json(self) -> list[dict[str, object]]:
        """One object per segment (the ``-o X.json`` content)."""
        return [s.to_json() for s in self.segments]
