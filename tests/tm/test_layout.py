"""Layout decisions (halves, interleaved, pair, mono, presegmented) on small fixtures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from taiyaku.core.errors import InputError
from taiyaku.tm.layout import _best_split, line_scripts, split_document, split_presegmented
from taiyaku.tm.textio import read_text

DATA = Path(__file__).resolve().parent.parent / "data"


def _read(name: str) -> str:
    return read_text(DATA / name)


def test_halves_auto() -> None:
    sides = split_document(_read("seg_halves.txt"), name="seg_halves.txt")
    assert sides.layout == "halves"
    assert "halves (auto" in sides.message and "English half from line 25" in sides.message
    # The English half starts with its own English title.
    assert sides.en[0].text == "City Sets Spring 2027 Opening for New Tram Line"
    ja = [s.text for s in sides.ja]
    # The English title line and the English quotation inside the JA half stay Japanese-side.
    assert "New Tram Line to Open Next Spring" in ja
    assert "「New trams mean a new start for the harbor.」" in ja
    # Japanese author profile and furniture after the English half go to the Japanese side,
    # after the JA half, so both sides stay in document order.
    assert ja[-6:] == ["出典", "山田花子", "編集部記者(地域ニュース担当)",
                       "よかったらシェアしてね!", "URLをコピーしました!", "コメントする"]
    assert sides.ja_lines == sorted(sides.ja_lines)
    assert sides.en_lines == sorted(sides.en_lines)
    assert all(s.lang == "ja" for s in sides.ja) and all(s.lang == "en" for s in sides.en)
    assert min(sides.en_lines) == 24  # 0-based line of the English title


def test_halves_looks_up_each_lines_script_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # the English half's lines keep the script line_scripts found; only lines it set aside
    # as furniture or blank ("none") are looked at again (a Japanese widget goes JA-side)
    import taiyaku.tm.layout as layout

    text = _read("seg_halves.txt")
    lines = text.split("\n")
    want = split_document(text, layout="halves")
    scripts = line_scripts(lines)
    asked: list[str] = []
    real = layout.script_of

    def counting(line: str) -> str:
        asked.append(line)
        return real(line)

    monkeypatch.setattr(layout, "script_of", counting)
    got = split_document(text, layout="halves")
    assert [(s.text, s.kind) for s in got.ja] == [(s.text, s.kind) for s in want.ja]
    assert [(s.text, s.kind) for s in got.en] == [(s.text, s.kind) for s in want.en]
    english = [i for i in got.en_lines if scripts[i][0] == "en" and lines.count(lines[i]) == 1]
    assert len(english) > 10
    for i in english:
        assert asked.count(lines[i]) == 1, lines[i]


def test_halves_forced_equals_auto() -> None:
    auto = split_document(_read("seg_halves.txt"))
    forced = split_document(_read("seg_halves.txt"), layout="halves")
    assert [s.text for s in auto.ja] == [s.text for s in forced.ja]
    assert "as asked" in forced.message


def test_interleaved_auto() -> None:
    sides = split_document(_read("ingest_interleaved.txt"))
    assert sides.layout == "interleaved"
    assert "interleaved (auto" in sides.message
    assert [s.text for s in sides.ja][:2] == [
        "図書館の開館時間を延長へ",
        "市立図書館は来月から、平日の閉館時間を午後8時から午後10時に延長する。",
    ]
    assert sides.en[0].text == "Library to Extend Opening Hours"
    assert len(sides.ja) == 5 and len(sides.en) == 5


def test_pair() -> None:
    sides = split_document(
        _read("ingest_pair_ja.txt"), en_text=_read("ingest_pair_en.txt"),
        name="ja.txt", en_name="en.txt",
    )
    assert sides.layout == "pair" and "ja.txt + en.txt" in sides.message
    assert len(sides.ja) == 4 and len(sides.en) == 4
    assert sides.en[0].text == "Harbor Morning Market Turns 30"


def test_pair_without_english_file_is_an_error() -> None:
    with pytest.raises(InputError, match="needs the English file"):
        split_document(_read("ingest_pair_ja.txt"), layout="pair")
    with pytest.raises(InputError, match="en.txt: has no English text"):
        split_document(_read("ingest_pair_ja.txt"), en_text=_read("ingest_pair_ja.txt"),
                       en_name="en.txt")


def test_mono_forced() -> None:
    forced = split_document(_read("ingest_mono_ja.txt"), layout="mono")
    assert forced.layout == "mono" and "mono (as asked)" in forced.message
    # The one English name line keeps its own language in a mono document.
    assert [s.text for s in forced.en] == ["Kenji Mori"]
    assert len(forced.ja) == 4


def test_english_only_is_an_error_unless_mono() -> None:
    text = "The first line of an English text.\nAnd a second one."
    with pytest.raises(InputError, match="en.txt: has no Japanese text; use --layout mono"):
        split_document(text, name="en.txt")
    assert split_document(text, layout="mono").layout == "mono"


@pytest.mark.parametrize("layout", ["auto", "halves", "interleaved"])
def test_japanese_only_given_as_bilingual_is_an_error(layout: str) -> None:
    with pytest.raises(InputError) as info:
        split_document(_read("ingest_mono_ja.txt"), layout=layout, name="news-ja.txt")
    message = str(info.value)
    assert message.startswith("news-ja.txt: has no English text")
    assert "--layout mono" in message


def test_unknown_layout() -> None:
    with pytest.raises(InputError, match="unknown layout"):
        split_document("日本語。", layout="sideways")


def test_best_split_prefers_the_long_english_run() -> None:
    lines = ["日本語の見出し", "", "本文の一文目です。", "An English quote inside.",
             "その後も本文の段落が長く続いていく。",
             "", "The English Title", "The English body sentence is here.", "著者名"]
    k, cost = _best_split(line_scripts(lines))
    assert k == 6
    assert 0 < cost < 0.3


def test_presegmented_keeps_line_numbers() -> None:
    sides = split_presegmented("一文目。\n\n三行目。\n", "First.\nSecond.\nThird.\n",
                               name="a", en_name="b")
    assert [s.text for s in sides.ja] == ["一文目。", "", "三行目。"]
    assert sides.ja[1].kind == "boilerplate"
    assert sides.ja_lines == [0, 1, 2] and sides.en_lines == [0, 1, 2]
    # No re-segmentation: two sentences on one line stay one segment.
    two = split_presegmented("一。二。", "One. Two.")
    assert len(two.ja) == 1 and len(two.en) == 1


def test_presegmented_lines_get_the_kinds_of_raw_lines() -> None:
    """Issue 19 point 6: each presegmented line is classified as a raw file's line would be
    (the aligner prices headings, list items, lead-ins and closing tails from the kinds)."""
    ja = ("見出しの行\n米国は発表した。\n次の三点を挙げた。\n  • 関税の引き下げ\n"
          "・大豆の購入\n▲ 会談後の投稿(写真/AP通信提供)\n–>\n\n"
          "期限の延長\n輸出の再開\n原料の規制\nという内容です。\n")
    en = ("A Quiet Shift in Relations\nThe U.S. announced it.\nIt listed three points:\n"
          "- Lower tariffs\nSoybean purchases.\n")
    sides = split_presegmented(ja, en)
    assert [(s.text, s.kind) for s in sides.ja] == [
        ("見出しの行", "heading"), ("米国は発表した。", "text"), ("次の三点を挙げた。", "text"),
        ("関税の引き下げ", "list"), ("大豆の購入", "list"),
        ("会談後の投稿(写真/AP通信提供)", "caption"),
        ("–>", "boilerplate"), ("", "boilerplate"),
        # unmarked short lines in a row: a list whose bullets the file left out
        ("期限の延長", "list"), ("輸出の再開", "list"), ("原料の規制", "list"),
        ("という内容です。", "text"),
    ]
    assert [s.kind for s in sides.en] == ["heading", "text", "text", "list", "text"]
    assert sides.ja_lines == list(range(12))
    # a marked heading stays a heading even when another follows it
    two = split_presegmented("■ 第一章\n■ 第二章\n本文です。", "Text.")
    assert [s.kind for s in two.ja] == ["heading", "heading", "text"]


def test_presegmented_lists_without_markers_are_lists() -> None:
    """Issue 19 point 6: a translator's sentence files drop the bullets; list items are
    still known as such from their lead-in, their form and a closing tail, and running text
    after a list, a lone quote between a lead-in and its tail, and a second lead-in are not
    taken for items."""
    ja = ("つまり今回の電話をめぐっては、\n中国外務省:米国の要請による通話だと説明\n"
          "米財務長官:トランプが電話をかけたと明言\nという食い違いが生じた。\n"
          "習近平は今回の電話で、\n「台湾の返還は戦後秩序の一部だ」\nと位置づけた。\n"
          "トランプは投稿で、\n「電話はとても良かった」\n「関係は極めて強い」\n"
          "と述べた。\n米中:\n一年の休止期間を設ける\n年四回の首脳会談を開く\n日本:\n"
          "踏み込んだ発言で支持を集める\nしかし米国は距離を取り始めている\n本文に戻る。\n")
    en = ("It is widely read as a signal of initiative:\n"
          "The side that initiates the call is seen as taking the lead.\n"
          "The side that receives the call is responding to someone else.\n"
          "By saying on air that Trump was the one who called, Bessent effectively anchored "
          "the narrative for the rest of the year and well beyond it, as many noted.\n"
          "He then listed the meetings:\nA state visit by Trump to Beijing\n"
          "The APEC summit in Shenzhen\nTaken together, that means four meetings.\n"
          "In other words, from his vantage point:\nJapan has locked itself in,\n"
          "while Washington is exploring stabilization,\nwhich makes Japan look dated.\n"
          "Takaichi Ahead of Washington\nGao is blunt.\n")
    sides = split_presegmented(ja, en)
    assert [s.kind for s in sides.ja] == [
        "text", "list", "list", "text",
        "text", "text", "text",
        "text", "list", "list", "text",
        "text", "list", "list", "text", "list", "list", "text"]
    assert [s.kind for s in sides.en] == [
        "text", "list", "list", "text",
        "text", "list", "list", "text",
        "text", "list", "list", "list", "heading", "text"]


def test_presegmented_needs_english() -> None:
    with pytest.raises(InputError, match="b: has no English text"):
        split_presegmented("一。", "\n\n", name="a", en_name="b")


def test_seed_004_halves(shared: Path) -> None:
    (path,) = sorted((shared / "seeds").glob("004_*.txt"))
    sides = split_document(read_text(path), name=path.name)
    assert sides.layout == "halves"
    # By reading: the English half starts at line 259 with its English title; the Japanese
    # half (with the English title line 7 and the English quote line 147) holds 151
    # segments; the 12 Japanese profile/furniture lines at the end add 12 more.
    assert "English half from line 259" in sides.message
    # Its first English segment is that title (checked by digest: no seed text in the project).
    title = sides.en[0].text
    assert hashlib.sha256(title.encode()).hexdigest()[:16] == "85f741ef3f3e2042"
    assert len(sides.ja) == 163 and len(sides.en) == 106


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_japanese_seeds_need_mono(shared: Path, seed: str) -> None:
    (path,) = sorted((shared / "seeds").glob(f"{seed}_*.txt"))
    # 001 has two English by-lines ("Daniel Flatley", "Josh Wingrove"): far too little.
    with pytest.raises(InputError, match="has no English text; use --layout mono"):
        split_document(read_text(path), name=path.name)
    assert split_document(read_text(path), layout="mono").layout == "mono"
