"""The qa checks against tests/data/qa_units.tsv: hand-made JA–EN units with planted errors and
tricky correct ones. Recall per check ≥ 0.95 and false positives ≤ 2% of the units that are
correct for that check; the figures are printed (``pytest -s``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from taiyaku.core.findings import QaUnit
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.store import insert_entry
from taiyaku.store import SqliteStore as Store
from taiyaku.tm.qa import CHECKS, _load_term_check, check_units

DATA = Path(__file__).resolve().parent.parent / "data" / "qa_units.tsv"


def load_units() -> tuple[list[QaUnit], dict[str, set[str]]]:
    units, planted = [], {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        uid, expect, source, *rest = line.split("\t")
        target = rest[0] if rest else ""
        units.append(QaUnit(uid, source, target))
        planted[uid] = set() if expect == "-" else set(expect.split(","))
    return units, planted


def glossary(store: Store) -> None:
    """The test glossary: approved terms, a forbidden form, a deprecated form."""
    def en(text: str, status: str | None = None) -> TermForm:
        return TermForm(text, "en", status=status)

    entries = [
        ("半導体", [en("semiconductor")]),
        ("輸出規制", [en("export control")]),
        ("経済産業省", [en("Ministry of Economy, Trade and Industry"), en("METI")]),
        ("台湾海峡", [en("Taiwan Strait")]),
        ("防衛費", [en("defense spending")]),
        ("台湾", [en("Taiwan"), en("Formosa", "forbidden")]),
        ("首相", [en("prime minister"), en("Premier", "deprecated")]),
    ]
    with store.transaction():
        for ja, forms in entries:
            insert_entry(store, TermEntry(ja=(TermForm(ja, "ja"),), en=tuple(forms),
                                          status="approved"))


@pytest.fixture
def findings(store: Store) -> tuple[list[QaUnit], dict[str, set[str]], dict[str, set[str]]]:
    glossary(store)
    units, planted = load_units()
    found: dict[str, set[str]] = {u.id: set() for u in units}
    # The file holds the same source many times over (a correct and a wrong translation of
    # each): ``inconsistent`` is judged over the c block (its own pairs) and the correct units,
    # every other check unit by unit.
    for f in check_units(units, terms=_load_term_check(store), ignore=("inconsistent",)):
        found[f.unit].add(f.check)
    one_each = [u for u in units if u.id.startswith("c") or not planted[u.id]]
    for f in check_units(one_each, ignore=[c for c in CHECKS if c != "inconsistent"]):
        found[f.unit].add(f.check)
    return units, planted, found


def test_the_file_has_enough_units_and_every_check() -> None:
    units, planted = load_units()
    assert len(units) >= 100
    assert set().union(*planted.values()) == set(CHECKS)


def test_recall_and_false_positives_per_check(findings: tuple[list[QaUnit], dict[str, set[str]],
                                                                  dict[str, set[str]]]) -> None:
    units, planted, found = findings
    lines, failures = [], []
    for check in CHECKS:
        positive = [u.id for u in units if check in planted[u.id]]
        negative = [u.id for u in units if check not in planted[u.id]]
        hits = [i for i in positive if check in found[i]]
        false = [i for i in negative if check in found[i]]
        recall = len(hits) / len(positive)
        fp_rate = len(false) / len(negative)
        lines.append(f"{check:<15} recall {recall:.2f} ({len(hits)}/{len(positive)})  "
                     f"false positives {fp_rate:.1%} ({len(false)}/{len(negative)})")
        if recall < 0.95:
            failures.append(f"{check}: missed {sorted(set(positive) - set(hits))}")
        if fp_rate > 0.02:
            failures.append(f"{check}: false positives {false}")
    print("\n" + "\n".join(lines))
    assert not failures, failures


def test_no_finding_on_correct_units(findings: tuple[list[QaUnit], dict[str, set[str]],
                                                     dict[str, set[str]]]) -> None:
    """Over the units with nothing planted, at most 2% have any finding at all."""
    units, planted, found = findings
    clean = [u.id for u in units if not planted[u.id]]
    noisy = [i for i in clean if found[i]]
    print(f"\ncorrect units with a finding: {len(noisy)}/{len(clean)}")
    assert len(noisy) / len(clean) <= 0.02, {i: found[i] for i in noisy}
