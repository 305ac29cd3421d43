"""What makes the PostgreSQL backend fast enough for a team (issue 21's figures), pinned: a
search reads a query's key counts and its rarest keys' posting lists in one statement and
its wide pass reuses those counts (fewer round trips), with the SQLite reading's answers;
a first bulk import looks up no posting-list chunks; rows go to the server with binary COPY
and read back the same."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from taiyaku.core.model import NewUnit
from taiyaku.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pgcluster  # noqa: E402

_KANJI = "日本語文章翻訳記憶用語集検索結果一致候補単位文書"


@pytest.fixture
def pg() -> Iterator[Store]:
    pgcluster.need_server()
    address = pgcluster.fresh_database()
    store = open_store(address)
    try:
        yield store
    finally:
        store.close()
        pgcluster.drop_database(address)


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_KANJI) for _ in range(n)) + "。"


def _fill(store: Store, count: int = 400, seed: int = 3) -> list[str]:
    """*count* units of random kanji sentences (many keys shared, counts often tied)."""
    rng = random.Random(seed)
    texts = [_sentence(rng, rng.randrange(8, 30)) for _ in range(count)]
    with store.transaction():
        doc = store.documents.add("d", layout="pair", kind="bilingual")
        store.units.add(doc, [NewUnit(t, f"sentence {i}", i) for i, t in enumerate(texts)])
    return texts


class _Counter:
    """Counts the statements a store's connection sends (and keeps their text)."""

    def __init__(self, store: Store) -> None:
        self.conn: Any = store.conn  # type: ignore[attr-defined]
        self.sent: list[str] = []
        self._execute = self.conn.execute

    def __enter__(self) -> _Counter:
        def execute(sql: str, params: Any = None) -> Any:
            self.sent.append(sql)
            return self._execute(sql, params)

        self.conn.execute = execute
        return self

    def __exit__(self, *exc: object) -> None:
        del self.conn.execute


def test_a_search_with_a_close_match_sends_four_statements(pg: Store) -> None:
    from taiyaku.tm.search import find_matches

    texts = _fill(pg)
    find_matches(pg, texts[0])  # the index is checked once per connection
    with _Counter(pg) as sent:
        found = find_matches(pg, texts[7])
    assert found and found[0].source == texts[7]
    # key counts with posting lists, exact match, candidates' texts, the matches' rows
    assert len(sent.sent) == 4, sent.sent


def test_one_statement_reads_what_the_sqlite_reading_does(pg: Store) -> None:
    from taiyaku.core.matchkeys import ja_keys
    from taiyaku.store.sqlite.index import SqliteFuzzy

    texts = _fill(pg)
    rng = random.Random(11)
    fuzzy = pg.fuzzy
    for text in rng.sample(texts, 40) + [_sentence(rng, 12) for _ in range(20)]:
        keys = sorted(ja_keys(text))
        for budget in (1, 30, 200, 2000):
            ours = fuzzy.candidates(keys, length=len(text), budget=budget, top=20)
            theirs = SqliteFuzzy.candidates(fuzzy, keys, length=len(text),  # type: ignore[arg-type]
                                            budget=budget, top=20)
            assert (ours.ids, ours.bound) == (theirs.ids, theirs.bound), (text, budget)


def test_the_wide_pass_reuses_the_key_counts_just_read(pg: Store) -> None:
    from taiyaku.core.matchkeys import ja_keys
    from taiyaku.store.sqlite.index import SqliteFuzzy

    texts = _fill(pg)
    keys = sorted(ja_keys(texts[3]))
    fuzzy = pg.fuzzy
    fuzzy.candidates(keys, length=len(texts[3]))
    with _Counter(pg) as sent:
        wide = fuzzy.wide_candidates(keys, top=50)
    assert [s for s in sent.sent if "fuzzy_keys" in s] == []
    assert len(sent.sent) == 1  # the posting lists alone
    assert wide == SqliteFuzzy.wide_candidates(fuzzy, keys, top=50)  # type: ignore[arg-type]
    # counts are reused once, by the wide pass right after: a later one reads them again
    with _Counter(pg) as sent:
        fuzzy.wide_candidates(keys, top=50)
    assert any("fuzzy_keys" in s for s in sent.sent)


def test_a_first_bulk_import_looks_up_no_chunks_and_a_second_appends(
        pg: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from taiyaku.store.sqlite import index

    monkeypatch.setattr(index, "WORKER_AFTER", 50)  # the posting-list worker from 50 units
    rng = random.Random(5)

    def bulk(name: str, n: int) -> list[str]:
        texts = [_sentence(rng, rng.randrange(8, 20)) for _ in range(n)]
        with pg.transaction(), pg.units.bulk():
            doc = pg.documents.add(name, layout="pair", kind="bilingual")
            pg.units.add(doc, [NewUnit(t, f"s {i}", i) for i, t in enumerate(texts)],
                         chunk_size=40)
        return texts

    with _Counter(pg) as sent:
        bulk("first", 300)
    assert [s for s in sent.sent if "max(chunk)" in s] == []
    bulk("second", 300)  # keys of the first import: new chunks after theirs
    stored = pg.fuzzy.postings()
    with pg.transaction():
        pg.fuzzy.rebuild()
    assert stored == pg.fuzzy.postings()
    assert sum(len(v) for k, v in stored.items() if k.startswith("j")) > 0


def test_units_sent_with_binary_copy_read_back_the_same(pg: Store) -> None:
    units = [NewUnit("タブ\tと\\バックスラッシュ\n改行", "a\tb\\c\r\nd", 0, confidence=0.25,
                     props={"x-note": "é\t1"}),
             NewUnit("普通の文。", "A plain one.", 1, bead="2-1")]
    units += [NewUnit(f"文{i}です。", f"Sentence {i}.", i + 2) for i in range(300)]
    with pg.transaction():
        doc = pg.documents.add("d", layout="pair", kind="bilingual")
        ids = pg.units.add(doc, units)
    first, second = (pg.units.get(int(i)) for i in ids[:2])  # type: ignore[arg-type]
    assert first is not None and second is not None
    assert (first.ja, first.en, first.confidence, dict(first.props)) == (
        units[0].ja, units[0].en, 0.25, {"x-note": "é\t1"})
    assert (second.bead, dict(second.props)) == ("2-1", {})
    assert pg.units.count() == 302
