"""Correcting the TM (issue 17): ``tm edit``, ``tm delete``, ``documents`` (list, show,
remove). After each change, search and pre-translation see exactly what is stored (checked
against a scan of every unit), the file passes ``db check``, and an unknown id is one line
that changes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli
from taiyaku.core.errors import InputError, NotFoundError
from taiyaku.core.model import NewUnit, Segment
from taiyaku.store import NewSegment, Store, check_database, open_store
from taiyaku.tm.edit import (
    delete_unit,
    edit_unit,
    list_documents,
    remove_document,
    show_document,
)
from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_document
from taiyaku.tm.search import concordance, find_matches

WRONG = ("「米中の接近」だけを見て安心するのも危険なら、",
         "while Washington and Beijing cautiously explore a managed rivalry")
PAIRS = [WRONG,
         ("日米同盟は地域の安定の要だ。", "The U.S.-Japan alliance anchors regional stability."),
         ("京都の寺を訪ねた。", "We visited a temple in Kyoto."),
         ("奈良の鹿に会った。", "We met the deer of Nara.")]


@pytest.fixture
def tm(store: Store) -> Store:
    with store.transaction():
        doc = store.documents.add("article", layout="pair", kind="bilingual")
        ids = store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(PAIRS)])
        store.segments.add(doc, [NewSegment(lang, i, text, unit_id=uid)
                                 for i, (pair, uid) in enumerate(zip(PAIRS, ids, strict=True))
                                 for lang, text in zip(("ja", "en"), pair, strict=True)])
    return store


def _sees_exactly_what_is_stored(store: Store, gone: list[tuple[str, str]]) -> None:
    """Every stored unit is its own 100% match in search and pre-translation (with its own
    English), and texts no longer stored (*gone*) match nothing exactly."""
    units = {u.id: u for u in store.units.iterate()}
    for u in units.values():
        best = find_matches(store, u.ja, limit=1)[0]
        assert (best.id, best.score, best.target) == (u.id, 100.0, u.en)
    queries = [u.ja for u in units.values()] + [ja for ja, _ in gone]
    doc = pretranslate_document(store, [Segment(q, "ja") for q in queries],
                                PretranslateOptions(output=Path("unused.json")))
    by_text = {u.ja: u.en for u in units.values()}
    for seg in doc.segments:
        if seg.source in by_text:
            assert seg.target == by_text[seg.source]
        else:
            assert seg.target is None and all(m.id in units for m in seg.matches)
    for ja, en in gone:
        assert all(m.score < 100 or m.target != en for m in find_matches(store, ja))
    assert store.path is not None and check_database(store.path).ok


def _file_state(store: Store) -> str:
    """The committed content, byte for byte (after a checkpoint)."""
    assert store.path is not None
    store.close()
    reopened = open_store(store.path)
    reopened.close()
    return hashlib.sha256(store.path.read_bytes()).hexdigest()


def test_edit_is_seen_at_once_by_search_and_pretranslate(tm: Store) -> None:
    uid = next(u.id for u in tm.units.iterate() if u.ja == WRONG[0])
    right = "it is just as dangerous to take comfort in the US–China rapprochement alone"
    change = edit_unit(tm, uid, en=right)
    assert change.before.en == WRONG[1] and change.after is not None
    assert (change.after.ja, change.after.en) == (WRONG[0], right)
    _sees_exactly_what_is_stored(tm, [WRONG])
    assert concordance(tm, "managed rivalry") == []
    assert [h.id for h in concordance(tm, "comfort")] == [uid]
    # the Japanese side too: the old text is gone from the index
    edit_unit(tm, uid, ja="米中の接近だけで安心するのは危険だ。")
    _sees_exactly_what_is_stored(tm, [WRONG])
    assert concordance(tm, "安心するのも") == []


def test_delete_is_seen_at_once(tm: Store) -> None:
    uid = next(u.id for u in tm.units.iterate() if u.ja == PAIRS[2][0])
    change = delete_unit(tm, uid)
    assert change.after is None and change.before.en == PAIRS[2][1]
    assert tm.units.get(uid) is None
    _sees_exactly_what_is_stored(tm, [PAIRS[2]])
    doc = tm.documents.all()[0]
    aligned = [s.unit_id for s in tm.segments.of_document(doc.id)]
    assert uid not in aligned and aligned.count(None) == 2  # its segments are unaligned now


def test_document_remove_is_seen_at_once(tm: Store) -> None:
    with tm.transaction():
        other = tm.documents.add("other", layout="pair", kind="bilingual")
        tm.units.add(other, [NewUnit("大阪城を見た。", "We saw Osaka Castle.", 0)])
    (first, second) = list_documents(tm).documents
    assert (first.units, first.segments_ja, second.units) == (4, 4, 1)
    detail = show_document(tm, first.document.id)
    assert [s.text for s in detail.segments if s.lang == "ja"] == [ja for ja, _ in PAIRS]
    removal = remove_document(tm, first.document.id)
    assert (removal.removed.units, removal.removed.segments) == (4, 8)
    assert [d.name for d in tm.documents.all()] == ["other"]
    _sees_exactly_what_is_stored(tm, PAIRS)


@pytest.mark.parametrize("call", [
    lambda s: edit_unit(s, 999, en="x"),
    lambda s: delete_unit(s, 999),
    lambda s: remove_document(s, 999),
    lambda s: show_document(s, 999),
], ids=["edit", "delete", "remove", "show"])
def test_unknown_ids_are_one_line_and_change_nothing(tm: Store, call: object) -> None:
    before = _file_state(tm)
    store = open_store(tm.path)
    try:
        with pytest.raises(NotFoundError, match=r"^(unit|document) 999: no such") as e:
            call(store)  # type: ignore[operator]
        assert "\n" not in str(e.value)
    finally:
        store.close()
    assert _file_state(tm) == before


def test_edit_needs_a_text(tm: Store) -> None:
    uid = next(iter(tm.units.iterate())).id
    with pytest.raises(InputError, match="give --ja and/or --en"):
        edit_unit(tm, uid)
    with pytest.raises(InputError, match="empty"):
        edit_unit(tm, uid, en="  ")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_round_trip_with_json(tmp_path: Path) -> None:
    # the case: a.tsv holds X; b.tsv holds X and Y. Removing a.tsv keeps X, which
    # b.tsv holds too; search and export see X and Y.
    db = str(tmp_path / "cli.db")
    x, y = ("港に船が着いた。", "A ship arrived at the port."), ("雨が降った。", "It rained.")
    (tmp_path / "a.tsv").write_text(f"ja\ten\n{x[0]}\t{x[1]}\n", encoding="utf-8")
    (tmp_path / "b.tsv").write_text(f"ja\ten\n{x[0]}\t{x[1]}\n{y[0]}\t{y[1]}\n",
                                    encoding="utf-8")
    for name in ("a.tsv", "b.tsv"):
        assert _run("tm", "import", str(tmp_path / name), "--db", db)[0] == 0
    code, out, _ = _run("documents", "--json", "--db", db)
    listed = json.loads(out)
    assert code == 0 and [(d["name"], d["units"], d["shared_units"]) for d in listed] == [
        ("a.tsv", 1, 0), ("b.tsv", 1, 1)]
    code, out, _ = _run("documents", "--db", db)
    assert code == 0 and out.count("\n") == 2 and "a.tsv  tsv  0+0 segments  1 units" in out
    assert str(tmp_path / "b.tsv") in out
    code, out, _ = _run("documents", "remove", str(listed[0]["id"]), "--json", "--db", db)
    assert code == 0 and json.loads(out)["units_kept"] == 1
    code, out, _ = _run("tm", "search", x[0], "--json", "--db", db)
    (match,) = json.loads(out)["matches"]
    assert (match["score"], match["target"], match["document"]) == (100.0, x[1], "b.tsv")
    code, out, _ = _run("tm", "edit", str(match["id"]), "--en", "A ship reached the port.",
                        "--json", "--db", db)
    assert code == 0 and json.loads(out)["after"]["en"] == "A ship reached the port."
    code, out, _ = _run("tm", "search", x[0], "--json", "--db", db)
    assert json.loads(out)["matches"][0]["target"] == "A ship reached the port."
    code, out, _ = _run("tm", "delete", str(match["id"]), "--json", "--db", db)
    assert code == 0 and json.loads(out)["deleted"] is True
    code, out, _ = _run("tm", "search", x[0], "--json", "--db", db)
    assert json.loads(out)["matches"] == []
    code, out, _ = _run("documents", "show", str(listed[1]["id"]), "--json", "--db", db)
    assert code == 0 and json.loads(out)["units"] == 1
    code, _, err = _run("tm", "delete", str(match["id"]), "--db", db)
    assert code == 1 and err.startswith("Error: unit ") and err.count("\n") == 1
    code, _, err = _run("documents", "remove", "77", "--db", db)
    assert code == 1 and "document 77: no such document" in err and err.count("\n") == 1
