"""Fuzzy lookup through the index agrees with exhaustive scoring; concordance; deleted units
are not found (the SQLite index's own tests: tests/store/test_sqlite_index.py)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core import matchkeys as index
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.store import Store
from taiyaku.tm.fuzzy import en_tokens, raw_similarity
from taiyaku.tm.search import (
    SearchOptions,
    concordance,
    find_matches,
    find_matches_many,
    match_to_json,
    run_search,
)

SUBJECTS = ["市の委員会", "新しい研究所", "地元の学校", "古い寺院", "若い画家", "県の図書館",
            "小さな港町", "北部の農家", "大学の研究者", "川沿いの工場"]
VERBS = ["計画を発表した", "展示会を開いた", "報告書をまとめた", "建物を修理した",
         "調査を始めた", "記録を公開した", "道路を整備した", "作品を寄贈した"]
TIMES = ["昨年", "今春", "先月", "十年前に", "戦後すぐ", "毎年秋に", "明治期に"]
EN_SUBJ = ["The city committee", "A new institute", "The local school", "An old temple",
           "A young painter", "The prefectural library"]
EN_VERB = ["announced a plan", "opened an exhibition", "compiled a report", "repaired the hall",
           "began a survey", "published the records"]


def generated_units(n: int, seed: int = 7) -> list[NewUnit]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ja = f"{rng.choice(TIMES)}、{rng.choice(SUBJECTS)}が{rng.choice(VERBS)}。"
        if rng.random() < 0.4:
            ja = f"{rng.choice(SUBJECTS)}は{rng.randint(1, 99)}件の" + ja
        en = f"{rng.choice(EN_SUBJ)} {rng.choice(EN_VERB)} in {rng.randint(1900, 2024)}."
        out.append(NewUnit(ja, en, i))
    return out


def load(store: Store, units: list[NewUnit], name: str = "gen") -> int:
    with store.transaction():
        doc = store.documents.add(name, layout="pair", kind="bilingual")
        store.units.add(doc, units)
    return doc


@pytest.fixture
def filled(store: Store) -> Store:
    load(store, generated_units(400))
    return store


def exhaustive_best(store: Store, query: str, lang: str) -> float:
    qn = normalize(query)
    best = 0.0
    for unit in store.units.iterate():
        text = unit.ja_norm if lang == "ja" else unit.en_norm
        if lang == "ja":
            best = max(best, raw_similarity(qn, text))
        else:
            best = max(best, raw_similarity(en_tokens(qn), en_tokens(text)))
    return best


def test_index_agrees_with_exhaustive_search(filled: Store) -> None:
    rng = random.Random(3)
    queries = [u.ja for u in generated_units(60, seed=99)]
    # edited copies of stored segments: a character dropped or replaced
    stored = [u.ja for u in filled.units.iterate()][:60]
    for s in stored:
        i = rng.randrange(len(s))
        queries.append(s[:i] + rng.choice("のをがへ") + s[i + 1:])
    agree = 0
    for q in queries:
        best = exhaustive_best(filled, q, "ja")
        matches = find_matches(filled, q, limit=5, min_score=50)
        mine = max((raw_similarity(normalize(q), normalize(m.source)) for m in matches),
                   default=0.0)
        agree += (mine == pytest.approx(best)) if best >= 50 else (mine < 50 or not matches)
    assert agree >= len(queries) - 1


def test_english_query_searches_english_side(filled: Store) -> None:
    query = "The city committee announced a plan in 1999 ."
    matches = find_matches(filled, query, limit=3)
    assert matches
    assert all(m.source.startswith(("The", "A", "An")) for m in matches)
    assert matches[0].score == pytest.approx(
        min(98.9, round(exhaustive_best(filled, query, "en"), 1))) or matches[0].score == 99.0


def test_exact_match_found_by_hash_and_scores_100(filled: Store) -> None:
    unit = filled.units.get(17)
    assert unit is not None
    ja, en = unit.ja, unit.en
    matches = find_matches(filled, ja, limit=1)
    assert matches[0].score == 100.0
    assert matches[0].source == ja and matches[0].target == en


def test_min_score_and_limit_are_respected(filled: Store) -> None:
    matches = find_matches(filled, "昨年、市の委員会が計画を発表した。", limit=3, min_score=70)
    assert 0 < len(matches) <= 3
    assert all(m.score >= 70 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_batch_equals_single_lookups(filled: Store) -> None:
    queries = [u.ja for u in generated_units(15, seed=5)] + ["A young painter opened"]
    batch = find_matches_many(filled, queries, limit=3, min_score=50)
    assert batch == [find_matches(filled, q, limit=3, min_score=50) for q in queries]


def test_units_added_later_are_found_and_deleted_ones_are_not(filled: Store) -> None:
    unit = NewUnit("鴨川の河原で珍しい鳥が観察された。", "A rare bird was seen by the river.", 0)
    doc = load(filled, [unit], name="extra")
    assert find_matches(filled, "鴨川の河原で珍しい鳥を観察した。")[0].source == unit.ja
    assert concordance(filled, "鴨川")[0].ja == unit.ja
    with filled.transaction():
        filled.documents.remove(doc)
    assert doc not in {d.id for d in filled.documents.all()}
    after = find_matches(filled, "鴨川の河原で珍しい鳥を観察した。")
    assert all(m.source != unit.ja for m in after)
    assert concordance(filled, "鴨川") == []


def test_concordance_one_and_two_character_japanese(filled: Store) -> None:
    units = list(filled.units.iterate())
    expected = {u.id for u in units if "寺" in u.ja}
    hits = concordance(filled, "寺", limit=1000)
    assert {h.id for h in hits} == expected
    assert all(h.ja[h.spans[0][0]:h.spans[0][1]] == "寺" for h in hits)
    two = {u.id for u in units if "港町" in u.ja}
    assert {h.id for h in concordance(filled, "港町", limit=1000)} == two
    long = {u.id for u in units if "の学校が記録" in u.ja}
    assert {h.id for h in concordance(filled, "の学校が記録", limit=1000)} == long
    assert concordance(filled, "鯨") == []


def test_concordance_english_whole_words_any_case(filled: Store) -> None:
    hits = concordance(filled, "young PAINTER", limit=1000)
    expected = {u.id for u in filled.units.iterate() if "young painter" in u.en.lower()}
    assert {h.id for h in hits} == expected and expected
    assert concordance(filled, "paint", limit=10) == []  # not a whole word


def test_json_and_render_show_the_difference(filled: Store, tmp_path: object) -> None:
    ja = filled.units.get(5).ja  # type: ignore[union-attr]
    query = ja.replace("。", "だった。", 1)
    result = run_search(filled, query=query, queries_file=None, options=SearchOptions(limit=1))
    obj = result.to_json()
    json.dumps(obj, ensure_ascii=False)
    assert obj["query"] == query
    match = obj["matches"][0]
    assert {"score", "source", "target", "id", "flags", "spans", "document"} <= set(match)
    assert match["spans"] and match["spans"][0]["op"] == "only_query"
    text = result.render(color=False)
    assert "{+だった}" in text
    assert "\x1b[" in result.render(color=True)


def test_batch_file_gives_one_object_per_query(filled: Store, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "q.txt"
    path.write_text("昨年、古い寺院が建物を修理した。\n\nA young painter\n", encoding="utf-8")
    result = run_search(filled, query=None, queries_file=path, options=SearchOptions())
    objs = result.to_json()
    assert [o["query"] for o in objs] == ["昨年、古い寺院が建物を修理した。", "A young painter"]
    assert objs[0]["matches"][0] == match_to_json(objs[0]["query"],
                                                  find_matches(filled, objs[0]["query"])[0])


def test_index_keys() -> None:
    assert "j京都" in index.ja_keys("京都市")
    assert index.en_keys("U.S. Policy") == {"eu", "es", "epolicy"}
    # token bigrams, padded: "u . s . policy" has six, and a unit holds its words too
    assert len(index.en_token_keys(en_tokens("U.S. Policy"))) == 6
    assert {"eu", "es", "epolicy"} < index.unit_keys("米国の政策", normalize("U.S. Policy"))


def test_short_query_prefers_units_of_a_near_length(store: Store) -> None:
    # Many longer units start with the query's characters; the best match is a short one
    # that shares fewer index keys (its last bigram differs).
    units = [NewUnit(f"主題{i}について長く論じた文章です。", f"Essay {i}", i) for i in range(200)]
    units.append(NewUnit("主殿。", "The main hall.", 500))
    load(store, units)
    best = find_matches(store, "主。")[0]
    assert best.source == "主殿。" and best.score == round(raw_similarity("主。", "主殿。"), 1)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from("a b c the of , . ( )".split()), max_size=14),
       st.lists(st.sampled_from("a b c the of , . ( )".split()), max_size=14),
       st.text("京都市の", max_size=10), st.text("京都市の", max_size=10))
def test_bigram_bound_is_never_below_the_true_similarity(q_en: list[str], u_en: list[str],
                                                         q_ja: str, u_ja: str) -> None:
    # the wide pass is skipped when this bound says no unit left out can beat the best found:
    # it must hold for Japanese bigrams and for English token-bigram buckets alike
    for q, u, keys_of in ((q_ja, u_ja, index.ja_keys), (q_en, u_en, index.en_token_keys)):
        qk, uk = keys_of(q), keys_of(u)  # type: ignore[operator]
        bound = index.bigram_similarity_bound(len(qk), len(qk & uk), len(q))
        assert raw_similarity(q, u) <= bound + 1e-9


def test_english_template_match_found_among_units_sharing_its_common_words(
        store: Store) -> None:
    # Hundreds of units hold every word of the query but not in its order; the best match is
    # the one sentence of the same shape ("He was also known as X."), which only the
    # token-bigram keys tell apart from the rest.
    units = [NewUnit(f"文{i}。", f"As he was known, the {w} also came to Kyoto in {1600 + i}.", i)
             for i, w in enumerate(("lord", "monk", "poet", "priest") * 100)]
    units.append(NewUnit("孫五郎とも呼ばれた。", "He was also known as Magogoro.", 900))
    load(store, units)
    best = find_matches(store, "He was also known as Magoroku.")[0]
    assert best.source == "He was also known as Magogoro."
    assert best.score == round(raw_similarity(en_tokens("He was also known as Magoroku."),
                                              en_tokens(best.source)), 1)


def test_rebuild_after_an_upgrade_reports_progress(store: Store) -> None:
    # an index built by an older version is rebuilt by the first search: on a large TM that
    # takes a while, so the command's progress callback hears about it
    load(store, generated_units(30))
    with store.transaction():
        store.meta.set("fuzzy_version", "1")
    seen: list[tuple[int, int | None, str]] = []
    run_search(store, query="京都", queries_file=None, options=SearchOptions(),
               progress=lambda done, total=None, label="": seen.append((done, total, label)))
    rebuilt = [t for t in seen if t[2] == "rebuilding the search index"]
    assert rebuilt and rebuilt[-1][0] == rebuilt[-1][1] == 30
    seen.clear()
    run_search(store, query="京都", queries_file=None, options=SearchOptions(),
               progress=lambda done, total=None, label="": seen.append((done, total, label)))
    assert seen == []  # nothing to rebuild the second time
