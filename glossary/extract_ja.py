"""Japanese term candidates: compound nouns from Sudachi tokens, scored C-value style."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from taiyaku.core.japanese import katakana_to_hiragana
from taiyaku.core.normalize import normalize
from taiyaku.glossary.keys import containers_of

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer, Token

__all__ = ["Unit", "JaCandidate", "SegmentText", "compound_units", "candidate_spans",
           "extract_ja", "is_katakana", "GENERAL_NOUNS"]

_KATAKANA = re.compile(r"^[ァ-ヺー]+$")
_HIRAGANA = re.compile(r"^[ぁ-ゖー]+$")
_ASCII_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.&'\-]*$")
#: a Latin token as Sudachi may give it, spaces included ("very good")
_ASCII_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9 .&'\-]*$")
_HAS_LETTER = re.compile(r"[A-Za-zぁ-ゖァ-ヺ一-鿿]")

#: noun suffixes that end a term without belonging to it (honorifics, sides, times, places)
STRIP_SUFFIXES = frozenset(
    "氏 さん 様 君 ら たち 達 等 内 側 後 前 中 間 際 時 頃 以降 以来 付 付け 目 ごと 毎 上 下 外 "
    "全体 向け 同士 自身".split()
)
#: titles: a name followed or preceded by one is not a term of its own (トランプ大統領)
TITLES = frozenset(
    """大統領 副大統領 首相 総理 副総理 副首相 主席 国家主席 長官 財務長官 国務長官 商務長官
    総統 報道官 研究員 教授 会長 総裁 議長 院長 代表 通商代表 大使 外相 主任 委員長 大臣 氏
    元首相 前首相 新首相 CEO 社長 首席 補佐官 外務大臣 国防相 外交部長 副主席""".split()
)
_LONGEST_TITLE = max(map(len, TITLES))
#: words that may stand between a name and its title (米財務長官, 習近平国家主席)
TITLE_PARTS = TITLES | frozenset("財務 国務 商務 国家 外務 通商 国防 米 中 日 英 副 首席".split())
#: heads that refer to participants, not concepts (米中両国, 両国首脳, 日米首脳)
REFERENTIAL = frozenset(
    "中間 両国 双方 両者 首脳 両首脳 各国 同国 自国 当局者 関係者 高官 両氏".split()
)
#: Latin strings in Japanese text that are page furniture, not terms
LATIN_STOP = frozenset("JST URL PR PDF HTML AP Opinion".split())
#: prefixes that never start a term (同氏, 両国, 各国, 約10人, 翌日, 今年...)
STOP_PREFIXES = frozenset(
    "旧 同 両 各 約 計 当 他 諸 毎 翌 今 来 昨 前 元 故 現 某 本 初 全 最 新".split()
)
#: nouns a terminologist would not list on their own, nor as the edge of a compound
GENERAL_NOUNS = frozenset(
    """
    電話 問題 今回 今後 関係 発言 会談 政府 首相 大統領 一部 市場 経済 協議 交渉 対立 声明 発表
    記者 記事 写真 提供 専門家 関係者 当局者 見通し 可能性 姿勢 方針 意向 懸念 合意 議論 分析
    対話 説明 指摘 報道 見方 構図 背景 結果 状況 情勢 影響 動き 場合 時点 現在 最近 以前 当時
    一方 双方 両国 各国 自国 自身 本人 相手 全体 一部 部分 場面 点 面 件 事態 事実 内容 意味 理由
    目的 対象 範囲 程度 段階 方向 傾向 形 形式 存在 必要 重要 中心 基盤 余地 機会 時代 世界
    国内 国外 海外 全面 最大 最小 最新 最初 最後 前回 次回 今年 来年 昨年 今月 先月 来月 今週
    先週 来週 週末 年間 期間 日本 中国 米国 アメリカ 台湾 韓国 ロシア 北京 東京 ワシントン
    国 人 者 的 数 等 類 版 号 側 事 物 方 所 上 下 中 外 内 後 前 間 年 月 日 時 分 回 度
    インタビュー メッセージ ポジション レベル フェーズ テーマ リスク ポイント ケース
    トップ ニュース コメント シェア ポスト 投稿 一言 言葉 表現 一つ 二つ 三つ
    メディア アナリスト バランス ビジネス ライバル ルート エスカレーション エスカレート
    コミュニケーション パターン シグナル キャンペーン アピール チャンス ジレンマ コントロール
    スタッフ イベント チーム パニック インパクト ナショナリズム ストーリー カード ゲーム
    不確実性 透明性 重要性 必要性 中国企業 購入拡大 女性 次期 最年少 日本語版 前のめり 中間
    コラム 天気予報 速報 特集 原題 抜粋 出典 注記 目次 関連記事
    最新ニュース きっかけ
    ライン グループ モデル プロセス システム サービス アクセス スピード データ
    """.split()
)


class Unit(NamedTuple):
    """A term building block: one token, or several joined (names with ・, Latin words).

    A named tuple (immutable, and made in half the time of a frozen dataclass: one per
    token of every Japanese segment).

    :ivar role: ``N`` content, ``P`` prefix, ``S`` joining suffix, ``W`` adverbial noun
        (may start a compound, never end one)
    """

    surface: str
    reading: str
    role: str
    person: bool
    proper: bool
    place: bool
    general: bool
    begin: int
    end: int


def is_katakana(text: str) -> bool:
    """True when *text* is katakana only (with the long-vowel mark).

    >>> is_katakana("レアアース"), is_katakana("台湾")
    (True, False)
    """
    return bool(_KATAKANA.match(text))


def _is_number(tok: Token) -> bool:
    return tok.pos[1] == "数詞" or tok.surface.isdigit()


def _role(tok: Token, nxt: Token | None, prev: Token | None) -> str | None:
    """The role of one token in a compound, or None when it breaks compounds."""
    if tok.pos[0] == "形状詞":
        if nxt is not None and nxt.pos[0] == "接尾辞" and nxt.surface in ("さ", "性", "化", "感"):
            return "N"  # 曖昧+さ, 透明+性
        return None
    after_number = prev is not None and _is_number(prev) and prev.end == tok.begin
    return _roles(tok.surface, tok.pos)[after_number]


@lru_cache(maxsize=65536)
def _roles(s: str, pos: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The role of a token (not 形状詞) that follows no number, and that follows one: the
    same words come back all through a TM, so each is worked out once."""
    p0, p1, p2 = pos[0], pos[1], pos[2]
    if p0 == "名詞":
        if p1 in ("数詞", "代名詞"):
            return None, None
        if not _HAS_LETTER.search(s) or _HIRAGANA.match(s):
            return None, None  # こと, ため, まま: formal nouns never belong to a term
        role = "W" if p2 == "副詞可能" else "N"
        # 10月, 3年, 20カ国
        return role, None if "助数詞" in p2 or len(s) <= 2 else role
    if p0 == "接頭辞":
        return "P", "P"
    if p0 == "接尾辞" and p1 == "名詞的":
        if "助数詞" in p2 or s in STRIP_SUFFIXES:
            return None, None
        return "S", None
    return None, None


