"""Tests for the sentence aligner: anchors, bead invariants, align-dev and KNH regressions."""

from __future__ import annotations

import functools
import glob
import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.japanese import Analyzer
from taiyaku.core.model import Bead
from taiyaku.tm.align import AlignParams, align
from taiyaku.tm.anchors import build_anchors, en_numbers, ja_numbers, latin_tokens
from taiyaku.tm.lexicon import Lexicon
from taiyaku.tm.translit import kana_to_romaji, name_key

DATA = Path(__file__).resolve().parent.parent / "data"


def _check_cover(beads: list[Bead], n: int, m: int) -> None:
    ja = [i for b in beads for i in b.ja_ids]
    en = [j for b in beads for j in b.en_ids]
    assert ja == list(range(n))
    assert en == list(range(m))
    for b in beads:
        assert b.ja_ids or b.en_ids
        assert 0.0 <= b.score <= 1.0
        assert list(b.ja_ids) == sorted(b.ja_ids)


def _pairs(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.ja_ids, b.en_ids) for b in beads]


# ---------------------------------------------------------------- anchors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1909年11月15日に生まれた。", ["n:1909", "m:11", "n:15", "D:11/15"]),
        ("輸出は8,750万トンに達した。", ["n:87500000"]),
        ("任期は3年半だった。", ["n:3.5"]),
        ("G20の会合", []),
        ("二十五の寺がある。", []),
        ("二十五人が集まった。", ["n:25"]),
    ],
)
def test_ja_numbers(text: str, expected: list[str]) -> None:
    assert ja_numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He was born on November 15, 1909.", ["n:15", "n:1909", "D:11/15", "m:11"]),
        ("It opened on 3 May.", ["n:3", "D:5/3", "m:5"]),
        ("Exports reached 87.5 million tons.", ["n:87500000"]),
        ("The term lasted 3.5 years.", ["n:3.5"]),
        ("He died at forty-eight.", ["n:48"]),
        ("The G20 met.", []),
    ],
)
def test_en_numbers(text: str, expected: list[str]) -> None:
    assert en_numbers(text) == expected


def test_latin_tokens_skip_function_words() -> None:
    assert latin_tokens("記者はCNBCの番組とThe Daily Postを見た") == ["cnbc", "daily", "post"]


def test_katakana_names_meet_english_spellings() -> None:
    assert name_key(kana_to_romaji("ショウゾウ")) == name_key("Shozo")
    assert name_key(kana_to_romaji("トウキョウ")) == name_key("Tokyo")
    assert kana_to_romaji("ベッセント") == "bessento"


def test_build_anchors_resolves_names_and_numbers(analyzer: Analyzer) -> None:
    ja = ["ベッセント長官は木曜日に発言した。", "市場は2025年に回復した。"]
    en = ["Secretary Bessent spoke on Thursday.", "Markets recovered in 2025."]
    d = build_anchors(ja, en, analyzer=analyzer)
    shared0 = set(d.ja[0]) & set(d.en[0]) & set(d.weight)
    assert {t for t in shared0 if not t.startswith("d:")} == {"t:bessent"}
    # 長官 ↔ Secretary comes from the built-in common-word list
    assert any(t.startswith("d:") for t in shared0)
    assert "n:2025" in set(d.ja[1]) & set(d.en[1])
    assert "n:2025" not in d.en[0]


def test_a_lowercase_compound_does_not_spell_a_latin_name(analyzer: Analyzer) -> None:
    # "post-war" is not the "Post" of the Washington Post written inside the Japanese
    d = build_anchors(["Washington Post の分析によると、", "戦後秩序を守る。"],
                      ["According to the Washington Post analysis,",
                       "It defends the post-war order."], analyzer=analyzer)
    assert "w:post" in set(d.ja[0]) & set(d.en[0])
    assert "w:post" not in d.en[1]


def test_lexicon_entries_are_anchors() -> None:
    d = build_anchors(["緑茶を飲んだ。"], ["She drank green tea."], lexicon=[("緑茶", "green tea")])
    assert d.ja[0]["x:0"] == 1
    assert d.en[0]["x:0"] == 1


# ---------------------------------------------------------------- small documents

# My own sentences: a short biography with one sentence missing in English, a joined English
# line, page furniture on each side.
JA_DOC = [
    "山田太郎",
    "山田太郎は1921年4月3日に大阪で生まれた。",
    "父は医師で、母は教師だった。",
    "1940年に東京の大学に入学し、法律を学んだ。",
    "広告",
    "卒業後は新聞社に勤め、ロンドン支局で8年間働いた。",
    "帰国後、ベルリンとパリについての本を3冊書いた。",
    "晩年は京都で暮らした。",
    "1989年12月1日、68歳で亡くなった。",
]
EN_DOC = [
    "Taro Yamada",
    "Taro Yamada was born in Osaka on April 3, 1921.",
    "He entered a university in Tokyo in 1940, where he studied law.",
    "After graduating he joined a newspaper and worked in its London bureau for 8 years.",
    "Back in Japan, he wrote 3 books about Berlin and Paris. He spent his last years in Kyoto.",
    "Share this article",
    "He died on December 1, 1989, at the age of 68.",
]


def test_small_document(analyzer: Analyzer) -> None:
    beads = align(JA_DOC, EN_DOC, analyzer=analyzer)
    _check_cover(beads, len(JA_DOC), len(EN_DOC))
    assert _pairs(beads) == [
        ((0,), (0,)),
        ((1,), (1,)),
        ((2,), ()),
        ((3,), (2,)),
        ((4,), ()),
        ((5,), (3,)),
        ((6, 7), (4,)),
        ((), (5,)),
        ((8,), (6,)),
    ]
    by_pair = {(b.ja_ids, b.en_ids): b.score for b in beads}
    # a bead tied by a date and a name is surer than the furniture line
    assert by_pair[((1,), (1,))] > 0.8


