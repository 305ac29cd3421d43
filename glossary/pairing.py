"""Japanese ↔ English pairing: parenthetical glosses, co-occurrence over aligned units, and
katakana ↔ English transliteration."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from taiyaku.core.normalize import has_japanese, normalize
from taiyaku.glossary.extract_ja import compound_units, is_katakana
from taiyaku.tm.translit import kana_to_romaji, name_key, skeleton

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.glossary.dictionary import Dictionary
    from taiyaku.glossary.extract_ja import SegmentText

__all__ = ["Gloss", "find_glosses", "Pair", "associate", "transliterates", "spells",
           "kana_spelling_key",
           "spelling_keys", "ContextPair", "pair_in_context", "listed_english"]

#: what a parenthesis holds when it is page furniture, a date or a credit, not a gloss
_NOISE = re.compile(
    r"写真|提供|抜粋|^AP$|^ロイター|記事|出典|参照|JST|会期|原文|続き|敬称略|翻訳|^関連|"
    r"^[0-9０-９]+(?:日|月|年|時|分|歳|人|%|％)?$|^[0-9/:.\s~〜年月日時分-]+$"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]{1,9}$")
_OPEN = {"」": "「", "』": "『", "”": "“", '"': '"', "’": "‘", "】": "【"}
_QUOTE_OPENERS = "「『“【"


@dataclass(frozen=True, slots=True)
class Gloss:
    """``outer(inner)`` found in a segment.

    :ivar kind: ``translation`` (the languages differ), ``synonym``, ``abbreviation``,
        ``former`` (旧…), ``definition`` (=…) or ``sentence`` (a whole sentence glossed: kept as
        a tiny aligned unit for co-occurrence, not as a term pair)
    """

    outer: str
    inner: str
    kind: str
    outer_lang: str
    segment_id: int
    doc_id: int


def _lang(text: str) -> str:
    return "ja" if has_japanese(text) else "en"


def _is_sentence(text: str) -> bool:
    t = text.strip()
    if re.search(r"(?:[A-Z]\.){2,}$", t):
        return len(t.split()) > 7  # ends with an abbreviation (the U.S.), not a full stop
    if t.endswith(("。", ".", "!", "?", "！", "？")) and not _ACRONYM.match(t):
        return len(t.split()) >= 4 or len(t) >= 12
    return len(t.split()) > 7 or len(t) > 40


def _quoted_before(text: str, pos: int) -> str | None:
    """The content of a quote that closes right at *pos*, or of an open quote started before
    *pos* on the same segment (「戦略的曖昧さ(strategic ambiguity)」)."""
    if pos > 0 and text[pos - 1] in _OPEN:
        opener = _OPEN[text[pos - 1]]
        start = text.rfind(opener, 0, pos - 1)
        if start >= 0:
            return text[start + 1 : pos - 1]
    last_open = max(text.rfind(c, 0, pos) for c in _QUOTE_OPENERS)
    if last_open >= 0:
        closer = {"「": "」", "『": "』", "“": "”", "【": "】"}[text[last_open]]
        if closer not in text[last_open:pos]:
            return text[last_open + 1 : pos]
    return None


def _phrase_ok(phrase: str, analyzer: Analyzer) -> bool:
    """A short phrase ending in a noun (非常に前向きな枠組み), not a clause (…は不変だ)."""
    if not phrase or len(phrase) > 16 or "。" in phrase or "、" in phrase:
        return False
    toks = [t for t in analyzer.tokenize(phrase) if t.surface.strip()]
    if not toks:
        return False
    last = toks[-1]
    if last.pos[0] not in ("名詞", "接尾辞"):
        return False
    # no topic/subject particles inside: those make a clause
    return not any(t.pos[0] == "助詞" and t.surface in ("は", "が", "を") for t in toks)


def _short_noun(text: str, analyzer: Analyzer) -> bool:
    """A short noun compound with no digits (希土類, 台湾新幹線, G20サミット)."""
    if len(text) > 10 or re.search(r"[0-9、,]", text.replace("G20", "")):
        return False
    toks = [t for t in analyzer.tokenize(text) if t.surface.strip()]
    runs = compound_units(toks)
    return len(runs) == 1 and runs[0][0].begin == 0 and runs[0][-1].end == len(text)


def _outer_term(text: str, pos: int, analyzer: Analyzer, inner_lang: str,
                latin_only: bool = False) -> str | None:
    """The term a parenthesis at *pos* glosses.

    :param latin_only: the caller drops a Japanese term (a Japanese gloss that is no short
        noun: a reading such as 雪舟(せっしゅう)), so None stands for one and the text before
        the parenthesis is not analysed when it ends in Japanese (a term found there would end
        with that character, so it would be Japanese)
    """
    quoted = _quoted_before(text, pos)
    if quoted:
        q = quoted.strip()
        if _lang(q) == "en" and q:
            return q
        if _phrase_ok(q, analyzer):
            return None if latin_only else q
    before = text[:pos].rstrip()
    if not before:
        return None
    # Latin words right before: "Washington Post(WAPO)", "X(旧Twitter)"
    m = re.search(r"(?:[A-Za-z][A-Za-z0-9.&'\-]*\s?){1,5}$", before)
    if m and (m.end() == len(before)) and (not has_japanese(before[-1:])):
        latin = m.group(0).strip()
        if latin and not (inner_lang == "en" and _lang(latin) == "en"):
            return latin
        if latin:
            return latin
    if latin_only and has_japanese(before[-1:]):
        return None
    tokens = analyzer.tokenize(before[-40:])
    offset = len(before) - len(before[-40:])
    runs = compound_units(tokens)
    if runs and runs[-1][-1].end + offset == len(before):
        run = runs[-1]
        start = run[0].begin
        return before[offset + start :]
    return None


def find_glosses(segments: Iterable[SegmentText], analyzer: Analyzer) -> list[Gloss]:
    """Parenthetical glosses in both directions, classified.

    >>> from taiyaku.core.japanese import Analyzer
    >>> from taiyaku.glossary.extract_ja import SegmentText
    >>> gl = find_glosses([SegmentText(1, 1, "国際通貨基金(IMF)の会合、台湾高鉄(以下、高鉄)。")],
    ...                   Analyzer())
    >>> [(g.outer, g.inner, g.kind) for g in gl]
    [('国際通貨基金', 'IMF', 'translation'), ('台湾高鉄', '高鉄', 'abbreviation')]
    """
    out: list[Gloss] = []
    for seg in segments:
        text = normalize(seg.text)
        for m in re.finditer(r"\(([^()]{1,120})\)", text):
            inner = m.group(1).strip()
            if not inner or _NOISE.search(inner):
                continue
            kind = ""
            for lead, k in (("以下、", "abbreviation"), ("以下", "abbreviation"),
                            ("略称", "abbreviation"), ("略して", "abbreviation"),
                            ("旧", "former"), ("=", "definition"), ("いわゆる", "synonym"),
                            ("通称", "synonym")):
                if inner.startswith(lead):
                    inner = inner[len(lead):].strip(" 、,:「」“”\"")
                    kind = k
                    break
            inner = inner.strip("「」“”\"")
            if not inner:
                continue
            inner_lang = _lang(inner)
            # a Japanese inner text that is no kind of gloss, no sentence and no short noun
            # (most parentheses of a large TM: readings) glosses only a Latin term (below):
            # asked first, it spares analysing the text before most parentheses
            latin_only = (inner_lang == "ja" and not kind and not _is_sentence(inner)
                          and not _short_noun(inner, analyzer))
            outer = _outer_term(text, m.start(), analyzer, inner_lang, latin_only)
            if not outer or _NOISE.search(outer):
                continue
            outer_lang = _lang(outer)
            if outer_lang == "ja" and len(outer) <= 2 and not is_katakana(outer):
                continue  # 地域(G20), 見解(Opinion): a general word, not the glossed term
            if _is_sentence(inner) or _is_sentence(outer):
                if outer_lang != inner_lang:
                    out.append(Gloss(outer, inner, "sentence", outer_lang, seg.id, seg.doc_id))
                continue
            if kind == "synonym" and outer_lang == inner_lang:
                # 米中首脳会談(いわゆる「川習会」): the nickname is the inner term
                out.append(Gloss(outer, inner, "synonym", outer_lang, seg.id, seg.doc_id))
                continue
            if outer_lang != inner_lang and kind not in ("former",):
                out.append(Gloss(outer, inner, "translation", outer_lang, seg.id, seg.doc_id))
                continue
            if not kind and not _short_noun(inner, analyzer):
                continue  # 圧力(経済的な揺さぶり): an explanation, not a synonym
            if not kind:
                kind = "abbreviation" if len(inner) < len(outer) and (
                    _ACRONYM.match(inner) or inner in outer) else "synonym"
            out.append(Gloss(outer, inner, kind, outer_lang, seg.id, seg.doc_id))
    return out


# -- co-occurrence over aligned units ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Pair:
    """A Japanese term paired with an English one, how, and how sure."""

    ja: str
    en: str
    method: str
    confidence: float
    cooc: int
    units: tuple[int, ...] = ()


def _llr(k11: int, k12: int, k21: int, k22: int) -> float:
    """Dunning's log-likelihood ratio of a 2×2 contingency table."""
    def h(*ks: int) -> float:
        total = sum(ks)
        return sum(k * math.log(k / total) for k in ks if k > 0)

    return 2.0 * (h(k11, k12, k21, k22) - h(k11 + k12, k21 + k22) - h(k11 + k21, k12 + k22))


