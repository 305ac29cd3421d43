"""Alignment correction: each edit, undo, stale refusal, confirmed beads kept on re-ingest,
and the TM (units, segment links, fuzzy index) following every change at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from alignedit_support import (
    assert_consistent,
    expected_pairs,
    ingest_knh,
    knh_like,
    sentence,
    snapshot,
    unit_pairs,
)
from taiyaku.core.errors import InputError, StaleEditError
from taiyaku.store import Store, open_store
from taiyaku.tm import alignedit
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.tm.search import find_matches


def _body(doc: alignedit.DocumentAlignment, k: int) -> int:
    """Position of the bead holding body sentence *k* (its Japanese)."""
    ja = sentence(k)[0]
    return next(b.position for b in doc.beads if any(doc.ja[i] == ja for i in b.ja_ids))


@pytest.fixture
def doc(store: Store, tmp_path: Path) -> alignedit.DocumentAlignment:
    ingest_knh(store, tmp_path / "src")
    return assert_consistent(store, "knh")


def test_ingest_stores_the_beads_it_aligned(store: Store,
                                            doc: alignedit.DocumentAlignment) -> None:
    assert doc.revision == 0 and not any(b.confirmed for b in doc.beads)
    # the body pairs 1-1; the lead and the page furniture stay unpaired where they stand
    body = [b for b in doc.beads if b.paired]
    assert len(body) == 12 and all(b.kind == "1-1" for b in body)
    assert doc.beads[0].ja_ids == (0,) and not doc.beads[0].en_ids
    assert len(unit_pairs(store, doc.doc_id)) == 12


def test_unpair_removes_the_unit_and_search_sees_it(store: Store,
                                                    doc: alignedit.DocumentAlignment) -> None:
    k = _body(doc, 3)
    ja, en = doc.texts(doc.beads[k])
    assert find_matches(store, ja, limit=1)[0].score == 100
    result = alignedit.unpair(store, "knh", doc.revision, k)
    assert result.revision == 1 and len(result.units_removed) == 1
    after = assert_consistent(store, "knh")
    assert [b.kind for b in after.beads[k : k + 2]] == ["1-0", "0-1"]
    assert all(b.confirmed for b in after.beads[k : k + 2])
    assert (ja, en) not in unit_pairs(store, doc.doc_id)
    hits = find_matches(store, ja, limit=5, min_score=0)
    assert all(m.source != ja for m in hits)


def test_merge_split_and_move(store: Store, doc: alignedit.DocumentAlignment) -> None:
    k = _body(doc, 5)
    r = alignedit.merge_next(store, "knh", doc.revision, k)
    merged = assert_consistent(store, "knh")
    assert merged.beads[k].kind == "2-2" and merged.beads[k].confirmed
    ja, en = merged.texts(merged.beads[k])
    assert ja == sentence(5)[0] + sentence(6)[0]
    assert en == sentence(5)[1] + " " + sentence(6)[1]
    m = find_matches(store, ja, limit=1)[0]
    assert (m.score, m.source, m.target) == (100, ja, en)
    r = alignedit.split(store, "knh", r.revision, k, 1, 1)
    split = assert_consistent(store, "knh")
    assert [split.texts(b) for b in split.beads[k : k + 2]] == [sentence(5), sentence(6)]
    # move the English of bead k+1 up into bead k: a 1-2 and a 1-0 bead
    r = alignedit.move(store, "knh", r.revision, k + 1, "en", "up")
    moved = assert_consistent(store, "knh")
    assert (moved.beads[k].kind, moved.beads[k + 1].kind) == ("1-2", "1-0")
    # and back down: a bead left empty goes, one left without English becomes 1-0
    r = alignedit.move(store, "knh", r.revision, k, "en", "down")
    back = assert_consistent(store, "knh")
    assert [back.texts(b) for b in back.beads[k : k + 2]] == [sentence(5), sentence(6)]
    assert r.revision == 4


def test_pair_takes_segments_from_their_beads(store: Store,
                                              doc: alignedit.DocumentAlignment) -> None:
    # pair the Japanese-only lead sentence (ja 1) with the page furniture "Share this
    # article" (en 0): whatever bead held them gives them up
    r = alignedit.pair(store, "knh", doc.revision, [1], [0])
    after = assert_consistent(store, "knh")
    made = next(b for b in after.beads if b.ja_ids == (1,))
    assert made.en_ids == (0,) and made.confirmed and made.unit_id in r.units_added
    assert (after.ja[1], after.en[0]) in unit_pairs(store, doc.doc_id)
    # a pair that would cross its neighbours breaks them into unpaired beads, in order
    k = _body(after, 2)
    b = after.beads[k]
    r = alignedit.pair(store, "knh", r.revision, b.ja_ids, [b.en_ids[0] + 1])
    crossed = assert_consistent(store, "knh")
    assert (crossed.texts(next(x for x in crossed.beads if x.ja_ids == b.ja_ids))
            == (sentence(2)[0], sentence(3)[1]))
    with pytest.raises(InputError, match="not consecutive"):
        alignedit.pair(store, "knh", r.revision, [3, 5], [4])


def test_confirm_and_unconfirm_keep_the_units(store: Store,
                                              doc: alignedit.DocumentAlignment) -> None:
    before = unit_pairs(store, doc.doc_id)
    ids = [b.unit_id for b in doc.beads]
    r = alignedit.confirm(store, "knh", doc.revision, [2, 3, 4])
    after = assert_consistent(store, "knh")
    assert [b.confirmed for b in after.beads[2:5]] == [True] * 3
    assert [b.unit_id for b in after.beads] == ids and unit_pairs(store, doc.doc_id) == before
    again = alignedit.confirm(store, "knh", r.revision, [2])  # already confirmed: no change
    assert again.revision == r.revision and not again.after
    alignedit.confirm(store, "knh", r.revision, [3], confirmed=False)
    assert [b.confirmed for b in alignedit.load(store, "knh").beads[2:5]] == [True, False, True]


def test_undo_walks_back_through_the_history(store: Store,
                                             doc: alignedit.DocumentAlignment) -> None:
    k = _body(doc, 1)
    r = alignedit.merge_next(store, "knh", doc.revision, k)
    r = alignedit.unpair(store, "knh", r.revision, k)
    r = alignedit.confirm(store, "knh", r.revision, [0])
    assert [e.action for e in store.beads.history(doc.doc_id)] == [
        "merge", "unpair", "confirm"]
    assert alignedit.load(store, "knh").undoable == 3
    for action in ("confirm", "unpair", "merge"):
        r = alignedit.undo(store, "knh", r.revision)
        assert r.action == f"undo {action}"
        assert_consistent(store, "knh")
    back = alignedit.load(store, "knh")
    assert r.revision == 6 == back.revision
    assert [(b.ja_ids, b.en_ids, b.confirmed) for b in back.beads] == [
        (b.ja_ids, b.en_ids, b.confirmed) for b in doc.beads]
    assert unit_pairs(store, doc.doc_id) == expected_pairs(doc)
    with pytest.raises(InputError, match="no edit left to undo"):
        alignedit.undo(store, "knh", r.revision)


def test_stale_edit_is_refused_and_changes_nothing(store: Store,
                                                   doc: alignedit.DocumentAlignment) -> None:
    r = alignedit.confirm(store, "knh", doc.revision, [1])
    before = snapshot(store)
    for call in (lambda: alignedit.unpair(store, "knh", doc.revision, 3),
                 lambda: alignedit.undo(store, "knh", doc.revision),
                 lambda: alignedit.merge_next(store, "knh", r.revision + 1, 3)):
        with pytest.raises(StaleEditError, match=r"changed since revision \d+ \(it is at "
                                                 r"revision 1\)"):
            call()
    assert snapshot(store) == before


def test_bad_arguments_change_nothing(store: Store, doc: alignedit.DocumentAlignment) -> None:
    before = snapshot(store)
    last = len(doc.beads) - 1
    cases = [(lambda: alignedit.merge_next(store, "knh", 0, last), "last one"),
             (lambda: alignedit.unpair(store, "knh", 0, 0), "not a pair"),
             (lambda: alignedit.split(store, "knh", 0, _body(doc, 0), 1, 1), "empty"),
             (lambda: alignedit.move(store, "knh", 0, 0, "en", "up"), "no en segment"),
             (lambda: alignedit.confirm(store, "knh", 0, [last + 1]), "no bead at position"),
             (lambda: alignedit.pair(store, "knh", 0, [99], [0]), "segments 0…"),
             (lambda: alignedit.load(store, "nope"), "no document 'nope'")]
    for call, message in cases:
        with pytest.raises(InputError, match=message):
            call()
    assert snapshot(store) == before


def test_confirmed_beads_survive_ingest_of_the_changed_file(
        store: Store, tmp_path: Path, doc: alignedit.DocumentAlignment) -> None:
    """Re-ingesting a changed file re-aligns it, but what a person confirmed stays: a bead
    confirmed as it was, a pair a person made (the lead with "Share this article"), and an
    unpair; a confirmed bead whose text changed in the file is gone with that text."""
    r = alignedit.confirm(store, "knh", doc.revision, [_body(doc, 0), _body(doc, 4)])
    r = alignedit.pair(store, "knh", r.revision, [1], [0])
    k = _body(alignedit.load(store, "knh"), 7)
    r = alignedit.unpair(store, "knh", r.revision, k)
    kept = {alignedit.load(store, "knh").texts(b) for b in alignedit.load(store, "knh").beads
            if b.confirmed}
    pj, pe = knh_like(tmp_path / "src", change=4)  # the same files, sentence 4 changed
    result = ingest_file(store, pj, IngestOptions(en_path=pe, presegmented=True, name="knh",
                                                  replace=True))
    assert result.replaced
    assert (result.confirmed_kept, result.confirmed_lost) == (len(kept) - 1, 1)
    assert "confirmed beads carried over: 4; dropped with their text: 1" in result.summary()
    new = assert_consistent(store, "knh")
    confirmed = {new.texts(b) for b in new.beads if b.confirmed}
    assert confirmed == kept - {sentence(4)}
    assert (new.ja[1], new.en[0]) in unit_pairs(store, new.doc_id)
    assert sentence(7) not in unit_pairs(store, new.doc_id)  # still unpaired
    assert (sentence(7)[0], "") in confirmed and ("", sentence(7)[1]) in confirmed
    assert new.revision == 0 and not store.beads.history(new.doc_id)


def test_recover_keeps_the_stored_alignment(store: Store, tmp_path: Path,
                                            doc: alignedit.DocumentAlignment) -> None:
    from taiyaku.store import recover_database

    r = alignedit.confirm(store, "knh", doc.revision, [2, 3])
    alignedit.unpair(store, "knh", r.revision, _body(doc, 5))
    want = alignedit.load(store, "knh")
    assert store.path is not None
    store.close()
    out = tmp_path / "recovered.db"
    recover_database(tmp_path / "test.db", out, use_sqlite_shell=False)
    with open_store(out) as again:
        got = assert_consistent(again, "knh")
        assert (got.revision, got.beads) == (want.revision, want.beads)
        assert len(again.beads.history(got.doc_id)) == 2


def test_search_after_edits_agrees_with_an_exhaustive_scan(
        store: Store, doc: alignedit.DocumentAlignment) -> None:
    """After a series of edits every query's best fuzzy match (Japanese and English) is the
    best over an exhaustive scan of the units stored at that moment, and text that left the
    TM is no longer found."""
    from taiyaku.core.normalize import normalize
    from taiyaku.tm.fuzzy import en_tokens, raw_similarity

    r = alignedit.merge_next(store, "knh", doc.revision, _body(doc, 2))
    r = alignedit.unpair(store, "knh", r.revision, _body(alignedit.load(store, "knh"), 6))
    r = alignedit.pair(store, "knh", r.revision, [1], [0])
    r = alignedit.undo(store, "knh", r.revision)
    r = alignedit.pair(store, "knh", r.revision, [1], [0])
    stored = [(u.ja, u.en) for u in store.units.iterate()]
    queries = [s for k in range(12) for s in sentence(k)]
    queries += [q.replace("代表団", "委員会") for q in queries[::2]]
    queries += [q.replace("meeting", "session") for q in queries[1::2]]
    for q in queries:
        ja = not q.isascii()
        side = [a if ja else b for a, b in stored]
        if ja:
            best = max(raw_similarity(normalize(q), normalize(t)) for t in side)
        else:
            best = max(raw_similarity(en_tokens(normalize(q)), en_tokens(normalize(t)))
                       for t in side)
        matches = find_matches(store, q, limit=3, min_score=0)
        top = matches[0] if matches else None
        if ja:
            mine = raw_similarity(normalize(q), normalize(top.source)) if top else 0.0
        else:
            mine = (raw_similarity(en_tokens(normalize(q)), en_tokens(normalize(top.source)))
                    if top else 0.0)
        assert mine == pytest.approx(best), q
        if q in side:
            assert top is not None and top.score == 100 and top.source == q
        else:
            assert top is None or top.source != q


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_stay_consistent_and_undo_to_the_start(
        store: Store, doc: alignedit.DocumentAlignment, seed: int) -> None:
    """Random sequences of every operation (those that do not fit the beads are refused and
    change nothing) keep beads, units, segment links and index in step; undoing every edit
    gives back the ingested alignment and TM."""
    import random

    rng = random.Random(seed)
    rev, done = doc.revision, 0
    for _ in range(30):
        now = alignedit.load(store, "knh")
        n = len(now.beads)
        p = rng.randrange(n)
        op = rng.choice(["pair", "unpair", "merge", "split", "move", "confirm"])
        try:
            if op == "pair":
                j, e = rng.randrange(len(now.ja)), rng.randrange(len(now.en))
                r = alignedit.pair(store, "knh", rev, range(j, j + rng.randint(1, 2)),
                                   range(e, e + rng.randint(1, 2)))
            elif op == "unpair":
                r = alignedit.unpair(store, "knh", rev, p)
            elif op == "merge":
                r = alignedit.merge_next(store, "knh", rev, p)
            elif op == "split":
                b = now.beads[p]
                r = alignedit.split(store, "knh", rev, p, rng.randint(0, len(b.ja_ids)),
                                    rng.randint(0, len(b.en_ids)))
            elif op == "move":
                r = alignedit.move(store, "knh", rev, p, rng.choice(["ja", "en"]),
                                   rng.choice(["up", "down"]))
            else:
                r = alignedit.confirm(store, "knh", rev, [p], rng.random() < 0.7)
        except InputError:
            assert alignedit.load(store, "knh").revision == rev
            continue
        if r.revision != rev:
            done += 1
        rev = r.revision
        assert_consistent(store, "knh")
    assert done >= 10
    for _ in range(done):
        rev = alignedit.undo(store, "knh", rev).revision
        assert_consistent(store, "knh")
    back = alignedit.load(store, "knh")
    assert [(b.ja_ids, b.en_ids, b.confirmed, b.score) for b in back.beads] == [
        (b.ja_ids, b.en_ids, b.confirmed, b.score) for b in doc.beads]
    assert unit_pairs(store, doc.doc_id) == expected_pairs(doc)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_re_ingest_keeps_every_confirmed_bead_whose_text_remains(
        store: Store, tmp_path: Path, doc: alignedit.DocumentAlignment, seed: int) -> None:
    """Random edits and confirmations, then a changed file (body sentences dropped on
    either side, one rewritten): every confirmed bead whose segments are still there in
    order comes back confirmed and whole; the rest of the alignment is consistent."""
    import random

    rng = random.Random(seed)
    rev = doc.revision
    for _ in range(12):
        now = alignedit.load(store, "knh")
        p = rng.randrange(len(now.beads))
        try:
            if rng.random() < 0.5:
                rev = alignedit.confirm(store, "knh", rev, [p]).revision
            elif rng.random() < 0.5:
                rev = alignedit.merge_next(store, "knh", rev, p).revision
            else:
                rev = alignedit.unpair(store, "knh", rev, p).revision
        except InputError:
            continue
    before = alignedit.load(store, "knh")
    confirmed = [(tuple(before.ja[i] for i in b.ja_ids), tuple(before.en[i] for i in b.en_ids))
                 for b in before.beads if b.confirmed]
    assert confirmed
    pj, pe = knh_like(tmp_path / "src", change=rng.randrange(12))
    ja_lines, en_lines = pj.read_text("utf-8").splitlines(), pe.read_text("utf-8").splitlines()
    del ja_lines[2 + rng.randrange(12)]
    del en_lines[1 + rng.randrange(12)]
    pj.write_text("\n".join(ja_lines) + "\n", encoding="utf-8")
    pe.write_text("\n".join(en_lines) + "\n", encoding="utf-8")
    result = ingest_file(store, pj, IngestOptions(en_path=pe, presegmented=True, name="knh",
                                                  replace=True))
    after = assert_consistent(store, "knh")
    carried = {(tuple(after.ja[i] for i in b.ja_ids), tuple(after.en[i] for i in b.en_ids))
               for b in after.beads if b.confirmed}
    assert carried <= set(confirmed) and carried
    assert result.confirmed_kept == len(carried)
    assert result.confirmed_kept + result.confirmed_lost == len(confirmed)
    for ja, en in confirmed:  # a bead is lost only when its text is not in the file any more
        if (ja, en) not in carried:
            text_ja, text_en = "\n".join(ja_lines), "\n".join(en_lines)
            assert (not all(j in ja_lines for j in ja) or not all(e in en_lines for e in en)
                    or "\n".join(ja) not in text_ja or "\n".join(en) not in text_en)