def test_katakana_name_anchor_decides(analyzer: Analyzer) -> None:
    # equal lengths everywhere: only the names tell which line is which
    ja = ["スミス氏が来た。", "ベッセント氏が来た。", "ガルシア氏が来た。"]
    en = ["Mr Bessent came.", "Mr Garcia came."]
    assert _pairs(align(ja, en, analyzer=analyzer)) == [
        ((0,), ()), ((1,), (0,)), ((2,), (1,)),
    ]


def test_latin_token_anchor_decides(analyzer: Analyzer) -> None:
    ja = ["NHKで見た。", "CNBCで聞いた。", "BBCで読んだ。"]
    en = ["I heard it on CNBC.", "I read it on the BBC."]
    assert _pairs(align(ja, en, analyzer=analyzer)) == [
        ((0,), ()), ((1,), (0,)), ((2,), (1,)),
    ]


def test_number_anchor_decides(analyzer: Analyzer) -> None:
    ja = ["売上は120億円だった。", "利益は35億円だった。", "社員は4,800人だった。"]
    en = ["Profit was 3.5 billion yen.", "It had 4,800 employees."]
    assert _pairs(align(ja, en, analyzer=analyzer)) == [
        ((0,), ()), ((1,), (0,)), ((2,), (1,)),
    ]


def test_kinds_keep_boilerplate_unpaired(analyzer: Analyzer) -> None:
    ja = ["見出しの文", "本文の一文目です。", "メニュー項目"]
    en = ["A heading line", "The first sentence of the body.", "Subscribe now"]
    beads = align(ja, en, analyzer=analyzer, ja_kinds=["heading", "text", "boilerplate"],
                  en_kinds=["heading", "text", "boilerplate"])
    pairs = _pairs(beads)
    assert ((0,), (0,)) in pairs and ((1,), (1,)) in pairs
    assert ((2,), ()) in pairs and ((), (2,)) in pairs


def test_lead_paragraph_and_furniture_stay_unpaired_as_one_block(analyzer: Analyzer) -> None:
    # A Japanese half with a lead paragraph that restates the body, then page furniture:
    # the lead shares more words with the first English sentence than the body sentence
    # that translates it does. Untranslated material comes in blocks, so continuing a run of
    # unpaired segments is cheap, and the lead stays with the furniture around it.
    from taiyaku.tm.align import AlignParams

    ja = ["電話をかけたのは山田だった──キャンベラとの静かな変化",
          "※ 動画が再生できない場合はこちら",
          "電話をかけたのは山田──豪州との関係が変わり始めた",
          "「今回の電話は山田首相が主導した」と官房長官が明言した。",
          "豪州とは対立ではなく協調に軸足を移し始めている。",
          "その一方で、輸出規制の議論は置き去りにされている。",
          "首相の投稿(原文)", "投稿の日本語訳はこちら",
          "※ 日本語訳は公式アカウントで公開しています。",
          "今回の電話で、いちばん空気を変えたのは、キャンベラの声明でもなければ本人の投稿でもない。",
          "官房長官の佐藤健が NHK のインタビューで口にした一言だ。",
          "「事実として、今回の電話は山田首相が主導した。」",
          "これはオーストラリア外務省の説明と整合的だ。"]
    en = ["Yamada Made the Call: A Quiet Shift With Canberra",
          "The most important line about the recent phone call between Prime Minister Yamada "
          "and Albanese did not come from Canberra or from Yamada's post.",
          "It came from Chief Cabinet Secretary Ken Sato on NHK.",
          "\u201cTo be clear, Prime Minister Yamada initiated the call.\u201d",
          "This matches the account of Australia's Foreign Ministry."]
    want = [((0,), (0,))] + [((i,), ()) for i in range(1, 9)] + [
        ((9,), (1,)), ((10,), (2,)), ((11,), (3,)), ((12,), (4,))]
    assert _pairs(align(ja, en, analyzer=analyzer)) == want
    # every unpaired segment at full price: the lead takes the first English sentence
    flat = _pairs(align(ja, en, analyzer=analyzer, params=AlignParams(null_run=1.0)))
    assert ((9,), ()) in flat and any(3 in a and b == (1,) for a, b in flat)


def test_a_line_repeated_next_to_itself_is_furniture(analyzer: Analyzer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # an author box that renders the byline twice, sharing nothing with the Japanese side
    import taiyaku.tm.align as A

    ja = ["京都府は2024年に新しい観光計画を発表した。", "計画は外国人観光客の分散を目指す。",
          "市長は記者会見で協力を呼びかけた。", "編集長・国際ニュース分析者"]
    en = ["Kyoto Prefecture announced a new tourism plan in 2024.",
          "The plan aims to spread foreign visitors more evenly.",
          "The mayor called for cooperation at a press conference.",
          "Hanako Sato", "Hanako Sato"]
    want = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), ()), ((), (3,)), ((), (4,))]
    assert _pairs(align(ja, en, analyzer=analyzer)) == want
    monkeypatch.setattr(A, "_repeated", lambda *args: [])
    assert _pairs(align(ja, en, analyzer=analyzer))[-1] == ((3,), (3, 4))


