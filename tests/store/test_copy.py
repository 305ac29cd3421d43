"""``db copy`` (:mod:`taiyaku.store.copy`): a store copied into another backend and back gives
the same exports byte for byte, keeps what the exports do not show (beads, confirmations, the
undo history, holders, evidence, removed forms, dismissed terms, QA false positives), refuses
a non-empty destination, and merges without overwriting a person's decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.core.errors import InputError
from taiyaku.core.findings import Finding
from taiyaku.store import Store, open_store
from taiyaku.store.copy import copy_store
from taiyaku.store.interface import is_bookkeeping

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"

_EXTRA_TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" datatype="plaintext"
 segtype="sentence" adminlang="en" srclang="ja" o-tmf="t"/><body>
<tu creationdate="20230105T101500Z"><prop type="x-client">港湾局</prop><note>要確認</note>
 <tuv xml:lang="ja"><seg>本の返却期限は二週間です。</seg></tuv>
 <tuv xml:lang="en"><seg>Books are due back in two weeks.</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg>'); DROP TABLE units; --</seg></tuv>
 <tuv xml:lang="en"><seg>a hostile text stays text</seg></tuv></tu>
</body></tmx>
"""


class _FrozenDatetime(dt.datetime):
    """The TBX header says when it was exported: the same moment for every export here."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FrozenDatetime:
        return cls(2026, 1, 2, 3, 4, 5, tzinfo=tz)


def _build(store: Store, tmp: Path) -> None:
    """A store with a bit of everything a person can make."""
    from taiyaku.glossary.io import import_glossary
    from taiyaku.glossary.store import TermEdit, add_term, delete_terms, edit_term, set_status
    from taiyaku.tm import alignedit
    from taiyaku.tm.ingest import IngestOptions, ingest_file
    from taiyaku.tm.tmio import import_tm

    ingest_file(store, DATA / "ingest_pair_ja.txt",
                IngestOptions(en_path=DATA / "ingest_pair_en.txt", layout="pair"))
    doc = store.documents.all()[0].name
    rev = alignedit.confirm(store, doc, 0, [0]).revision
    rev = alignedit.unpair(store, doc, rev, 1).revision
    import_tm(store, DATA / "tmimport_project_save.tmx")
    extra = tmp / "extra.tmx"
    extra.write_text(_EXTRA_TMX, encoding="utf-8")
    import_tm(store, extra)  # one duplicate: the second document holds the first one's unit
    import_glossary(store, DATA / "fmt_other_tool_v3.tbx", allow_monolingual=True)
    first = add_term(store, "港湾", "port", note="harbour authority usage")
    gone = add_term(store, "騒音", "noise", status="candidate")
    kept = add_term(store, "環境", "environment", status="candidate")
    set_status(store, kept.id or 0, "forbidden")
    edit_term(store, first.id or 0, TermEdit(add_en=("harbor", "haven"),
                                             definition="a place for ships"))
    edit_term(store, first.id or 0, TermEdit(remove=("haven",)))
    delete_terms(store, [gone.id or 0])  # a gap in the ids, and a dismissed term
    add_term(store, "'); DROP TABLE terms; --", "hostile", status="candidate")
    with store.transaction():
        store.qa.remember("job.xlf", [Finding("7", "numbers", "error", "3人", "three", "m")])


def _exports(store: Store, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    from taiyaku.exports import tbx
    from taiyaku.glossary.io import export_glossary
    from taiyaku.tm.tmio import export_tm

    monkeypatch.setattr(tbx, "datetime", _FrozenDatetime)
    out.mkdir()
    export_tm(store, out / "tm.tmx")
    export_glossary(store, out / "terms.tbx")
    export_glossary(store, out / "terms.csv")
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _hidden(store: Store) -> dict[str, object]:
    """What the exports do not show, with ids replaced by what they stand for."""
    docs = store.documents.all()
    names = {d.id: d.name for d in docs}
    units = {u.id: (u.ja, u.en) for u in store.units.iterate()}
    segs = {s.id: (names[s.doc_id], s.lang, s.position)
            for d in docs for s in store.segments.of_document(d.id)}
    area = store.glossary
    entries = area.stored(sorted(area.ranked_ids()))

    def bead(b: object) -> object:
        from taiyaku.store.beads import StoredBead

        assert isinstance(b, StoredBead)
        return (b.position, b.ja_ids, b.en_ids, b.score, b.confirmed,
                units.get(b.unit_id) if b.unit_id else None)

    return {
        "documents": [(d.name, d.layout, d.kind, d.created, d.source_path, d.sha256)
                      for d in docs],
        "segments": [[(s.lang, s.position, s.text, s.kind, units.get(s.unit_id or 0))
                      for s in store.segments.of_document(d.id)] for d in docs],
        "beads": [[bead(b) for b in store.beads.beads(d.id)] for d in docs],
        "revisions": [store.beads.revision(d.id) for d in docs],
        "history": [[(e.revision, e.action, e.start, [bead(b) for b in e.before],
                      [bead(b) for b in e.after], e.created)
                     for e in store.beads.history(d.id)] for d in docs],
        "holders": sorted((units[u], names[d], p) for u, d, p in store.units.holders()),
        "units": [(u.ja, u.en, u.document, u.position, u.bead, u.confidence, u.created,
                   u.props, u.also_in) for u in store.units.iterate()],
        "terms": [(e.entry.id, e.entry.status, e.entry.note, e.entry.definition,
                   e.entry.sources, e.forms, e.state, e.created, e.updated, e.removed,
                   [segs[i] for i in e.entry.evidence],
                   [segs[i] for i in e.evidence.get("segments", [])],
                   [units[i] for i in e.evidence.get("units", [])]) for e in entries],
        "dismissed": (area.dismissed("ja"), area.dismissed("en")),
        "qa": store.qa.all(),
        "meta": {k: v for k, v in store.meta.all().items() if not is_bookkeeping(k)},
    }


def test_round_trip_through_each_backend_gives_identical_exports(
        backend: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = open_store(tmp_path / "source.db")
    back = open_store(tmp_path / "back.db")
    try:
        _build(source, tmp_path)
        before = _exports(source, tmp_path / "before", monkeypatch)
        hidden = _hidden(source)
        first = copy_store(source, backend)
        copy_store(backend, back)
        after = _exports(back, tmp_path / "after", monkeypatch)
        middle = _exports(backend, tmp_path / "middle", monkeypatch)
        assert after == before
        assert middle == before
        assert _hidden(back) == hidden
        assert _hidden(backend) == hidden
        assert (first.documents, first.units, first.units_merged) == (
            3, source.counts()["units"], 0)
        # the copy's fuzzy index is whole: the copied TM finds what the original finds
        from taiyaku.tm.search import find_matches

        for query in ("本の返却期限は二週間です。", "港の朝市", "library card"):
            assert ([(m.score, m.source, m.target) for m in find_matches(back, query)]
                    == [(m.score, m.source, m.target) for m in find_matches(source, query)])
    finally:
        source.close()
        back.close()


def test_a_destination_that_holds_anything_is_refused_and_left_as_it_was(
        backend: Store, tmp_path: Path) -> None:
    from taiyaku.glossary.store import add_term

    source = open_store(tmp_path / "source.db")
    try:
        add_term(source, "港湾", "port")
        add_term(backend, "環境", "environment")
        before = _hidden(backend)
        with pytest.raises(InputError, match="not empty .*1 terms.*--merge"):
            copy_store(source, backend, destination="team")
        assert _hidden(backend) == before
    finally:
        source.close()


def test_merge_keeps_the_destinations_decisions_and_stores_duplicates_once(
        backend: Store, tmp_path: Path) -> None:
    from taiyaku.core.model import NewUnit
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.glossary.store import add_term, insert_entry, iter_entries, set_status

    source = open_store(tmp_path / "source.db")
    try:
        for store, en in ((backend, "Kyoto"), (source, "Kyoto city")):
            with store.transaction():
                doc = store.documents.add("news.txt", layout="pair", kind="bilingual")
                store.units.add(doc, [NewUnit("京都", en, 0), NewUnit("大阪", "Osaka", 1)])
        add_term(backend, "港湾", "port")  # approved by a person in the destination
        add_term(source, "港湾", "port", status="forbidden")
        environment = TermEntry(ja=(TermForm("環境", "ja"),), en=(TermForm("environment", "en"),))
        with backend.transaction():  # extraction found it; nobody decided about it…
            insert_entry(backend, environment, origin="extracted")
        with source.transaction():
            insert_entry(source, environment, origin="extracted")
        set_status(source, 2, "approved")  # …but the source's reviewer did
        add_term(source, "騒音", "noise")
        result = copy_store(source, backend, merge=True)
        assert result.renamed == (("news.txt", "news.txt (2)"),)
        assert (result.units, result.units_merged) == (1, 1)
        assert (result.terms, result.terms_kept, result.terms_replaced) == (1, 1, 1)
        pairs = sorted((u.ja, u.en, u.document, u.also_in) for u in backend.units.iterate())
        assert pairs == [("京都", "Kyoto", "news.txt", ()),
                         ("京都", "Kyoto city", "news.txt (2)", ()),
                         ("大阪", "Osaka", "news.txt", ("news.txt (2)",))]
        terms = {e.ja[0].text: e.status for e in iter_entries(backend)}
        assert terms == {"港湾": "approved", "環境": "approved", "騒音": "approved"}
    finally:
        source.close()


def test_cli_copies_and_refuses_the_same_database(tmp_path: Path) -> None:
    from taiyaku.cli import cli
    from taiyaku.glossary.store import add_term

    src, dst = tmp_path / "a.db", tmp_path / "b.db"
    with open_store(src) as store:
        add_term(store, "港湾", "port")
    runner = CliRunner()
    done = runner.invoke(cli, ["db", "copy", str(src), str(dst), "--json"])
    assert done.exit_code == 0, done.output
    assert '"terms": 1' in done.output
    again = runner.invoke(cli, ["db", "copy", str(src), str(dst)])
    assert again.exit_code == 1
    assert "not empty" in again.output and "--merge" in again.output
    same = runner.invoke(cli, ["db", "copy", str(src), str(src)])
    assert same.exit_code == 1 and "the same database" in same.output