def _fold(s: str) -> str:
    s = s.replace("ph", "f").replace("c", "k").replace("l", "r").replace("v", "b")
    return s.replace("q", "k").replace("x", "ks").replace("w", "")


def transliterates(katakana: str, english: str) -> bool:
    """Whether a katakana word spells an English word or name (ベッセント ↔ Bessent).

    >>> transliterates("ベッセント", "Bessent")
    True
    >>> transliterates("スコット・ベッセント", "Scott Bessent")
    True
    >>> transliterates("トランプ", "Taiwan")
    False
    >>> transliterates("ジョナサン・ハートウェル", "Jonathan Hartwell")
    True
    """
    test = spells(katakana)
    return test is not None and test(english)


def spells(katakana: str) -> Callable[[str], bool] | None:
    """:func:`transliterates` with the katakana side worked out once: a test of English
    words or names, or None when the katakana word can spell none (not katakana, or too short)
    (a katakana term of a large TM is compared with the names of thousands of documents).

    >>> test = spells("ベッセント")
    >>> test is not None and test("Bessent"), spells("ア")
    (True, None)
    """
    if not is_katakana(katakana.replace("・", "")):
        return None
    a = kana_spelling_key(katakana)
    if len(a) < 3:
        return None
    from rapidfuzz.fuzz import ratio

    first, cutoff = a[0], 80.0 if len(a) >= 4 else 100.0

    def test(english: str) -> bool:
        if not english.strip():
            return False
        for b in spelling_keys(english):
            if len(b) < 3 or b[0] != first:
                continue
            if ratio(a, b) >= cutoff:
                return True
        return False

    return test