def compound_units(tokens: Sequence[Token]) -> list[list[Unit]]:
    """Maximal runs of compound material in a token list, as :class:`Unit` lists.

    Katakana names are joined across ・ (スコット・ベッセント), adjacent Latin tokens into one
    name (Truth Social, G20), numbers and dates, particles, verbs and honorifics break runs.
    """
    runs: list[list[Unit]] = []
    cur: list[Unit] = []

    def flush() -> None:
        nonlocal cur
        if cur:
            runs.append(cur)
        cur = []

    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        s = tok.surface
        # Latin words (and letters+digits such as G20, H200) joined while only spaces separate
        if _ASCII_TOKEN.match(s):
            j = i + 1
            end = tok.end
            parts = [s]
            while j < n:
                t = tokens[j]
                if t.begin == end and t.surface.isdigit():
                    parts.append(t.surface)
                    end = t.end
                    j += 1
                elif (t.surface.strip() == "" and j + 1 < n and _ASCII_TOKEN.match(
                        tokens[j + 1].surface)):
                    parts.append(" " + tokens[j + 1].surface)
                    end = tokens[j + 1].end
                    j += 2
                else:
                    break
            text = "".join(parts)
            if _latin_ok(text):
                cur.append(Unit(text, text, "N", False, True, False, False, tok.begin, end))
            else:
                flush()
            i = j
            continue
        k = _split_name(tokens, i)
        if k:
            # 何+立+峰 副首相: a Chinese or Korean name Sudachi cut into single kanji
            cur.append(Unit(text_of(tokens, i, i + k), "".join(
                t.reading or t.surface for t in tokens[i : i + k]), "N", True, True, False,
                False, tok.begin, tokens[i + k - 1].end))
            i += k
            continue
        nxt = tokens[i + 1] if i + 1 < n else None
        prev = tokens[i - 1] if i > 0 else None
        if (s == "第" and i + 2 < n and _is_number(tokens[i + 1])
                and tokens[i + 2].surface in ("次", "期", "段階", "弾", "世代")):
            # 第二次世界大戦: an ordinal prefix, not a date or count
            t2 = tokens[i + 2]
            cur.append(Unit(text_of(tokens, i, i + 3), "".join(
                t.reading or t.surface for t in tokens[i : i + 3]), "P", False, False, False,
                False, tok.begin, t2.end))
            i += 3
            continue
        role = _role(tok, nxt, prev)
        if cur and s in STRIP_SUFFIXES:
            role = None  # 中国側, 米中間, 会談後: the noun ends the compound before it
        if role is None:
            if s == "・" and cur and nxt is not None and _joins_name(cur[-1], nxt):
                # スコット・ベッセント: fold the dot and the next name into the last unit
                last = cur.pop()
                cur.append(Unit(last.surface + "・" + nxt.surface,
                                last.reading + "・" + (nxt.reading or nxt.surface), "N",
                                True, True, False, False, last.begin, nxt.end))
                i += 2
                continue
            flush()
            i += 1
            continue
        proper = tok.pos[1] == "固有名詞"
        place = proper and tok.pos[2] == "地名"
        person = proper and tok.pos[2] == "人名"
        general = s in GENERAL_NOUNS or _general(tok.normalized)
        if (person and tok.pos[3] == "姓" and nxt is not None and nxt.begin == tok.end
                and nxt.pos[2:4] == ("人名", "名")):
            # 高市+早苗: one name
            cur.append(Unit(s + nxt.surface, (tok.reading or s) + (nxt.reading or nxt.surface),
                            "N", True, True, False, False, tok.begin, nxt.end))
            i += 2
            continue
        cur.append(Unit(s, tok.reading or s, role, person, proper, place, general, tok.begin,
                        tok.end))
        i += 1
    flush()
    return runs