def test_an_untranslated_sentence_broken_over_lines_is_one_unpaired_sentence(
        analyzer: Analyzer) -> None:
    # a sentence the English leaves out, broken before its という tail: leaving the tail
    # unpaired after its start costs a fraction, so the tail does not join the next sentence
    from taiyaku.tm.align import AlignParams

    ja = ["山田首相は記者会見で新しい経済対策を発表した。",
          "対策の柱は中小企業への支援と賃上げの後押しだ。",
          "一方、野党の声明では税制への直接の言及はなく、主に物価や年金といった身近なテーマに"
          "絞っている",
          "という違いを記者たちは指摘している。",
          "政府の狙いは明確で、選挙の前に経済の主導権を握りたいのだ。",
          "政府は来月にも法案を国会に提出する方針だ。"]
    en = ["Prime Minister Yamada announced a new economic package at a press conference.",
          "Its main pillars are support for small firms and a push for higher wages.",
          "The intended message to voters is clear: before the election, the government wants "
          "to own the economy and be seen to lead on it.",
          "The government plans to submit a bill to the Diet as early as next month."]
    want = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ()), ((4,), (2,)), ((5,), (3,))]
    assert _pairs(align(ja, en, analyzer=analyzer)) == want
    # each line at full price: the tail is cheaper inside the next sentence's bead
    flat = _pairs(align(ja, en, analyzer=analyzer, params=AlignParams(null_run=1.0)))
    assert ((3, 4), (2,)) in flat


def test_anchors_only_one_side_of_a_pair_names_count_against_it(analyzer: Analyzer) -> None:
    # the Japanese sentence names three things the English says elsewhere; the English
    # sentence beside it names nothing. min() of the unexplained weights alone sees no
    # mismatch; the excess share makes the pair dearer. A pair sharing the names is unchanged.
    from taiyaku.tm.align import AlignParams, _Scorer

    ja = ["ウクライナやフェンタニル、ボーイングへの言及が目立った。", "会見は短かった。"]
    en = ["The press conference was short.", "They talked about Ukraine, fentanyl and Boeing."]
    anchors = build_anchors(ja, en, analyzer=analyzer)

    def scorer(excess: float) -> _Scorer:
        return _Scorer(ja, en, anchors, [2.5, 2.5], [2.5, 2.5],
                       AlignParams(mismatch_excess=excess))

    plain, charged = scorer(0.0), scorer(0.4)
    unexplained = plain.rj[1] - plain.rj[0]
    assert unexplained > 1.0
    # JA 0 with EN 0: bead ending at JA 1, EN 1
    assert charged.cost(1, 1, 1, 1) - plain.cost(1, 1, 1, 1) == pytest.approx(0.4 * unexplained)
    # JA 0 with EN 1, which names the same things
    assert charged.cost(1, 2, 1, 1) == pytest.approx(plain.cost(1, 2, 1, 1))


def test_an_english_quote_on_the_japanese_side_is_measured_in_english_characters(
        analyzer: Analyzer) -> None:
    from taiyaku.tm.align import AlignParams, _Scorer

    quote = "\u201cWe have a one-year pause, and we intend to use it well.\u201d"
    ja = ["長官はこう語った。", quote, "と述べた。"]
    en = ["The secretary said:", quote]
    sc = _Scorer(ja, en, build_anchors(ja, en, analyzer=analyzer), [2.5] * 3, [2.5] * 2,
                 AlignParams())
    # its length, once multiplied by the ratio, is the English length it stands for
    assert sc.ratio * (sc.cj[2] - sc.cj[1]) == pytest.approx(sc.ce[2] - sc.ce[1])
    # and the Japanese lines around it are measured as Japanese
    assert sc.cj[1] == len(ja[0])
    # the quote keeps its と述べた tail (the twin bonus is negative, so the search must not
    # prune the 2-1 bead before adding it)
    assert _pairs(align(ja, en, analyzer=analyzer)) == [((0,), (0,)), ((1, 2), (1,))]


def test_a_lead_in_pairs_with_the_lead_in_of_the_same_list(analyzer: Analyzer) -> None:
    # 要するに、 + list items against "…but that:" + list items: the two lead-ins pair, and the
    # と評しました tail stays with its quote instead of joining the short lead-in's bead
    from taiyaku.tm.align import AlignParams

    ja = ["佐藤氏は、首相の発言について、",
          "「The prime minister has moved well beyond what her own allies are ready to say.」",
          "と評しました。",
          "要するに、",
          "首相は、同盟国が公式に約束している線よりも前に出てしまっている",
          "国内の支持を固めるための発言だ"]
    en = ["Sato's verdict on the prime minister is blunt:",
          "\u201cThe prime minister has moved well beyond what her own allies are ready to "
          "say.\u201d",
          "The point is not that Japan has no interests at stake, which it clearly has, but that:",
          "the prime minister's words go beyond what the allies have formally committed to,",
          "and they are aimed at her supporters at home."]
    kinds = {"ja_kinds": ["text"] * 4 + ["list"] * 2, "en_kinds": ["text"] * 3 + ["list"] * 2}
    assert _pairs(align(ja, en, analyzer=analyzer, **kinds)) == [
        ((0,), (0,)), ((1, 2), (1,)), ((3,), (2,)), ((4,), (3,)), ((5,), (4,))]
    without = _pairs(align(ja, en, analyzer=analyzer, params=AlignParams(kind_bonus=0.0),
                           **kinds))
    assert ((2, 3), (2,)) in without


def test_one_side_empty() -> None:
    assert _pairs(align([], ["a", "b"])) == [((), (0,)), ((), (1,))]
    assert _pairs(align(["あ"], [])) == [((0,), ())]
    assert align([], []) == []


def test_without_analyzer_katakana_still_anchors() -> None:
    # analyzer=None builds one lazily; katakana names work from the surface anyway
    ja = ["スミス氏が来た。", "ベッセント氏が来た。"]
    en = ["Mr Bessent came."]
    assert _pairs(align(ja, en)) == [((0,), ()), ((1,), (0,))]