@lru_cache(maxsize=65536)
def kana_spelling_key(katakana: str) -> str:
    """The folded consonant skeleton of a katakana word's romanisation (computed once per word:
    pairing compares one word with many English phrases)."""
    return _fold(skeleton(name_key(kana_to_romaji(katakana))))


@lru_cache(maxsize=262144)
def spelling_keys(english: str) -> frozenset[str]:
    """The folded skeletons of an English word as written and as katakana hears it."""
    eng = name_key(english)
    # katakana follows the sound: no r after a vowel (Hartwell → ハートウェル), th → s
    spoken = re.sub(r"th", "s", re.sub(r"([aeiou])r(?![aeiouy])", r"\1", eng))
    return frozenset({_fold(skeleton(eng)), _fold(skeleton(spoken))})


def associate(
    ja_units: Mapping[str, set[int]], en_units: Mapping[str, set[int]], n_units: int,
    *, min_cooc: int = 2, min_dice: float = 0.5, ja_size: Mapping[str, int] | None = None,
    en_names: set[str] | None = None, en_sub: Mapping[str, set[str]] | None = None,
) -> list[Pair]:
    """Pair JA and EN candidates that occur in the same aligned units (Dice, log-likelihood),
    one-to-one by competitive linking; katakana names also pair by transliteration.

    :param ja_units: JA candidate → ids of the aligned units it occurs in
    :param en_units: EN candidate → unit ids
    :param n_units: number of aligned units (for the contingency table)
    :param en_sub: EN candidate → the shorter candidates inside it; a shorter one loses to the
        longer one when both go with the same JA term about as often ("rare" under
        "rare earth"), unless the longer one has more words than the JA term has parts + 1
        (財務長官 stays "Treasury Secretary", not "Treasury Secretary Scott Bessent")
    """
    import numpy as np
    import polars as pl

    ja_keys, en_keys = list(ja_units), list(en_units)
    fj = np.fromiter((len(ja_units[k]) for k in ja_keys), dtype=np.int32, count=len(ja_keys))
    fe = np.fromiter((len(en_units[k]) for k in en_keys), dtype=np.int32, count=len(en_keys))
    if not fj.sum() or not fe.sum():
        return []
    # Terms are counted as integer ids over unit ids: a Python object per co-occurrence would
    # make time and memory grow with the square of the TM (see bench_terms.py).
    # int32 throughout: ids and counts fit, and the join's frames take half the memory.
    en_df = pl.DataFrame({
        "en": np.repeat(np.arange(len(en_keys), dtype=np.int32), fe),
        "unit": np.fromiter((u for k in en_keys for u in en_units[k]), dtype=np.int32,
                            count=int(fe.sum())),
        "fe": np.repeat(fe, fe),
    })
    # a katakana term may pair on its spelling alone, with a name or as a long word
    kata = np.fromiter((is_katakana(k.replace("・", "")) for k in ja_keys), dtype=np.bool_,
                       count=len(ja_keys))
    long_ja = np.fromiter((len(k) >= 6 for k in ja_keys), dtype=np.bool_, count=len(ja_keys))
    named = np.fromiter((en_names is None or k in en_names for k in en_keys), dtype=np.bool_,
                        count=len(en_keys))
    en_df = en_df.with_columns(nm=pl.Series(named[en_df["en"].to_numpy()]))
    # Dice ≥ d needs (2 − d)·min(fj, fe) ≥ d·max(fj, fe) (the pair is seen at most min times),
    # so a rare term is never joined with a frequent phrase unless it may spell it; and the
    # JA terms are joined a block at a time, so no more than a few 100k rows are held at once.
    ratio = (2.0 - min_dice) / max(min_dice, 1e-9)
    parts = []
    order = np.argsort(fj, kind="stable")
    start = 0
    while start < len(order):
        stop, rows = start, 0
        while stop < len(order) and (rows < 10_000 or stop == start):
            rows += int(fj[order[stop]])
            stop += 1
        block = order[start:stop]
        start = stop
        ja_df = pl.DataFrame({
            "ja": np.repeat(block.astype(np.int32), fj[block]),
            "unit": np.fromiter((u for i in block for u in ja_units[ja_keys[i]]),
                                dtype=np.int32, count=int(fj[block].sum())),
            "fj": np.repeat(fj[block], fj[block]),
            "spell": np.repeat(kata[block], fj[block]),
            "lj": np.repeat(long_ja[block], fj[block]),
        })
        spells = pl.col("spell") & (pl.col("nm") | pl.col("lj"))
        low, high = pl.min_horizontal("fj", "fe"), pl.max_horizontal("fj", "fe")
        parts.append(
            ja_df.join(en_df, on="unit")
            .filter(spells | (low * ratio >= high))
            .group_by(["ja", "en"])
            .agg(pl.len().alias("c"), pl.first("fj"), pl.first("fe"), spells.first().alias("sp"))
            .with_columns((2.0 * pl.col("c") / (pl.col("fj") + pl.col("fe"))).alias("dice"))
            .filter(((pl.col("c") >= min_cooc) & (pl.col("dice") >= min_dice)) | pl.col("sp"))
        )
    counts = pl.concat(parts)
    scored = []
    for ja_i, en_i, c, fj_, fe_, dice in counts.select(
            "ja", "en", "c", "fj", "fe", "dice").iter_rows():
        ja, en = ja_keys[ja_i], en_keys[en_i]
        size = (ja_size or {}).get(ja, 1)
        words = len(en.split())
        translit = bool(kata[ja_i]) and bool(named[en_i] or long_ja[ja_i]) and transliterates(
            ja, en)
        if not translit and (c < min_cooc or dice < min_dice):
            continue
        if not translit and size >= 2 and words == 1 and c < 3:
            continue  # a compound rarely translates as one common word: ask for more evidence
        llr = _llr(c, fj_ - c, fe_ - c, max(0, n_units - fj_ - fe_ + c))
        conf = min(0.95, dice * (1.0 - math.exp(-llr / 4.0)))
        if translit:
            conf = max(conf, 0.85)
        scored.append((translit, dice, llr, -abs(words - size), ja, en, c, conf,
                       tuple(sorted(ja_units[ja] & en_units[en]))))
    if en_sub:
        scored = _prefer_longer(scored, en_sub, ja_size or {})
    # competitive linking: best association first (closest size on ties), each term used once
    scored.sort(key=lambda t: (t[4], t[5]))  # ties broken the same way on every run
    scored.sort(key=lambda t: (t[0], t[1], t[2], t[3]), reverse=True)
    used_ja: set[str] = set()
    used_en: set[str] = set()
    out = []
    for translit, _dice, _llr_v, _size, ja, en, c, conf, units in scored:
        if ja in used_ja or en in used_en:
            continue
        used_ja.add(ja)
        used_en.add(en)
        out.append(Pair(ja, en, "transliteration" if translit else "cooccurrence",
                        round(conf, 3), c, units))
    return out