@lru_cache(maxsize=65536)
def _general(normalized: str) -> bool:
    """Sudachi's normalised form of a token is a general noun (normalised once per form)."""
    return normalize(normalized) in GENERAL_NOUNS


#: common Chinese and Korean family names (one kanji) that begin a name Sudachi may not know
NAME_SURNAMES = frozenset(
    "何 王 李 張 劉 陳 楊 趙 黄 周 呉 徐 孫 胡 朱 郭 馬 羅 梁 宋 鄭 謝 韓 唐 馮 于 董 蕭 程 曹 袁 "
    "鄧 許 傅 沈 曾 彭 呂 蘇 盧 蒋 蔡 賈 丁 魏 薛 葉 閻 潘 杜 戴 夏 鍾 汪 任 姜 范 姚 譚 廖 鄒 "
    "熊 陸 郝 孔 崔 康 毛 邱 秦 侯 邵 孟 龍 段 雷 銭 湯 尹 黎 常 喬 賀 龔 習 温 文 朴 金 "
    "柯 卓 蔣 游 洪".split()
)
_KANJI = re.compile(r"^[一-鿿]$")


def _split_name(tokens: Sequence[Token], i: int) -> int:
    """How many tokens from *i* make a name Sudachi cut into single kanji (何|立|峰 before a
    title such as 副首相 or 氏), or 0. Only a known family name followed by one or two single
    kanji and then a title or 氏 counts: elsewhere such kanji are ordinary words."""
    tok = tokens[i]
    if tok.surface not in NAME_SURNAMES:
        return 0
    for k in (3, 2):
        if i + k >= len(tokens):
            continue
        given = tokens[i + 1 : i + k]
        after = tokens[i + k]
        if not all(_KANJI.match(t.surface) and t.pos[0] in ("名詞", "接尾辞", "接頭辞")
                   for t in given):
            continue
        if all(t.end == u.begin for t, u in zip(tokens[i : i + k], tokens[i + 1 : i + k + 1],
                                                   strict=True)) and (
                after.surface in TITLES or after.surface in ("氏", "副首相", "副主席")
                or after.surface[:1] == "副" and after.surface[1:] in TITLES):
            return k
    return 0


