"""The ``numbers`` check of ``taiyaku qa`` and the number hook of pre-translation (a match whose
numbers differ gets the query's numbers, also where its target writes them as words, or is
flagged): behaviour only, shared by :mod:`taiyaku.tm.qa` and :mod:`taiyaku.tm.pretranslate`
(which :mod:`taiyaku.tm.qa` imports for its term lookup, hence a module of its own)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from taiyaku.core.findings import Finding, QaUnit
from taiyaku.core.numerals import compare, quantities, show_value, substitute
from taiyaku.core.pretranslated import NOT_SUBSTITUTED

if TYPE_CHECKING:
    from taiyaku.core.model import Match

__all__ = ["NOT_SUBSTITUTED", "number_findings", "numbers_agree", "repair_match"]

def _finding(unit: QaUnit, message: str, severity: str = "error") -> Finding:
    return Finding(unit.id, "numbers", severity, unit.source, unit.target or "", message)


_PLACEHOLDER = re.compile(
    r"\{\{[^{}]+\}\}|\{\d+\}|\{[A-Za-z_][\w.]*\}|\$\{\w+\}|%(?:\d+\$)?[sdfi@]|%\(\w+\)[sd]"
    r"|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")


def number_findings(unit: QaUnit) -> list[Finding]:
    """The ``numbers`` check of one unit.

    >>> u = QaUnit("7", "売上高は3億円", "Sales were 30 million yen")
    >>> number_findings(u)[0].message
    'numbers differ: source 3億 (300,000,000), target 30 million (30,000,000)'
    >>> number_findings(QaUnit("8", "売上高は3億5000万円", "Sales were 350 million yen"))
    []
    """
    # digits inside placeholders ({0}, %1$s) are codes, checked by ``tags``
    source = _PLACEHOLDER.sub(_blank, unit.source)
    target = _PLACEHOLDER.sub(_blank, unit.target or "")
    diff = compare(quantities(source, unit.src_lang), quantities(target, unit.trg_lang))
    if not diff:
        return []
    miss = ", ".join(show_value(q) for q in diff.missing)
    extra = ", ".join(show_value(q) for q in diff.extra)
    if diff.missing and diff.extra:
        return [_finding(unit, f"numbers differ: source {miss}, target {extra}")]
    if diff.missing:
        return [_finding(unit, f"missing from the target: {miss}")]
    return [_finding(unit, f"only in the target: {extra}", "warning")]


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def numbers_agree(source: str, target: str, src_lang: str = "ja") -> bool:
    """True when every number of *source* has its counterpart in *target* and back.

    >>> numbers_agree("現在の2倍", "double the current level")
    True
    >>> numbers_agree("4月に", "in October")
    False
    """
    return not number_findings(QaUnit("", source, target, src_lang))


def repair_match(query: str, match: Match, src_lang: str = "ja") -> Match:
    """A pre-translation match whose source differs from *query* only in numbers, with the
    query's numbers put into its target where that can be done safely (also where the target
    writes them as words or month names: 4月 → April, 2倍 "double" → 3倍 "three times");
    otherwise flagged :data:`NOT_SUBSTITUTED` ("numbers differ, not substituted") and without
    a substituted target.

    >>> from taiyaku.core.model import Match
    >>> m = Match(1, 99.0, "10月に会談", "Talks in October", flags=("numbers",))
    >>> repair_match("4月に会談", m).target_substituted
    'Talks in April'
    >>> m = Match(1, 99.0, "3人", "Three people and a dog", flags=("numbers",))
    >>> repair_match("3人と5匹", m).flags
    ('numbers', 'numbers-not-substituted')
    """
    if "numbers" not in match.flags:
        return match
    for candidate in (match.target_substituted,
                      substitute(query, match.source, match.target) if src_lang == "ja"
                      else None):
        if candidate and numbers_agree(query, candidate, src_lang):
            return replace(match, target_substituted=candidate)
    return replace(match, target_substituted=None, flags=(*match.flags, NOT_SUBSTITUTED))
