"""Extraction at scale (issue 19 point 5): the faster counting gives the same counts.

The speed itself is measured by ``tests/benchmarks/bench_terms.py --only extract``; these
tests pin that the shortcuts taken for it (one Aho-Corasick pass for glossed phrases, n-gram
keys grown a word at a time) count exactly what the plain way counts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.japanese import Analyzer
from taiyaku.glossary.extract import ExtractOptions, _PhraseFinder, extract_terms
from taiyaku.glossary.extract_en import _key_of, extract_en
from taiyaku.glossary.extract_ja import SegmentText
from taiyaku.store import Store


def _plain_count(text: str, phrase: str) -> int:
    """Occurrences of *phrase* in *text*, overlapping ones included."""
    return sum(1 for i in range(len(text)) if text.startswith(phrase, i))


_JA = st.text(alphabet="大谷派と真宗米中関係", max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(_JA, min_size=1, max_size=6), st.lists(_JA, min_size=1, max_size=6))
def test_phrase_finder_counts_every_occurrence(texts: list[str], phrases: list[str]) -> None:
    # a phrase at the very end of a segment, inside a longer phrase, or overlapping itself
    # (大大 in 大大大) counts as often as a plain search finds it, no more
    segs = [SegmentText(i + 1, 1, t) for i, t in enumerate(texts)]
    finder = _PhraseFinder(segs, phrases)
    got = {p: [(s.id, n) for s, n in hits] for p, hits in finder.hits.items()}
    want = {}
    for p in {p for p in phrases if p}:
        hits = [(s.id, _plain_count(s.text, p)) for s in segs if _plain_count(s.text, p)]
        if hits:
            want[p] = hits
    assert got == want


_WORDS = st.sampled_from(["U.S.", "Japan", "U.S.-Japan", "security", "treaties", "rare",
                          "earths", "-", "--", "Asia-Pacific", "leaders", "export",
                          "controls", "Sanae", "Takaichi", "the", "and", "of", "said", "–"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=14), min_size=1, max_size=4))
def test_en_ngram_keys_are_the_keys_of_their_forms(sentences: list[list[str]]) -> None:
    # each candidate's key is what _key_of makes of every form it was seen in (the keys are
    # grown a word at a time in extract_en; a dash or hyphen joins words inside a form)
    segs = [SegmentText(i + 1, 1, " ".join(ws) + ".", i + 1) for i, ws in enumerate(sentences)]
    for key, cand in extract_en(segs).items():
        for form in cand.forms:
            assert _key_of([form.lower()], 0, 1) == key, (key, form)


def test_en_ngrams_of_dash_joined_compounds() -> None:
    segs = [SegmentText(1, 1, "The U.S.-Japan security treaties were renewed.", 1),
            SegmentText(2, 1, "Asia-Pacific leaders discussed U.S.–China relations.", 2)]
    cands = extract_en(segs)
    forms = {k: sorted(c.forms) for k, c in cands.items()}
    assert forms["u.s. japan security treaty"] == ["U.S.-Japan security treaties"]
    assert forms["u.s. china relation"] == ["U.S.-China relations"]
    assert forms["asia pacific leader"] == ["Asia-Pacific leaders"]
    # a dash-joined compound is never cut
    assert "japan security treaty" not in cands and "china relation" not in cands


def test_extraction_shows_progress_through_pairing(
    store: Store, bilingual: Callable[..., int], analyzer: Analyzer,
) -> None:
    # the pairing steps take a fifth of the time of a large TM: they are shown, in order,
    # and the count never goes back
    bilingual(store, "pair", [("両国は休止期間に入った。", "The two countries entered a pause."),
                              ("休止期間は延長された。", "The pause was extended.")])
    seen: list[tuple[int, int | None, str]] = []
    extract_terms(store, ExtractOptions(min_freq=1, dictionary=False),
                  progress=lambda done, total=None, label="": seen.append((done, total, label)),
                  analyzer=analyzer)
    labels = [label for _, _, label in seen]
    steps = ["pairing by co-occurrence", "building entries", "pairing in aligned units",
             "suggesting English", "storing"]
    assert [label for label in labels if label in steps] == steps
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert seen[-1][0] == seen[-1][1]


_GLOSSED = [
    "雪舟等楊(せっしゅうとうよう)は画僧である。",  # a reading: no gloss
    "IMF(国際的な通貨の基金である機関)が発表した。",  # Latin term, long Japanese inner
    "「戦略的曖昧さ」(あいまいな戦略という意味の言葉)を続ける。",  # quoted Japanese term
    "「非常に前向きな枠組み」(わくぐみとよまれる長い言い方)と述べた。",
    "国際通貨基金(IMF)と台湾高鉄(以下、高鉄)。",
    "G20(ジートゥエンティーと呼ばれる会議体)の会合。",
    "2025年(令和七年にあたる年のこと)の予算。",
    "X(旧Twitter)への投稿、希土類(レアアース)の輸出。",
    "Washington Post(ワシントン・ポスト紙のこと)によると。",
    "C++(シープラスプラスという言語です)で書く。",
]


def test_find_glosses_same_without_the_reading_shortcut(
    monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer,
) -> None:
    # find_glosses asks first whether a Japanese inner text can gloss anything but a Latin
    # term, and then spares analysing the text before it: the glosses found are the same as
    # when every parenthesis is analysed in full
    from taiyaku.glossary import pairing

    segs = [SegmentText(i + 1, 1, t) for i, t in enumerate(_GLOSSED)]
    fast = pairing.find_glosses(segs, analyzer)
    full = pairing._outer_term

    def plain(text: str, pos: int, a: Analyzer, inner_lang: str,
              latin_only: bool = False) -> str | None:
        return full(text, pos, a, inner_lang)

    monkeypatch.setattr(pairing, "_outer_term", plain)
    assert pairing.find_glosses(segs, analyzer) == fast
    # and the cases the shortcut must keep are there
    outers = {(g.outer, g.kind) for g in fast}
    assert ("IMF", "translation") in outers and ("国際通貨基金", "translation") in outers
    assert not any(g.inner.startswith("せっしゅう") for g in fast)


def test_extraction_resumes_the_cycle_collector(store: Store, analyzer: Analyzer) -> None:
    # extraction pauses Python's cycle collector (a large TM's millions of small containers
    # were walked again at each collection) and leaves it as it found it, even on an error
    import gc

    seen: list[bool] = []
    assert gc.isenabled()
    extract_terms(store, ExtractOptions(dictionary=False),
                  progress=lambda *a: seen.append(gc.isenabled()), analyzer=analyzer)
    assert seen and not any(seen) and gc.isenabled()

    def fail(*a: object) -> None:
        raise RuntimeError("stop")

    gc.disable()
    try:
        with pytest.raises(RuntimeError):
            extract_terms(store, ExtractOptions(dictionary=False), progress=fail,
                          analyzer=analyzer)
        assert not gc.isenabled()  # paused before: not resumed behind the caller's back
    finally:
        gc.enable()
    with pytest.raises(RuntimeError):
        extract_terms(store, ExtractOptions(dictionary=False), progress=fail, analyzer=analyzer)
    assert gc.isenabled()