def _latin_ok(text: str) -> bool:
    """Latin inside Japanese text: acronyms and capitalised names of up to four words; English
    phrases in parentheses are glosses (see :mod:`glossary.pairing`), not Japanese terms."""
    words = text.split()
    if text in LATIN_STOP or len(words) > 4:
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in words) or len(words) == 1 and len(
        text) >= 2 and any(c.isupper() for c in text)


def _name_like(u: Unit) -> bool:
    s = u.surface
    if u.person or "・" in s:
        return True
    if u.general or u.place:
        return False
    return is_katakana(s) or bool(_ASCII_WORD.match(s.replace(" ", "")))


def title_with_name(units: Sequence[Unit]) -> bool:
    """True for a person's name with a title (ベッセント財務長官, 財務長官スコット・ベッセント)."""
    if len(units) == 1:
        s = units[0].surface
        # the title's possible lengths are few: look its suffixes up instead of trying each title
        return any(s[-k:] in TITLES and is_katakana(s[:-k])
                   for k in range(1, min(len(s), _LONGEST_TITLE + 1)))
    if units[-1].surface in TITLES and len(units[0].surface) == 1 and len(units) == 2:
        return True  # 習主席, 林報道官
    has_title = any(u.surface in TITLES for u in units)
    first, last = units[0], units[-1]
    if has_title and (first.proper and first.surface not in TITLES):
        return True
    # a name with part of a title (ベッセント財務 of ベッセント財務長官, 習近平国家)
    has_part = any(u.surface in TITLE_PARTS for u in units)
    return has_part and (_name_like(first) or _name_like(last))


def text_of(tokens: Sequence[Token], i: int, j: int) -> str:
    """Surfaces of tokens ``[i, j)`` joined."""
    return "".join(t.surface for t in tokens[i:j])


def _joins_name(last: Unit, nxt: Token) -> bool:
    """Whether ``last・nxt`` is one name (katakana on both sides, not a list of places)."""
    if nxt.pos[0] != "名詞":
        return False
    left_kata = is_katakana(last.surface.split("・")[-1])
    right_kata = is_katakana(nxt.surface)
    if not (left_kata and right_kata):
        return False
    return not (last.place and nxt.pos[2] == "地名")


def j_ok(run: Sequence[Unit], i: int) -> bool:
    """A one-character prefix-like unit (旧, 新, 同) followed by more material."""
    return i + 1 < len(run)