def test_long_input_uses_band_and_stays_correct(analyzer: Analyzer) -> None:
    ja = [f"{1000 + k}年に{k % 28 + 1}件の記録がある。" for k in range(260)]
    en = [f"In {1000 + k} there were {k % 28 + 1} records." for k in range(260)]
    del en[100]
    beads = align(ja, en, analyzer=analyzer)
    _check_cover(beads, len(ja), len(en))
    assert ((100,), ()) in _pairs(beads)
    assert ((200,), (199,)) in _pairs(beads)


# ---------------------------------------------------------------- properties

_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "広告", "Read more", "1909年", "CNBC", "。", "\u3000", "ー"]),
    st.text(alphabet="アイウエオカキクケコンー・亜唖1234567890ABC 。、", max_size=20),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXT, max_size=12), st.lists(_TEXT, max_size=12))
def test_every_segment_in_exactly_one_bead(ja: list[str], en: list[str]) -> None:
    beads = align(ja, en, analyzer=None)
    _check_cover(beads, len(ja), len(en))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(_TEXT, max_size=30),
    st.lists(_TEXT, max_size=30),
    st.lists(st.sampled_from(["text", "heading", "list", "caption", "boilerplate"]), max_size=30),
)
def test_cover_with_kinds_and_lexicon(ja: list[str], en: list[str], kinds: list[str]) -> None:
    beads = align(ja, en, analyzer=None, ja_kinds=kinds, en_kinds=kinds[::-1],
                  lexicon=[("広告", "Read more"), ("", "x"), ("亜", "")])
    _check_cover(beads, len(ja), len(en))


# ---------------------------------------------------------------- shared data


