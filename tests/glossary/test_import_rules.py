"""Glossary imports keep entries apart, never undo a human decision and say what they did
(issue 15, points 5, 6, 12, 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.errors import InputError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import tbx
from taiyaku.glossary.io import export_glossary, import_glossary
from taiyaku.glossary.store import add_term, get_entry, iter_entries, set_status, upsert_entries
from taiyaku.store import Store, open_store


def _martif(*concepts: dict[str, list[str]]) -> bytes:
    """A TBX 2008 file (as other tools write it) with one termEntry per dict lang → terms."""
    body = []
    for i, concept in enumerate(concepts, 1):
        sets = "".join(
            f'<langSet xml:lang="{lang}">'
            + "".join(f"<tig><term>{t}</term></tig>" for t in terms) + "</langSet>"
            for lang, terms in concept.items())
        body.append(f'<termEntry id="e{i}">{sets}</termEntry>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<martif type="TBX-Basic" xml:lang="en">'
            "<martifHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc>"
            f"</martifHeader><text><body>{''.join(body)}</body></text></martif>\n").encode()


def _all(store: Store) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    return sorted((tuple(f.text for f in e.ja), tuple(f.text for f in e.en), e.status)
                  for e in iter_entries(store))


# -- 15.5: a glossary without a Japanese side -------------------------------------------------
def test_english_german_tbx_is_refused_naming_the_languages(tmp_path: Path) -> None:
    path = tmp_path / "en-de.tbx"
    path.write_bytes(_martif({"en": ["bank"], "de": ["Bank"]},
                             {"en-US": ["river bank"], "de": ["Ufer"]}))
    s = open_store(tmp_path / "a.db")
    with pytest.raises(InputError) as info:
        import_glossary(s, path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert "no Japanese term" in message and "languages found: de, en, en-US" in message
    assert "--allow-monolingual" in message
    assert _all(s) == []
    done = import_glossary(s, path, allow_monolingual=True)
    assert done.count("added") == 2 and _all(s) == [((), ("bank",), "candidate"),
                                                    ((), ("river bank",), "candidate")]


def test_csv_without_japanese_is_refused_and_cli_flag_allows_it(tmp_path: Path) -> None:
    path = tmp_path / "en.csv"
    path.write_text("ja,en\n,port\n,harbour\n", encoding="utf-8")
    db = tmp_path / "a.db"
    runner = CliRunner()
    refused = runner.invoke(cli, ["terms", "import", str(path), "--db", str(db)])
    assert refused.exit_code == 1
    assert "languages found: en" in refused.output
    allowed = runner.invoke(cli, ["terms", "import", str(path), "--db", str(db),
                                  "--allow-monolingual", "--json"])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.output)["added"] == 2


# -- 15.6: entries stay apart, the count is exact ------------------------------------------------
def test_concepts_sharing_a_term_stay_apart(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    path.write_bytes(_martif(
        {"ja": ["銀行"], "en": ["bank"]}, {"ja": ["銀行"], "en": ["blood bank"]},
        {"ja": ["奉仕宣教師"], "en": ["service missionary"]},
        {"ja": ["奉仕宣教師"], "en": ["service missionaries"]},
        {"ja": ["ＡＢＣ会社"], "en": ["ABC Corporation"]},
        {"ja": ["ABC会社"], "en": ["ABC Corporation"]},
    ))
    s = open_store(tmp_path / "a.db")
    done = import_glossary(s, path)
    assert (done.read, done.count("added"), done.written) == (6, 6, 6)
    assert _all(s) == sorted([
        (("ABC会社",), ("ABC Corporation",), "candidate"),
        (("ＡＢＣ会社",), ("ABC Corporation",), "candidate"),
        (("奉仕宣教師",), ("service missionaries",), "candidate"),
        (("奉仕宣教師",), ("service missionary",), "candidate"),
        (("銀行",), ("bank",), "candidate"),
        (("銀行",), ("blood bank",), "candidate"),
    ])
    again = import_glossary(s, path)
    assert again.count("unchanged") == 6 and again.written == 0 and len(_all(s)) == 6


def test_one_row_per_translation_is_one_entry(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("ja,en\n港湾,port\n港湾,harbour\n港湾,harbor\n倉庫,warehouse\n",
                    encoding="utf-8")
    s = open_store(tmp_path / "a.db")
    done = import_glossary(s, path)
    assert (done.rows, done.read, done.count("added")) == (4, 2, 2)
    assert "4 rows" in done.summary()
    [entry] = [e for e in iter_entries(s) if e.ja[0].text == "港湾"]
    assert [(f.text, f.kind) for f in entry.en] == [("port", "term"), ("harbour", "synonym"),
                                                   ("harbor", "synonym")]


def test_import_never_overwrites_an_approved_entry(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    port = add_term(s, "港湾", "port", note="house style")
    other = tmp_path / "other.csv"
    other.write_text("ja,en\n港湾,harbour\n", encoding="utf-8")
    done = import_glossary(s, other)
    # a different translation is a different entry, the approved one is untouched
    assert done.count("added") == 1
    kept = get_entry(s, port.id)
    assert (kept.status, kept.note, [f.text for f in kept.en]) == ("approved", "house style",
                                                                   ["port"])
    rows = tmp_path / "rows.csv"
    rows.write_text("ja,en,status,note\n港湾,port,candidate,\n港湾,harbor,candidate,client\n",
                    encoding="utf-8")
    merged = import_glossary(s, rows)
    assert merged.count("merged") == 1
    [outcome] = merged.outcomes
    assert outcome.forms_added == ("en:harbor",) and outcome.kept == ("note",)
    after = get_entry(s, port.id)
    assert after.status == "approved" and after.note == "house style"
    assert [(f.text, f.status) for f in after.en] == [("port", None), ("harbor", "candidate")]
    payload = merged.to_json()
    assert payload["merged"] == 1 and payload["forms_added"] == 1
    assert payload["entries"][0]["kept"] == list(outcome.kept)
    assert "merged into protected entry" in merged.summary()


def test_forbidden_and_edited_entries_are_skipped(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    with s.transaction():
        upsert_entries(s, [TermEntry(ja=(TermForm("禁句", "ja"),), en=(TermForm("taboo", "en"),),
                                     status="forbidden", origin="import"),
                           TermEntry(ja=(TermForm("候補", "ja"),),
                                     en=(TermForm("candidate", "en"),), origin="extracted")],
                       origin="extracted")
    cand = next(e for e in iter_entries(s) if e.ja[0].text == "候補")
    assert cand.id is not None
    set_status(s, cand.id, "candidate")  # a human looked at it: edited
    path = tmp_path / "g.csv"
    path.write_text("ja,en,status,note\n禁句,taboo,approved,fine now\n"
                    "候補,candidate,approved,\n", encoding="utf-8")
    done = import_glossary(s, path)
    assert [o.action for o in done.outcomes] == ["skipped", "skipped"]
    assert _all(s) == [(("候補",), ("candidate",), "candidate"),
                       (("禁句",), ("taboo",), "forbidden")]
    assert "skipped 禁句" in done.summary()


def test_unreviewed_candidate_takes_the_file(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    with s.transaction():
        upsert_entries(s, [TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm("harbor", "en"),),
                                     origin="extracted")], origin="extracted")
    path = tmp_path / "g.csv"
    path.write_text("ja,en,status,note\n港湾,port,approved,client term\n港湾,harbor,approved,\n",
                    encoding="utf-8")
    done = import_glossary(s, path)
    assert [o.action for o in done.outcomes] == ["updated"]
    [e] = list(iter_entries(s))
    assert e.status == "approved" and e.note == "client term"
    assert [f.text for f in e.en] == ["port", "harbor"]


# -- 15.6: other tools' cells are stored verbatim ----------------------------------------------
_ODD = [("パス", "C:\\Program Files\\App", "note [1]"), ("窓", "Windows [OS]", ""),
        ("正規表現", "\\d+ pattern", "a; b")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_other_tools_cells_are_verbatim(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tool{suffix}"
    if suffix == ".csv":
        import csv

        with open(path, "w", encoding="utf-8", newline="") as fp:
            w = csv.writer(fp)
            w.writerow(["ja", "en", "note"])
            w.writerows(_ODD)
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["ja", "en", "note"])
        for row in _ODD:
            ws.append(list(row))
        wb.save(path)
    s = open_store(tmp_path / "a.db")
    import_glossary(s, path)
    got = sorted((e.ja[0].text, e.en[0].text, e.note or "") for e in iter_entries(s))
    assert got == sorted(_ODD)


# -- 15.12: the term columns hold the term only ---------------------------------------------------
RICH = TermEntry(ja=(TermForm("トランプ", "ja", reading="とらんぷ", pos="noun"),
                     TermForm("トランプ氏", "ja", kind="variant", reading="とらんぷし")),
                 en=(TermForm("Trump", "en", pos="proper noun", kind="abbreviation"),),
                 status="approved", note="the person, not the cards")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_term_cells_hold_only_the_term(tmp_path: Path, suffix: str) -> None:
    s = open_store(tmp_path / "a.db")
    with s.transaction():
        upsert_entries(s, [RICH], origin="manual")
    path = tmp_path / f"g{suffix}"
    export_glossary(s, path)
    if suffix == ".csv":
        import csv

        with open(path, encoding="utf-8", newline="") as fp:
            rows = list(csv.DictReader(fp))
    else:
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True)["Glossary"]
        values = list(ws.iter_rows(values_only=True))
        rows = [dict(zip(values[0], (v if v is not None else "" for v in r), strict=False))
                for r in values[1:]]
    [row] = rows
    assert (row["ja"], row["en"]) == ("トランプ", "Trump")
    assert (row["reading"], row["ja_pos"], row["en_pos"], row["en_kind"]) == (
        "とらんぷ", "noun", "proper noun", "abbreviation")
    assert row["ja_variants"] == "トランプ氏 [reading: とらんぷし]"
    assert row["note"] == "the person, not the cards"
    b = open_store(tmp_path / "b.db")
    import_glossary(b, path)
    [back] = list(iter_entries(b))
    assert back.ja == RICH.ja and back.en == RICH.en and back.note == RICH.note


def test_files_of_the_earlier_layout_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text(
        "id,ja,ja_variants,reading,en,en_variants,status,pos,definition,note,context,sources,"
        "frequency,score,origin\n"
        "3,トランプ [pos: noun],トランプ氏,とらんぷ,Trump,,approved,,,,,a\\;b,2,0.5,manual\n",
        encoding="utf-8")
    s = open_store(tmp_path / "a.db")
    import_glossary(s, path)
    [e] = list(iter_entries(s))
    assert (e.ja[0].text, e.ja[0].pos, e.ja[0].reading) == ("トランプ", "noun", "とらんぷ")
    assert e.sources == ("a;b",)


# -- 15.11 and 15.13: what CAT tools get -----------------------------------------------------
def _seed_mixed(store: Store) -> None:
    with store.transaction():
        upsert_entries(store, [
            TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm("port", "en"),),
                      status="approved"),
            TermEntry(ja=(TermForm("倉庫", "ja"),), en=(TermForm("warehouse", "en"),),
                      status="candidate"),
            TermEntry(ja=(TermForm("未訳語", "ja"),), status="candidate"),
        ], origin="import")


def test_default_tbx_is_2008_with_both_languages_only(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    _seed_mixed(s)
    out = tmp_path / "g.tbx"
    result = export_glossary(s, out)
    data = out.read_bytes()
    assert b"<martif " in data and b"<tbx " not in data and result.tbx_version == "2008"
    assert (result.entries, result.left_out) == (2, 1)
    assert "未訳語".encode() not in data and "--all-entries" in result.summary()
    every = export_glossary(s, tmp_path / "all.tbx", bilingual=False)
    assert every.entries == 3
    v3 = tmp_path / "v3.tbx"
    export_glossary(s, v3, tbx_version="3")
    assert b'<tbx type="TBX-Basic"' in v3.read_bytes()
    # spreadsheets are for review: the entry without English is there by default
    assert export_glossary(s, tmp_path / "g.csv").entries == 3


def test_candidates_are_not_exported_as_admitted_terms(tmp_path: Path) -> None:
    s = open_store(tmp_path / "a.db")
    _seed_mixed(s)
    out = tmp_path / "g.tbx"
    export_glossary(s, out)
    data = out.read_bytes().decode()
    assert "admittedTerm-admn-sts" not in data
    approved = data[data.index("<term>港湾</term>"):]
    assert approved.split("</tig>")[0].count("preferredTerm-admn-sts") == 1
    candidate = data[data.index("<term>倉庫</term>"):].split("</tig>")[0]
    assert "administrativeStatus" not in candidate
    statuses = {e.ja[0].text: e.status for e in tbx.read(open(out, "rb"), "g.tbx")}
    assert statuses == {"港湾": "approved", "倉庫": "candidate"}


def test_cli_export_help_says_why() -> None:
    out = " ".join(CliRunner().invoke(cli, ["terms", "export", "--help"]).output.split())
    assert "[default: 2008]" in out and "OmegaT" in out and "--all-entries" in out
