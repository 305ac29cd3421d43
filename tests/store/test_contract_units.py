"""Backend contract: TM units (add, get, by hash, iterate, update, delete) and the fuzzy index
kept exact by every write, checked against an exhaustive scan of what is stored."""

from __future__ import annotations

import random

from store_contract import assert_index_exact, stored
from taiyaku.core.matchkeys import match_key, text_hash, unit_keys
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.store import Store

PAIRS = [("京都の寺を訪ねた。", "We visited a temple in Kyoto."),
         ("奈良の鹿に会った。", "We met the deer of Nara."),
         ("京都の庭は静かだ。", "The gardens of Kyoto are quiet."),
         ("雨の日の寺は美しい。", "A temple on a rainy day is beautiful.")]


def _doc(store: Store, name: str = "d") -> int:
    with store.transaction():
        return store.documents.add(name, layout="pair", kind="bilingual")


def test_add_get_and_look_up_by_hash(backend: Store) -> None:
    doc = _doc(backend)
    with backend.transaction():
        ids = backend.units.add(doc, [NewUnit(ja, en, i, props={"x-note": "n"} if i else {})
                                      for i, (ja, en) in enumerate(PAIRS)])
    assert None not in ids and len(set(ids)) == 4
    unit = backend.units.get(ids[1])  # type: ignore[arg-type]
    assert unit is not None and (unit.ja, unit.en, unit.document, unit.position) == (
        PAIRS[1][0], PAIRS[1][1], "d", 1)
    assert unit.props == {"x-note": "n"} and unit.ja_norm == normalize(PAIRS[1][0])
    assert backend.units.ids_by_hash("ja", text_hash(match_key(PAIRS[2][0], "ja"))) == [ids[2]]
    assert backend.units.ids_by_hash("en", text_hash(match_key(PAIRS[0][1].upper(), "en"))) == [
        ids[0]]
    rows = list(backend.units.by_hashes("en", [text_hash(match_key(PAIRS[3][1], "en"))]))
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [(ids[3], PAIRS[3][1], PAIRS[3][0], "d")]
    assert [t[0] for t in sorted(backend.units.texts(list(reversed(ids))))] == sorted(ids)
    assert [u.id for u in backend.units.iterate()] == ids
    assert backend.units.get(max(ids) + 1) is None  # type: ignore[operator]


def test_duplicates_are_skipped_and_held(backend: Store) -> None:
    a, b = _doc(backend, "a"), _doc(backend, "b")
    with backend.transaction():
        first = backend.units.add(a, [NewUnit(*PAIRS[0], 0), NewUnit(*PAIRS[0], 1)],
                                  skip_duplicates=True)
        second = backend.units.add(b, [NewUnit(*PAIRS[0], 5)], skip_duplicates=True)
    assert first[1] is None and second == [None]
    (unit,) = backend.units.iterate()
    assert unit.also_in == ("b",)


def test_update_and_delete_keep_the_index_exact(backend: Store) -> None:
    doc = _doc(backend)
    with backend.transaction():
        ids = [i for i in backend.units.add(doc, [NewUnit(ja, en, n) for n, (ja, en) in
                                                  enumerate(PAIRS)]) if i is not None]
    assert_index_exact(backend)
    old = backend.units.get(ids[0])
    assert old is not None
    with backend.transaction():
        new = backend.units.update(ids[0], ja="大阪の城を訪ねた。")
    assert new is not None and (new.ja, new.en) == ("大阪の城を訪ねた。", PAIRS[0][1])
    assert backend.units.ids_by_hash("ja", text_hash(match_key("大阪の城を訪ねた。", "ja"))) == [
        ids[0]]
    assert backend.units.ids_by_hash("ja", text_hash(match_key(PAIRS[0][0], "ja"))) == []
    assert_index_exact(backend, unit_keys(old.ja_norm, old.en_norm))
    gone = backend.units.get(ids[2])
    assert gone is not None
    with backend.transaction():
        assert backend.units.delete(ids[2]) == gone
        assert backend.units.delete(ids[2]) is None
        assert backend.units.update(ids[2], en="x") is None
    assert ids[2] not in stored(backend)
    assert_index_exact(backend, unit_keys(gone.ja_norm, gone.en_norm))