_Row = tuple[bool, float, float, int, str, str, int, float, tuple[int, ...]]


def _prefer_longer(
    scored: list[_Row], en_sub: Mapping[str, set[str]], ja_size: Mapping[str, int],
) -> list[_Row]:
    """Drop a pair whose English is a proper part of another candidate pair of the same JA
    term that co-occurs nearly as often (at least 80 %)."""
    by_ja: dict[str, dict[str, tuple[int, bool]]] = {}
    for row in scored:
        by_ja.setdefault(row[4], {})[row[5]] = (row[6], row[0])
    out = []
    for row in scored:
        translit, ja, en, c = row[0], row[4], row[5], row[6]
        limit = max(len(en.split()), ja_size.get(ja, 1)) + 1
        # a spelled-out name yields only to a longer spelling (Margaret → Margaret Harper)
        if any(en in en_sub.get(longer, ()) and c2 >= 0.8 * c and t2 >= translit
               and len(longer.split()) <= limit
               for longer, (c2, t2) in by_ja[ja].items() if longer != en):
            continue
        out.append(row)
    return out


# -- pairing inside the aligned units of one term ------------------------------------------------

@dataclass(frozen=True, slots=True)
class ContextPair:
    """The English phrase found for a term in its own aligned units."""

    ja: str
    en: str
    confidence: float
    units: tuple[int, ...]
    method: str = "aligned"


#: stopwords that are nouns too, read as nouns after a determiner (:func:`pair_in_context`)
NOUN_VERBS = frozenset(
    "call calls reply replies show shows set sets move moves turn turns use uses look looks "
    "leave".split())
#: prepositions made of verbs, which end a phrase as any preposition does
ING_PREPOSITIONS = frozenset(
    "including excluding regarding concerning following involving according during "
    "considering".split())
#: words that open a noun phrase
DETERMINERS = frozenset(
    "the a an this that these those his her its their our my your whose each every another "
    "'s".split())

#: parts of speech whose tokens carry a term's meaning (particles and endings do not)
_CONTENT_POS = ("名詞", "接頭辞", "接尾辞", "形状詞")


