"""taiyaku qa end to end: readers (XLIFF 1.2/2.0, TMX, filled pre-translation XLSX), bad input,
the JSON shape, exit status, reports, remembered false positives, --tm; and the number
understanding pre-translation gained (substitution into words, --fill-fuzzy refusing a target
whose numbers disagree)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.model import Match, Segment
from taiyaku.core.pretranslated import NOT_SUBSTITUTED
from taiyaku.store import SqliteStore as Store
from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_segment

XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file original="budget.docx" source-language="ja-JP" target-language="en-US" datatype="plaintext">
<body>
<trans-unit id="a1"><source>売上高は3億5000万円だった。</source>
<target>Sales were 350 million yen.</target></trans-unit>
<trans-unit id="a2"><source>売上高は3億円だった。</source>
<target>Sales were 30 million yen.</target></trans-unit>
<trans-unit id="a3"><source>詳しくは<ph id="1">{0}</ph>を参照。</source>
<target>See the site.</target></trans-unit>
<trans-unit id="a4"><source>半導体の輸出規制が強化された。</source>
<target>Export restrictions on chips were tightened.</target></trans-unit>
</body></file></xliff>
"""

XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ja">
<file id="f1"><unit id="u1"><segment state="final"><source>Sales doubled in April.</source>
<target>売上高は10月に2倍になった。</target></segment></unit>
<unit id="u2"><segment><source>Is it true?</source><target>本当です。</target></segment></unit>
</file></xliff>
"""


def invoke(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "qa.db"
    with Store.open(path) as s:
        from taiyaku.glossary.store import add_term

        add_term(s, "半導体", "semiconductor")
        add_term(s, "輸出規制", "export control")
    return path


def test_xliff12_findings_json_shape_and_exit_status(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF12, encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json")
    found = json.loads(out)
    assert code == 1  # an error finding remains
    assert {tuple(sorted(x)) for x in found} == {
        ("check", "message", "severity", "source", "target", "unit")}
    by = {(x["unit"], x["check"]) for x in found}
    assert ("a2", "numbers") in by and ("a1", "numbers") not in by
    assert ("a3", "tags") in by
    assert {("a4", "terms")} <= by
    msg = next(x["message"] for x in found if x["check"] == "numbers")
    assert "3億" in msg and "30 million" in msg


def test_ignore_leaves_a_check_out_and_exit_zero_without_errors(tmp_path: Path, db: Path
                                                                 ) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF12, encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json", "--ignore", "numbers", "--ignore", "tags")
    assert code == 0
    assert {x["check"] for x in json.loads(out)} == {"terms"}


def test_false_positive_is_remembered_by_later_runs(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF12, encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--false-positive", "a2:numbers")
    assert "1 marked as false positives" in out
    code, out, _ = invoke(db, "qa", str(f), "--json")
    assert ("a2", "numbers") not in {(x["unit"], x["check"]) for x in json.loads(out)}
    # an edited target is checked afresh
    f.write_text(XLIFF12.replace("Sales were 30 million yen.", "Sales were 3 million yen."),
                 encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json")
    assert ("a2", "numbers") in {(x["unit"], x["check"]) for x in json.loads(out)}


def test_marking_a_finding_that_does_not_exist_changes_nothing(tmp_path: Path, db: Path
                                                               ) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF12, encoding="utf-8")
    code, _, err = invoke(db, "qa", str(f), "--false-positive", "a2:numbers",
                          "--false-positive", "a1:numbers")
    assert code == 1 and "no finding a1:numbers" in err
    with Store.open(db) as s:
        assert s.qa.known("budget.docx") == set()  # a2:numbers was not remembered either
    code, out, _ = invoke(db, "qa", str(f), "--json")
    assert ("a2", "numbers") in {(x["unit"], x["check"]) for x in json.loads(out)}


def test_xliff20_english_to_japanese(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF20, encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json")
    by = {(x["unit"], x["check"]) for x in json.loads(out)}
    assert ("u1", "numbers") in by  # April ↔ 10月
    assert ("u2", "punctuation") in by  # a question answered with a statement


def test_reports_html_and_xlsx(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "job.xlf"
    f.write_text(XLIFF12, encoding="utf-8")
    invoke(db, "qa", str(f), "-o", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'data-check="numbers"' in page and "30 million" in page and "<select" in page
    invoke(db, "qa", str(f), "-o", str(tmp_path / "r.xlsx"))
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "r.xlsx")["QA"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("unit", "check", "severity", "source", "target", "message")
    assert ("a2", "numbers") in {(r[0], r[1]) for r in rows[1:]}
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.txt", "plain text\n", "unsupported"),
    ("b.xlf", XLIFF12.replace("en-US", "fr-FR"), "Japanese–English"),
    ("c.xlf", XLIFF12[:300], "c.xlf"),
    ("d.xlf", XLIFF12.replace("<target>", "<!--").replace("</target>", "-->"), "no unit has"),
    ("e.tmx", '<tmx version="1.4"><header/><body><tu><tuv xml:lang="de"><seg>a</seg></tuv>'
              '<tuv xml:lang="fr"><seg>b</seg></tuv></tu></body></tmx>', "de, fr"),
])
def test_bad_input_is_one_line_and_exit_1(tmp_path: Path, db: Path, name: str, content: str,
                                          message: str) -> None:
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    code, out, err = invoke(db, "qa", str(f))
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and err.count("\n") == 1 and message in err


def test_tmx_and_the_stored_tm(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "m.tmx"
    f.write_text('<tmx version="1.4"><header srclang="ja"/><body>'
                 '<tu><tuv xml:lang="ja"><seg>4月に会談</seg></tuv><tuv xml:lang="en">'
                 '<seg>Talks in October</seg></tuv></tu>'
                 '<tu><tuv xml:lang="ja"><seg>2倍になった</seg></tuv><tuv xml:lang="en">'
                 '<seg>It doubled</seg></tuv></tu></body></tmx>', encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json")
    assert [(x["unit"], x["check"]) for x in json.loads(out)] == [("1", "numbers")]
    # a unit stored first and deleted again: the findings name stored unit ids (those `tm
    # edit` and `tm delete` take), which then differ from positions
    first = tmp_path / "first.tsv"
    first.write_text("ja\ten\n首相が会見した。\tThe prime minister spoke.\n", encoding="utf-8")
    invoke(db, "tm", "import", str(first))
    invoke(db, "tm", "import", str(f))
    with Store.open(db) as s:
        ids = {u.ja: u.id for u in s.units.iterate()}
    assert invoke(db, "tm", "delete", str(ids["首相が会見した。"]))[0] == 0
    code, out, _ = invoke(db, "qa", "--tm", "--json")
    assert code == 1
    assert [(x["unit"], x["check"]) for x in json.loads(out)] == [
        (str(ids["4月に会談"]), "numbers")]
    assert ids["4月に会談"] != 1  # its position


def test_filled_pretranslation_xlsx(tmp_path: Path, db: Path) -> None:
    from openpyxl import Workbook
    from taiyaku.exports.xlsx import PRETRANSLATION_COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([c.title for c in PRETRANSLATION_COLUMNS])
    ws.append([1, "令和8年度の予算", None, None, None, None, "new", "The fiscal 2026 budget"])
    ws.append([2, "令和8年度の予算", None, None, None, None, "new", "The fiscal 2025 budget"])
    ws.append([3, "首相が会見した。", None, None, None, None, "new", None])
    wb.save(tmp_path / "p.xlsx")
    code, out, _ = invoke(db, "qa", str(tmp_path / "p.xlsx"), "--json")
    by = [(x["unit"], x["check"]) for x in json.loads(out)]
    assert ("2", "numbers") in by and ("1", "numbers") not in by
    assert ("3", "untranslated") in by


def test_qa_needs_a_file_or_tm(db: Path) -> None:
    code, _, err = invoke(db, "qa")
    assert code == 2 and "FILE or --tm" in err


# -- pre-translation ---------------------------------------------------------------------------
def _fill(query: str, match: Match) -> tuple[str | None, Match]:
    opts = PretranslateOptions(output=Path("x.json"), fill_fuzzy=True)
    p = pretranslate_segment(Segment(query, "ja"), [match], options=opts)
    return p.target, p.matches[0]


def test_times_written_as_a_word_is_substituted() -> None:
    m = Match(1, 99.0, "輸出額は現在の2倍になった。", "Exports reached double the current level.",
              flags=("numbers",))
    target, best = _fill("輸出額は現在の3倍になった。", m)
    assert target == "Exports reached three times the current level."
    assert best.target_substituted == target and NOT_SUBSTITUTED not in best.flags


def test_month_name_is_substituted() -> None:
    m = Match(1, 99.0, "会談は10月に行われる。", "The talks will be held in October.",
              flags=("numbers",))
    target, _ = _fill("会談は4月に行われる。", m)
    assert target == "The talks will be held in April."


def test_unsafe_number_match_is_flagged_and_not_inserted() -> None:
    # 2 occurs twice in the target: which one is the count of people cannot be told
    m = Match(1, 99.0, "2人が2日に来た。", "Two came on the second, two left.", flags=("numbers",))
    target, best = _fill("3人が2日に来た。", m)
    assert target is None
    assert NOT_SUBSTITUTED in best.flags and best.target_substituted is None


def test_fill_fuzzy_never_inserts_disagreeing_numbers() -> None:
    m = Match(1, 85.0, "売上高は3億円で過去最高だった。", "Sales hit a record 300 million yen.")
    target, _ = _fill("売上高は4億円だった。", m)
    assert target is None
    m = Match(1, 85.0, "売上高は4億円で過去最高だった。", "Sales hit a record 400 million yen.")
    target, _ = _fill("売上高は4億円だった。", m)
    assert target == "Sales hit a record 400 million yen."


def test_report_writer_escapes() -> None:
    from taiyaku.core.findings import Finding
    from taiyaku.exports.qa_report import write_html

    buf = io.BytesIO()
    write_html([Finding("<1>", "tags", "error", "<script>", "x", "m")], buf)
    assert b"<script>" not in buf.getvalue().split(b"<script>\nfunction")[0]


@pytest.mark.parametrize(("target", "found"), [
    ("Export controls were tightened.", False),
    ("The export control's scope widened.", False),
    ("EXPORT CONTROL rules", False),
    ("export-control rules", False),
    ("Railways were tightened.", False),
    ("Export restrictions were tightened.", True),
    ("Exporting controllers", True),
])
def test_terms_any_inflection(store: Store, target: str, found: bool) -> None:
    from taiyaku.core.findings import QaUnit
    from taiyaku.glossary.store import add_term
    from taiyaku.tm.qa import _load_term_check

    add_term(store, "輸出規制", "export control")
    add_term(store, "鉄道", "railway")
    check = _load_term_check(store)
    assert check is not None
    source = "輸出規制が強化された。" if "ail" not in target else "鉄道が強化された。"
    got = check.findings(QaUnit("1", source, target))
    assert bool(got) is found, got


def test_pretranslation_xliff_says_numbers_differ_not_substituted() -> None:
    from taiyaku.core.pretranslated import PretranslatedDocument
    from taiyaku.exports.xliff import read_segments, write_pretranslation

    m = Match(1, 99.0, "2人が2日に来た。", "Two came on the second, two left.", flags=("numbers",))
    seg = pretranslate_segment(Segment("3人が2日に来た。", "ja"), [m])
    buf = io.BytesIO()
    write_pretranslation(PretranslatedDocument("new.txt", "ja", "en", (seg,)), buf)
    (read,) = read_segments(io.BytesIO(buf.getvalue()), "new.xlf")
    assert read.note is not None and "numbers differ, not substituted" in read.note


def test_tm_spreadsheet_through_the_registry(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "m.tsv"
    f.write_text("ja\ten\n会談は4月に\tTalks in April\n会談は5月に\tTalks in June\n",
                 encoding="utf-8")
    code, out, _ = invoke(db, "qa", str(f), "--json")
    assert code == 1
    assert [(x["unit"], x["check"]) for x in json.loads(out)] == [("2", "numbers")]


def test_damaged_xlsx_is_one_line(tmp_path: Path, db: Path) -> None:
    f = tmp_path / "p.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a workbook")
    code, _, err = invoke(db, "qa", str(f))
    assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1 and "p.xlsx" in err