def test_random_writes_keep_the_index_exact_after_each(backend: Store) -> None:
    rng = random.Random(17)
    words = ["京都", "奈良", "寺", "庭", "雨", "鹿", "城", "川", "の", "を", "が"]
    en_words = ["Kyoto", "Nara", "temple", "garden", "rain", "deer", "castle", "river", "the"]
    docs = [_doc(backend, f"d{i}") for i in range(3)]
    seen_keys: set[str] = set()

    def text() -> tuple[str, str]:
        return ("".join(rng.choices(words, k=rng.randint(1, 6))) + "。",
                " ".join(rng.choices(en_words, k=rng.randint(1, 6))) + ".")

    for step in range(60):
        units = list(backend.units.iterate())
        with backend.transaction():
            op = rng.random()
            if op < 0.45 or not units:
                batch = [NewUnit(*text(), step * 10 + i) for i in range(rng.randint(1, 4))]
                backend.units.add(rng.choice(docs), batch, skip_duplicates=rng.random() < 0.5)
            elif op < 0.7:
                u = rng.choice(units)
                seen_keys |= unit_keys(u.ja_norm, u.en_norm)
                ja, en = text()
                backend.units.update(u.id, ja=ja if rng.random() < 0.7 else None,
                                     en=en if rng.random() < 0.7 else None)
            elif op < 0.95:
                u = rng.choice(units)
                seen_keys |= unit_keys(u.ja_norm, u.en_norm)
                backend.units.delete(u.id)
            else:
                doc = rng.choice(docs)
                seen_keys.update(*(unit_keys(u.ja_norm, u.en_norm) for u in units))
                backend.documents.remove(doc)
                docs.remove(doc)
                docs.append(backend.documents.add(f"d{step}", layout="pair", kind="bilingual"))
        assert_index_exact(backend, seen_keys)


def test_deleting_from_long_posting_lists_keeps_them_exact(backend: Store) -> None:
    # one unit out of lists a hundred units long (a backend may search them rather than
    # filter them), then a few more at once through their document
    doc, other = _doc(backend, "many"), _doc(backend, "other")
    with backend.transaction():
        ids = backend.units.add(doc, [NewUnit(f"京都の寺{i}。", f"Temple {i} in Kyoto.", i)
                                      for i in range(100)])
        backend.units.add(other, [NewUnit(f"京都の庭{i}。", f"Garden {i} in Kyoto.", i)
                                  for i in range(30)])
    middle = backend.units.get(ids[50])  # type: ignore[arg-type]
    assert middle is not None
    with backend.transaction():
        backend.units.delete(middle.id)
    assert_index_exact(backend, unit_keys(middle.ja_norm, middle.en_norm))
    with backend.transaction():
        backend.documents.remove(other)
    assert_index_exact(backend, unit_keys(normalize("京都の庭1。"),
                                          normalize("Garden 1 in Kyoto.")))


def test_of_document_lists_own_and_shared_units(backend: Store) -> None:
    a, b = _doc(backend, "a"), _doc(backend, "b")
    with backend.transaction():
        own = backend.units.add(a, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(PAIRS[:2])])
        # b repeats a's first pair (held, not stored twice) and adds one of its own
        theirs = backend.units.add(b, [NewUnit(*PAIRS[0], 0), NewUnit(*PAIRS[3], 1)],
                                   skip_duplicates=True)
    assert backend.units.of_document(a) == sorted(i for i in own if i is not None)
    held = backend.units.of_document(b)
    assert own[0] in held and theirs[1] in held and own[1] not in held
    assert backend.units.of_document(999) == []


def test_holders_read_back_what_add_recorded_and_add_holders_writes(backend: Store) -> None:
    first, second, third = _doc(backend, "a"), _doc(backend, "b"), _doc(backend, "c")
    with backend.transaction():
        (kept, other) = backend.units.add(first, [NewUnit(*PAIRS[0], 0), NewUnit(*PAIRS[1], 1)])
        assert backend.units.add(second, [NewUnit(*PAIRS[0], 4)], skip_duplicates=True) == [None]
    assert list(backend.units.holders()) == [(kept, second, 4)]
    assert kept is not None and other is not None
    with backend.transaction():  # what db copy does: an existing holder stays as it was
        backend.units.add_holders([(other, third, 7), (kept, second, 9)])
    assert list(backend.units.holders()) == sorted([(kept, second, 4), (other, third, 7)])
    unit = backend.units.get(other)
    assert unit is not None and unit.also_in == ("c",)
