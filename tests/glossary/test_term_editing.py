"""Editing the glossary by hand: terms add on an existing term, per-form statuses, terms
edit / delete / merge (issue 17, "Terms"), and human decisions that extraction and imports
never undo."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.errors import InputError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.glossary.io import export_glossary, import_glossary
from taiyaku.glossary.store import (
    TermEdit,
    add_or_update_term,
    add_term,
    delete_terms,
    edit_term,
    get_entry,
    insert_entry,
    iter_entries,
    merge_terms,
    set_status,
)
from taiyaku.store import Store, open_store


def _forms(e: TermEntry, lang: str = "en") -> list[tuple[str, str | None]]:
    return [(f.text, f.status) for f in (e.en if lang == "en" else e.ja)]


def _effective(e: TermEntry) -> dict[str, str]:
    """Every form's status as exports see it (its own, else the entry's)."""
    return {f.text: f.status or e.status for f in (*e.ja, *e.en)}


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    """Everything the glossary holds, to compare before and after a refused command."""
    area = store.glossary
    out: list[tuple[object, ...]] = []
    for e in iter_entries(store):
        assert e.id is not None
        out.append((e, area.state(e.id), json.dumps(area.evidence(e.id), sort_keys=True)))
    return out


def _machine_entry(store: Store, ja: str, en: str, **fields: object) -> int:
    """An entry as `terms extract` stores it: a candidate pairing of the machine."""
    with store.transaction():
        return insert_entry(store, TermEntry(ja=(TermForm(ja, "ja"),), en=(TermForm(en, "en"),),
                                             score=5.0, frequency=3, evidence=(11, 12),
                                             **fields),  # type: ignore[arg-type]
                            origin="extracted", evidence={"units": [7], "pairing": {
                                "method": "aligned", "confidence": 0.4}})


# -- terms add on a term that exists ---------------------------------------------------------

def test_add_existing_term_says_so_and_makes_the_users_english_the_approved_preferred(
    store: Store,
) -> None:
    term_id = _machine_entry(store, "日米同盟", "U.S. Japan")
    done = add_or_update_term(store, "日米同盟", "U.S.–Japan alliance")
    assert done.existed and done.entry.id == term_id
    assert "already exists as term" in done.summary()
    assert done.to_json()["existed"] is True
    e = get_entry(store, term_id)
    assert e.en[0].text == "U.S.–Japan alliance" and e.en[0].kind == "term"
    assert e.status == "approved"
    # the machine's pairing is kept, but neither approved nor a main term any more
    machine = next(f for f in e.en if f.text == "U.S. Japan")
    assert (machine.status, machine.kind) == ("candidate", "synonym")
    assert _effective(e)["U.S.–Japan alliance"] == "approved"
    assert _effective(e)["日米同盟"] == "approved"


def test_add_existing_term_without_english_approves_the_term_not_the_machine_pairing(
    store: Store,
) -> None:
    term_id = _machine_entry(store, "日米同盟", "U.S. Japan")
    e = add_term(store, "日米同盟")
    assert e.id == term_id and e.status == "approved"
    assert _effective(e)["U.S. Japan"] == "candidate"
    # and pre-translation offers that English as what it is: a candidate
    from taiyaku.tm.pretranslate import TermFound

    class Hit:
        start, end, surface, entry = 0, 4, "日米同盟", e

    found = TermFound.from_hit(Hit())
    assert (found.en, found.status) == ("U.S. Japan", "candidate")


def test_adding_a_form_leaves_a_forbidden_form_forbidden(store: Store, tmp_path: Path) -> None:
    add_term(store, "港湾", "harbor", status="forbidden")
    e = add_term(store, "港湾", "port")
    assert _forms(e) == [("port", None), ("harbor", "forbidden")]
    assert e.status == "approved"
    # and the TBX export says so: port preferred, harbor deprecated
    out = tmp_path / "g.tbx"
    export_glossary(store, out)
    xml = out.read_text(encoding="utf-8")
    port = xml[xml.index("<term>port</term>"):]
    harbor = xml[xml.index("<term>harbor</term>"):]
    assert port[:300].count("preferredTerm-admn-sts") == 1
    assert "deprecatedTerm-admn-sts" in harbor[:300]
    assert "preferredTerm-admn-sts" not in harbor[:harbor.index("</tig>")
                                                 if "</tig>" in harbor else 300]


def test_forbidding_a_translation_of_a_known_term_forbids_that_form_only(store: Store) -> None:
    add_term(store, "港湾", "port")
    e = add_term(store, "港湾", "harbour", status="forbidden")
    assert e.status == "approved"
    assert _effective(e) == {"港湾": "approved", "port": "approved", "harbour": "forbidden"}
    assert e.en[0].text == "port"
    # forbidding the preferred English: the next form becomes the main term
    e = add_term(store, "港湾", "harbor")
    e = add_term(store, "港湾", "harbor", status="forbidden")
    assert [(f.text, f.kind, f.status or e.status) for f in e.en] == [
        ("port", "term", "approved"), ("harbour", "synonym", "forbidden"),
        ("harbor", "synonym", "forbidden")]


def test_set_status_keeps_the_status_of_forms_that_have_their_own(store: Store) -> None:
    e = add_term(store, "港湾", "port")
    e = add_term(store, "港湾", "harbour", status="forbidden")
    assert e.id is not None
    after = set_status(store, e.id, "candidate")
    assert _effective(after) == {"港湾": "candidate", "port": "candidate",
                                 "harbour": "forbidden"}


# -- terms edit ----------------------------------------------------------------------------------

def test_edit_changes_forms_fields_and_statuses_and_marks_the_entry_edited(
    store: Store,
) -> None:
    term_id = _machine_entry(store, "日米同盟", "U.S. Japan")
    e = edit_term(store, term_id, TermEdit(
        en="U.S.–Japan alliance", add_en=("Japan–U.S. alliance",), add_ja=("日米安保体制",),
        form_status=(("U.S. Japan", "forbidden"),), note="security treaty alliance",
        definition="the alliance of Japan and the United States", pos="noun",
        status="approved"))
    assert [f.text for f in e.ja] == ["日米同盟", "日米安保体制"]
    assert e.ja[1].reading  # a new Japanese form gets its reading
    assert _forms(e) == [("U.S.–Japan alliance", None), ("U.S. Japan", "forbidden"),
                         ("Japan–U.S. alliance", None)]
    assert (e.status, e.note, e.pos) == ("approved", "security treaty alliance", "noun")
    assert e.definition == "the alliance of Japan and the United States"
    state = store.glossary.state(term_id)
    assert state is not None and state.edited and state.protected
    # the evidence of the machine's extraction stays with the entry
    assert store.glossary.evidence(term_id)["units"] == [7]
    e = edit_term(store, term_id, TermEdit(remove=("U.S. Japan",), note="", ja="日米安保体制"))
    assert [f.text for f in e.ja] == ["日米安保体制", "日米同盟"]
    assert e.ja[0].kind == "term" and e.ja[1].kind != "term"
    assert e.note is None and [f.text for f in e.en] == ["U.S.–Japan alliance",
                                                        "Japan–U.S. alliance"]


def test_edit_entry_status_reaches_only_forms_without_their_own(store: Store) -> None:
    add_term(store, "港湾", "harbor", status="forbidden")
    e = add_term(store, "港湾", "port")
    assert e.id is not None
    e = edit_term(store, e.id, TermEdit(status="candidate"))
    assert _effective(e) == {"港湾": "candidate", "port": "candidate", "harbor": "forbidden"}


@pytest.mark.parametrize("edit, message", [
    (TermEdit(note="x"), "no term with id 999"),
    (TermEdit(), "nothing to change for term"),
    (TermEdit(remove=("nothere",)), "has no form 'nothere'"),
    (TermEdit(form_status=(("nothere", "approved"),)), "has no form 'nothere'"),
    (TermEdit(form_status=(("harbor", "maybe"),)), "unknown term status 'maybe'"),
    (TermEdit(status="maybe", note="x"), "unknown term status"),
    (TermEdit(en="  "), "is empty"),
    (TermEdit(remove=("港湾", "harbor"), note="x"), "would have no form left"),
])
def test_edit_refusals_are_one_line_and_change_nothing(
    store: Store, edit: TermEdit, message: str
) -> None:
    e = add_term(store, "港湾", "harbor", note="keep")
    assert e.id is not None
    before = _snapshot(store)
    term_id = 999 if "999" in message else e.id
    with pytest.raises(InputError, match=message) as info:
        edit_term(store, term_id, edit)
    assert "\n" not in str(info.value)
    assert _snapshot(store) == before


# -- terms delete --------------------------------------------------------------------------------

def test_delete_removes_entries_and_an_unknown_id_deletes_nothing(store: Store) -> None:
    a = add_term(store, "港湾", "port")
    b = add_term(store, "川習会", "Trump–Xi summit")
    assert a.id is not None and b.id is not None
    before = _snapshot(store)
    with pytest.raises(InputError, match="no term with id 77"):
        delete_terms(store, [a.id, 77])
    assert _snapshot(store) == before
    gone = delete_terms(store, [a.id])
    assert [e.id for e in gone] == [a.id]
    assert [e.id for e in iter_entries(store)] == [b.id]
    assert store.glossary.match_forms("norm", "en", "port", "exact") == []


# -- terms merge ---------------------------------------------------------------------------------

def test_merge_keeps_forms_statuses_notes_and_evidence(store: Store) -> None:
    keep = add_term(store, "米中首脳会談", "U.S.–China summit", note="house style")
    assert keep.id is not None
    other = _machine_entry(store, "川習会", "Trump–Xi summit", note="machine note",
                           context="川習会が開かれた", pos="noun")
    # a forbidden form in a third entry stays forbidden in the merged one
    with store.transaction():
        third = insert_entry(store, TermEntry(
            ja=(TermForm("米中会談", "ja"),), en=(TermForm("Sino-U.S. summit", "en"),),
            status="forbidden", evidence=(99,)), origin="manual", edited=True)
    done = merge_terms(store, [keep.id, other, third])
    e = done.entry
    assert done.merged == (other, third) and e.id == keep.id
    assert [f.text for f in e.ja] == ["米中首脳会談", "川習会", "米中会談"]
    assert [f.kind for f in e.ja] == ["term", "synonym", "synonym"]
    assert _effective(e) == {
        "米中首脳会談": "approved", "U.S.–China summit": "approved",
        "川習会": "candidate", "Trump–Xi summit": "candidate",
        "米中会談": "forbidden", "Sino-U.S. summit": "forbidden",
    }
    assert e.status == "approved"
    assert e.note == "house style\nmachine note"
    assert (e.pos, e.context) == ("noun", "川習会が開かれた")
    assert set(e.evidence) == {11, 12, 99}
    assert e.frequency == 3 and e.score == 5.0
    assert store.glossary.evidence(keep.id)["units"] == [7]
    assert [x.id for x in iter_entries(store)] == [keep.id]
    state = store.glossary.state(keep.id)
    assert state is not None and state.edited


@pytest.mark.parametrize("ids, message", [
    ([1], "at least two different"),
    ([1, 1], "at least two different"),
    ([1, 42], "no term with id 42"),
])
def test_merge_refusals_change_nothing(store: Store, ids: list[int], message: str) -> None:
    add_term(store, "港湾", "port")
    add_term(store, "川習会", "Trump–Xi summit")
    before = _snapshot(store)
    with pytest.raises(InputError, match=message):
        merge_terms(store, ids)
    assert _snapshot(store) == before


# -- human decisions stand -----------------------------------------------------------------------
#: a small aligned article in which extraction finds 輸出規制 = export controls
PAIRS = [
    ("米国は輸出規制を強化した。", "The U.S. tightened export controls."),
    ("中国は輸出規制に反発した。", "China protested the export controls."),
    ("輸出規制の影響が広がる。", "The impact of export controls spreads."),
    ("輸出規制と関税の影響が続く。", "Export controls and tariffs weigh."),
    ("関税の影響は大きい。", "Tariffs weigh heavily."),
]


def test_extraction_never_undoes_an_edit(
    store: Store, bilingual: Callable[..., int], analyzer: object
) -> None:
    from taiyaku.glossary.extract import extract_terms

    bilingual(store, "pair", PAIRS[:3])
    extract_terms(store, analyzer=analyzer)  # type: ignore[arg-type]
    found = [e for e in iter_entries(store) if e.ja and e.ja[0].text == "輸出規制"]
    assert found and found[0].id is not None
    edited = edit_term(store, found[0].id, TermEdit(en="export restrictions",
                                                    add_en=("export controls",),
                                                    form_status=(("export controls",
                                                                  "forbidden"),)))
    extract_terms(store, analyzer=analyzer)  # type: ignore[arg-type]
    again = [e for e in iter_entries(store) if any(f.text == "輸出規制" for f in e.ja)]
    assert again == [edited]


def test_import_never_undoes_a_forbidden_form(store: Store, tmp_path: Path) -> None:
    add_term(store, "港湾", "harbor", status="forbidden")
    e = add_term(store, "港湾", "port")
    src = tmp_path / "client.csv"
    src.write_text("ja,en,en_variants,status\n港湾,harbor,port,approved\n", encoding="utf-8")
    import_glossary(store, src)
    assert get_entry(store, e.id or 0) == e


@pytest.mark.parametrize("suffix", [".tbx", ".xlsx", ".csv"])
def test_exports_and_imports_carry_per_form_status(
    store: Store, tmp_path: Path, suffix: str
) -> None:
    add_term(store, "港湾", "harbor", status="forbidden")
    add_term(store, "港湾", "port")
    out = tmp_path / f"g{suffix}"
    export_glossary(store, out)
    with open_store(tmp_path / "other.db") as other:
        import_glossary(other, out)
        (e,) = list(iter_entries(other))
        assert _effective(e)["harbor"] == "forbidden"
        assert _effective(e)["port"] == "approved"
        assert e.en[0].text == "port"


# -- the commands --------------------------------------------------------------------------------

def test_cli_add_edit_merge_delete(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli, [*args, "--db", db])
        return r.exit_code, r.output

    assert run("terms", "add", "港湾", "harbor", "--status", "forbidden")[0] == 0
    code, out = run("terms", "add", "港湾", "port", "--json")
    assert code == 0 and json.loads(out)["existed"] is True
    code, out = run("terms", "add", "港湾", "port")
    assert "already exists as term 1" in out
    code, out = run("terms", "edit", "1", "--form-status", "harbor=candidate", "--json")
    data = json.loads(out)
    assert code == 0 and {"text": "harbor", "status": "candidate"}.items() <= \
        next(f for f in data["forms"] if f["text"] == "harbor").items()
    code, out = run("terms", "edit", "1", "--form-status", "harbor")
    assert code != 0 and "FORM=STATUS" in out
    code, out = run("terms", "edit", "9", "--note", "x")
    assert code == 1 and out.strip() == "Error: no term with id 9 (see `taiyaku terms list`)"
    assert run("terms", "add", "川習会", "Trump–Xi summit")[0] == 0
    code, out = run("terms", "merge", "1", "2", "--json")
    assert code == 0 and json.loads(out)["merged"] == [2]
    code, out = run("terms", "delete", "1", "2")
    assert code == 1 and "no term with id 2" in out
    code, out = run("terms", "delete", "1", "--json")
    assert code == 0 and [e["id"] for e in json.loads(out)] == [1]


def test_extraction_does_not_bring_back_a_deleted_term(
    store: Store, bilingual: Callable[..., int], analyzer: object
) -> None:
    from taiyaku.glossary.extract import extract_terms

    bilingual(store, "pair", PAIRS)
    extract_terms(store, analyzer=analyzer)  # type: ignore[arg-type]
    first = {e.ja[0].text: e.id for e in iter_entries(store) if e.ja}
    assert "輸出規制" in first
    delete_terms(store, [first["輸出規制"] or 0])
    extract_terms(store, analyzer=analyzer)  # type: ignore[arg-type]
    again = {e.ja[0].text for e in iter_entries(store) if e.ja}
    assert again == set(first) - {"輸出規制"}
    # without the deletion, the same run finds it again
    with open_store(":memory:") as fresh:
        bilingual(fresh, "pair", [("輸出規制が続く。", "Export controls continue."),
                                  ("輸出規制の影響。", "The impact of export controls.")])
        extract_terms(fresh, analyzer=analyzer)  # type: ignore[arg-type]
        assert "輸出規制" in {e.ja[0].text for e in iter_entries(fresh) if e.ja}
    # a person may still add it by hand
    assert add_term(store, "輸出規制", "export controls").status == "approved"


def test_import_does_not_add_back_a_form_removed_by_hand(store: Store, tmp_path: Path) -> None:
    term_id = _machine_entry(store, "日米同盟", "U.S. Japan")
    e = edit_term(store, term_id, TermEdit(en="U.S.–Japan alliance", remove=("U.S. Japan",)))
    src = tmp_path / "client.csv"
    src.write_text("ja,en,en_variants\n日米同盟,U.S.–Japan alliance,U.S. Japan; Japan-U.S. "
                   "alliance\n", encoding="utf-8")
    result = import_glossary(store, src)
    after = get_entry(store, term_id)
    assert [f.text for f in after.en] == ["U.S.–Japan alliance", "Japan-U.S. alliance"]
    (outcome,) = result.outcomes
    assert outcome.action == "merged" and "removed form en:U.S. Japan" in outcome.kept
    # given back by hand, the form is the user's again: an import may bring it
    edit_term(store, term_id, TermEdit(add_en=("U.S. Japan",)))
    assert store.glossary.removed(term_id) == set()
    assert e.id == term_id
