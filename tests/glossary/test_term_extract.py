"""`extract_terms` end to end: storing, pairing, protection of approved/edited entries, seeds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from taiyaku.core.japanese import Analyzer
from taiyaku.glossary.extract import ExtractOptions, extract_terms
from taiyaku.glossary.store import add_term, list_terms, set_status
from taiyaku.store import Store, open_store

MONO = [
    "新制度では「一般輸出許可」が必要になる。",
    "一般輸出許可の条件は年内に決まる。",
    "米国は台湾有事について戦略的曖昧さを保つ。",
    "台湾有事の議論は続いている。",
    "各国は国際通貨基金(IMF)の会合に集まった。",
    "2025年10月26日に電話で協議した。",
    "今回の問題は政権内の対立だ。",
]
PAIRS = [
    ("両国は1年の休止期間に入った。", "The two countries entered a one-year pause."),
    ("休止期間は延長されうる。", "The pause may be extended."),
    ("休止期間のあとに首脳会談が開かれる。", "After the pause comes a leader meeting."),
    ("ベッセントが首脳会談について語った。", "Bessent spoke about the leader meeting."),
    ("ベッセントは慎重だった。", "Bessent was cautious."),
]


@pytest.fixture
def filled(store: Store, mono: Callable[..., int], bilingual: Callable[..., int]) -> Store:
    mono(store, "mono-a", MONO)
    bilingual(store, "pair-b", PAIRS)
    return store


def _by_ja(store: Store) -> dict[str, list[str]]:
    return {e.ja[0].text: [f.text for f in e.en] for e in list_terms(store, limit=500)}


def test_extract_stores_candidates_with_pairs(filled: Store, analyzer: Analyzer) -> None:
    result = extract_terms(filled, ExtractOptions(min_freq=2), analyzer=analyzer)
    got = _by_ja(filled)
    assert "一般輸出許可" in got and "台湾有事" in got
    assert got["国際通貨基金"] == ["IMF"]  # a gloss makes a single occurrence enough
    assert got["休止期間"] == ["pause"]
    assert got["ベッセント"] == ["Bessent"]
    for general in ("電話", "問題", "今回", "政権内の", "2025年"):
        assert general not in got
    assert result.to_json()["stored"] == len(got)
    assert "candidate terms" in result.summary()
    entry = next(e for e in list_terms(filled, limit=500) if e.ja[0].text == "休止期間")
    assert entry.status == "candidate" and entry.evidence and entry.context
    assert entry.sources == ("pair-b",)
    evidence = filled.glossary.evidence(entry.id)
    assert {"pairing", "units", "segments"} <= set(evidence)
    assert {"method", "confidence"} <= set(evidence["pairing"])


def test_rerun_replaces_candidates_but_never_approved_or_edited(
    filled: Store, analyzer: Analyzer
) -> None:
    extract_terms(filled, analyzer=analyzer)
    first = len(list_terms(filled, limit=500))
    approved = add_term(filled, "台湾有事", "Taiwan contingency", note="mine")
    edited = next(e for e in list_terms(filled, limit=500) if e.ja[0].text == "休止期間")
    assert edited.id is not None
    set_status(filled, edited.id, "candidate")  # a hand edit, status unchanged
    extract_terms(filled, analyzer=analyzer)
    entries = list_terms(filled, limit=500)
    assert len(entries) == first  # replaced, not duplicated
    mine = [e for e in entries if e.ja[0].text == "台湾有事"]
    assert len(mine) == 1 and mine[0].id == approved.id and mine[0].note == "mine"
    assert mine[0].en[0].text == "Taiwan contingency" and mine[0].status == "approved"
    kept = [e for e in entries if e.ja[0].text == "休止期間"]
    assert [e.id for e in kept] == [edited.id]


def test_limit_and_empty_store(store: Store, filled: Store, analyzer: Analyzer) -> None:
    result = extract_terms(filled, ExtractOptions(limit=3), analyzer=analyzer)
    assert len(result.entries) == 3 == len(list_terms(filled))
    scores = [e.score for e in result.entries]
    assert scores == sorted(scores, reverse=True)


def test_seeds_acceptance(shared: Path, tmp_path: Path, analyzer: Analyzer) -> None:
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    seeds = sorted((shared / "seeds").glob("*.txt"))
    s = open_store(tmp_path / "seeds.db")
    for path in seeds:
        mono = not path.name.startswith("004")
        ingest_file(s, path, IngestOptions(layout="mono") if mono else IngestOptions())
    extract_terms(s, ExtractOptions(), analyzer=analyzer)
    entries = list_terms(s, limit=500)
    got = {e.ja[0].text: [f.text for f in e.en] for e in entries}
    expected = ("川習会", "一般輸出許可", "台湾有事", "戦後秩序", "日米安全保障条約", "レアアース")
    for term in expected:
        assert term in got, term
    assert "strategic ambiguity" in got["戦略的曖昧さ"]
    assert "a very positive framework" in got["非常に前向きな枠組み"]
    assert "IMF" in got["国際通貨基金"]
    assert "pause" in got["休止期間"]
    top100 = [e.ja[0].text for e in entries[:100]]
    for bad in ("電話", "問題", "今回", "習会", "政権内の"):
        assert bad not in top100
    s.close()


_KANA = "カキクケコサシスセソタチツテトナニヌネノ"


def _work(n: int, analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          bilingual: Callable[..., int]) -> int:
    """Calls of the normaliser and of the spelling test made by extracting from *n* units,
    each with a glossed phrase of its own and a katakana word next to an English name."""
    import taiyaku.glossary.extract as extract_mod
    import taiyaku.glossary.pairing as pairing_mod

    calls = [0]

    def counted(fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object) -> object:
            calls[0] += 1
            return fn(*args)
        return wrapper

    monkeypatch.setattr(extract_mod, "normalize", counted(extract_mod.normalize))

    def spells(katakana: str) -> Callable[[str], bool] | None:
        """The spelling test of each katakana term, each of its calls counted."""
        test = pairing_mod.spells(katakana)
        return None if test is None else counted(test)  # type: ignore[return-value]

    monkeypatch.setattr(extract_mod, "spells", spells)
    pairs = []
    for i in range(n):
        word = _KANA[i % 20] + _KANA[(i // 20) % 20] + "ロー"
        pairs.append((f"{word}は「とても{word}な取り組み(a very bold step)」を示した。",
                      f"Mr Dalton{i} described a very bold step."))
    s = open_store(tmp_path / f"work{n}.db")
    bilingual(s, f"doc{n}", pairs)
    extract_terms(s, ExtractOptions(min_freq=1), analyzer=analyzer)
    s.close()
    monkeypatch.undo()
    return calls[0]


def test_extraction_work_grows_linearly(
    analyzer: Analyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    bilingual: Callable[..., int],
) -> None:
    # Twice the units, about twice the work: every glossed phrase once searched through every
    # segment, or every katakana term spelled against every English name, made it four times.
    small = _work(40, analyzer, tmp_path, monkeypatch, bilingual)
    large = _work(80, analyzer, tmp_path, monkeypatch, bilingual)
    assert large / small < 2.6, (small, large)


def test_dictionary_is_optional_and_never_approves(
    filled: Store, analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import taiyaku.glossary.extract as extract_mod
    from taiyaku.glossary.dictionary import open_dictionary

    monkeypatch.setattr(extract_mod, "open_dictionary", lambda: None)  # the extra absent
    extract_terms(filled, ExtractOptions(min_freq=1), analyzer=analyzer)
    without = _by_ja(filled)
    assert without["休止期間"] == ["pause"]
    if open_dictionary() is None:
        pytest.skip("the dict extra is not installed")
    monkeypatch.undo()
    d = open_dictionary()
    assert d is not None and d.glosses("") == () and d.name("") is None
    extract_terms(filled, ExtractOptions(min_freq=1), analyzer=analyzer)
    entries = list_terms(filled, limit=500)
    # 一般輸出許可 has no English in the material: a suggestion composed from its parts
    entry = next(e for e in entries if e.ja[0].text == "一般輸出許可")
    assert filled.glossary.evidence(entry.id)["pairing"]["method"] == "composed"
    assert entry.en and entry.en[0].text.startswith("general export")
    assert all(e.status == "candidate" for e in entries)


def test_suggestions_are_shown_as_such_everywhere(tmp_path: Path) -> None:
    """Issue 19.2: English the machine found carries its method and confidence, and while no
    person approved it, `terms list/search` (text and JSON) and the TBX/CSV/XLSX exports say
    it is a suggestion; approving it, or replacing it by hand, makes it one no longer."""
    import csv

    from click.testing import CliRunner
    from taiyaku.cli import cli
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.exports import tbx
    from taiyaku.glossary.store import TermEdit, edit_term, insert_entry

    db = tmp_path / "g.db"
    store = open_store(db)
    with store.transaction():
        made = insert_entry(
            store, TermEntry(ja=(TermForm("一般輸出許可", "ja"),),
                             en=(TermForm("general export license", "en"),), score=9.0),
            # the pairing may hold the English as extraction compared it (case, number)
            origin="extracted", evidence={"pairing": {
                "method": "composed", "confidence": 0.45, "en": "General Export Licenses"}})
        paired = insert_entry(
            store, TermEntry(ja=(TermForm("休止期間", "ja"),), en=(TermForm("pause", "en"),),
                             score=8.0),
            origin="extracted", evidence={"pairing": {"method": "aligned", "confidence": 0.9,
                                                      "en": "pause"}})
        hand = insert_entry(store, TermEntry(ja=(TermForm("川習会", "ja"),),
                                             en=(TermForm("Trump–Xi summit", "en"),),
                                             status="approved", score=7.0), origin="manual")
    store.close()
    run = CliRunner()

    def cli_json(*args: str) -> dict[str, Any]:
        out = run.invoke(cli, [*args, "--db", str(db), "--json"])
        assert out.exit_code == 0, out.output
        return {e["ja"][0]: e for e in json.loads(out.output)}

    listed = cli_json("terms", "list")
    assert listed["一般輸出許可"]["suggestion"] == {
        "text": "general export license", "method": "composed", "confidence": 0.45}
    assert listed["一般輸出許可"]["en"] == ["general export license"]  # existing field kept
    en_form = listed["一般輸出許可"]["forms"][1]
    assert (en_form["method"], en_form["suggestion"]) == ("composed", True)
    assert listed["休止期間"]["suggestion"]["method"] == "aligned"
    assert listed["川習会"]["suggestion"] is None  # a person's English is no suggestion
    assert cli_json("terms", "search", "一般輸出")["一般輸出許可"]["suggestion"] is not None
    text = run.invoke(cli, ["terms", "list", "--db", str(db)]).output
    line = next(x for x in text.splitlines() if "一般輸出許可" in x)
    assert "general export license [suggested: composed 0.45]" in line
    assert "[suggested" not in next(x for x in text.splitlines() if "川習会" in x)

    # exports: TBX says it in the note a CAT tool shows, CSV/XLSX in their own columns
    tbx_path, csv_path = tmp_path / "g.tbx", tmp_path / "g.csv"
    for path in (tbx_path, csv_path):
        out = run.invoke(cli, ["terms", "export", "-o", str(path), "--db", str(db)])
        assert out.exit_code == 0, out.output
    data = tbx_path.read_text(encoding="utf-8")
    assert ("machine suggestion, not approved: general export license (composed, confidence "
            "0.45)") in data
    back = {e.ja[0].text: e for e in tbx.read(tbx_path.open("rb"), "g.tbx")}
    assert back["一般輸出許可"].en[0].method == "composed"
    assert back["川習会"].en[0].method is None
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["ja"]: r for r in csv.DictReader(f)}
    assert (rows["一般輸出許可"]["en_suggested"], rows["一般輸出許可"]["en_method"],
            rows["一般輸出許可"]["en_confidence"]) == ("yes", "composed", "0.45")
    assert rows["川習会"]["en_suggested"] == rows["川習会"]["en_method"] == ""

    # approved by a person: the English stays, with its origin, but is no suggestion now
    assert run.invoke(cli, ["terms", "set-status", str(paired), "approved", "--db",
                            str(db)]).exit_code == 0
    store = open_store(db)
    edit_term(store, made, TermEdit(en="general licence"))  # replaced by hand
    store.close()
    listed = cli_json("terms", "list")
    assert listed["休止期間"]["suggestion"] is None
    assert listed["休止期間"]["forms"][1]["method"] == "aligned"
    assert listed["一般輸出許可"]["suggestion"] is None
    assert listed["川習会"]["id"] == hand


def test_the_dictionary_entry_of_a_whole_compound_beats_a_composition(
    store: Store, mono: Callable[..., int], analyzer: Analyzer
) -> None:
    """世論調査 is "public opinion poll" in the dictionary: not its parts' first glosses
    joined ("public opinion investigation")."""
    from taiyaku.glossary.dictionary import open_dictionary

    if open_dictionary() is None:
        pytest.skip("the dict extra is not installed (the test extra installs it)")
    mono(store, "mono", ["最新の世論調査が公表された。", "世論調査の結果は割れた。",
                         "世論調査によれば支持率は下がった。"])
    extract_terms(store, ExtractOptions(), analyzer=analyzer)
    entry = next(e for e in list_terms(store, limit=500) if e.ja[0].text == "世論調査")
    assert entry.en[0].text == "public opinion poll"
    assert entry.suggestion_json() == {"text": "public opinion poll", "method": "dictionary",
                                       "confidence": 0.6}


def test_a_composition_uses_the_longest_pieces_the_dictionary_knows(
    store: Store, mono: Callable[..., int], analyzer: Analyzer
) -> None:
    """台湾 + 高速鉄道 (the dictionary's "high-speed rail"), not 台湾 + 高速 + 鉄道; an affix's
    own gloss (産 "innocent") composes nothing."""
    from taiyaku.glossary.dictionary import open_dictionary

    if open_dictionary() is None:
        pytest.skip("the dict extra is not installed (the test extra installs it)")
    mono(store, "mono", ["台湾高速鉄道が延伸する。", "台湾高速鉄道の利用者が増えた。",
                         "台湾高速鉄道は好調だ。", "アメリカ産大豆の輸入が増えた。",
                         "アメリカ産大豆の価格が下がった。"])
    extract_terms(store, ExtractOptions(), analyzer=analyzer)
    got = {e.ja[0].text: e for e in list_terms(store, limit=500)}
    assert got["台湾高速鉄道"].suggestion_json() == {
        "text": "Taiwan high-speed rail", "method": "composed", "confidence": 0.45}
    assert not any("innocent" in f.text for f in got["アメリカ産大豆"].en)


def test_without_the_dictionary_the_word_list_suggests_what_the_tms_english_writes(
    store: Store, mono: Callable[..., int], bilingual: Callable[..., int], analyzer: Analyzer
) -> None:
    """Japanese-only terms get the English of the aligner's built-in word list (the whole
    term's, or its parts' composed) when the TM's English side writes it, as written there;
    what the TM's English does not write is not suggested (the list writes in lower case)."""
    mono(store, "mono", ["財政赤字が拡大した。", "財政赤字の削減が課題だ。",
                         "政府は財政赤字を減らす。", "中央銀行が利上げした。",
                         "中央銀行の判断が注目される。", "報復関税が発動された。",
                         "報復関税の対象が広がった。", "内閣改造が行われた。",
                         "内閣改造の時期が焦点だ。"])
    bilingual(store, "aligned", [
        ("予算が国会で議論された。", "The fiscal deficit was debated in parliament."),
        ("懸念が広がった。", "The fiscal deficit worried investors."),
        ("金利が上がった。", "The Central Bank raised rates again."),
        ("金利は今年も上がる。", "The Central Bank will raise rates this year too."),
        ("市場は落ち着いている。", "Markets are calm."),
        ("首相は閣僚を替える。", "The premier will reshuffle ministers."),
    ])
    extract_terms(store, ExtractOptions(dictionary=False), analyzer=analyzer)
    got = {e.ja[0].text: e for e in list_terms(store, limit=500)}
    assert got["財政赤字"].en[0].text == "fiscal deficit"
    assert got["財政赤字"].suggestion_json() == {"text": "fiscal deficit", "method": "composed",
                                              "confidence": 0.75}
    # (as the TM's English writes it: the list's "central bank" is lower case)
    assert got["中央銀行"].suggestion_json() == {"text": "Central Bank",
                                              "method": "dictionary", "confidence": 0.75}
    assert not got["報復関税"].en  # "retaliation tariff" is nowhere in the TM's English
    # the list's later single word ("cabinet reshuffle|reshuffle") is often another part of
    # speech: the verb "reshuffle" is no suggestion for 内閣改造
    assert not got["内閣改造"].en
