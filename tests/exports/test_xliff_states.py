"""Pre-translated XLIFF as CAT tools count it (issue 15.14): exact matches are translated (1.2:
``approved="yes"``), fuzzy fills are to be reviewed, and taiyaku's notes are readable text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from taiyaku.exports import xliff
from taiyaku.store import Store
from taiyaku.tm.pretranslate import PretranslateOptions, PretranslateResult, pretranslate_file

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def filled(pt_tm_store: Store, tmp_path: Path, request: pytest.FixtureRequest
           ) -> tuple[Path, PretranslateResult]:
    """pt_new_ja.txt pre-translated with --fill-fuzzy into the XLIFF version of the param."""
    store = pt_tm_store
    version = request.param
    out = tmp_path / f"o{version}.xlf"
    result = pretranslate_file(store, DATA / "pt_new_ja.txt",
                               PretranslateOptions(output=out, xliff_version=version,
                                                   fill_fuzzy=True))
    states = {s.state for s in result.document.segments}
    assert {"translated", "needs-review"} <= states  # the fixture has both kinds
    return out, result


def _expected(result: PretranslateResult) -> tuple[int, int, int]:
    segs = result.document.segments
    exact = sum(1 for s in segs if s.state == "translated")
    fuzzy = sum(1 for s in segs if s.state == "needs-review")
    return exact, fuzzy, len(segs) - exact - fuzzy


def _ttk_units(path: Path, version: str) -> list[Any]:
    if version == "1.2":
        from translate.storage import factory

        store = factory.getobject(str(path))
    else:  # Translate Toolkit's factory sends .xlf to its 1.2 class; 2.x has its own
        from translate.storage import xliff2

        store = xliff2.Xliff2File.parsefile(str(path))
    return [u for u in store.units if not u.isheader()]


@pytest.mark.parametrize("filled", ["1.2", "2.1"], indirect=True)
def test_translate_toolkit_counts_exact_matches_as_translated(
        filled: tuple[Path, PretranslateResult]) -> None:
    out, result = filled
    version = "1.2" if out.name.startswith("o1.2") else "2.1"
    units = _ttk_units(out, version)
    exact, fuzzy, empty = _expected(result)
    translated = sum(1 for u in units if u.istranslated())
    fuzzies = sum(1 for u in units if u.isfuzzy())
    assert (translated, fuzzies, len(units) - translated - fuzzies) == (exact, fuzzy, empty)
    by_source = {str(u.source): u for u in units}
    for seg in result.document.segments:
        unit = by_source[seg.source]
        if seg.state == "translated":
            assert unit.istranslated() and not unit.isfuzzy(), seg.source
        elif seg.state == "needs-review":
            assert unit.isfuzzy() and not unit.istranslated(), seg.source


@pytest.mark.parametrize("filled", ["1.2"], indirect=True)
def test_pocount_statistics_of_the_12_file(filled: tuple[Path, PretranslateResult]) -> None:
    """pocount, Translate Toolkit's statistics tool, on the 1.2 file (its factory reads 1.2)."""
    from translate.tools import pocount

    out, result = filled
    stats = pocount.calcstats(str(out))
    exact, fuzzy, empty = _expected(result)
    assert (stats["translated"], stats["fuzzy"], stats["untranslated"]) == (exact, fuzzy, empty)


#: (state, qualifier, approved) per pre-translation state: 1.2 target state-qualifier and
#: trans-unit approved; 2.x segment subState (no approved attribute)
EXPECTED = {
    "1.2": {"translated": ("translated", "exact-match", "yes"),
            "needs-review": ("needs-review-translation", "fuzzy-match", None),
            "new": (None, None, None)},
    "2.1": {"translated": ("translated", "taiyaku:exact-match", None),
            "needs-review": ("initial", "taiyaku:fuzzy-match", None),
            "new": ("initial", None, None)},
}


@pytest.mark.parametrize("filled", ["1.2", "2.1"], indirect=True)
def test_states_and_qualifiers(filled: tuple[Path, PretranslateResult]) -> None:
    from xml.etree import ElementTree as ET

    out, result = filled
    version = "1.2" if out.name.startswith("o1.2") else "2.1"
    ns = {"x": xliff.NS12 if version == "1.2" else xliff.NS20}
    root = ET.parse(out).getroot()
    seen = {}
    for elem in root.iterfind(".//x:trans-unit" if version == "1.2" else ".//x:segment", ns):
        if version == "1.2":
            target = elem.find("x:target", ns)
            got = (None, None) if target is None else (target.get("state"),
                                                       target.get("state-qualifier"))
        else:
            got = (elem.get("state"), elem.get("subState"))
        seen[elem.findtext("x:source", namespaces=ns)] = (*got, elem.get("approved"))
    for seg in result.document.segments:
        assert seen[seg.source] == EXPECTED[version][seg.state], seg.source


@pytest.mark.parametrize("filled", ["1.2", "2.1"], indirect=True)
def test_filled_files_pass_the_validator(filled: tuple[Path, PretranslateResult],
                                         shared: Path) -> None:
    out, _ = filled
    args = ["--strict-12"] if out.name.startswith("o1.2") else []
    for extra in ([], args):
        run = subprocess.run([sys.executable, str(shared / "tools" / "validate_xliff.py"),
                              *extra, str(out)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("filled", ["1.2", "2.1"], indirect=True)
def test_notes_tools_show_are_readable(filled: tuple[Path, PretranslateResult]) -> None:
    """Every note a tool shows a translator is plain words, never taiyaku data."""
    from xml.etree import ElementTree as ET

    out, _ = filled
    if out.name.startswith("o1.2"):
        notes = [n for u in _ttk_units(out, "1.2") for n in u.getnotes().splitlines() if n]
    else:  # Translate Toolkit 3.20 looks for 2.x notes in the segment; they are the unit's
        notes = [n.text or "" for n in ET.parse(out).getroot().iter(f"{{{xliff.NS20}}}note")]
    assert notes  # the repetition and (1.2) the term notes
    for note in notes:
        assert "{" not in note and "taiyaku:" not in note, note
    assert any(n.startswith("repetition of segment") for n in notes)


def test_12_fuzzy_fill_reads_back_as_initial() -> None:
    """The reader takes needs-review-translation as a target still to be checked."""
    import io

    seg = xliff.XliffSegment("1", "港湾", "port", "initial",
                             (xliff.Candidate(80.0, "港湾部", "port area"),))
    buf = io.BytesIO()
    xliff.write([seg], buf, version="1.2")
    assert list(xliff.read(io.BytesIO(buf.getvalue()), "x.xlf")) == [seg]
