"""Record types of the glossary: a concept entry with Japanese and English terms."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TermForm", "TermEntry", "STATUSES", "FORM_KINDS", "usable_en"]

STATUSES = ("candidate", "approved", "forbidden")
#: a form is the main term, a spelling/inflection variant, an abbreviation, a synonym,
#: or a definition-like gloss recorded next to the term
FORM_KINDS = ("term", "variant", "abbreviation", "synonym")


@dataclass(frozen=True, slots=True)
class TermForm:
    """One written form of a term in one language.

    :ivar status: per-term status where it differs from the entry (TBX administrativeStatus)
    :ivar method: how the machine found this English form (``aligned``, ``gloss``,
        ``cooccurrence``, ``transliteration``, ``dictionary``, ``composed``…); None for a form
        a person or a file gave
    :ivar confidence: the machine's confidence in that form, 0–1 (with *method*)
    """

    text: str
    lang: str
    kind: str = "term"
    reading: str | None = None
    status: str | None = None
    pos: str | None = None
    method: str | None = None
    confidence: float | None = None

    def suggested(self, entry_status: str) -> bool:
        """True when this form is the machine's suggestion that no person has approved: it has
        a method, and neither it nor its entry (*entry_status*) is approved or forbidden.

        >>> f = TermForm("general export license", "en", method="composed", confidence=0.45)
        >>> f.suggested("candidate"), f.suggested("approved"), TermForm("x", "en").suggested(
        ...     "candidate")
        (True, False, False)
        """
        return self.method is not None and (self.status or entry_status) == "candidate"


@dataclass(frozen=True, slots=True)
class TermEntry:
    """A concept: its Japanese forms and English forms (preferred first) and its data."""

    ja: tuple[TermForm, ...]
    en: tuple[TermForm, ...] = ()
    id: int | None = None
    status: str = "candidate"
    pos: str | None = None
    note: str | None = None
    definition: str | None = None
    context: str | None = None
    sources: tuple[str, ...] = ()
    frequency: int = 0
    score: float = 0.0
    origin: str = "extracted"
    evidence: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The JSON shape of DESIGN.md: id, ja, en (lists, preferred first), status, score…"""
        return {
            "id": self.id,
            "ja": [f.text for f in self.ja],
            "en": [f.text for f in self.en],
            "status": self.status,
            "score": round(self.score, 4),
            "frequency": self.frequency,
            "pos": self.pos,
            "note": self.note,
            "definition": self.definition,
            "context": self.context,
            "sources": list(self.sources),
            "forms": [
                {"text": f.text, "lang": f.lang, "kind": f.kind, "reading": f.reading,
                 "status": f.status, "method": f.method,
                 "confidence": None if f.confidence is None else round(f.confidence, 4),
                 "suggestion": f.suggested(self.status)}
                for f in (*self.ja, *self.en)
            ],
            "suggestion": self.suggestion_json(),
        }

    def suggestion(self) -> TermForm | None:
        """The preferred English form when it is the machine's suggestion no person has
        approved yet (see :meth:`TermForm.suggested`), or None."""
        return self.en[0] if self.en and self.en[0].suggested(self.status) else None

    def suggestion_json(self) -> dict[str, object] | None:
        """The suggestion as JSON: its text, method and confidence (None when there is none).

        >>> TermEntry(ja=(TermForm("一般輸出許可", "ja"),), en=(TermForm(
        ...     "general export license", "en", method="composed", confidence=0.45),)
        ...     ).suggestion_json()
        {'text': 'general export license', 'method': 'composed', 'confidence': 0.45}
        """
        s = self.suggestion()
        if s is None:
            return None
        return {"text": s.text, "method": s.method,
                "confidence": None if s.confidence is None else round(s.confidence, 4)}


#: form statuses that say "do not use this translation" (TBX deprecated is taiyaku's forbidden)
_UNUSABLE = ("forbidden", "deprecated")


def usable_en(entry: TermEntry) -> tuple[str, ...]:
    """The English forms a translator may use, preferred first (forms whose own status
    forbids them left out): what pre-translation offers for a term hit.

    >>> usable_en(TermEntry(ja=(TermForm("港湾", "ja"),), en=(
    ...     TermForm("harbor", "en", status="forbidden"), TermForm("port", "en"))))
    ('port',)
    """
    return tuple(f.text for f in entry.en if f.status not in _UNUSABLE)
