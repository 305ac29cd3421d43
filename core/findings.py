"""Record types of quality checks: a bilingual unit to check and a finding about it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QaUnit", "Finding", "SEVERITIES"]

#: severities, worst first; an ``error`` finding makes ``taiyaku qa`` exit 1
SEVERITIES = ("error", "warning")


@dataclass(frozen=True, slots=True)
class QaUnit:
    """One segment of a bilingual file (or one stored TM unit) as the checks see it.

    :ivar id: the unit's id in its file (XLIFF ``trans-unit/@id``, TMX ``tuid`` or position,
        spreadsheet row)
    :ivar target: None or empty when not translated
    :ivar src_lang: ``ja`` or ``en`` (the primary tag)
    :ivar source_codes: the source's inline codes in order (``ph:1``, ``bpt:2``…), where the
        file marks them
    """

    id: str
    source: str
    target: str | None
    src_lang: str = "ja"
    source_codes: tuple[str, ...] = ()
    target_codes: tuple[str, ...] = ()

    @property
    def trg_lang(self) -> str:
        """The other language of the pair."""
        return "en" if self.src_lang == "ja" else "ja"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a check found in one unit (the JSON shape of ``taiyaku qa --json``).

    :ivar check: the check's name (``numbers``, ``terms``…)
    :ivar severity: ``error`` or ``warning``
    :ivar message: one line that says what differs
    """

    unit: str
    check: str
    severity: str
    source: str
    target: str
    message: str

    def to_json(self) -> dict[str, str]:
        """``unit, check, severity, source, target, message``."""
        return {"unit": self.unit, "check": self.check, "severity": self.severity,
                "source": self.source, "target": self.target, "message": self.message}
