"""The SQLite backend's fuzzy index: its posting lists, counting, rebuilds and bulk building
(the behaviour every backend shares is in test_contract_fuzzy.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.matchkeys import codes_of, en_codes, ja_keys, unit_keys
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.store import open_store
from taiyaku.store.sqlite import SqliteStore as Store
from taiyaku.store.sqlite import index
from taiyaku.tm.fuzzy import en_tokens
from taiyaku.tm.search import find_matches
from taiyaku.tm.tmio import import_tm


def generated_units(n: int, seed: int = 7) -> list[NewUnit]:
    """*n* units that share many index keys (the same few phrases in a varying order)."""
    import random

    rng = random.Random(seed)
    phrases = ["市の委員会が", "新しい研究所が", "地元の学校が", "昨年", "計画を発表した",
               "記録を公開した"]
    return [NewUnit("".join(rng.sample(phrases, 4)) + f"{i}。", f"Unit {i} of the set.", i)
            for i in range(n)]


def load(store: Store, units: list[NewUnit], name: str = "gen") -> int:
    with store.transaction():
        doc = store.documents.add(name, layout="pair", kind="bilingual")
        store.units.add(doc, units)
    return doc


@pytest.fixture
def filled(store: Store) -> Store:
    load(store, generated_units(400))
    return store


def test_rebuild_after_deleting_most_units_keeps_the_rest_searchable(store: Store) -> None:
    load(store, generated_units(50), name="big")
    keep = NewUnit("嵐山の竹林を歩いた。", "We walked through the bamboo grove.", 0)
    load(store, [keep], name="small")
    with store.transaction():
        # > 1/4 of the units: the index is rebuilt
        store.documents.remove(store.documents.find("big").id)  # type: ignore[union-attr]
    (keys,) = store.conn.execute("SELECT count(*) FROM fuzzy_keys").fetchone()
    assert 0 < keys < 40
    assert find_matches(store, "嵐山の竹林を歩く。")[0].target == keep.en


def test_adding_units_in_many_chunks_writes_each_posting_list_once(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 16.14: the index used to append each chunk's postings to the lists the chunks
    # before it had written, rewriting them: ids serialised grew with the square of the
    # units added in one call (4x the units, ~16x the ids). Now linear, and still searchable.
    from pathlib import Path

    written = [0]
    to_blob = index.ids_to_blob

    def counting(ids: object) -> bytes:
        written[0] += len(ids)  # type: ignore[arg-type]
        return to_blob(ids)  # type: ignore[arg-type]

    monkeypatch.setattr(index, "ids_to_blob", counting)
    cost = {}
    for n in (250, 1000):
        written[0] = 0
        with open_store(Path(str(tmp_path)) / f"chunks{n}.db") as s:
            with s.transaction():
                doc = s.documents.add("gen", layout="pair", kind="bilingual")
                ids = s.units.add(doc, generated_units(n), chunk_size=50)
            assert len(ids) == n
            cost[n] = written[0]
            unit = generated_units(n)[n - 1]
            hits = find_matches(s, unit.ja, limit=1)
            assert hits and hits[0].score == 100
    assert cost[1000] / cost[250] < 5.0, cost


def test_wide_candidates_rank_by_shared_keys_including_common_ones(filled: Store) -> None:
    query = normalize("昨年、市の委員会が計画を発表した。")
    keys = ja_keys(query)
    rows = filled.conn.execute("SELECT id, ja_norm FROM units").fetchall()
    shared = {uid: len(keys & ja_keys(ja)) for uid, ja in rows}
    got = filled.fuzzy.wide_candidates(keys, top=20, exclude=[rows[0][0]], max_df=10**9)
    assert got and rows[0][0] not in got
    counts = [shared[u] for u in got]
    assert counts == sorted(counts, reverse=True)
    best_others = sorted((n for u, n in shared.items() if u != rows[0][0]), reverse=True)
    assert counts == best_others[: len(counts)]


def test_index_of_an_older_version_is_rebuilt_on_first_search(store: Store) -> None:
    load(store, generated_units(30) + [NewUnit("京都", "Kyoto", 99)])
    with store.transaction():
        store.conn.execute("DELETE FROM fuzzy_postings WHERE key LIKE '#%'")
        store.conn.execute("DELETE FROM fuzzy_keys WHERE key LIKE '#%'")
        store.meta.set("fuzzy_version", "1")
    ja = store.units.get(3).ja  # type: ignore[union-attr]
    assert find_matches(store, ja)[0].score == 100.0
    assert store.meta.get("fuzzy_version") == index.INDEX_VERSION
    assert store.conn.execute("SELECT count(*) FROM fuzzy_keys WHERE key LIKE '#%'").fetchone()[0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(1, 60), max_size=40), min_size=1, max_size=8),
       st.integers(1, 12))
def test_numpy_counting_picks_the_same_units_as_the_counter(lists: list[list[int]],
                                                             top: int) -> None:
    # candidates() counts large posting sets in numpy and small ones in a Counter: the two
    # must choose the same units (ties going to the unit met first, i.e. holding the rarer
    # key) and report the highest count left out
    from array import array
    from collections import Counter

    arrays = [array("I", sorted(set(xs))) for xs in lists]
    counter: Counter[int] = Counter()
    for a in arrays:
        counter.update(a)
    want, left_bound = index._top_counted(counter, top)
    got, left = index._top_counted_numpy(arrays, top)
    assert got == want
    rest = [c for u, c in counter.items() if u not in set(got)]
    assert left == max(rest, default=0)
    assert left <= left_bound


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 80), max_size=300), st.integers(1, 20),
       st.booleans(), st.sampled_from([1, 8]))
def test_most_counted_orders_ids_by_count_then_id(ids: list[int], want: int,
                                                  sparse: bool, repeat: int) -> None:
    # wide_candidates() ranks by numpy counting; checked against a Counter, for dense ids
    # (counted with bincount; repeated 8 times the postings are many enough for the sampled
    # threshold) and sparse ones (sorted and counted with unique)
    from array import array
    from collections import Counter

    ids = ids * repeat * (250 if repeat > 1 else 1)
    if sparse:
        ids = [i * 50_000 + 7 for i in ids]
    got = index.most_counted(array("I", ids).tobytes(), want)
    counts = Counter(ids)
    ranked = sorted(counts, key=lambda u: (-counts[u], u))
    assert got == ranked[: len(got)]
    if len(ranked) <= want:
        assert len(got) == len(ranked)
    else:  # the first `want` and every id tied with the last of them (more may follow)
        last = counts[ranked[want - 1]]
        assert len(got) >= sum(1 for u in ranked if counts[u] >= last)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text("京都市のはが。", max_size=12),
                          st.text("ab c.,", max_size=20)), max_size=40),
       st.integers(1, 40))
def test_bulk_posting_builder_equals_one_key_at_a_time(texts: list[tuple[str, str]],
                                                       flush: int) -> None:
    # _Postings moves Japanese bigrams and English bigram buckets into their lists by sorting
    # batches (flush sizes from 1 to 40 postings here): the lists must be exactly those of
    # appending each unit to each of its keys, ids ascending
    from array import array

    rows = [(i + 1, normalize(ja), normalize(en)) for i, (ja, en) in enumerate(texts)]
    want: dict[str, array[int]] = {}
    for uid, ja, en in rows:
        for key in unit_keys(ja, en):
            want.setdefault(key, array("I")).append(uid)
    builder = index._Postings()
    builder.FLUSH = flush
    builder.add(rows[: len(rows) // 2])
    builder.add(rows[len(rows) // 2 :])
    assert builder.result() == want


# -- bulk imports: the posting-list worker ------------------------------------------------
def write_tmx(path: Path, pairs: list[tuple[str, str]]) -> Path:
    tus = "".join(f'<tu><tuv xml:lang="ja"><seg>{ja}</seg></tuv><tuv xml:lang="en"><seg>{en}'
                  "</seg></tuv></tu>" for ja, en in pairs)
    path.write_text(f'<tmx version="1.4"><header srclang="ja"/><body>{tus}</body></tmx>',
                    encoding="utf-8")
    return path


def _postings(store: Store) -> dict[str, list[int]]:
    return store.fuzzy.postings()


def test_bulk_import_index_built_by_the_worker_equals_a_rebuild(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taiyaku.store.sqlite.units import SqliteUnits

    monkeypatch.setattr(index, "WORKER_AFTER", 5)  # the worker starts after the first chunk
    monkeypatch.setattr(index, "SPILL_UNITS", 8)  # and moves token codes to its file often
    monkeypatch.setattr(SqliteUnits.add, "__kwdefaults__", {"skip_duplicates": False,
                                                             "chunk_size": 4})
    pairs = [(f"港の{i}番目の倉庫を開けた。", f"Opened warehouse number {i} at the port.")
             for i in range(40)]
    import_tm(store, write_tmx(tmp_path / "big.tmx", pairs))
    built = _postings(store)
    dfs = store.fuzzy.key_counts_all()
    codes = store.fuzzy.codes_all()
    with store.transaction():
        index.rebuild(store)
    assert built == _postings(store) and dfs == store.fuzzy.key_counts_all()
    # the worker sends back every unit's English token codes, the same a rebuild writes
    assert codes == store.fuzzy.codes_all()
    for unit in store.units.iterate():
        assert list(codes_of(codes[unit.id])) == list(en_codes(en_tokens(unit.en_norm)))
    assert len(built["j港の"]) == 40
    assert find_matches(store, "港の7番目の倉庫を開けた。")[0].score == 100.0


def _worker_that_dies(conn: object, parent_end: object = None) -> None:
    import os

    os._exit(3)


def test_import_whose_index_worker_dies_is_a_store_error_and_rolls_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taiyaku.core.errors import StoreError
    from taiyaku.store.sqlite.units import SqliteUnits

    import_tm(store, write_tmx(tmp_path / "before.tmx", [("夕方には店が閉まる。",
                                                          "The shops close in the evening.")]))
    before = store.counts()
    monkeypatch.setattr(index, "WORKER_AFTER", 5)
    monkeypatch.setattr(index, "_postings_worker", _worker_that_dies)
    monkeypatch.setattr(SqliteUnits.add, "__kwdefaults__", {"skip_duplicates": False,
                                                             "chunk_size": 4})
    pairs = [(f"駅の{i}番線に電車が来た。", f"A train came to platform {i}.") for i in range(40)]
    with pytest.raises(StoreError, match="indexing process stopped.*exit code 3"):
        import_tm(store, write_tmx(tmp_path / "big.tmx", pairs))
    assert store.counts() == before
    assert [d.name for d in store.documents.all()] == ["before.tmx"]
    assert find_matches(store, "夕方には店が閉まる。")[0].score == 100.0