def pair_in_context(
    terms: Mapping[str, Iterable[int]], ja_texts: Mapping[int, str],
    en_texts: Mapping[int, str], analyzer: Analyzer, *, readings: Mapping[str, str] | None = None,
    min_score: float = 0.55, max_words: int = 5, dictionary: Dictionary | None = None,
) -> dict[str, ContextPair]:
    """The English of each term from the units it is aligned in, one occurrence being enough.

    Every English phrase (a run of content words, dash-joined compounds such as U.S.–Japan
    kept whole) of a term's units is scored against the term's parts (its Sudachi tokens):

    - a part and a word are *similar* by 1.0 when they are spelt the same (Latin), when a
      katakana part spells the word, or, for a word met elsewhere too, by their Dice
      coefficient over the given units (how often they share a unit, 0–1);
    - *coverage* is the mean over the parts of their best word, *explanation* the mean over
      the phrase's words of their best part; a phrase scores their harmonic mean, so it must
      hold the translation of every part and nothing else;
    - with the dictionary (extra ``dict``), a word among a part's glosses is similar by 1.0
      (大豆 → soybean), whatever the counts;
    - a name read by Sudachi (高市早苗, たかいちさなえ), or romanised by the dictionary's names
      (習近平 → Xi Jinping), scores 1.0 against that romanisation in either order.

    A phrase scores its best unit (units of a loosely translated article may miss it); ties go
    to the phrase met in more units, then to the longer one. The best phrase at or above
    *min_score* wins, and its confidence is 0.9 × its score (a pair found this way is never as
    sure as a gloss, 0.95).

    :param terms: Japanese term → ids of the units it occurs in
    :param ja_texts: unit id → its Japanese text (the Dice counts are made over these units)
    :param en_texts: unit id → its English text
    :param readings: term → its reading (kana), for names written in kanji
    """
    from taiyaku.glossary.extract_en import _breaks, en_tokens
    from taiyaku.glossary.keys import en_key, singular

    tok_units: dict[str, set[int]] = {}
    unit_toks: dict[int, set[str]] = {}
    for u, text in ja_texts.items():
        toks = {t.surface for t in analyzer.tokenize(normalize(text))
                if t.pos[0] in _CONTENT_POS and t.pos[1] != "数詞"}
        unit_toks[u] = toks
        for t in toks:
            tok_units.setdefault(t, set()).add(u)

    def content(tokens: list[tuple[str, int, int, bool]]) -> list[tuple[str, int, int, bool]]:
        """The tokens without stopwords, but a capitalised one before another capitalised
        word is a name's (He Lifeng, Ma Zhaoxu), marked as no phrase boundary, and a word
        that is a verb or a noun (call, move) is a noun after a determiner (the recent phone
        call, the Xi-Trump call; not "leaders call for")."""
        out: list[tuple[str, int, int, bool]] = []
        det = False  # a determiner opened the noun phrase being read
        for k, (w, a, b, boundary) in enumerate(tokens):
            nxt = tokens[k + 1][0] if k + 1 < len(tokens) else ""
            low = w.lower()
            if boundary:
                det = False
            if low in ING_PREPOSITIONS:
                det = False
                if out:
                    out.append(("", a, b, True))  # "statues including Kannon": two phrases
            elif not _breaks(w) or (w[:1].isupper() and w.isalpha() and nxt[:1].isupper()
                                    and not _breaks(nxt)):
                out.append((w, a, b, boundary))
            elif det and low in NOUN_VERBS:
                out.append((w, a, b, boundary))
                det = False  # (the call set off …: "set" is the verb)
            else:
                det = low in DETERMINERS
                if out:
                    out.append(("", a, b, True))  # a break: the next word starts a chunk
        return out

    def chunks(norm: str) -> list[list[tuple[str, int, int]]]:
        found: list[list[tuple[str, int, int]]] = []
        cur: list[tuple[str, int, int]] = []
        for w, a, b, boundary in content(en_tokens(norm)):
            if (boundary or not w) and cur:
                found.append(cur)
                cur = []
            if w:
                cur.append((w, a, b))
        if cur:
            found.append(cur)
        return found

    word_units: dict[str, set[int]] = {}
    unit_words: dict[int, set[str]] = {}
    for u, text in en_texts.items():
        words_here = {singular(w.lower()) for w, _, _, _ in content(en_tokens(normalize(text)))
                      if w}
        unit_words[u] = words_here
        for w in words_here:
            word_units.setdefault(w, set()).add(u)

    def phrases(u: int) -> list[tuple[str, list[str]]]:
        """The phrases of unit *u*'s English, made when a term asks (not kept for all)."""
        norm = normalize(en_texts[u])
        found = []
        for chunk in chunks(norm):
            dash = [norm[chunk[k - 1][2] : chunk[k][1]].strip() != "" for k in range(1, len(chunk))]
            for i in range(len(chunk)):
                if i > 0 and dash[i - 1]:
                    continue  # "Japan alliance" is no phrase of "U.S.–Japan alliance"
                for j in range(i + 1, min(len(chunk), i + max_words) + 1):
                    if j < len(chunk) and dash[j - 1]:
                        continue  # nor is "U.S."
                    surface = norm[chunk[i][1] : chunk[j - 1][2]]
                    words = [singular(w.lower()) for w, _, _ in chunk[i:j]]
                    found.append((surface, words))
        return found

    asked = {t.surface for term in terms for t in analyzer.tokenize(term)} | set(terms)

    def sim(part: str, word: str) -> float:
        if part.lower() == word:
            return 1.0
        if is_katakana(part) and transliterates(part, word):
            return 1.0
        # the dictionary is asked about the terms' own parts only: a look-up costs ~1 ms
        glossed = _gloss_words(dictionary if part in asked else None, part)
        if _alias(word) in glossed or "-" in word and word.replace("-", "") in glossed:
            return 1.0  # (post-war is the dictionary's postwar)
        listed = _listed_forms(part, beginning=True)
        if listed and _stem_key(word) in listed:
            return 1.0  # the aligner's word list pairs them (経済 ↔ economy, 戦後 ↔ post-war)
        if len(word) >= 6 and (_stem(word) in _stems(glossed) or _stem(word) in _stems(listed)):
            # another form of a gloss's word (tactical of tactics): above any count, which a
            # single shared unit makes 0.95 for every word of that unit
            return 0.96
        a, b = tok_units.get(part, set()), word_units.get(word, set())
        if not a or not b:
            return 0.0
        # counts never quite equal a dictionary or a spelling: on a tie those win
        return 0.95 * 2.0 * len(a & b) / (len(a) + len(b))

    linked: dict[int, tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]] = {}
    linked_size: dict[int, int] = {}

    def links(u: int) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
        """Within unit *u*: for each word, its most similar tokens (ties share the credit),
        and for each token its most similar words: a competitive alignment of the unit
        (made once per unit; a person's name added to a unit makes it again)."""
        toks, words = unit_toks.get(u, set()), unit_words.get(u, set())
        key = len(toks)
        if u in linked and linked_size.get(u) == key:
            return linked[u]
        table = {(t, w): sim(t, w) for t in toks for w in words}
        # a word list's English of several words ("foreign ministry", "U.S.-Japan") pairs
        # the words where the unit writes it whole, and only those (the "war" of "The war
        # ended" is not the "post-war" of 戦後)
        stems: list[tuple[str, str]] | None = None
        for t in toks:
            for form in _listed_phrases(t):
                if stems is None:
                    stems = _word_stems(en_texts.get(u, ""))
                for w in _written(stems, tuple(form.split())):
                    if (t, w) in table:
                        table[t, w] = 1.0
        by_word: dict[str, dict[str, float]] = {}
        for w in words:
            best = max((table[t, w] for t in toks), default=0.0)
            tied = [t for t in toks if best > 0 and table[t, w] == best]
            # a token and a longer one holding it (安全, 安全保障) are one match, the longer
            tied = [t for t in tied if not any(t != o and t in o for o in tied)] or tied
            by_word[w] = {t: best / len(tied) for t in tied}
        by_tok: dict[str, dict[str, float]] = {}
        for t in toks:
            best = max((table[t, w] for w in words), default=0.0)
            tied = [w for w in words if best > 0 and table[t, w] == best]
            by_tok[t] = {w: best / len(tied) for w in tied}
        linked[u], linked_size[u] = (by_word, by_tok), key
        return by_word, by_tok

    out: dict[str, ContextPair] = {}
    for term, units in terms.items():
        unit_list = [u for u in units if u in en_texts]
        if not unit_list:
            continue
        term_toks = [t for t in analyzer.tokenize(term)
                     if t.pos[0] in _CONTENT_POS and t.pos[1] != "数詞"]
        # the parts as the word list knows them: 安全|保障 is one word there (security), and
        # 日米安全保障条約, one token to Sudachi, is 日米 + 安全保障 + 条約
        pieces = _known_pieces([(t.surface, t.pos[0] in ("名詞", "形状詞")) for t in term_toks])
        parts = [p for p, _ in pieces] or [term]
        if term in (readings or {}):
            # a person's name is one part, however Sudachi cut it (何|立|峰): its units hold it
            parts = [term]
        # the term's units hold its parts, however Sudachi cut the whole sentence (戦術的 of
        # 戦術的勝利 may be 戦術|的 there, 安全|保障 one token 安全保障 in 安全保障問題)
        for p in parts:
            tok_units.setdefault(p, set()).update(unit_list)
        for u in unit_list:
            unit_toks.setdefault(u, set()).update(parts)
        # the parts every phrase must translate (a prefix or suffix such as 産 may stay silent)
        heads = [p for p, head in pieces if head] or parts
        if parts == [term]:
            heads = parts
        # …and a compound's country kanji (米中対立 ↔ "confrontation with China", 米中電話会談
        # ↔ "the call") may stay silent too: the English often names the sides elsewhere
        needed = [p for p in heads if not _is_country(p)] or heads
        whole = [] if dictionary is None else [
            {_alias(singular(w.lower())) for w in g.replace("-", " ").split()}
            for g in dictionary.glosses(term)]
        listed_whole = _listed_forms(term)
        names = {name_key(kana_to_romaji((readings or {}).get(term, "")))}
        # a place's name counts too: the English writes it as the dictionary does (深圳)
        known = dictionary.name(term, places=True) if dictionary is not None else None
        if known:
            names.add(name_key(known))
        scores: dict[str, float] = {}
        support: dict[str, int] = {}
        shown: dict[str, str] = {}
        for u in unit_list:
            by_word, by_tok = links(u)
            best_here: dict[str, float] = {}
            for surface, words in phrases(u):
                if len(words) > len(parts) + 3 or _clause_end(words[-1]):
                    continue
                cover = sum(sum(v for w, v in by_tok.get(p, {}).items() if w in words)
                            for p in parts) / len(parts)
                explain = sum(sum(v for t, v in by_word.get(w, {}).items() if t in parts)
                              for w in words) / len(words)
                score = 2 * cover * explain / (cover + explain) if cover and explain else 0.0
                if {_alias(w) for w in words} in whole or listed_whole and " ".join(
                        _stem_key(w) for w in words) in listed_whole:
                    # the dictionary's (or word list's) English of the whole term, the full
                    # form first (phone call, not call)
                    score = 1.005 + 0.001 * min(len(words), 4)
                elif any(not any(w in words and p in by_word.get(w, {}) for w in by_tok.get(
                        p, {})) for p in needed) or (
                        len(words) < len(needed) and not all(any(
                            w in words and v >= 0.96 for w, v in by_tok.get(p, {}).items())
                            for p in needed)):
                    # a part left untranslated: "Taiwan" is not 台湾有事 (nor is a word that
                    # another part translates better: 像 is not the "Kannon" of 観音); two parts
                    # share one word only on the dictionary's word (安全|保障 ↔ security), not
                    # on counts
                    score = 0.0
                if 1 <= len(words) <= 3 and any(len(n) >= 4 for n in names) and names & {
                        name_key("".join(words)), name_key("".join(reversed(words)))}:
                    score = 1.01  # 高市早苗 ↔ Sanae Takaichi: the reading beats any count
                key = en_key(surface)
                if score > best_here.get(key, 0.0):
                    best_here[key] = score
                    shown.setdefault(key, surface)
            for key, score in best_here.items():
                scores[key] = max(scores.get(key, 0.0), score)
                support[key] = support.get(key, 0) + 1
        if not scores:
            continue
        # the best unit decides (the others may be loosely aligned); then the phrase met in
        # more of the term's units; then the longer phrase (the full form: Xi Jinping, not Xi)
        key = max(scores, key=lambda k: (round(scores[k], 6), support[k], len(k.split()), k))
        mean = min(1.0, scores[key])
        if mean >= min_score:
            units_with = tuple(sorted(u for u in unit_list if any(
                en_key(s) == key for s, _ in phrases(u))))
            out[term] = ContextPair(term, shown[key], round(0.9 * mean, 3), units_with)
    return out