def _scorer(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "score_alignment", shared / "tools" / "score_alignment.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _read_gold(path: Path) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("ja_ids"):
            continue
        a, b = line.split("\t")
        out.append((tuple(int(x) for x in a.split(",") if x),
                    tuple(int(x) for x in b.split(",") if x)))
    return out


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def test_align_dev_regression(shared: Path, analyzer: Analyzer) -> None:
    dev = shared / "data" / "align-dev"
    golds = sorted(glob.glob(str(dev / "doc*.gold.tsv")))[::6][:10]
    assert golds
    sa = _scorer(shared)
    pairs = []
    for g in golds:
        base = g[: -len(".gold.tsv")]
        ja, en = _lines(Path(base + ".ja.txt")), _lines(Path(base + ".en.txt"))
        beads = align(ja, en, analyzer=analyzer)
        _check_cover(beads, len(ja), len(en))
        pairs.append((_read_gold(Path(g)), _pairs(beads)))
    res = sa.score(pairs)
    assert res["link_f1"] >= 0.95, sa.format_table(res)


def test_knh_article(shared: Path, analyzer: Analyzer) -> None:
    from taiyaku.tm.ingest import align_document

    seed = sorted((shared / "seeds").glob("004_*"))
    assert seed
    gold_path = DATA / "knh_gold.tsv"
    counts = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ja_segments="):
            counts = dict(kv.split("=") for kv in line[2:].split())
    alignment = align_document(seed[0], analyzer=analyzer)
    # the gold is written in segment ids: segmentation changes must be re-checked by a reader
    assert len(alignment.ja) == int(counts["ja_segments"])
    assert len(alignment.en) == int(counts["en_segments"])
    sa = _scorer(shared)
    res = sa.score([(_read_gold(gold_path), _pairs(alignment.beads))])
    assert res["link_f1"] >= 0.95, sa.format_table(res)


@pytest.mark.parametrize("markers", [True, False], ids=["marked", "plain"])
def test_knh_presegmented_aligns_as_well_as_raw(shared: Path, analyzer: Analyzer,
                                               tmp_path: Path, markers: bool) -> None:
    """Issue 19 point 6: the KNH article as two files of one sentence per line (the raw
    article's segments, the units of the gold; list and caption markers kept as the article
    writes them, or left out as a translator's sentence file often does) aligns within 0.01
    link F1 of the raw article on the KNH gold."""
    from taiyaku.tm.ingest import align_document
    from taiyaku.tm.layout import split_document
    from taiyaku.tm.segment import classify_line
    from taiyaku.tm.textio import read_text

    (seed,) = sorted((shared / "seeds").glob("004_*"))
    text = read_text(seed)
    lines = text.split("\n")
    sides = split_document(text)
    for segs, where, name in ((sides.ja, sides.ja_lines, "ja.txt"),
                              (sides.en, sides.en_lines, "en.txt")):
        out = []
        for k, (seg, line) in enumerate(zip(segs, where, strict=True)):
            marker = classify_line(lines[line]).marker if markers else ""
            first = k == 0 or where[k - 1] != line
            out.append(f"{marker} {seg.text}" if marker and first else seg.text)
        (tmp_path / name).write_text("\n".join(out) + "\n", encoding="utf-8")
    gold = _read_gold(DATA / "knh_gold.tsv")
    sa = _scorer(shared)
    raw = sa.score([(gold, _pairs(align_document(seed, analyzer=analyzer).beads))])
    pre = align_document(tmp_path / "ja.txt", tmp_path / "en.txt", presegmented=True,
                         analyzer=analyzer)
    assert len(pre.ja) == len(sides.ja) and len(pre.en) == len(sides.en)
    res = sa.score([(gold, _pairs(pre.beads))])
    assert res["link_f1"] >= raw["link_f1"] - 0.01, sa.format_table(res)


# ---------------------------------------------------------------- built-in word list


def test_builtin_lexicon_loads_and_matches_compounds_and_stems() -> None:
    from taiyaku.tm.lexicon import en_stem, en_stems, load_lexicon

    lx = load_lexicon()
    assert len(lx.entries) > 1500
    hits_ja = lx.ja_hits("両国は関税の引き下げで合意した", {"合意", "する"})
    hits_en = lx.en_hits(en_stems("The two countries agreed to cut their tariffs"))
    shared = {lx.entries[n][0][0] for n in hits_ja & hits_en}
    assert {"関税", "合意"} <= shared
    assert en_stem("Sanctions") == en_stem("sanction")
    # function words never become anchors
    assert not lx.en_hits(en_stems("the of and in on at"))


def test_en_stems_stems_each_word_as_en_stem_does_cache_or_not() -> None:
    # en_stems caches the stem of each word: the second pass over the same text (warm) and
    # words that differ only in case give what en_stem gives word by word
    from taiyaku.tm.lexicon import _EN_SPLIT, en_stem, en_stems

    text = ("The Policies were negotiated; policies NEGOTIATED again, stemming tariffs' "
            "rise in the U.S.-Japan talks, Kyoto's 1,200-year history")
    want = [en_stem(w) for w in _EN_SPLIT.findall(text)]
    assert en_stems(text) == want == en_stems(text)
    assert en_stems(text.lower()) == [en_stem(w) for w in _EN_SPLIT.findall(text.lower())]
    assert "policy" in want and "negotiat" in want


def test_builtin_lexicon_finds_the_untranslated_sentence(analyzer: Analyzer) -> None:
    # no names or numbers, similar lengths: only word meaning tells which line has no twin
    ja = ["半導体の輸出規制が強化された。", "消費者は賃金の低さに不満を述べている。",
          "観光客の数が大きく増加した。"]
    en = ["Export controls on semiconductors were tightened.",
          "The number of tourists increased sharply."]
    beads = align(ja, en, analyzer=analyzer)
    assert [(b.ja_ids, b.en_ids) for b in beads] == [((0,), (0,)), ((1,), ()), ((2,), (1,))]


def test_a_number_the_other_side_never_writes_makes_leaving_unpaired_cheaper() -> None:
    from taiyaku.tm.align import _orphans
    from taiyaku.tm.anchors import build_anchors

    ja = ["町は1887年にできた。", "駅は1901年にできた。", "図書館がある。"]
    en = ["The station opened in 1901.", "There is a library."]
    anchors = build_anchors(ja, en)
    null_ja, null_en = [2.5, 2.5, 2.5], [2.5, 2.5]
    _orphans(anchors, null_ja, null_en, AlignParams())
    # only the sentence whose year the English never writes gets the cheaper null bead
    assert null_ja == [1.5, 2.5, 2.5]
    assert null_en == [2.5, 2.5]


@pytest.mark.parametrize(("text", "expected"), [
    ("山田花子山田 花子（やまだ はなこ）は、画家である。", (True, False)),
    ("この寺は古い。沿革", (False, True)),
    ("この寺は古い。", (False, False)),
    ("寺の歴史は長く、「古寺」と呼ばれる。", (False, False)),
])
def test_glued_headings_are_recognised(text: str, expected: tuple[bool, bool]) -> None:
    from taiyaku.tm.align import _glued, _short_en

    assert _glued(text) == expected
    assert _short_en("Hanako YAMADA") and not _short_en("Hanako YAMADA was a painter.")


def test_a_glued_title_pairs_with_the_title_and_the_sentence(analyzer: Analyzer) -> None:
    from taiyaku.tm.align import AlignParams

    ja = ["山田花子山田 花子（やまだ はなこ）は、明治時代の画家である。", "京都で絵を学んだ。"]
    en = ["Hanako YAMADA", "Hanako YAMADA was a painter of the Meiji period.",
          "She studied painting in Kyoto."]
    assert _pairs(align(ja, en, analyzer=analyzer))[0] == ((0,), (0, 1))
    # without the bonus the title line is left on its own
    off = align(ja, en, analyzer=analyzer, params=AlignParams(glued_bonus=0.0))
    assert _pairs(off)[0] == ((), (0,))


def test_a_sentence_spread_over_a_list_can_be_one_bead(analyzer: Analyzer) -> None:
    from taiyaku.tm.align import AlignParams, _list_groups

    ja = ["この計画の狙いは、", "交通の便を良くすること", "住民の暮らしを守ること",
          "という二点だ。"]
    kinds = ["text", "list", "list", "text"]
    en = ["The plan aims to improve transport and to protect the lives of residents."]
    assert _list_groups(ja, kinds) == {4: [4]}
    beads = align(ja, en, analyzer=analyzer, ja_kinds=kinds, en_kinds=["text"])
    assert _pairs(beads) == [((0, 1, 2, 3), (0,))]
    # without the composite bead no bead joins more than three segments
    beads = align(ja, en, analyzer=analyzer, ja_kinds=kinds, en_kinds=["text"],
                  params=AlignParams(group_cost=0.0))
    assert max(len(b.ja_ids) for b in beads) <= 3


def test_a_heading_glued_to_an_english_sentence_pairs_with_both_lines(
        analyzer: Analyzer) -> None:
    from taiyaku.tm.align import _glued_en

    assert _glued_en("The hall was rebuilt in 1650. History")
    assert not _glued_en("It stands near the U.S. embassy in the city.")
    ja = ["本堂は1650年に再建された。", "歴史", "寺は江戸時代に栄えた。"]
    en = ["The main hall was rebuilt in 1650. History", "The temple prospered in the Edo period."]
    assert _pairs(align(ja, en, analyzer=analyzer)) == [((0, 1), (0,)), ((2,), (1,))]


def test_a_heading_glued_before_an_english_sentence_is_recognised() -> None:
    from taiyaku.tm.align import _headed_en

    assert _headed_en("Overview It is a small temple in the north of the city.")
    assert not _headed_en("It is a small temple in the north of the city.")
    assert not _headed_en("Summary")


# ---------------------------------------------------------------- long documents


def _numbered(count: int) -> tuple[list[str], list[str]]:
    """*count* sentence pairs told apart by their numbers; every 37th English one dropped."""
    ja = [f"{1000 + k}年に{k % 28 + 1}件の記録が見つかった。" for k in range(count)]
    en = [f"In {1000 + k}, {k % 28 + 1} records were found." for k in range(count)
          if k % 37 != 20]
    return ja, en


def test_a_long_document_is_aligned_in_windows_so_work_grows_linearly(
        analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 16.14: anchors, scores, the learned word list and the DP used to span the whole
    # document, so memory (and the word-pair counts) grew with it. Past `window_from`
    # segments a side, each pass holds one window: 4x the sentences, about 4x the DP cells
    # and anchor work, and no pass larger than a window.
    import taiyaku.tm.align as mod

    seen: list[tuple[int, int]] = []
    cells = [0]
    build, dp = mod.build_anchors, mod._dp

    def counting_build(ja: list[str], en: list[str], **kw: object) -> object:
        seen.append((len(ja), len(en)))
        return build(ja, en, **kw)  # type: ignore[arg-type]

    def counting_dp(n: int, m: int, sc: object, band: list[tuple[int, int]]) -> object:
        cells[0] += sum(hi - lo + 1 for lo, hi in band)
        return dp(n, m, sc, band)  # type: ignore[arg-type]

    monkeypatch.setattr(mod, "build_anchors", counting_build)
    monkeypatch.setattr(mod, "_dp", counting_dp)
    # one process: the work of a worker process is not seen here
    params = AlignParams(window_from=150, window=150, workers=1)
    work = {}
    for count in (300, 1200):
        seen.clear()
        cells[0] = 0
        ja, en = _numbered(count)
        beads = align(ja, en, analyzer=analyzer, params=params)
        _check_cover(beads, len(ja), len(en))
        # every sentence with its translation, the ones without one left alone
        k = 0
        for i in range(count):
            if i % 37 == 20:
                assert ((i,), ()) in _pairs(beads)
            else:
                assert ((i,), (k,)) in _pairs(beads)
                k += 1
        assert max(a for a, _ in seen) <= 150 and max(b for _, b in seen) <= 150 + 15 + 15
        work[count] = (cells[0], sum(a + b for a, b in seen))
    assert 3.0 <= work[1200][0] / work[300][0] <= 5.0, work
    assert 3.0 <= work[1200][1] / work[300][1] <= 5.0, work


def test_a_document_below_the_window_is_aligned_whole(analyzer: Analyzer) -> None:
    ja, en = _numbered(120)
    whole = align(ja, en, analyzer=analyzer, params=AlignParams(window_from=10**6))
    assert align(ja, en, analyzer=analyzer, params=AlignParams(window_from=120)) == whole
    windowed = align(ja, en, analyzer=analyzer, params=AlignParams(window_from=50, window=50))
    assert _pairs(windowed) == _pairs(whole)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_TEXT, max_size=30),
    st.lists(_TEXT, max_size=30),
    st.lists(st.sampled_from(["text", "heading", "list", "boilerplate"]), max_size=30),
    st.integers(1, 8),
)
def test_windows_cover_every_segment_once(ja: list[str], en: list[str], kinds: list[str],
                                          window: int) -> None:
    # tiny windows: one side running out first, empty windows, a last window with a tail
    params = AlignParams(window_from=2, window=window, learn=False)
    beads = align(ja, en, analyzer=None, ja_kinds=kinds, en_kinds=kinds[::-1], params=params)
    _check_cover(beads, len(ja), len(en))




