"""Helpers for the alignment-edit tests: a KNH-like generated document and exhaustive checks
of what is stored (units, segment links, the fuzzy index) against the beads."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from taiyaku.tm import alignedit, index
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.tm.store import Store

TOPICS = [("輸出規制", "export controls"), ("半導体", "semiconductors"),
          ("同盟", "the alliance"), ("関税", "tariffs"), ("原子力", "nuclear power"),
          ("漁業", "fisheries"), ("観光", "tourism"), ("気候変動", "climate change")]
VERBS = [("議論した", "discussed"), ("合意した", "agreed on"), ("批判した", "criticised"),
         ("説明した", "explained")]


def sentence(n: int) -> tuple[str, str]:
    """The n-th generated sentence pair (unique by its number)."""
    ja_t, en_t = TOPICS[n % len(TOPICS)]
    ja_v, en_v = VERBS[n % len(VERBS)]
    return (f"第{n + 1}回の会合で、代表団は{ja_t}について{n * 7 + 3}分間{ja_v}。",
            f"At the meeting number {n + 1}, the delegations {en_v} {en_t} for "
            f"{n * 7 + 3} minutes.")


def knh_like(folder: Path, n: int = 12, *, change: int | None = None) -> tuple[Path, Path]:
    """A document shaped like the KNH article: a Japanese-only lead paragraph and page
    furniture in one language only around body sentences that pair 1-1. *change* rewrites
    that body sentence (both languages) to make a changed version of the file."""
    ja = ["【ニュース解説】", "米中の接近だけを見て安心するのも危険だ。"]
    en = ["Share this article"]
    for k in range(n):
        a, b = sentence(k)
        if k == change:
            a, b = a.replace("代表団", "両国の代表団"), b.replace("delegations", "two delegations")
        ja.append(a)
        en.append(b)
    ja.append("関連記事：輸出規制の行方")
    en.append("Advertisement")
    folder.mkdir(parents=True, exist_ok=True)
    pj, pe = folder / "knh-ja.txt", folder / "knh-en.txt"
    pj.write_text("\n".join(ja) + "\n", encoding="utf-8")
    pe.write_text("\n".join(en) + "\n", encoding="utf-8")
    return pj, pe


def ingest_knh(store: Store, folder: Path, n: int = 12, *, name: str = "knh",
               review: Path | None = None) -> alignedit.DocumentAlignment:
    """Ingest :func:`knh_like` (presegmented: one segment per line) and load its beads."""
    pj, pe = knh_like(folder, n)
    ingest_file(store, pj, IngestOptions(en_path=pe, presegmented=True, name=name,
                                         review=review))
    return alignedit.load(store, name)


def unit_pairs(store: Store, doc_id: int) -> set[tuple[str, str]]:
    """(ja, en) of every unit stored under the document."""
    return {(str(a), str(b)) for a, b in store.query(
        "SELECT ja, en FROM units WHERE doc_id = ?", (doc_id,))}


def expected_pairs(doc: alignedit.DocumentAlignment) -> set[tuple[str, str]]:
    """(ja, en) of every paired bead: the TM the beads describe."""
    return {doc.texts(b) for b in doc.beads if b.paired}


def assert_index_exact(store: Store) -> None:
    """Every posting list holds exactly the units that have its key, and every unit (and
    no other id) has its English token codes: the index as a rebuild would make it."""
    want: dict[str, set[int]] = defaultdict(set)
    ids = set()
    for uid, ja_norm, en_norm in store.query("SELECT id, ja_norm, en_norm FROM units"):
        ids.add(int(uid))
        for key in index.unit_keys(ja_norm, en_norm):
            want[key].add(int(uid))
    have: dict[str, list[int]] = defaultdict(list)
    for key, blob in store.query("SELECT key, ids FROM fuzzy_postings ORDER BY key, chunk"):
        have[key].extend(index._from_blob(blob))
    assert {k: sorted(v) for k, v in have.items()} == {k: sorted(v) for k, v in want.items()}
    dfs = {str(k): int(df) for k, df in store.query("SELECT key, df FROM fuzzy_keys")}
    assert dfs == {k: len(v) for k, v in want.items()}
    assert {int(i) for (i,) in store.query("SELECT id FROM fuzzy_tokens")} == ids


def assert_consistent(store: Store, name: str) -> alignedit.DocumentAlignment:
    """The stored units, segment links and index agree with the stored beads."""
    doc = alignedit.load(store, name)
    assert [b.position for b in doc.beads] == list(range(len(doc.beads)))
    # every segment in exactly one bead, in document order on both sides (no crossing)
    assert [i for b in doc.beads for i in b.ja_ids] == list(range(len(doc.ja)))
    assert [i for b in doc.beads for i in b.en_ids] == list(range(len(doc.en)))
    assert all(b.ja_ids or b.en_ids for b in doc.beads)
    assert unit_pairs(store, doc.doc_id) == expected_pairs(doc)
    links = {(str(lang), int(pos)): uid for lang, pos, uid in store.query(
        "SELECT lang, position, unit_id FROM segments WHERE doc_id = ?", (doc.doc_id,))}
    for b in doc.beads:
        assert (b.unit_id is not None) == b.paired
        if b.unit_id is not None:
            ((ja, en),) = store.query("SELECT ja, en FROM units WHERE id = ?", (b.unit_id,))
            assert (ja, en) == doc.texts(b)
        for i in b.ja_ids:
            assert links[("ja", i)] == b.unit_id
        for i in b.en_ids:
            assert links[("en", i)] == b.unit_id
    positions = [int(p) for (p,) in store.query(
        "SELECT position FROM units WHERE doc_id = ? ORDER BY position", (doc.doc_id,))]
    assert positions == list(range(len(positions)))
    assert_index_exact(store)
    assert store.query("PRAGMA integrity_check")[0][0] == "ok"
    return doc