#: the one-kanji country names of compounds (米中, 日米, 対中), as newspapers abbreviate them
COUNTRY_KANJI = {"米": "U.S.", "中": "China", "日": "Japan", "英": "U.K.", "露": "Russia",
                 "韓": "South Korea", "朝": "North Korea", "独": "Germany", "仏": "France",
                 "欧": "Europe", "印": "India", "豪": "Australia", "台": "Taiwan"}


def _is_country(text: str) -> bool:
    """One or two country kanji (米, 米中, 日米): the sides a compound names.

    >>> _is_country("米中"), _is_country("中国")
    (True, False)
    """
    return 0 < len(text) <= 2 and all(c in COUNTRY_KANJI for c in text)


def _known(text: str) -> bool:
    """The word list has the word, or it is country kanji."""
    return _is_country(text) or bool(_listed_forms(text))


def _known_pieces(tokens: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """A term's tokens (surface, whether a head noun) joined into the longest pieces the word
    list knows, a long token it does not know cut into pieces it knows when they make the
    whole (else kept); each piece a head when one of its tokens is.

    >>> [p for p, _ in _known_pieces([("安全", True), ("保障", True), ("問題", True)])]
    ['安全保障', '問題']
    >>> [p for p, _ in _known_pieces([("日米安全保障条約", True)])]
    ['日米', '安全保障', '条約']
    """
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        j = next((j for j in range(len(tokens), i + 1, -1)
                  if _known("".join(s for s, _ in tokens[i:j]))), i + 1)
        piece = "".join(s for s, _ in tokens[i:j])
        head = any(h for _, h in tokens[i:j])
        cut = _cut_known(piece) if j == i + 1 and len(piece) >= 4 and not _known(piece) else None
        out.extend((c, head) for c in cut or [piece])
        i = j
    return out


def _cut_known(word: str) -> list[str] | None:
    """*word* cut from the left into the longest pieces the word list knows (one kanji only
    when it is a country's), or None when some part is unknown."""
    out = []
    i = 0
    while i < len(word):
        j = next((j for j in range(len(word), i, -1)
                  if (j - i >= 2 or _is_country(word[i:j])) and _known(word[i:j])), None)
        if j is None:
            return None
        out.append(word[i:j])
        i = j
    return out


def _clause_end(word: str) -> bool:
    """A lowercase -ing or -ed word ends a clause, not a term ("struggle involving")."""
    return word.islower() and len(word) > 5 and word.endswith(("ing", "ed"))


def _alias(word: str) -> str:
    """One spelling for the United States (U.S., US, USA, America), others unchanged."""
    w = word.replace(".", "")
    return "us" if w in ("us", "usa", "america") else word


def _stem(word: str) -> str:
    """A word's first six letters: what its derived forms share (tactic|s, tactic|al;
    diplom|acy, diplom|atic; econom|y, econom|ic)."""
    return word[:6]


@lru_cache(maxsize=65536)
def _stems(words: frozenset[str]) -> frozenset[str]:
    """The stems of a part's gloss words (only words of six letters or more have one)."""
    return frozenset(_stem(w) for w in words if len(w) >= 6)


@lru_cache(maxsize=65536)
def _gloss_words(dictionary: Dictionary | None, part: str) -> frozenset[str]:
    """The words of a part's dictionary glosses, as :func:`pair_in_context` compares them
    (without the dictionary, only the country kanji are known)."""
    from taiyaku.glossary.keys import singular

    country = part.removesuffix("産").removesuffix("製").removesuffix("国")  # 米国産 → 米
    if country and len(country) <= 2 and all(c in COUNTRY_KANJI for c in country):
        glosses = tuple(COUNTRY_KANJI[c] for c in country)  # 米中 → U.S., China (not rice)
        return frozenset(_alias(w.lower()) for g in glosses for w in g.split())
    if dictionary is None:
        return frozenset()
    glosses = dictionary.glosses(part, 3)
    # a word the dictionary lacks (米国産) is read without its last character (米国), an
    # affix; a longer rest is a word the English must translate too (公開情報 is no 公開,
    # "making available to the public")
    if not glosses and len(part) >= 3:
        glosses = dictionary.glosses(part[:-1], 3)
    return frozenset(_alias(singular(w.lower())) for g in glosses
                     for w in g.replace("-", " ").split())


@lru_cache(maxsize=65536)
def _listed_forms(ja: str, beginning: bool = False) -> frozenset[str]:
    """The English forms (as word stems joined by spaces, see :func:`tm.lexicon.en_stems`)
    that the aligner's built-in word list gives a Japanese word (大統領 → "president",
    "presidential"); with *beginning*, a word it lacks (米国産) is read without its last
    character (米国), as a part of a term is. The list is general vocabulary written for
    alignment, not for any document, and it is there without the ``dict`` extra.

    >>> sorted(_listed_forms("条約")), sorted(_listed_forms("条約案")), len(_listed_forms(
    ...     "条約案", beginning=True))
    (['treaty'], [], 1)
    """
    from taiyaku.tm.lexicon import load_lexicon

    lexicon = load_lexicon()
    ids = lexicon.ja_tok.get(ja, [])
    if not ids and beginning and len(ja) >= 3:
        # (one character only, an affix: a longer rest is a word of its own, which the
        # whole's English would have to hold too: 日米安全保障条約 is no 日米)
        ids = lexicon.ja_tok.get(ja[:-1], [])
    return frozenset(form for i in ids for form in lexicon.entries[i][1])


@lru_cache(maxsize=65536)
def _listed_phrases(part: str) -> tuple[str, ...]:
    """The word list's English of a part that has several words, all of which a phrase may
    hold (外務省 → "foreign ministry"; a hyphenated word is two: "post war"; not "after the
    war" nor "publicly available", whose first word no phrase keeps)."""
    from taiyaku.glossary.extract_en import _breaks

    return tuple(sorted(f for f in _listed_forms(part, beginning=True) if " " in f and all(
        len(w) == 1 or not _breaks(w) for w in f.split())))


def _word_stems(text: str) -> list[tuple[str, str]]:
    """Each word stem of an English text with the word it is of, as :func:`pair_in_context`
    keys words (lower case, singular): "post-war order" → (post, post-war), (war, post-war),
    (order, order)."""
    from taiyaku.glossary.extract_en import en_tokens
    from taiyaku.glossary.keys import singular
    from taiyaku.tm.lexicon import en_stems

    return [(stem, singular(w.lower())) for w, _, _, _ in en_tokens(normalize(text))
            for stem in en_stems(w)]


def _written(stems: list[tuple[str, str]], form: tuple[str, ...]) -> set[str]:
    """The words where *stems* (see :func:`_word_stems`) spell *form*, a stem sequence.

    >>> sorted(_written(_word_stems("The war ended; the post-war order"), ("post", "war")))
    ['post-war']
    """
    n = len(form)
    return {w for i in range(len(stems) - n + 1)
            if all(stems[i + k][0] == form[k] for k in range(n))
            for _, w in stems[i : i + n]}


@lru_cache(maxsize=262144)
def _stem_key(text: str) -> str:
    """The stems of an English text's words joined by spaces, as the word list writes its
    English (see :func:`tm.lexicon.en_stems`).

    >>> _stem_key("post-war"), _stem_key("U.S. Treasuries")
    ('post war', 'u s treasury')
    """
    from taiyaku.tm.lexicon import en_stems

    return " ".join(en_stems(text))


@lru_cache(maxsize=65536)
def listed_english(ja: str) -> tuple[str, ...]:
    """The English forms the aligner's built-in word list gives a Japanese word, in its
    order and as written there (lower case): general vocabulary, there without the ``dict``
    extra.

    >>> listed_english("条約"), listed_english("条約案")
    (('treaty',), ())
    """
    from taiyaku.tm.lexicon import load_lexicon

    lexicon = load_lexicon()
    return tuple(dict.fromkeys(f for i in lexicon.ja_tok.get(ja, ()) for f in lexicon.written[i]))
