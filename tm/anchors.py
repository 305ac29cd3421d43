"""Lexical anchors for sentence alignment: numbers, dates, Latin tokens, names, glosses."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from taiyaku.tm.params import AlignParams
from taiyaku.tm.translit import KATAKANA_RUN, kana_to_romaji, name_key, skeleton

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.tm.lexicon import Lexicon

__all__ = [
    "ja_numbers",
    "en_numbers",
    "latin_tokens",
    "en_words",
    "is_boilerplate",
    "DocAnchors",
    "JaAnalyses",
    "JaAnalysis",
    "analyse_ja",
    "build_anchors",
]

# ---------------------------------------------------------------- numbers

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december"
        .split()
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items()) if k != "may"})
_MONTHS["sept"] = 9

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20,
    "half": 0.5,
}
_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_JA_SCALE = {"万": 1e4, "億": 1e8, "兆": 1e12, "千": 1e3}
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_JA_NUM_RE = re.compile(rf"({_NUM})\s*([万億兆]?)(?:\s*(年半|か月|ヶ月|カ月|箇月|月|日))?")
_JA_KANJI_NUM_RE = re.compile(
    r"([〇一二三四五六七八九十百千]+)(?=[年月日人歳回世代番位条件名つ度倍周点割か])"
)
_JA_DATE_RE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH_NAMES = (r"(?:January|February|March|April|May|June|July|August|September|October|"
                r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_EN_DATE_RE = re.compile(
    rf"({_MONTH_NAMES})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+)?({_MONTH_NAMES})"
)
_EN_NUM_RE = re.compile(
    rf"({_NUM})(?:st|nd|rd|th|s)?(?:\s*(thousand|million|billion|trillion))?", re.IGNORECASE
)
_EN_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)?")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[&'’.-][A-Za-z0-9]+)*")


def _fmt(value: float) -> str:
    # a number of 309 digits or more reads as inf, which int() refuses
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.6g}"


def _kanji_number(run: str) -> float | None:
    total, current = 0, 0
    for c in run:
        if c in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[c]
        elif c in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[c]
            current = 0
        else:  # pragma: no cover - the regex admits nothing else
            return None
    return float(total + current)


@functools.lru_cache(maxsize=1)
def _era_re() -> re.Pattern[str]:
    from taiyaku.core.eras import ERA_START

    # built once per process: sorting the era names and looking the pattern up in re's
    # cache for every segment cost a tenth of the Japanese side's analysis
    names = "|".join(sorted(ERA_START, key=len, reverse=True))
    return re.compile(rf"({names})\s*(元|\d{{1,2}}|[一二三四五六七八九十]+)\s*年")


def ja_numbers(text: str) -> list[str]:
    """Number anchors of a Japanese sentence (``n:`` values, ``m:`` months, ``D:`` dates).

    >>> ja_numbers("1909年11月15日、8,750万人、3年半")
    ['n:1909', 'm:11', 'n:15', 'n:87500000', 'n:3.5', 'D:11/15']
    >>> ja_numbers("慶長7年に仕官した")  # era years also give the Western year
    ['n:7', 'n:1602']
    """
    s = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for m in _JA_NUM_RE.finditer(s):
        if m.start() > 0 and s[m.start() - 1].isascii() and s[m.start() - 1].isalpha():
            continue  # part of a Latin token such as G20
        value = float(m.group(1).replace(",", ""))
        if m.group(2):
            value *= _JA_SCALE[m.group(2)]
        unit = m.group(3)
        if unit == "月":
            out.append(f"m:{_fmt(value)}")
            continue
        if unit == "年半":
            value += 0.5
        out.append(f"n:{_fmt(value)}")
    for m in _era_re().finditer(s):
        from taiyaku.core.eras import ERA_START

        num = m.group(2)
        if num == "元":
            n = 1.0
        elif num.isdigit():
            n = float(num)
        else:
            n = _kanji_number(num) or 0.0
        if 0 < n < 100:
            out.append(f"n:{ERA_START[m.group(1)] + int(n) - 1}")
    for m in _JA_DATE_RE.finditer(s):
        out.append(f"D:{int(m.group(1))}/{int(m.group(2))}")
    for m in _JA_KANJI_NUM_RE.finditer(s):
        run = m.group(1)
        if run == "一" or run == "千":
            continue  # 一方, 統一 …: too common as plain words
        v = _kanji_number(run)
        if v is not None:
            nxt = s[m.end()] if m.end() < len(s) else ""
            out.append(f"m:{_fmt(v)}" if nxt == "月" else f"n:{_fmt(v)}")
    return out


def en_numbers(text: str) -> list[str]:
    """Number anchors of an English sentence.

    >>> en_numbers("On November 15, 1909, 87.5 million people; 3.5 years; forty-eight")
    ['n:15', 'n:1909', 'n:87500000', 'n:3.5', 'D:11/15', 'm:11', 'n:48']
    """
    out: list[str] = []
    for m in _EN_NUM_RE.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalpha():
            continue
        value = float(m.group(1).replace(",", ""))
        if m.group(2):
            value *= _EN_SCALE[m.group(2).lower()]
        out.append(f"n:{_fmt(value)}")
    for m in _EN_DATE_RE.finditer(text):
        month = _MONTHS.get((m.group(1) or m.group(4) or "").lower().rstrip("."))
        day = m.group(2) or m.group(3)
        if month and day and 1 <= int(day) <= 31:
            out.append(f"D:{month}/{int(day)}")
    words = _EN_WORD_RE.findall(text.lower())
    for i, w in enumerate(words):
        if w in _MONTHS and (w != "may" or text.find("May") >= 0):
            if w == "may" and "May" not in text:
                continue
            out.append(f"m:{_MONTHS[w]}")
            continue
        # most words are no number: one set lookup (a hyphenated word is split first)
        if "-" in w:
            parts = w.split("-")
            if not all(p in _EN_UNITS for p in parts):
                continue
        elif w in _EN_UNITS:
            parts = [w]
        else:
            continue
        if w not in ("one", "second", "half"):
            value = float(sum(_EN_UNITS[p] for p in parts))
            if i + 1 < len(words) and words[i + 1] in _EN_SCALE:
                value *= _EN_SCALE[words[i + 1]]
            out.append(f"n:{_fmt(value)}")
    return out


# ---------------------------------------------------------------- words

def latin_tokens(text: str) -> list[str]:
    """Latin-script tokens inside a Japanese sentence, lower-cased (CNBC, G20, Washington).

    >>> latin_tokens("米CNBCとG20について")
    ['cnbc', 'g20']
    """
    s = unicodedata.normalize("NFKC", text)
    return [w.lower() for w in _WORD_RE.findall(s)
            if (len(w) >= 2 or w.isupper()) and w.lower() not in _EN_STOP]


def en_words(text: str, lower_parts: set[str] | None = None) -> list[str]:
    """Word tokens of an English sentence, lower-cased, hyphenated words also split.

    *lower_parts*, when given, receives the parts of hyphenated words written in lower case
    (post-war → post, war): fine for matching readings, but not the name that a Latin token
    inside the Japanese spells (the Washington Post).

    >>> en_words("The Shikobuchi-jinja Shrine, G20")
    ['the', 'shikobuchi-jinja', 'shikobuchi', 'jinja', 'shrine', 'g20']
    """
    out: list[str] = []
    for w in _WORD_RE.findall(unicodedata.normalize("NFKC", text)):
        lw = w.lower().replace("’", "'")
        if lw.endswith("'s"):
            lw = lw[:-2]
        out.append(lw)
        if "-" in lw:
            parts = [p for p in lw.split("-") if p]
            out.extend(parts)
            if lower_parts is not None and w[:1].islower():
                lower_parts.update(parts)
    return out


def en_bigrams(text: str) -> list[str]:
    """Adjacent capitalised words joined by a space (names written as two words).

    >>> en_bigrams("Yamazaki Shoten Temple is in Kyoto")
    ['yamazaki shoten', 'shoten temple']
    """
    spans = list(re.finditer(r"[A-Z][A-Za-z]+", text))
    out: list[str] = []
    for a, b in zip(spans, spans[1:], strict=False):
        if text[a.end() : b.start()] == " ":
            out.append(f"{a.group().lower()} {b.group().lower()}")
    return out


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]{2,}")

_BOILERPLATE = {
    # Japanese page furniture
    "広告", "目次", "関連記事", "関連リンク", "続きを読む", "この記事をシェアする", "シェア",
    "シェアする", "ページの先頭へ", "トップへ戻る", "印刷", "印刷する", "ツイート", "ブックマーク",
    "スポンサーリンク", "pr", "もっと見る", "次へ", "前へ", "ホーム", "メニュー", "コメント",
    "おすすめ記事", "人気記事", "ランキング", "動画", "写真", "拡大", "閉じる",
    # English page furniture
    "advertisement", "ad", "contents", "table of contents", "related articles",
    "related", "read more", "share this article", "share", "back to top", "top", "print",
    "tweet", "bookmark", "sponsored", "see more", "next", "previous", "home", "menu",
    "comments", "recommended", "popular", "most read", "close", "share on facebook",
    "share on x", "share on twitter", "copy link", "email", "subscribe",
    "page top", "to top", "go to top", "follow us", "follow", "sign up", "log in", "login",
    "newsletter", "more", "back", "ページトップ", "ページトップへ", "トップに戻る", "上に戻る",
    "フォローする", "フォロー", "ログイン", "会員登録", "新着記事", "おすすめ", "いいね",
    "urlをコピーしました", "リンクをコピー", "lineで送る", "はてなブックマーク",
}


@functools.lru_cache(maxsize=1 << 16)
def is_boilerplate(text: str) -> bool:
    """Whether a line is page furniture (share widgets, 'Read more', 広告 …); cached, as the
    aligner asks three times per segment (null costs, classes with and without kinds).

    >>> is_boilerplate("▲ページの先頭へ"), is_boilerplate("Share this article")
    (True, True)
    >>> is_boilerplate("He was born in Kyoto.")
    False
    """
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"^[\W_]+|[\W_]+$", "", s)
    return s in _BOILERPLATE


# ---------------------------------------------------------------- document level

_JA_NOUN_MIN = 2  # characters of romaji key needed for a reading to count


class DocAnchors:
    """Anchor tokens of every segment of one document pair, resolved across languages.

    ``ja[i]`` and ``en[j]`` are Counters of anchor strings; a string present on both sides
    is evidence that the two segments translate each other. ``weight[t]`` is the strength
    of anchor ``t``, already discounted by how many segments carry it. ``ja_words`` and
    ``en_words`` hold each segment's content words (for learning a lexicon). The weights
    come from *params* (``kind_weight``, ``max_spread``; the defaults without it).
    """

    def __init__(self, ja: list[Counter[str]], en: list[Counter[str]],
                 ja_words: list[set[str]], en_words: list[set[str]],
                 params: AlignParams | None = None) -> None:
        self.params = params or AlignParams()
        self.ja = ja
        self.en = en
        self.ja_words = ja_words
        self.en_words = en_words
        self.weight: dict[str, float] = {}
        self.reweigh()

    def reweigh(self) -> None:
        """Recompute anchor weights from document frequencies on both sides."""
        df_ja: Counter[str] = Counter()
        df_en: Counter[str] = Counter()
        for c in self.ja:
            df_ja.update(c.keys())
        for c in self.en:
            df_en.update(c.keys())
        weight: dict[str, float] = {}
        kind_weight, max_spread = self.params.kind_weight, self.params.max_spread
        for tok, dj in df_ja.items():
            de = df_en.get(tok, 0)
            if de == 0:
                continue
            spread = (dj * de) ** 0.5
            if spread > max_spread:
                continue  # everywhere: no help in telling lines apart, and costly
            weight[tok] = kind_weight.get(tok[0], 1.0) / max(1.0, spread)
        self.weight = weight

    def add_pairs(self, pairs: Sequence[tuple[str, str]], tag: str = "y") -> None:
        """Add word pairs (a JA content word, an EN word) as anchors, then reweigh."""
        if not pairs:
            return
        ja_index: dict[str, list[int]] = {}
        for i, ws in enumerate(self.ja_words):
            for w in ws:
                ja_index.setdefault(w, []).append(i)
        en_index: dict[str, list[int]] = {}
        for j, ws in enumerate(self.en_words):
            for w in ws:
                en_index.setdefault(w, []).append(j)
        for n, (jw, ew) in enumerate(pairs):
            key = f"{tag}:{n}"
            for i in ja_index.get(jw, ()):
                self.ja[i][key] += 1
            for j in en_index.get(ew, ()):
                self.en[j][key] += 1
        self.reweigh()


@functools.lru_cache(maxsize=1 << 16)
def _kana_key(kana: str) -> str:
    """:func:`name_key` of a reading's romaji, cached: a document repeats its names and
    common nouns thousands of times.

    >>> _kana_key("ベッセント")
    'bessento'
    """
    return name_key(kana_to_romaji(kana))


#: :func:`name_key` of an English word and :func:`skeleton` of a key, cached: each piece of a
#: long document matches its names against its English words, most of which the earlier
#: pieces had
_word_key = functools.lru_cache(maxsize=1 << 17)(name_key)
_skeleton = functools.lru_cache(maxsize=1 << 17)(skeleton)

_CJK_CHAR = re.compile("[\u3400-\u9fff]")


def _reading_keys(
    text: str, analyzer: Analyzer | None, forms: set[str] | None = None
) -> tuple[list[tuple[str, bool]], set[str]]:
    """(romaji key, from katakana) pairs for names and nouns, and the content words; the
    surfaces and normalized forms of all tokens go into *forms* when given."""
    keys: list[tuple[str, bool]] = []
    content: set[str] = set()
    s = unicodedata.normalize("NFKC", text)
    for run in KATAKANA_RUN.findall(s):
        parts = [p for p in run.split("・") if p]
        for p in parts:
            keys.append((_kana_key(p), True))
        if len(parts) > 1:
            keys.append((_kana_key("".join(parts)), True))
    if analyzer is not None:
        for surface, pos, normalized, reading in analyzer.words(s):
            if forms is not None:
                forms.add(surface)
                forms.add(normalized)
            if not pos:
                continue
            head = pos[0]
            if head in ("名詞", "動詞", "形容詞") and len(surface) >= 2 and pos[1] != "数詞":
                content.add(surface)
            if head != "名詞" or not reading:
                continue
            if KATAKANA_RUN.fullmatch(surface):
                continue  # already taken from the surface
            if not _CJK_CHAR.search(surface):
                continue
            keys.append((_kana_key(reading), False))
    return [(k, kata) for k, kata in keys if len(k) >= 3], content


_EN_STOP = set(
    "the a an and or of to in on at by for with from as is was were be been are this that "
    "these those it its he she they his her their him them we you i not but which who whom "
    "whose what when where while also after before then than there here into over under "
    "about between during such other some any all each many more most very can could would "
    "should may might will shall has have had do does did so if no yes one two".split()
)


def _match_names(
    ja_keys: set[tuple[str, bool]], en_vocab: set[str]
) -> dict[tuple[str, bool], list[str]]:
    """Map romaji keys of Japanese readings to English words that spell the same name.

    A key matches a word with the same key, a word that is its prefix (京都市 kyotoshi →
    Kyoto) or its extension (大念 dainen → Dainen-ji), or, for katakana, a word at a small
    edit distance (loanwords: bessento → Bessent, also compared by consonant skeleton).
    """
    import bisect

    from rapidfuzz import fuzz, process

    by_key: dict[str, list[str]] = {}
    for w in en_vocab:
        if len(w) < 3 or w in _EN_STOP or not w.replace("-", "").replace(" ", "").isalpha():
            continue
        k = _word_key(w)
        if len(k) >= 3:
            by_key.setdefault(k, []).append(w)
    sorted_keys = sorted(by_key)
    buckets: dict[str, list[str]] = {}
    for k in sorted_keys:
        buckets.setdefault(k[0], []).append(k)
    skel: dict[str, list[str]] = {}
    skel_of: dict[str, str] = {}
    for k in sorted_keys:
        sk = _skeleton(k)
        skel_of[k] = sk
        if len(sk) >= 3:
            skel.setdefault(k[0], []).append(sk)
    skel_back: dict[tuple[str, str], str] = {}
    for k in sorted_keys:
        skel_back.setdefault((k[0], skel_of[k]), k)
    out: dict[tuple[str, bool], list[str]] = {}
    for key, kata in ja_keys:
        hits = list(by_key.get(key, ()))
        # the longest English word that is a prefix of the reading (京都市 → Kyoto)
        for cut in range(len(key) - 1, max(3, len(key) // 3), -1):
            pre = by_key.get(key[:cut])
            if pre:
                hits.extend(pre)
                break
        if not hits and len(key) >= 5:
            # a word that extends the reading by a short suffix (大念 → Dainen-ji)
            at = bisect.bisect_right(sorted_keys, key)
            if at < len(sorted_keys):
                k = sorted_keys[at]
                if k.startswith(key) and len(k) - len(key) <= 4:
                    hits.extend(by_key[k])
        if hits:
            out[(key, kata)] = hits
            continue
        if not kata or len(key) < 4:
            continue
        bucket = buckets.get(key[0], [])
        best = process.extractOne(key, bucket, scorer=fuzz.ratio, score_cutoff=86)
        if best is None:
            sk = _skeleton(key)
            if len(sk) >= 3:
                hit = process.extractOne(sk, skel.get(key[0], []), scorer=fuzz.ratio,
                                         score_cutoff=89)
                if hit is not None:
                    k = skel_back[(key[0], hit[0])]
                    if abs(len(k) - len(key)) <= max(2, len(key) // 3):
                        best = (k, hit[1], hit[2])
        if best is not None:
            out[(key, kata)] = list(by_key[best[0]])
    return out


def _occurrences(haystack: str, starts: list[int], needle: str) -> list[int]:
    """Indices of the segments (joined with newlines, *starts* their offsets) holding needle."""
    import bisect

    out: list[int] = []
    pos = haystack.find(needle)
    while pos >= 0:
        out.append(bisect.bisect_right(starts, pos) - 1)
        pos = haystack.find(needle, pos + 1)
    return out


#: what :func:`build_anchors` takes from one Japanese segment alone: its anchor counts
#: (numbers, Latin words), the romaji keys of its readings, its content words, and the
#: word-list entries found in it (``None`` without a word list)
JaAnalysis = tuple[Counter[str], list[tuple[str, bool]], set[str], list[int] | None]


def analyse_ja(text: str, analyzer: Analyzer | None, builtin: Lexicon | None) -> JaAnalysis:
    """The per-segment part of :func:`build_anchors` for one Japanese segment (Sudachi's
    share of the work: a long document computes it once per segment, ahead of its windows).

    >>> c, keys, content, lex = analyse_ja("1909年にCNBCと会った。", None, None)
    >>> sorted(c), lex
    (['n:1909', 'w:cnbc'], None)
    """
    c: Counter[str] = Counter(ja_numbers(text))
    for w in latin_tokens(text):
        c["w:" + w] += 1
    forms: set[str] = set()
    keys, content = _reading_keys(text, analyzer, forms if builtin is not None else None)
    lex = None
    if builtin is not None:
        # a list in the set's own order: the anchors are added in that order
        lex = list(builtin.ja_hits(unicodedata.normalize("NFKC", text), forms))
    return c, keys, content, lex


class JaAnalyses:
    """:func:`analyse_ja` of every Japanese segment of a long document, handed out window by
    window: each segment is analysed once although windows overlap.

    >>> a = JaAnalyses(["1909年。", "CNBCだ。"], None, None)
    >>> [sorted(c) for c, *_ in a.window(0, 2)]
    [['n:1909'], ['w:cnbc']]
    >>> a.close()
    """

    def __init__(self, ja: Sequence[str], analyzer: Analyzer | None,
                 builtin: Lexicon | None) -> None:
        self.ja, self.analyzer, self.builtin = ja, analyzer, builtin
        self.done: dict[int, JaAnalysis] = {}
        self.next = 0  # segments before this one were analysed (and maybe dropped)

    def window(self, i0: int, i1: int) -> list[JaAnalysis]:
        """The analyses of segments ``i0..i1-1`` (*i0* never goes back: earlier ones are
        dropped)."""
        for k in range(max(self.next, i0), i1):
            self.done[k] = analyse_ja(self.ja[k], self.analyzer, self.builtin)
        self.next = max(self.next, i1)
        for k in [k for k in self.done if k < i0]:
            del self.done[k]
        return [self.done[k] for k in range(i0, i1)]

    def close(self) -> None:
        """Release the analyses."""
        self.done.clear()


def build_anchors(
    ja: Sequence[str],
    en: Sequence[str],
    *,
    analyzer: Analyzer | None = None,
    lexicon: Sequence[tuple[str, str]] = (),
    seed: bool = True,
    builtin: Lexicon | None = None,
    ja_analysis: Sequence[JaAnalysis] | None = None,
    params: AlignParams | None = None,
) -> DocAnchors:
    """Extract and cross-resolve the anchors of one document pair.

    *seed* adds the weak anchors of :data:`tm.seedlex.SEED_LEXICON` (common words);
    *builtin* (see :func:`tm.lexicon.load_lexicon`) adds one ``l:`` anchor per word-list
    entry found on both sides. *ja_analysis* gives :func:`analyse_ja` of every Japanese
    segment when it was computed before (with the same *analyzer* and *builtin*). *params*
    gives the anchor weights (see :class:`tm.params.AlignParams`).

    >>> d = build_anchors(["1909年に京都でCNBCと会った。"], ["He met CNBC in Kyoto in 1909."])
    >>> sorted(set(d.ja[0]) & set(d.en[0]))
    ['n:1909', 'w:cnbc']
    """
    lower_parts: list[set[str]] = [set() for _ in en]
    en_tok: list[list[str]] = [en_words(t, lp) for t, lp in zip(en, lower_parts, strict=True)]
    en_bi: list[list[str]] = [en_bigrams(t) for t in en]
    vocab: set[str] = set()
    for ws in en_tok:
        vocab.update(ws)
    for bs in en_bi:
        vocab.update(bs)
    ja_c: list[Counter[str]] = []
    en_c: list[Counter[str]] = []
    ja_keys_per: list[list[tuple[str, bool]]] = []
    ja_content: list[set[str]] = []
    all_keys: set[tuple[str, bool]] = set()
    ja_lex: list[list[int]] = []
    for at, t in enumerate(ja):
        if ja_analysis is None:
            c, keys, content, lex = analyse_ja(t, analyzer, builtin)
        else:
            c0, keys, content, lex = ja_analysis[at]
            c = Counter(c0)  # a copy: the document's anchors are added to it below
        if lex is not None:
            ja_lex.append(lex)
        ja_keys_per.append(keys)
        ja_content.append(content)
        all_keys.update(keys)
        ja_c.append(c)
    names = _match_names(all_keys, vocab) if all_keys else {}
    for c, keys in zip(ja_c, ja_keys_per, strict=True):
        seen: set[str] = set()
        for k in keys:
            for w in names.get(k, ()):
                if w not in seen and c["w:" + w] == 0:
                    seen.add(w)
                    c["t:" + w] += 1
    cjk_runs: set[str] = set()
    en_content: list[set[str]] = []
    for j, t in enumerate(en):
        # the anchors in the order they were first counted one by one (the order of the
        # Counter's keys fixes the order of the aligner's float sums), counted in one call
        found = en_numbers(t)
        lp = lower_parts[j]
        for w in en_tok[j]:
            if w not in lp:
                found.append("w:" + w)
            found.append("t:" + w)
        found += ["t:" + bigram for bigram in en_bi[j]]
        # CJK written inside the English (names given with their kanji)
        runs = _CJK_RUN.findall(t)
        if runs:
            found += ["c:" + run for run in runs]
            cjk_runs.update(runs)
        en_c.append(Counter(found))
        en_content.append({w for w in en_tok[j] if len(w) >= 3 and w not in _EN_STOP
                           and w.isalpha()})
    ja_text, ja_starts = _joined(ja)
    for run in cjk_runs:
        for i in _occurrences(ja_text, ja_starts, run):
            ja_c[i]["c:" + run] += 1
    if lexicon:
        en_text, en_starts = _joined([t.lower() for t in en])
        for n, (jt, et) in enumerate(lexicon):
            if not jt.strip() or not et.strip():
                continue
            tag = f"x:{n}"
            for i in _occurrences(ja_text, ja_starts, jt):
                ja_c[i][tag] += 1
            pat = re.compile(r"(?<![a-z])" + re.escape(et.lower()) + r"(?![a-z])")
            for m in pat.finditer(en_text):
                import bisect

                en_c[bisect.bisect_right(en_starts, m.start()) - 1][tag] += 1
    if seed:
        _add_seed_lexicon(ja_text, ja_starts, en, ja_c, en_c)
    if builtin is not None:
        _add_builtin(builtin, ja_lex, en, ja_c, en_c)
    _add_quotes(ja, en, ja_c, en_c)
    return DocAnchors(ja_c, en_c, ja_content, en_content, params)


def _add_builtin(lx: Lexicon, ja_lex: list[list[int]], en: Sequence[str],
                 ja_c: list[Counter[str]], en_c: list[Counter[str]]) -> None:
    """Word-list anchors (``l:``): an entry found in a JA and an EN segment, once each."""
    from taiyaku.tm.lexicon import en_stems

    seen_ja: set[int] = set()
    for found in ja_lex:
        seen_ja.update(found)
    if not seen_ja:
        return
    for j, t in enumerate(en):
        hits = lx.en_hits(en_stems(t))
        for n in hits:
            if n in seen_ja:
                en_c[j][f"l:{n}"] = 1
    for i, found in enumerate(ja_lex):
        for n in found:
            ja_c[i][f"l:{n}"] = 1


def _joined(texts: Sequence[str]) -> tuple[str, list[int]]:
    """The texts joined by newlines, and the offset where each one starts.

    >>> _joined(["ab", "c"])
    ('ab\\nc', [0, 3])
    """
    starts: list[int] = []
    pos = 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    return "\n".join(texts), starts


def _words_of(pattern: str) -> frozenset[str] | None:
    """Every word a pattern of the seed list matches, when it is a finite set of words of
    letters a–z (literals, ``[…]`` classes, ``(…|…)`` groups, ``?``); ``None`` otherwise.

    >>> sorted(_words_of("grandchild(ren)?|grandsons?"))
    ['grandchild', 'grandchildren', 'grandson', 'grandsons']
    >>> _words_of("after the war") is None, _words_of("-ji") is None
    (True, True)
    """
    def alternatives(k: int) -> tuple[set[str], int]:
        out: set[str] = set()
        while True:
            words, k = sequence(k)
            out |= words
            if k < len(pattern) and pattern[k] == "|":
                k += 1
                continue
            return out, k

    def sequence(k: int) -> tuple[set[str], int]:
        words = {""}
        while k < len(pattern) and pattern[k] not in "|)":
            c = pattern[k]
            if c == "(":
                atom, k = alternatives(k + 1)
                if k >= len(pattern) or pattern[k] != ")":
                    raise ValueError(pattern)
                k += 1
            elif c == "[":
                end = pattern.index("]", k)
                atom, k = set(pattern[k + 1:end]), end + 1
            elif "a" <= c <= "z":
                atom, k = {c}, k + 1
            else:
                raise ValueError(pattern)
            if k < len(pattern) and pattern[k] == "?":
                atom, k = atom | {""}, k + 1
            words = {w + x for w in words for x in atom}
        return words, k

    try:
        words, k = alternatives(0)
    except ValueError:
        return None
    if k != len(pattern) or not all(w.isascii() and w.isalpha() and w.islower()
                                    for w in words):
        return None
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _seed_entries() -> list[tuple[tuple[str, ...], frozenset[str], re.Pattern[str] | None]]:
    """:data:`tm.seedlex.SEED_LEXICON` prepared: per entry its Japanese forms, the words of
    letters that its English alternatives match (looked up in a segment's words), and a
    regex of its other alternatives (several words, a hyphen, a full stop) or ``None``."""
    from taiyaku.tm.seedlex import SEED_LEXICON

    out = []
    for forms, pattern in SEED_LEXICON:
        words: set[str] = set()
        rest: list[str] = []
        depth, start = 0, 0
        parts: list[str] = []
        for k, c in enumerate(pattern + "|"):  # the top-level alternatives
            depth += (c == "(") - (c == ")")
            if c == "|" and depth == 0:
                parts.append(pattern[start:k])
                start = k + 1
        for part in parts:
            got = _words_of(part)
            if got is None:
                rest.append(part)
            else:
                words |= got
        regex = re.compile(r"(?:" + "|".join(rest) + r")(?![a-z])") if rest else None
        out.append((forms, frozenset(words), regex))
    return out


def _add_seed_lexicon(ja_text: str, ja_starts: list[int], en: Sequence[str],
                      ja_c: list[Counter[str]], en_c: list[Counter[str]]) -> None:
    """Common-word anchors (``d:``) from the built-in word list, once per segment.

    An English alternative that is a word of letters matches where a segment has that word
    (a run of letters a–z, lower-cased): a set lookup instead of a scan of the text per
    entry, which took a tenth of the aligner's time on long documents. The others are
    matched by regex, starting at a word start.
    """
    import bisect

    lowered = [t.lower() for t in en]
    en_text, en_starts = _joined(lowered)
    where: dict[str, list[int]] = {}
    for j, t in enumerate(lowered):
        for w in set(_LETTERS.findall(t)):
            where.setdefault(w, []).append(j)
    for n, (forms, words, regex) in enumerate(_seed_entries()):
        tag = f"d:{n}"
        hit_ja: set[int] = set()
        for form in forms:
            hit_ja.update(_occurrences(ja_text, ja_starts, form))
        if not hit_ja:
            continue
        hit_en: set[int] = set()
        for w in words:
            hit_en.update(where.get(w, ()))
        if regex is not None:
            # no look-behind in the pattern: a leading literal lets the regex engine skip
            # ahead, and the word start is checked here instead (several times faster)
            hit_en.update(bisect.bisect_right(en_starts, m.start()) - 1
                          for m in regex.finditer(en_text)
                          if not m.start() or not "a" <= en_text[m.start() - 1] <= "z")
        if not hit_en:
            continue
        for i in hit_ja:
            ja_c[i][tag] = 1
        for j in hit_en:
            en_c[j][tag] = 1


_LETTERS = re.compile("[a-z]+")


def _add_quotes(ja: Sequence[str], en: Sequence[str],
                ja_c: list[Counter[str]], en_c: list[Counter[str]]) -> None:
    """Quoted titles and parenthetical glosses: weak, but they break ties."""
    for i, t in enumerate(ja):
        n = t.count("「") + t.count("『")
        if n:
            ja_c[i]["q:quote"] += n
        n = t.count("（") + t.count("(")
        if n:
            ja_c[i]["q:paren"] += n
    for j, t in enumerate(en):
        n = len(re.findall(r"[\"“”]", t)) // 2 + len(re.findall(r"(?<![A-Za-z])'(?=[A-Z])", t))
        if n:
            en_c[j]["q:quote"] += n
        n = t.count("(")
        if n:
            en_c[j]["q:paren"] += n
