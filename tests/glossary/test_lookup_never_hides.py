"""Lookup never hides a translation (issue 19, point 4): an approved entry wins over a
candidate that lists the same term as a variant, and a term with English inside a longer
term without English is reported too — in `terms search`, the term index, and the JSON and
XLIFF that `pretranslate` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import xliff
from taiyaku.glossary.lookup import search_terms
from taiyaku.glossary.store import add_or_update_term, add_term, insert_entry
from taiyaku.store import Store
from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file

ARTICLE = (
    "ベッセント米財務長官は合成麻薬フェンタニルの流入を問題視した。\n"
    "川習会では関税の引き下げが話し合われた。\n"
)


def _candidate(store: Store, *ja: str, score: float = 8.0) -> int:
    """An extracted candidate without English (its first form preferred, the others variants),
    scored above anything added by hand."""
    forms = tuple(TermForm(t, "ja", "term" if i == 0 else "variant") for i, t in enumerate(ja))
    with store.transaction():
        return insert_entry(store, TermEntry(ja=forms, score=score, frequency=4),
                            origin="extracted")


@pytest.fixture
def glossary(store: Store) -> Store:
    _candidate(store, "米中首脳会談", "川習会")
    _candidate(store, "合成麻薬フェンタニル")
    _candidate(store, "米財務長官")
    add_term(store, "川習会", "Trump–Xi summit")
    add_term(store, "フェンタニル", "fentanyl")
    add_term(store, "財務長官", "Treasury Secretary")
    return store


def test_terms_add_names_the_candidate_that_lists_the_term_as_a_variant(store: Store) -> None:
    candidate = _candidate(store, "米中首脳会談", "川習会")
    done = add_or_update_term(store, "川習会", "Trump–Xi summit")
    assert not done.existed and done.also_in == (candidate,)
    assert f"also a form of term {candidate}" in done.summary()
    assert done.to_json()["also_in"] == [candidate]


def test_terms_search_ranks_the_approved_entry_before_the_candidate(glossary: Store) -> None:
    found = search_terms(glossary, "川習会")
    assert [(e.ja[0].text, e.status) for e in found[:2]] == [
        ("川習会", "approved"), ("米中首脳会談", "candidate")]


def test_terms_search_cli_json_shows_the_approved_entry_first(
    glossary: Store, tmp_path: Path
) -> None:
    assert glossary.path is not None
    glossary.close()
    r = CliRunner().invoke(cli, ["terms", "search", "川習会", "--json", "--db",
                                 str(glossary.path)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["en"] == ["Trump–Xi summit"]


def _terms_by_segment(glossary: Store, tmp_path: Path) -> list[list[tuple[str, str | None]]]:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out.json"
    pretranslate_file(glossary, src, PretranslateOptions(output=out))
    data = json.loads(out.read_text(encoding="utf-8"))
    segments = data["segments"] if isinstance(data, dict) else data
    return [[(t["ja"], t["en"]) for t in seg["terms"]] for seg in segments]


def test_pretranslate_json_reports_the_approved_entry_and_the_terms_inside(
    glossary: Store, tmp_path: Path
) -> None:
    first, second = _terms_by_segment(glossary, tmp_path)
    assert ("財務長官", "Treasury Secretary") in first
    assert ("フェンタニル", "fentanyl") in first
    # the longer terms are still reported (their candidate status is for the translator)
    assert ("米財務長官", None) in first and ("合成麻薬フェンタニル", None) in first
    assert ("川習会", "Trump–Xi summit") in second
    assert ("米中首脳会談", None) not in second


@pytest.mark.parametrize("version", ["2.1", "1.2"])
def test_pretranslate_xliff_term_notes_report_both(
    glossary: Store, tmp_path: Path, version: str
) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out.xlf"
    pretranslate_file(glossary, src, PretranslateOptions(output=out, xliff_version=version))
    with out.open("rb") as fp:
        segs = list(xliff.read(fp, str(out)))
    terms = {(t.ja, t.en or None) for s in segs for t in s.terms}
    assert {("財務長官", "Treasury Secretary"), ("フェンタニル", "fentanyl"),
            ("川習会", "Trump–Xi summit")} <= terms
    assert ("米中首脳会談", None) not in terms


def test_a_longer_term_with_english_still_hides_nothing_it_should_not(
    store: Store, tmp_path: Path
) -> None:
    # when the longer term has English of its own, the shorter one inside is not repeated
    add_term(store, "米財務長官", "U.S. Treasury Secretary")
    add_term(store, "財務長官", "Treasury Secretary")
    first, _ = _terms_by_segment(store, tmp_path)
    assert [t for t in first if "財務長官" in t[0]] == [("米財務長官", "U.S. Treasury Secretary")]