def test_ja_analyses_of_overlapping_windows_equal_analysing_each_segment(
    analyzer: Analyzer,
) -> None:
    """A windowed document analyses each Japanese segment once although windows overlap:
    what a window gets is what analysing its segments one by one gives."""
    from taiyaku.tm.anchors import JaAnalyses, analyse_ja
    from taiyaku.tm.lexicon import load_lexicon

    builtin = load_lexicon()
    texts = [f"第{i}回の日米首脳会談で、トランプ大統領は関税を{i}%引き上げると述べた。"
             for i in range(1, 301)]
    here = [analyse_ja(t, analyzer, builtin) for t in texts]
    analyses = JaAnalyses(texts, analyzer, builtin)
    assert analyses.window(0, 120) == here[:120]
    assert analyses.window(100, 300) == here[100:]
    assert min(analyses.done) == 100  # the segments behind the window were let go


def _structured_document() -> tuple[list[str], list[str], list[str], list[str]]:
    """A generated document pair with what the DP's bead costs look at: numbers and names
    shared by neighbouring lines, headings, a list with its lead-in and tail, page
    furniture, an English quote in the Japanese half, lines the other side leaves out."""
    ja: list[str] = []
    en: list[str] = []
    jk: list[str] = []
    ek: list[str] = []
    towns = ["Kameoka", "Uji", "Yawata", "Joyo", "Nagaoka", "Muko"]
    for k in range(6):
        town, year = towns[k], 1890 + 7 * k
        ja += [f"{town}の歴史", f"{town}町は{year}年に成立し、", f"{year}年に駅ができた。",
               f"その後{year + 3}年に{town}に寺が建てられた。", "広告"]
        jk += ["heading", "text", "text", "text", "text"]
        en += [f"History of {town}", f"The town of {town} was founded in {year}, and its "
               f"station opened in {year}.", f"A temple was built in {town} in {year + 3}."]
        ek += ["heading", "text", "text"]
        if k % 2:
            ja += ["主な産業は、", "茶", "竹細工", f"{k}万人の観光", "という三つである。"]
            jk += ["text", "list", "list", "list", "text"]
            en += [f"Its main industries are tea, bamboo crafts and tourism for {k}0,000 "
                   "visitors."]
            ek += ["text"]
        else:
            ja += ["「Kyoto is a city of temples.」", "と彼は述べた。"]
            jk += ["text", "text"]
            en += ["\u201cKyoto is a city of temples.\u201d", "Read more", f"In {year} the "
                   f"population of {town} was {k + 2},000."]
            ek += ["text", "text", "text"]
    return ja, en, jk, ek


