"""Backend contract: stored alignments (the beads area) — beads in order, revisions, the edit
history, and a bead change that makes and deletes TM units with the fuzzy index kept exact in
the same transaction (or nothing at all when the transaction fails)."""

from __future__ import annotations

import pytest
from store_contract import assert_index_exact, stored
from taiyaku.core.matchkeys import unit_keys
from taiyaku.core.model import NewUnit
from taiyaku.store import NewSegment, Store
from taiyaku.store.beads import BeadUnit, StoredBead

JA = ["港湾の整備が進む。", "輸出規制が強化された。", "会談は来週に続く。"]
EN = ["Port works go ahead.", "Export controls were tightened.", "Talks continue next week."]


def _aligned(store: Store) -> tuple[int, list[int]]:
    """A document of three 1-1 beads, each with its unit, as ingest stores it."""
    with store.transaction():
        doc = store.documents.add("d", layout="halves", kind="bilingual")
        pairs = list(zip(JA, EN, strict=True))
        ids = store.units.add(doc, [NewUnit(j, e, k) for k, (j, e) in enumerate(pairs)])
        unit_ids = [i for i in ids if i is not None]
        store.segments.add(doc, [NewSegment(lang, k, text, unit_id=unit_ids[k])
                                 for lang, texts in (("ja", JA), ("en", EN))
                                 for k, text in enumerate(texts)])
        store.beads.store_alignment(doc, [StoredBead(k, (k,), (k,), 0.9, unit_id=u)
                                          for k, u in enumerate(unit_ids)])
    return doc, unit_ids


def test_beads_come_back_in_order_at_revision_zero(backend: Store) -> None:
    doc, units = _aligned(backend)
    beads = backend.beads.beads(doc)
    assert [(b.position, b.ja_ids, b.en_ids, b.unit_id) for b in beads] == [
        (k, (k,), (k,), u) for k, u in enumerate(units)]
    assert not any(b.confirmed for b in beads)
    assert backend.beads.revision(doc) == 0
    assert backend.beads.segment_texts(doc, "ja") == JA
    assert backend.beads.history(doc) == []


def test_unpairing_a_bead_deletes_its_unit_and_keeps_the_index_exact(backend: Store) -> None:
    doc, units = _aligned(backend)
    gone = backend.units.get(units[1])
    assert gone is not None
    with backend.transaction():
        edit = backend.beads.replace(doc, 1, 1, [StoredBead(1, (1,), (), 1.0, confirmed=True),
                                                 StoredBead(2, (), (1,), 1.0, confirmed=True)],
                                     [None, None], action="unpair")
    assert edit.revision == 1 and [b.unit_id for b in edit.before] == [units[1]]
    assert backend.beads.revision(doc) == 1
    assert [(b.ja_ids, b.en_ids) for b in backend.beads.beads(doc)] == [
        ((0,), (0,)), ((1,), ()), ((), (1,)), ((2,), (2,))]
    assert set(stored(backend)) == {units[0], units[2]}
    assert_index_exact(backend, unit_keys(gone.ja_norm, gone.en_norm))
    assert [e.action for e in backend.beads.history(doc)] == ["unpair"]


def test_merging_two_beads_makes_one_unit_of_their_texts(backend: Store) -> None:
    doc, units = _aligned(backend)
    ja, en = JA[0] + JA[1], EN[0] + " " + EN[1]
    with backend.transaction():
        backend.beads.replace(doc, 0, 2, [StoredBead(0, (0, 1), (0, 1), 1.0, confirmed=True)],
                              [BeadUnit(ja, en)], action="merge")
    beads = backend.beads.beads(doc)
    assert [(b.ja_ids, b.en_ids, b.confirmed) for b in beads] == [
        ((0, 1), (0, 1), True), ((2,), (2,), False)]
    made = beads[0].unit_id
    assert made is not None and made not in units
    assert stored(backend) == {made: (ja, en, "d"), units[2]: (JA[2], EN[2], "d")}
    assert_index_exact(backend)


def test_a_failed_transaction_leaves_beads_units_and_revision_as_they_were(
    backend: Store,
) -> None:
    doc, units = _aligned(backend)
    before = (backend.beads.beads(doc), stored(backend), backend.beads.revision(doc))
    with pytest.raises(RuntimeError), backend.transaction():
        backend.beads.replace(doc, 0, 2, [StoredBead(0, (0, 1), (0, 1), 1.0)],
                              [BeadUnit(JA[0] + JA[1], EN[0] + EN[1])], action="merge")
        raise RuntimeError("the command failed after the change")
    assert (backend.beads.beads(doc), stored(backend), backend.beads.revision(doc)) == before
    assert backend.beads.history(doc) == []
    assert_index_exact(backend)


def test_an_undone_edit_can_be_dropped_from_the_history(backend: Store) -> None:
    doc, units = _aligned(backend)
    with backend.transaction():
        first = backend.beads.replace(
            doc, 2, 1, [StoredBead(2, (2,), (2,), 1.0, confirmed=True, unit_id=units[2])],
            [None], action="confirm")
        backend.beads.replace(
            doc, 0, 1, [StoredBead(0, (0,), (0,), 1.0, confirmed=True, unit_id=units[0])],
            [None], action="confirm")
    assert set(stored(backend)) == set(units)  # a confirmed bead keeps its unit
    assert [e.revision for e in backend.beads.history(doc)] == [first.revision, 2]
    with backend.transaction():
        backend.beads.drop_last_edit(doc, 2)
    assert [e.revision for e in backend.beads.history(doc)] == [first.revision]


def test_restore_sets_the_revision_and_history_a_copy_brings(backend: Store) -> None:
    doc, units = _aligned(backend)
    before = (StoredBead(1, (1,), (1,), 0.9, unit_id=units[1]),)
    after = (StoredBead(1, (1,), (1,), 0.9, confirmed=True, unit_id=units[1]),)
    from taiyaku.store.beads import BeadEdit

    edits = [BeadEdit(doc, 3, "confirm", 1, before, after, "2024-01-02T03:04:05Z"),
             BeadEdit(doc, 5, "unconfirm", 1, after, before, "2024-01-03T03:04:05Z")]
    with backend.transaction():
        backend.beads.restore(doc, 5, edits)
    assert backend.beads.revision(doc) == 5
    assert backend.beads.history(doc) == edits
    with backend.transaction():
        backend.beads.restore(doc, 6, edits[:1])  # replaces, does not add to, the history
    assert (backend.beads.revision(doc), backend.beads.history(doc)) == (6, edits[:1])