def candidate_spans(run: Sequence[Unit], max_units: int = 7) -> Iterable[tuple[int, int]]:
    """Sub-sequences ``[i, j)`` of a run that may be terms (edges checked)."""
    n = len(run)
    for i in range(n):
        first = run[i]
        if first.role == "S":
            continue
        if first.surface in STOP_PREFIXES and j_ok(run, i):
            continue
        for j in range(i + 1, min(n, i + max_units) + 1):
            last = run[j - 1]
            if last.role in ("P", "W"):
                continue
            if j - i == 1 and first.role != "N":
                continue
            yield i, j


@dataclass(slots=True)
class JaCandidate:
    """A Japanese candidate term with its corpus statistics."""

    key: str
    surface: str
    reading: str
    units: int
    proper: bool
    katakana: bool
    latin: bool
    edge_general: bool
    single_general: bool
    person: bool = False
    #: a place name on its own (深圳, ウクライナ): a term only if the English names it
    place: bool = False
    freq: int = 0
    docs: set[int] = field(default_factory=set)
    segments: list[int] = field(default_factory=list)
    unit_ids: set[int] = field(default_factory=set)
    quoted: int = 0
    indep: int = 0
    subkeys: frozenset[str] = frozenset()
    cvalue: float = 0.0
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class SegmentText:
    """A segment to mine: its id, document, unit (when aligned) and text.

    :ivar heading: a title or heading line (its capitals say nothing about the term's casing)
    """

    id: int
    doc_id: int
    text: str
    unit_id: int | None = None
    heading: bool = False


#: quotation marks that single out a term (parentheses hold glosses, see pairing)
_QUOTES = {"「": "」", "『": "』", "“": "”", '"': '"', "‘": "’", "【": "】"}


def _quoted(text: str, begin: int, end: int) -> bool:
    """The span is exactly the content of a quote or bracket pair."""
    if begin == 0 or end >= len(text):
        return False
    return _QUOTES.get(text[begin - 1]) == text[end]


