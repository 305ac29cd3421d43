"""Helpers for the alignment-edit tests: a KNH-like generated document and exhaustive checks
of what is stored (units, segment links, the fuzzy index) against the beads."""

from __future__ import annotations

from pathlib import Path

from taiyaku.core.matchkeys import unit_keys
from taiyaku.store import Store
from taiyaku.tm import alignedit
from taiyaku.tm.ingest import IngestOptions, ingest_file

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
    return {(u.ja, u.en) for u in store.units.iterate() if u.doc_id == doc_id}


def expected_pairs(doc: alignedit.DocumentAlignment) -> set[tuple[str, str]]:
    """(ja, en) of every paired bead: the TM the beads describe."""
    return {doc.texts(b) for b in doc.beads if b.paired}


#: every key a unit has had in this process: a deleted unit's keys are looked up too, so a
#: posting it left behind is found
_SEEN_KEYS: set[str] = set()


def assert_index_exact(store: Store) -> None:
    """For every key of a stored unit (and of every unit seen before), the fuzzy index holds
    exactly the units that have it and counts them; every unit (and no other id) has its
    English token codes: the index as a rebuild would make it."""
    units = list(store.units.iterate())
    keys_of = {u.id: unit_keys(u.ja_norm, u.en_norm) for u in units}
    for ks in keys_of.values():
        _SEEN_KEYS.update(ks)
    counts = store.fuzzy.key_counts(_SEEN_KEYS)
    for key in _SEEN_KEYS:
        want = sorted(uid for uid, ks in keys_of.items() if key in ks)
        assert list(store.fuzzy.holders(key)) == want, key
        assert counts.get(key, 0) == len(want), key
    ids = sorted(keys_of)
    probe = ids + [max(ids, default=0) + k for k in range(1, 50)]
    assert sorted(uid for uid, _ in store.fuzzy.token_codes(probe)) == ids


def snapshot(store: Store) -> tuple[object, ...]:
    """Everything an alignment change may touch, read through the interface: units,
    segments, each document's beads, revision and history, and the index's answers."""
    docs = store.documents.all()
    units = list(store.units.iterate())
    keys = set(_SEEN_KEYS)
    for u in units:
        keys |= unit_keys(u.ja_norm, u.en_norm)
    return (tuple(docs), tuple(units),
            tuple(tuple(store.segments.of_document(d.id)) for d in docs),
            tuple((tuple(store.beads.beads(d.id)), store.beads.revision(d.id),
                   tuple(store.beads.history(d.id))) for d in docs),
            tuple(sorted((k, tuple(store.fuzzy.holders(k))) for k in keys)),
            tuple(sorted(store.fuzzy.key_counts(keys).items())),
            tuple(store.fuzzy.token_codes([u.id for u in units])))


def assert_consistent(store: Store, name: str) -> alignedit.DocumentAlignment:
    """The stored units, segment links and index agree with the stored beads."""
    doc = alignedit.load(store, name)
    assert [b.position for b in doc.beads] == list(range(len(doc.beads)))
    # every segment in exactly one bead, in document order on both sides (no crossing)
    assert [i for b in doc.beads for i in b.ja_ids] == list(range(len(doc.ja)))
    assert [i for b in doc.beads for i in b.en_ids] == list(range(len(doc.en)))
    assert all(b.ja_ids or b.en_ids for b in doc.beads)
    assert unit_pairs(store, doc.doc_id) == expected_pairs(doc)
    links = {(s.lang, s.position): s.unit_id for s in store.segments.of_document(doc.doc_id)}
    for b in doc.beads:
        assert (b.unit_id is not None) == b.paired
        if b.unit_id is not None:
            unit = store.units.get(b.unit_id)
            assert unit is not None and (unit.ja, unit.en) == doc.texts(b)
        for i in b.ja_ids:
            assert links[("ja", i)] == b.unit_id
        for i in b.en_ids:
            assert links[("en", i)] == b.unit_id
    positions = sorted(u.position for u in store.units.iterate() if u.doc_id == doc.doc_id)
    assert positions == list(range(len(positions)))
    assert_index_exact(store)
    return doc