def _check_dp_cells(ja: list[str], en: list[str], jk: list[str], ek: list[str],
                    anchors: object, p: AlignParams, width: int | None) -> int:
    """Fill the DP of a document and check that every cell holds the cheapest way in by
    :meth:`_Scorer.cost` (cost and back-pointer); return how many cells were checked."""
    from taiyaku.tm.align import _BEADS, _GROUP, _band, _Lattice, _null_costs, _Scorer

    n, m = len(ja), len(en)
    sc = _Scorer(ja, en, anchors, _null_costs(ja, jk, p), _null_costs(en, ek, p),  # type: ignore[arg-type]
                 p, jk, ek)
    band = [(0, m)] * (n + 1) if width is None else _band(n, m, sc.pair, width, 1.5)
    lat = _Lattice(sc, band)
    for i in range(n + 1):
        lat.fill_row(i)
    beads = list(_BEADS) + [(a, 1) for ends in sc.groups.values() for a in ends]
    checked = 0
    for i in range(n + 1):
        lo, hi = band[i]
        for j in range(lo, hi + 1):
            if i == j == 0:
                continue
            ways = {}
            for a, b in beads:
                if i - a < 0 or j - b < 0 or (a > 3 and i not in sc.groups):
                    continue
                if a > 3 and a not in sc.groups[i]:
                    continue
                qlo, qhi = band[i - a]
                if qlo <= j - b <= qhi:
                    ways[(a, b)] = lat.cost[i - a][j - b - qlo] + sc.cost(i, j, a, b)
            got = lat.cost[i][j - lo]
            assert got == pytest.approx(min(ways.values()), rel=1e-12, abs=1e-9), (i, j)
            code = lat.back[i][j - lo]
            step = (code - _GROUP, 1) if code >= _GROUP else _BEADS[code]
            assert ways[step] == pytest.approx(got, rel=1e-12, abs=1e-9), (i, j, step)
            checked += 1
    # every bead from an earlier row is priced for the whole band at once: each price is
    # _Scorer.cost, or, where it is marked as a lower bound, not above it
    for t, (_code, a, b) in enumerate(lat.beads):
        for i in range(a, n + 1):
            lo, hi = band[i]
            qlo, qhi = band[i - a]
            for j in range(max(lo, b), hi + 1):
                if not qlo <= j - b <= qhi:
                    continue
                cell = lat.at[i] + j - lo
                price, exact = lat.price[t, cell], sc.cost(i, j, a, b)
                if lat.loose[t, cell]:
                    assert price <= exact + 1e-9, (i, j, a, b)
                else:
                    assert price == pytest.approx(exact, rel=1e-12, abs=1e-9), (i, j, a, b)
    return checked


@pytest.mark.parametrize("width", [None, 2])
def test_every_cell_of_the_dp_is_the_best_bead_by_the_one_cost_function(
        analyzer: Analyzer, width: int | None) -> None:
    # the DP prices beads with its own inlined arithmetic and skips beads that bounds show
    # cannot win; every cell it fills must still hold the cheapest way in by _Scorer.cost,
    # the one bead-cost function (run discounts off: _Scorer.cost prices a null bead alone)
    from taiyaku.tm.align import _null_costs, _Scorer
    from taiyaku.tm.lexicon import load_lexicon

    ja, en, jk, ek = _structured_document()
    p = AlignParams(null_run=1.0)
    anchors = build_anchors(ja, en, analyzer=analyzer, builtin=load_lexicon(), params=p)
    sc = _Scorer(ja, en, anchors, _null_costs(ja, jk, p), _null_costs(en, ek, p), p, jk, ek)
    assert any(sc.lpair) and sc.groups  # the word-list scores and a list group are tested
    checked = _check_dp_cells(ja, en, jk, ek, anchors, p, width)
    assert checked > (200 if width is None else 100)


# the lead-in's items are the second and third lines; the word list knows 関税/tariffs
_JA_LINES = ["{n}年に{w}で会談した。", "{w}の{n}件", "{w}は関税で合意した", "という{n}点だ。",
             "「{w} said {n}.」", "広告", "その後、{w}は{n}人を集めた。", "{w}町の歴史"]
_EN_LINES = ["They met in {w} in {n}.", "{n} cases in {w}", "{w} agreed on tariffs",
             "\u201c{w} said {n}.\u201d", "Read more", "Later {w} drew {n} people.",
             "History of {w}", "{w}"]
_KINDS = ["text", "text", "text", "heading", "list", "list", "caption", "boilerplate"]


