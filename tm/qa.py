"""Quality checks of finished translations, the way a Japanese–English reviewer needs them.

Each check has a name, a severity and a one-line message that says what differs:

- ``numbers`` (error): every number of the source has its counterpart in the target, read by
  :mod:`core.numerals` (3億5000万 ↔ 350 million, 2倍 ↔ double, 令和8年 ↔ 2026, 4月 ↔ April);
  a number only the target has is a warning.
- ``terms`` (warning): an approved glossary term of the source none of whose usable forms
  (any inflection: plural, case, possessive) is in the target. Terms are found in the source
  by the same lookup as pre-translation (Sudachi token boundaries, normalised forms).
- ``forbidden`` (error): a forbidden form (of a forbidden entry, or a form marked forbidden
  or deprecated) in the target.
- ``untranslated`` (error): no target.
- ``same-as-source`` (warning): the target is the source.
- ``inconsistent`` (warning): the same source translated differently, or different sources
  with the same target.
- ``tags`` (error): placeholders and inline codes missing, extra, or closed before opened.
- ``punctuation`` (warning): unbalanced brackets or quotes, Japanese punctuation in an English
  target, doubled spaces, a question in the source that is not one in the target.

Behaviour only: no SQL (false positives are remembered by the store's ``qa`` area,
:class:`taiyaku.store.interface.QaMemory`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from taiyaku.core.errors import InputError
from taiyaku.core.findings import Finding, QaUnit
from taiyaku.core.normalize import has_japanese, normalize
from taiyaku.tm.numbercheck import (
    _PLACEHOLDER,
    NOT_SUBSTITUTED,
    number_findings,
    numbers_agree,
    repair_match,
)

if TYPE_CHECKING:
    from taiyaku.core.terms import TermEntry
    from taiyaku.store.interface import Store
    from taiyaku.tm.pretranslate import TermFinder

__all__ = [
    "CHECKS",
    "QaResult",
    "TermCheck",
    "check_unit",
    "check_units",
    "number_findings",
    "numbers_agree",
    "repair_match",
    "qa_file",
    "qa_tm",
    "NOT_SUBSTITUTED",
]

#: check name → (severity, what it looks for)
CHECKS: dict[str, tuple[str, str]] = {
    "numbers": ("error", "a number of the source missing or different in the target"),
    "terms": ("warning", "an approved glossary term of the source not used in the target"),
    "forbidden": ("error", "a forbidden glossary form in the target"),
    "untranslated": ("error", "no target"),
    "same-as-source": ("warning", "the target is the source, untranslated"),
    "inconsistent": ("warning", "one source translated two ways, or two sources one way"),
    "tags": ("error", "placeholders or inline codes missing, extra or out of order"),
    "punctuation": ("warning", "brackets, quotes, Japanese punctuation, spaces, questions"),
}


def _finding(unit: QaUnit, check: str, message: str, severity: str | None = None) -> Finding:
    return Finding(unit.id, check, severity or CHECKS[check][0], unit.source, unit.target or "",
                   message)


# -- terms -------------------------------------------------------------------------------------
_SEP = r"[\s\-‐‑–]+"
_UNUSABLE = ("forbidden", "deprecated")


def _en_form_pattern(text: str) -> str:
    """A regex for an English term in any inflection: plural, case, possessive."""
    from taiyaku.glossary.keys import singular

    parts = [p for p in re.split(_SEP, normalize(text).strip()) if p]
    if not parts:
        return r"(?!x)x"
    last = singular(parts[-1].lower())
    last_pat = re.escape(last) + r"(?:e?s)?"
    if last.endswith("y") and len(last) > 2:
        last_pat = f"(?:{last_pat}|{re.escape(last[:-1])}ies)"
    body = _SEP.join([*(re.escape(p) for p in parts[:-1]), last_pat])
    return rf"(?<![\w]){body}(?:['’]s?)?(?![\w])"


class TermCheck:
    """The ``terms`` and ``forbidden`` checks over one glossary.

    :param finder: the pre-translation term lookup (:func:`tm.pretranslate._load_terms`)
    :param entries: the glossary's entries (for the forbidden forms)
    """

    def __init__(self, finder: TermFinder, entries: Sequence[TermEntry]) -> None:
        self.finder = finder
        self._patterns: dict[str, re.Pattern[str]] = {}
        #: forbidden English form → the form to use instead (None for a forbidden entry)
        self._instead: dict[str, str | None] = {}
        for e in entries:
            usable = [f.text for f in e.en if f.status not in _UNUSABLE]
            for f in e.en:
                if e.status == "forbidden" or f.status in _UNUSABLE:
                    self._instead.setdefault(f.text, usable[0] if usable and
                                             e.status != "forbidden" else None)
        forbidden_en = sorted(self._instead, key=len, reverse=True)
        self._forbidden_en = (re.compile("|".join(f"(?:{_en_form_pattern(t)})"
                                                  for t in forbidden_en), re.IGNORECASE)
                              if forbidden_en else None)
        self._forbidden_ja = sorted({normalize(f.text) for e in entries for f in e.ja
                                     if e.status == "forbidden" or f.status in _UNUSABLE},
                                    key=len, reverse=True)

    def _present_en(self, form: str, target: str) -> bool:
        pat = self._patterns.get(form)
        if pat is None:
            pat = self._patterns[form] = re.compile(_en_form_pattern(form), re.IGNORECASE)
        return pat.search(target) is not None

    def findings(self, unit: QaUnit) -> list[Finding]:
        """``terms`` and ``forbidden`` findings of one translated unit."""
        target = unit.target or ""
        norm_target = normalize(target)
        out: list[Finding] = []
        to_en = unit.trg_lang == "en"
        for hit in self.finder.find(unit.source):
            e = hit.entry
            if e.status != "approved":
                continue
            forms = e.en if to_en else e.ja
            usable = [f.text for f in forms if f.status not in _UNUSABLE]
            if not usable:
                continue
            # a forbidden form used instead is reported as ``forbidden``, not twice
            banned = [f.text for f in forms if f.status in _UNUSABLE]
            if to_en:
                present = any(self._present_en(f, norm_target) for f in usable + banned)
            else:
                present = any(normalize(f) in norm_target for f in usable + banned)
            if not present:
                out.append(_finding(unit, "terms", f"term {hit.surface} → {usable[0]!r} not in "
                                                   "the target"))
        if to_en and self._forbidden_en is not None:
            for m in self._forbidden_en.finditer(norm_target):
                form = next((f for f in self._instead if self._present_en(f, m.group())), None)
                use = self._instead.get(form or "")
                hint = f"; use {use!r}" if use else ""
                out.append(_finding(unit, "forbidden",
                                    f"forbidden form {m.group()!r} in the target{hint}"))
        elif not to_en:
            for form in self._forbidden_ja:
                if form and form in norm_target:
                    out.append(_finding(unit, "forbidden", f"forbidden form {form!r} in the "
                                                           "target"))
        return out


# -- tags and punctuation ----------------------------------------------------------------------
_JA_PUNCT = "。、「」『』（）【】〔〕・！？：；"
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("「", "」"), ("『", "』"),
          ("（", "）"))


def _tag_findings(unit: QaUnit) -> list[Finding]:
    target = unit.target or ""
    src = [*_PLACEHOLDER.findall(unit.source), *unit.source_codes]
    trg = [*_PLACEHOLDER.findall(target), *unit.target_codes]
    missing = Counter(src) - Counter(trg)
    extra = Counter(trg) - Counter(src)
    out = []
    if missing:
        out.append(_finding(unit, "tags", "missing from the target: " + " ".join(missing)))
    if extra:
        out.append(_finding(unit, "tags", "only in the target: " + " ".join(extra)))
    opened: Counter[str] = Counter()
    for tag in trg:
        name = re.sub(r"^<(\w[\w:-]*).*", r"\1", tag) if tag.startswith("<") else tag
        if tag.startswith("</"):
            closing = tag[2:].split(">")[0].split()[0]
            if not opened[closing]:
                out.append(_finding(unit, "tags", f"{tag} closes before it opens in the target"))
                break
            opened[closing] -= 1
        elif tag.startswith("ept:"):
            if not opened["bpt:" + tag[4:]]:
                out.append(_finding(unit, "tags", f"{tag} closes before it opens in the target"))
                break
        elif tag.startswith("<") and not tag.endswith("/>"):
            opened[name] += 1
        elif tag.startswith("bpt:"):
            opened[tag] += 1
    return out


def _punctuation_findings(unit: QaUnit) -> list[Finding]:
    target = unit.target or ""
    source = unit.source
    problems = []
    for a, b in _PAIRS:
        if target.count(a) != target.count(b) and source.count(a) == source.count(b) and \
                normalize(source).count(normalize(a)) == normalize(source).count(normalize(b)):
            problems.append(f"unbalanced {a}{b}")
    if target.count('"') % 2 and not normalize(source).count('"') % 2:
        problems.append('unbalanced "')
    if unit.trg_lang == "en":
        left = sorted({c for c in target if c in _JA_PUNCT})
        if left:
            problems.append("Japanese punctuation " + "".join(left))
    if "  " in target.strip() and "  " not in source:
        problems.append("doubled space")
    src_end = source.rstrip().rstrip("」』）)\"”'’")
    trg_end = target.rstrip().rstrip("」』）)\"”'’")
    if src_end.endswith(("?", "？")) and not trg_end.endswith(("?", "？")) and not (
            unit.trg_lang == "ja" and trg_end.endswith(("か", "か。"))):
        problems.append("the source asks a question, the target does not")
    return [_finding(unit, "punctuation", "; ".join(problems))] if problems else []


# -- one unit, many units ----------------------------------------------------------------------
def check_unit(unit: QaUnit, terms: TermCheck | None = None) -> list[Finding]:
    """Every check that looks at one unit alone.

    >>> [f.check for f in check_unit(QaUnit("1", "4月に会談した。", ""))]
    ['untranslated']
    >>> [f.message for f in check_unit(QaUnit("2", "本当か？", "Is it true.  Yes"))]
    ['doubled space; the source asks a question, the target does not']
    """
    target = unit.target
    if target is None or not target.strip():
        return [_finding(unit, "untranslated", "no target")]
    if normalize(target).strip() == normalize(unit.source).strip() and (
            has_japanese(unit.source) or unit.src_lang == "en" and
            any(c.isalpha() for c in unit.source)):
        return [_finding(unit, "same-as-source", "the target is the source")]
    out = number_findings(unit)
    if terms is not None:
        out += terms.findings(unit)
    out += _tag_findings(unit)
    out += _punctuation_findings(unit)
    return out


def _same_key(text: str) -> str:
    return " ".join(normalize(text).lower().split()).rstrip(".。!！")


def _inconsistent(units: Sequence[QaUnit]) -> list[Finding]:
    """Same source → different targets; different sources → same target (each pair once,
    reported on the later unit)."""
    out: list[Finding] = []
    by_source: dict[str, QaUnit] = {}
    by_target: dict[str, QaUnit] = {}
    for u in units:
        if not u.target or not u.target.strip():
            continue
        ks, kt = _same_key(u.source), _same_key(u.target)
        first = by_source.setdefault(ks, u)
        if first is not u and _same_key(first.target or "") != kt:
            out.append(_finding(u, "inconsistent", f"same source as unit {first.id}, "
                                                   f"translated {first.target!r} there"))
        other = by_target.setdefault(kt, u)
        if other is not u and _same_key(other.source) != ks and len(kt) > 3:
            out.append(_finding(u, "inconsistent", f"same target as unit {other.id}, whose "
                                                   f"source is {other.source!r}"))
    return out


def check_units(units: Iterable[QaUnit], *, terms: TermCheck | None = None,
                ignore: Iterable[str] = ()) -> list[Finding]:
    """All checks over *units* (their order kept), without the checks named in *ignore*.

    :raises InputError: an unknown check name in *ignore*

    >>> us = [QaUnit("1", "会談", "talks"), QaUnit("2", "会談", "meeting")]
    >>> [(f.unit, f.check) for f in check_units(us)]
    [('2', 'inconsistent')]
    """
    skip = set(ignore)
    unknown = skip - set(CHECKS)
    if unknown:
        raise InputError(f"unknown check {sorted(unknown)[0]!r} for --ignore (checks: "
                         f"{', '.join(CHECKS)})")
    listed = list(units)
    found: list[Finding] = []
    for u in listed:
        found += check_unit(u, terms)
    if "inconsistent" not in skip:
        found += _inconsistent(listed)
    order = {u.id: i for i, u in enumerate(listed)}
    found = [f for f in found if f.check not in skip]
    found.sort(key=lambda f: (order.get(f.unit, 0), list(CHECKS).index(f.check)))
    return found


# -- files and the TM --------------------------------------------------------------------------
@dataclass(frozen=True)
class QaResult:
    """The findings of one run.

    :ivar name: the file checked (or ``TM``)
    :ivar file_id: what false positives are stored under
    :ivar units: how many units were checked
    :ivar remembered: findings left out because they were marked as false positives
    """

    name: str
    file_id: str
    units: int
    findings: tuple[Finding, ...]
    remembered: int = 0
    marked: int = 0
    checks: tuple[str, ...] = field(default_factory=lambda: tuple(CHECKS))

    @property
    def errors(self) -> int:
        """How many findings are errors (``taiyaku qa`` exits 1 when there are any)."""
        return sum(1 for f in self.findings if f.severity == "error")

    def to_json(self) -> list[dict[str, str]]:
        """The findings, each ``unit, check, severity, source, target, message``."""
        return [f.to_json() for f in self.findings]

    def render(self) -> str:
        """A terminal table grouped by check."""
        from taiyaku.core.printable import visible

        lines = []
        width = max((len(visible(f.unit)) for f in self.findings), default=0)
        for check in CHECKS:
            group = [f for f in self.findings if f.check == check]
            if not group:
                continue
            lines.append(f"{check} ({len(group)}) — {CHECKS[check][1]}")
            for f in group:
                lines.append(f"  {visible(f.unit):<{width}}  {f.severity:<7}  "
                             f"{visible(f.message)}")
                lines.append(f"  {'':<{width}}  {'':<7}  {visible(_short(f.source))} → "
                             f"{visible(_short(f.target))}")
        summary = (f"{self.name}: {self.units} units, {len(self.findings)} findings "
                   f"({self.errors} error{'' if self.errors == 1 else 's'})")
        if self.remembered:
            summary += f", {self.remembered} known false positives left out"
        if self.marked:
            summary += f", {self.marked} marked as false positives now"
        return "\n".join([*lines, summary])


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _load_term_check(store: Store) -> TermCheck | None:
    from taiyaku.glossary.store import iter_entries
    from taiyaku.tm.pretranslate import _load_terms

    entries = list(iter_entries(store))
    if not entries:
        return None
    # the same finder pre-translation uses: Sudachi token boundaries, normalised forms
    return TermCheck(_load_terms(store, None), entries)


def _finish(store: Store | None, name: str, file_id: str, units: list[QaUnit],
            ignore: Iterable[str], false_positives: Iterable[str],
            output: Path | None) -> QaResult:
    terms = _load_term_check(store) if store is not None else None
    found = check_units(units, terms=terms, ignore=ignore)
    marks = [_parse_mark(m) for m in false_positives]
    remembered = 0
    marked = 0
    if store is not None:
        memory = store.qa
        if marks:
            chosen = [f for f in found if (f.unit, f.check) in marks or (f.unit, "") in marks]
            hit = {(f.unit, f.check) for f in chosen} | {(f.unit, "") for f in chosen}
            missing = [m for m in marks if m not in hit]
            if missing:
                unit, check = missing[0]
                raise InputError(f"{name}: no finding {unit}:{check} to mark as a false positive"
                                 if check else f"{name}: unit {unit} has no finding to mark")
            marked = memory.remember(file_id, chosen)
        known = memory.known(file_id)
        kept = [f for f in found if (f.unit, f.check, f.source, f.target) not in known]
        remembered = len(found) - len(kept)
        found = kept
    result = QaResult(name, file_id, len(units), tuple(found), remembered, marked)
    if output is not None:
        from taiyaku.exports.qa_report import write_report

        write_report(result.findings, output, title=f"QA report: {name}",
                     summary=result.render().rsplit("\n", 1)[-1])
    return result


def _check_output(output: Path | None) -> None:
    from taiyaku.exports.qa_report import report_suffixes

    if output is not None and output.suffix.lower() not in report_suffixes():
        raise InputError(f"{output}: unsupported report format "
                         f"{output.suffix or '(no extension)'!r} (use .html or .xlsx)")


def _parse_mark(text: str) -> tuple[str, str]:
    """``UNIT:CHECK`` (or ``UNIT`` for every finding of the unit) → (unit, check)."""
    unit, sep, check = text.rpartition(":")
    if not sep or check not in CHECKS:
        return text, ""
    return unit, check


def qa_file(store: Store | None, path: Path, *, ignore: Iterable[str] = (),
            false_positives: Iterable[str] = (), output: Path | None = None) -> QaResult:
    """Check a bilingual file: XLIFF 1.2/2.x (and the CAT flavours), TMX, or the XLSX that
    ``pretranslate -o X.xlsx`` writes once filled in.

    :param store: the database (glossary, remembered false positives); None for no terms
    :param false_positives: ``UNIT:CHECK`` (or ``UNIT``) findings to remember as false
        positives for this file (stored in one transaction)
    :param output: a report to write (``.html`` or ``.xlsx``)
    :raises InputError: not a bilingual JA–EN file, unknown check, no such finding to mark
    :raises ParseError: a damaged file
    """
    from taiyaku.exports.bilingual import read_bilingual

    _check_output(output)
    file_id, units = read_bilingual(Path(path))
    return _finish(store, str(path), file_id, units, ignore, false_positives, output)


def qa_tm(store: Store, *, ignore: Iterable[str] = (), false_positives: Iterable[str] = (),
          output: Path | None = None) -> QaResult:
    """Check every unit stored in the TM (Japanese → English; findings name the stored unit
    ids, the ids ``tm edit`` and ``tm delete`` take)."""
    _check_output(output)
    units = [QaUnit(str(u.id), u.ja, u.en, "ja") for u in store.units.iterate()]
    if not units:
        raise InputError("the TM is empty: nothing to check")
    return _finish(store, "TM", "tm", units, ignore, false_positives, output)