def mining_text(text: str) -> str:
    """NFKC with whitespace collapsed, spaces kept: unlike :func:`normalize`, a space between
    two Japanese words still separates them (headlines run together: 人事刷新 習近平氏)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _is_good_single(u: Unit) -> bool:
    """A one-unit candidate must be a name, a katakana word, a Latin name or a long compound."""
    s = u.surface
    if u.general or u.role != "N":
        return False
    if u.place and "・" not in s:
        return False
    if _ASCII_WORD.match(s.replace(" ", "")) or " " in s:
        return len(s) >= 2 and not s.isdigit()
    if is_katakana(s.replace("・", "")):
        return len(s) >= 3
    if u.proper:
        return len(s) >= 2
    return len(s) >= 4


def _is_place(u: Unit) -> bool:
    """A place name alone (深圳, ウクライナ), not one of the general ones (日本, 北京)."""
    return u.place and not u.general and u.role == "N" and "・" not in u.surface and len(
        u.surface) >= 2


def extract_ja(
    segments: Iterable[SegmentText], analyzer: Analyzer
) -> dict[str, JaCandidate]:
    """Count every candidate compound of *segments*; scores are filled by :func:`score_ja`.

    >>> from taiyaku.core.japanese import Analyzer
    >>> c = extract_ja([SegmentText(1, 1, "一般輸出許可の条件をまとめる。")], Analyzer())
    >>> sorted(c)
    ['一般輸出', '一般輸出許可', '輸出許可']
    """
    out: dict[str, JaCandidate] = {}
    for seg in segments:
        text = mining_text(seg.text)
        tokens = analyzer.tokenize(text)
        for run in compound_units(tokens):
            for i, j in candidate_spans(run):
                units = run[i:j]
                place = j - i == 1 and _is_place(units[0])
                if j - i == 1 and not _is_good_single(units[0]) and not place:
                    continue
                if title_with_name(units) or units[-1].surface in REFERENTIAL:
                    continue
                begin, end = units[0].begin, units[-1].end
                surface = text[begin:end]
                key = surface
                if key in GENERAL_NOUNS:
                    continue  # a general compound (不確実性, 中国企業)
                cand = out.get(key)
                if cand is None:
                    kata = is_katakana(surface.replace("・", ""))
                    latin = bool(_ASCII_WORD.match(surface.replace(" ", "")))
                    cand = JaCandidate(
                        key=key, surface=surface,
                        reading=katakana_to_hiragana("".join(u.reading for u in units)),
                        units=j - i, proper=any(u.proper for u in units), katakana=kata,
                        latin=latin,
                        edge_general=units[0].general and units[-1].general,
                        single_general=j - i == 1 and units[0].general,
                        person=j - i == 1 and units[0].person, place=place,
                    )
                    # a frozenset: the many one-unit candidates share the one empty one
                    cand.subkeys = frozenset(
                        text[units[a].begin : units[b - 1].end]
                        for a, b in candidate_spans(units) if (a, b) != (0, j - i)
                    )
                    out[key] = cand
                cand.freq += 1
                # a place only if Sudachi reads it so everywhere (高市 is a person's name too)
                cand.place = cand.place and (place or j - i > 1) and not units[0].person
                cand.docs.add(seg.doc_id)
                if len(cand.segments) < 50:
                    cand.segments.append(seg.id)
                if seg.unit_id is not None:
                    cand.unit_ids.add(seg.unit_id)
                if _quoted(text, begin, end):
                    cand.quoted += 1
                if i == 0 and j == len(run):
                    cand.indep += 1  # alone
                    continue
                # (the rest of the run is made only for a span that is not the whole run)
                rest = (*run[:i], *run[j:])
                if _name_like(units[-1]) and _name_like(units[0]) and all(
                        u.surface in TITLE_PARTS for u in rest):
                    cand.indep += 1  # a name with only a title (…・トランプ大統領)
                elif j - i >= 2 and all(u.surface in TITLE_PARTS for u in units) and all(
                        _name_like(u) or u.surface in TITLE_PARTS for u in rest):
                    cand.indep += 1  # the title itself (国務長官 of ルビオ国務長官)
    return out


def score_ja(cands: dict[str, JaCandidate], n_docs: int) -> None:
    """C-value over the nested candidates, times spread across documents and term-likeness.

    C(a) = w(a)·(f(a) − mean f(b) over candidates b containing a); w grows with the length in
    characters. A string seen only inside one longer candidate (習会 in 川習会) scores 0.
    """
    containers = containers_of({k: c.subkeys for k, c in cands.items()})
    for k, cand in cands.items():
        # frequency without the occurrences inside longer candidates already counted there
        outer = containers[k]
        weight = math.log2(2 + len(k))
        # occurrences inside longer candidates count half: they support the term (輸出規制 in
        # レアアース輸出規制) but mostly belong to the longer one
        f_eff = cand.indep + 0.5 * (cand.freq - cand.indep) + 0.5 * cand.quoted
        if outer:
            mean = sum(cands[b].freq for b in outer) / len(outer)
            c = weight * max(0.0, min(f_eff, cand.freq - mean))
        else:
            c = weight * f_eff
        cand.cvalue = c
        spread = 1.0 + 0.6 * math.log2(len(cand.docs)) if n_docs > 1 else 1.0
        bonus = 1.0
        if cand.quoted:
            bonus *= 1.4
        if cand.katakana or cand.latin:
            bonus *= 1.1
        if cand.edge_general:
            bonus *= 0.6
        if not (cand.indep or cand.quoted or len(outer) >= 3):
            c = 0.0  # never seen on its own: a fragment of longer compounds (習会, 米財務)
        cand.score = c * spread * bonus

