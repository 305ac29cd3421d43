"""The SQLite beads area: a document stored before beads were kept (an empty ``beads``
table) has its beads read back from its segments' unit links, and an edit keeps them."""

from __future__ import annotations

from pathlib import Path

from taiyaku.store import open_store
from taiyaku.tm import alignedit
from taiyaku.tm.ingest import IngestOptions, ingest_file


def _pair(folder: Path) -> tuple[Path, Path]:
    ja = ["【解説】"] + [f"第{k + 1}回の会合で、代表団は港湾について{k * 7 + 3}分間議論した。"
                       for k in range(6)]
    en = [f"At meeting number {k + 1}, the delegations discussed ports for {k * 7 + 3} "
          "minutes." for k in range(6)]
    pj, pe = folder / "ja.txt", folder / "en.txt"
    pj.write_text("\n".join(ja) + "\n", encoding="utf-8")
    pe.write_text("\n".join(en) + "\n", encoding="utf-8")
    return pj, pe


def test_documents_stored_before_beads_are_read_from_their_segments(tmp_path: Path) -> None:
    pj, pe = _pair(tmp_path)
    with open_store(tmp_path / "t.db") as store:
        ingest_file(store, pj, IngestOptions(en_path=pe, presegmented=True, name="d"))
        doc = alignedit.load(store, "d")
        assert any(not b.paired for b in doc.beads) and any(b.paired for b in doc.beads)
        store.conn.execute("DELETE FROM beads")
        legacy = alignedit.load(store, "d")
        assert [(b.ja_ids, b.en_ids, b.unit_id) for b in legacy.beads] == [
            (b.ja_ids, b.en_ids, b.unit_id) for b in doc.beads]
        first = next(b.position for b in legacy.beads if b.paired)
        alignedit.merge_next(store, "d", 0, first)
        after = alignedit.load(store, "d")
        # the beads are kept from now on, and the units follow them
        (rows,) = store.conn.execute("SELECT count(*) FROM beads").fetchone()
        assert rows == len(after.beads) == len(legacy.beads) - 1
        assert {(u.ja, u.en) for u in store.units.iterate()} == {
            after.texts(b) for b in after.beads if b.paired}