def _random_lines(draw: st.DrawFn, templates: list[str], lead_in: str, size: int
                  ) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    kinds: list[str] = []
    for _ in range(size):
        word = draw(st.sampled_from(["Uji", "Kameoka", "CNBC", "APEC", "Muko"]))
        num = draw(st.sampled_from([1890, 1897, 12, 40, 2025]))
        if draw(st.integers(0, 4)) == 0:  # a lead-in and the list it introduces
            lines += [lead_in, *(t.format(w=word, n=num) for t in templates[1:3])]
            kinds += ["text", "list", "list"]
            continue
        t = draw(st.sampled_from(templates))
        pad = draw(st.integers(0, 40))  # lengths: from a word to a long sentence
        lines.append(t.format(w=word, n=num) + ("あ" if "年" in t else "") * pad)
        kinds.append(draw(st.sampled_from(_KINDS)))
    return lines, kinds


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    from taiyaku.tm.lexicon import load_lexicon

    return load_lexicon()


@st.composite
def _documents(draw: st.DrawFn) -> tuple[list[str], list[str], list[str], list[str]]:
    ja, jk = _random_lines(draw, _JA_LINES, "主な点は、", draw(st.integers(1, 8)))
    en, ek = _random_lines(draw, _EN_LINES, "The main points are:", draw(st.integers(1, 8)))
    return ja, en, jk, ek


@settings(max_examples=100, deadline=None)
@given(doc=_documents(), width=st.sampled_from([None, 1, 2]),
       excess=st.sampled_from([0.0, 0.4]), group=st.sampled_from([0.0, 5.5]))
def test_dp_cells_match_the_cost_function_on_random_documents(
        analyzer: Analyzer, doc: tuple[list[str], list[str], list[str], list[str]],
        width: int | None, excess: float, group: float) -> None:
    """Issue 19 point 7: the DP's inlined bead costs and its pruning bounds agree with
    :meth:`_Scorer.cost` on many beads: random documents of random lengths, kinds (headings,
    lists, captions, furniture), shared numbers and words, quotes in the other language."""
    ja, en, jk, ek = doc
    p = AlignParams(null_run=1.0, mismatch_excess=excess, group_cost=group)
    anchors = build_anchors(ja, en, analyzer=analyzer, builtin=_lexicon(), params=p)
    assert _check_dp_cells(ja, en, jk, ek, anchors, p, width) > 0


_SEED_WORDS = ["temple", "temples", "kinkaku-ji", "-ji", "post-war", "postwar", "after the war",
               "fathers", "father", "grandchildren", "u.s", "u.s.", "mt", "then", "at that time",
               "annually", "xtemple", "templex", "city", "cities", "sons", "seasons"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_SEED_WORDS + [" ", "-", ".", "2", "Ü", ","]),
                         max_size=12).map("".join), min_size=1, max_size=6))
def test_seed_word_lookup_finds_what_scanning_the_text_found(en: list[str]) -> None:
    # issue 16.14: the seed list's English words are looked up among a segment's words
    # instead of scanning the text once per entry; the segments found are the same
    import bisect
    import re

    from taiyaku.tm.anchors import _add_seed_lexicon, _joined
    from taiyaku.tm.seedlex import SEED_LEXICON

    ja = ["".join(forms[0] for forms, _p in SEED_LEXICON)]
    ja_text, ja_starts = _joined(ja)
    ja_c: list[Counter[str]] = [Counter()]
    en_c: list[Counter[str]] = [Counter() for _ in en]
    _add_seed_lexicon(ja_text, ja_starts, en, ja_c, en_c)
    text, starts = _joined([t.lower() for t in en])
    for n, (_forms, pattern) in enumerate(SEED_LEXICON):
        want = {bisect.bisect_right(starts, m.start()) - 1
                for m in re.finditer(r"(?:" + pattern + r")(?![a-z])", text)
                if not m.start() or not "a" <= text[m.start() - 1] <= "z"}
        got = {j for j, c in enumerate(en_c) if c.get(f"d:{n}")}
        assert got == want, (pattern, en)


def test_the_dp_table_grows_with_the_cells_of_the_band_not_its_widest_row() -> None:
    # issue 16.14: the DP's tables are numpy arrays; a band that jumps over an untranslated
    # stretch has one very wide row, and a rectangle as wide as that row for every row
    # would take rows x width cells (gigabytes for a long document): the cells are stored
    # row after row instead
    from taiyaku.tm.align import _SPAN, _dp, _Lattice, _monotone, _null_costs, _Scorer

    n, m, gap = 200, 2100, 1900
    ja = [f"{k}年に京都で会議が開かれた。" for k in range(n)]
    en = [f"A meeting was held in Kyoto in {k}." for k in range(n // 2)]
    en += ["Untranslated filler line."] * gap + [f"A meeting was held in Kyoto in {k}."
                                                for k in range(n // 2, n)]
    assert len(en) == m
    p = AlignParams(learn=False)
    anchors = build_anchors(ja, en, params=p)
    sc = _Scorer(ja, en, anchors, _null_costs(ja, None, p), _null_costs(en, None, p), p)
    raw = [(i - 3, i + 3) for i in range(n // 2)] + [(n // 2 - 3, n // 2 + gap + 3)]
    raw += [(i + gap - 3, i + gap + 3) for i in range(n // 2 + 1, n + 1)]
    band = _monotone(raw, m)
    cells = sum(hi - lo + 1 for lo, hi in band)
    assert max(hi - lo + 1 for lo, hi in band) > gap  # one row spans the stretch
    lat = _Lattice(sc, band)
    assert lat.price.size <= len(lat.beads) * cells
    # a row is padded as far as the next rows reach: the rows just before the wide one
    assert lat.table.size <= (_SPAN + 1) * cells + 12 * (n + 1)
    steps = _dp(n, m, sc, band)
    assert sum(a for a, _b in steps) == n and sum(b for _a, b in steps) == m
