"""Numbers as Japanese and English write them, read into values that can be compared.

Japanese: ASCII and full-width digits, 漢数字 (三, 十二, 二十一, 二〇二六), the scales
万/億/兆 alone or mixed with digits (3億5000万, 1.2兆), percentages (%, パーセント, 割),
倍, ordinals (第2), fractions (3分の1), dates (2026年4月10日) and eras (令和8年 → 2026, through
:data:`taiyaku.core.eras.ERA_START`). English: digits with thousands separators, scale words
(350 million, $1.2 trillion, 3.5bn), number words (twenty-one, three hundred and five),
ordinals (2nd, second), fractions (a third, two-thirds), multipliers (double, twice, triple,
threefold), month names and decades (thirties).

A :class:`Quantity` carries every value it may stand for (令和8年 is 2026 or 8; 3割 is 30
or 0.3; 50% is 50 or a half) and whether it is *strong*: a number written with digits or a
scale always means a number, while a word such as "one", "second", "May" or the 一 of 一部
may not, so a weak quantity can answer for a number on the other side but is never reported
on its own. :func:`compare` pairs the numbers of a source and a target.
All functions are pure (no database, no analyser).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "Quantity",
    "NumberDiff",
    "parse_kanji",
    "parse_english",
    "ja_quantities",
    "en_quantities",
    "quantities",
    "compare",
    "english_words",
    "show_value",
    "substitute",
]


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number found in a text.

    :ivar text: as written (after NFKC for Japanese)
    :ivar start: character offset in the text searched
    :ivar values: every value it may stand for; the first of :attr:`value` is the main one
    :ivar kind: ``number``, ``percent``, ``times``, ``ordinal``, ``year``, ``month``, ``day``,
        ``hour`` or ``fraction``
    :ivar strong: written so that it cannot be anything but a number
    :ivar style: for English, how it is written: ``digits``, ``words``, ``scaled``, ``month``,
        ``ordinal-digits``, ``ordinal-words``, ``multiplier`` (substitution keeps the style)
    """

    text: str
    start: int
    end: int
    value: Fraction
    values: frozenset[Fraction]
    kind: str = "number"
    strong: bool = True
    style: str = "digits"


class _Found(list[Quantity]):
    """Quantities found so far; the earlier patterns (eras, scales) keep their characters."""

    def free(self, a: int, b: int) -> bool:
        return all(b <= q.start or a >= q.end for q in self)

    def add(self, q: Quantity) -> None:
        self.append(q)


# -- Japanese ----------------------------------------------------------------------------------
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10**4, "億": 10**8, "兆": 10**12, "京": 10**16}
_NUM_CHARS = "0-9〇零一二三四五六七八九十百千万億兆"
_KANJI_NUM = re.compile(rf"[{_NUM_CHARS}](?:[{_NUM_CHARS},.]*[{_NUM_CHARS}])?")


def parse_kanji(text: str) -> Fraction | None:
    """The value of a Japanese number: digits, 漢数字, 万/億/兆 (mixed as newspapers write them).

    :returns: None when *text* is not a well-formed number

    >>> [int(parse_kanji(t) or -1) for t in ("三億五千万", "3億5000万", "二十一", "二〇二六")]
    [350000000, 350000000, 21, 2026]
    >>> parse_kanji("1.2兆") == 1_200_000_000_000, parse_kanji("千二百"), parse_kanji("万")
    (True, Fraction(1200, 1), None)
    """
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    if not text or text[0] in _BIG:
        return None
    total = Fraction(0)
    section = Fraction(0)  # the part below the next 万/億/兆
    buf = ""
    last_big = None
    ascii_digits = kanji_digits = False  # within the current group of digits
    for ch in text:
        if ch.isdigit() and ch.isascii() or ch == ".":
            if kanji_digits:
                return None  # 四1: not a number as anyone writes one
            buf += ch
            ascii_digits = True
        elif ch in _KANJI_DIGITS:
            if ascii_digits and buf:
                return None  # 1四 (第1四半期): the digits end where the kanji begin
            buf += str(_KANJI_DIGITS[ch])
            kanji_digits = True
        elif ch in _SMALL:
            try:
                n = Fraction(buf) if buf else Fraction(1)
            except ValueError:
                return None
            section += n * _SMALL[ch]
            buf, ascii_digits, kanji_digits = "", False, False
        elif ch in _BIG:
            if last_big is not None and _BIG[ch] >= last_big:
                return None  # 万億: scales must fall
            try:
                n = section + (Fraction(buf) if buf else 0)
            except ValueError:
                return None
            if n == 0:
                return None
            total += n * _BIG[ch]
            section, buf, last_big = Fraction(0), "", _BIG[ch]
            ascii_digits = kanji_digits = False
        else:
            return None
    try:
        return total + section + (Fraction(buf) if buf else 0)
    except ValueError:
        return None


#: what may follow a number written in kanji only for it to count as one for sure (三菱,
#: 九州, 三十三間堂 are names: a kanji number without a counter is weak)
_COUNTERS = (
    "か国", "カ国", "ヵ国", "ヶ国", "ケ国", "か月", "カ月", "ヵ月", "ヶ月", "ケ月", "か所", "カ所",
    "ヵ所", "ヶ所", "箇所", "世紀", "週間", "年度", "年間", "時間", "分の", "パーセント", "キロ",
    "メートル", "トン", "ドル", "ユーロ", "人", "年", "月", "日", "倍", "回", "件", "つ", "個",
    "歳", "才", "割", "国", "社", "台", "本", "枚", "位", "番", "度", "時", "分", "秒", "円", "週",
    "期", "項", "名", "匹", "頭", "隻", "機", "発", "基", "軒", "戸", "点", "号", "%", "世",
)
#: kanji numbers with a counter that are words (十分 "enough", 二度と "never again",
#: 五月雨) or place names (四日市, 六本木)
_JA_WORDS = ("四国", "十分", "十二分")
_NOT_NUMBERS = ("四日市", "八日市", "廿日市", "五日市", "十日町", "六本木", "二本松", "三本木",
                "一本松", "八戸", "二戸", "三戸", "七戸", "九戸", "一戸", "五所川原", "三軒茶屋",
                "八丁堀", "百人一首", "二度と", "五月雨", "五月晴")
_FRACTION_JA = re.compile(rf"([{_NUM_CHARS}.]+)分の([{_NUM_CHARS}.]+)")
_PERCENT_JA = ("%", "パーセント")


@functools.cache
def _eras() -> tuple[re.Pattern[str], dict[str, int]]:
    """Every era name followed by its year (天正10年, 令和元年) and the eras' first years.

    An era name counts only right before a year: names such as 文化, 天文 or 元和 are ordinary
    words too.
    """
    from taiyaku.core.eras import ERA_START

    names = "|".join(sorted(ERA_START, key=len, reverse=True))
    # 寛元2年, and 寛元2 in brackets: 1244年(寛元2)
    return re.compile(rf"({names})(元|[0-9〇一二三四五六七八九十]+)(?:年|(?=[)）]))"), ERA_START


def ja_quantities(text: str) -> list[Quantity]:
    """The numbers of a Japanese text, left to right (offsets into its NFKC form).

    >>> [(q.text, int(q.value), q.kind) for q in ja_quantities("令和8年4月の売上高は3億5000万円")]
    [('令和8年', 2026, 'year'), ('4月', 4, 'month'), ('3億5000万', 350000000, 'number')]
    >>> [q.text for q in ja_quantities("一部の三菱の社員が九州に十分な") if q.strong]
    []
    >>> [(q.text, q.strong) for q in ja_quantities("三十六歌仙")]
    [('三十六', False)]
    >>> [(q.text, q.strong) for q in ja_quantities("一人が第三者に2倍")]
    [('一人', False), ('第三者', True), ('2倍', True)]
    """
    norm = unicodedata.normalize("NFKC", text)
    found = _Found()
    free, add = found.free, found.add

    era, era_start = _eras()
    for m in era.finditer(norm):
        n = 1 if m.group(2) == "元" else parse_kanji(m.group(2))
        if n is None:
            continue
        year = Fraction(era_start[m.group(1)] + int(n) - 1)
        add(Quantity(m.group(), m.start(), m.end(), year, frozenset({year, Fraction(n)}),
                     "year"))
    for m in _FRACTION_JA.finditer(norm):
        den, num = parse_kanji(m.group(1)), parse_kanji(m.group(2))
        if den and num is not None and free(m.start(), m.end()):
            v = num / den
            add(Quantity(m.group(), m.start(), m.end(), v, frozenset({v}), "fraction"))
    for m in _KANJI_NUM.finditer(norm):
        a, b = m.start(), m.end()
        raw = m.group()
        if raw in _BIG and free(a, b):  # 万葉集, 万両: ten thousand as a name or a manner
            v = Fraction(_BIG[raw])
            add(Quantity(raw, a, b, v, frozenset({v}), "number", False))
            continue
        while raw and raw[0] in _BIG:  # 万一, 億万長者: a scale cannot start a number
            raw, a = raw[1:], a + 1
        value = parse_kanji(raw)
        while raw and value is None:  # 1四半期: the number is what parses from the left
            raw, b = raw[:-1], b - 1
            value = parse_kanji(raw)
        if value is None or not free(a, b):
            continue
        before, after = norm[a - 1 : a], norm[b : b + 5]
        kanji_only = not any(c.isascii() and c.isdigit() for c in raw)
        ordinal = before == "第"
        counter = next((c for c in _COUNTERS if after.startswith(c)), "")
        # 数百人, 十数人, 40数カ所: "several hundred", "some 40" may answer for a number but
        # are not one to check
        vague = bool(before) and before in "数何幾" or after.startswith("数")
        if kanji_only and not ordinal and (raw + counter in _JA_WORDS
                                           or norm.startswith(_NOT_NUMBERS, a)):
            continue
        end = b + len(counter) if counter in ("%", "パーセント", "倍", "割") else b
        start = a - 1 if ordinal else a
        kind, values = "number", {value}
        if ordinal:
            kind = "ordinal"
            end = max(end, b + 1) if after[:1] == "者" else end
        elif counter in _PERCENT_JA:
            kind = "percent"
            values.add(value / 100)
        elif counter == "割":
            kind = "percent"  # 3割: 30%, or three in ten
            values = {value * 10, value / 10}
            value = value * 10
        elif counter == "倍":
            kind = "times"
        elif counter in ("年", "年度"):
            kind = "year"
        elif counter == "月" and 1 <= value <= 12:
            kind = "month"
        elif counter == "日" and 1 <= value <= 31:
            kind = "day"
        elif counter == "時" and value <= 24:
            kind = "hour"
            if value > 12:
                values.add(value - 12)
        if counter in ("年", "月", "日", "時", "人", "つ", "回", "度", "か月", "カ月", "ヶ月",
                       "ヵ月", "年間", "時間", "週間"):
            end = b + len(counter)
        elif counter == "世":
            kind = "ordinal"  # 十三世: the 13th (head of a school, generation)
        if counter == "年" and (norm[max(0, a - 2) : a] == "天皇" or before == "同"):
            # 推古天皇28年, 同41年 (明治41年): a reign or era year, given as the Western year
            kind = "reign"
        if counter == "位" and before in "従正":
            continue  # 従五位下: a court rank, a name
        # one (一人, 一方, 唯一, 1ドル=150円) is as often "a", "alone", "the dollar" or
        # "on the other hand" as "one"; kanji without a counter (三菱, 九州, 三十三間堂) are
        # as often names as numbers: they may answer for a number but are never missed
        strong = not (value == 1 and not ordinal) and not (kanji_only and not counter
                                                           and not ordinal) and kind != "reign" \
            and not vague
        add(Quantity(norm[start:end], start, end, value, frozenset(values), kind, strong))
    return sorted(found, key=lambda q: q.start)


# -- English -----------------------------------------------------------------------------------
_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9,
           "trillion": 10**12}
_ABBREV_SCALES = {"k": 10**3, "mn": 10**6, "bn": 10**9, "tn": 10**12, "trn": 10**12}
_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split())}
_ORDINALS |= {w: 10 * (i + 2) for i, w in enumerate(
    "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split())}
_ORDINALS |= {"hundredth": 100, "thousandth": 1000, "millionth": 10**6, "billionth": 10**9}
_DENOMS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
           "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
_MULTIPLIERS = {"double": 2, "doubled": 2, "doubling": 2, "doubles": 2, "twice": 2,
                "twofold": 2, "triple": 3, "tripled": 3, "tripling": 3, "triples": 3,
                "treble": 3, "trebled": 3, "thrice": 3, "threefold": 3, "quadruple": 4,
                "quadrupled": 4, "fourfold": 4, "fivefold": 5, "tenfold": 10, "both": 2,
                "dozen": 12, "pair": 2, "couple": 2, "once": 1, "decade": 10,
                "bilateral": 2, "trilateral": 3, "II": 2, "III": 3, "IV": 4, "VI": 6, "VII": 7,
                "VIII": 8, "IX": 9, "XI": 11, "XII": 12}
_DECADES = {w: 10 * (i + 2) for i, w in enumerate(
    "twenties thirties forties fifties sixties seventies eighties nineties".split())}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_MONTH = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}
_MONTH |= {m[:3].lower(): i + 1 for i, m in enumerate(MONTHS) if m != "May"}
_MONTH["sept"] = 9

_WORD_NUM = "|".join(sorted((*_UNITS, *_TENS, *_SCALES), key=len, reverse=True))
_ORD_WORD = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?:{_WORD_NUM})(?:(?:\s+and\s+|[\s-]+)(?:{_WORD_NUM}))*"
    rf"(?:[\s-]+(?:{_ORD_WORD}))?|(?:{_ORD_WORD}))\b", re.IGNORECASE)
_DIGITS = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(st|nd|rd|th)\b|(\s?%|\s+per\s?cent\b|\s+percentage\s+points?\b)"
    r"|\s*(hundred|thousand|million|billion|trillion)\b|(mn|bn|tn|trn|k)\b|(-?fold)\b)?",
    re.IGNORECASE)
_FRACTION_EN = re.compile(
    rf"\b(a|one|{'|'.join(_UNITS)})[\s-]+({'|'.join(_DENOMS)})\b", re.IGNORECASE)
_ROMAN = {w for w in _MULTIPLIERS if w.isupper()}  # World War II, Phase III
_MULT = re.compile(rf"\b(?:{'|'.join(w for w in _MULTIPLIERS if w not in _ROMAN)}"
                   rf"|{'|'.join(_DECADES)})\b", re.IGNORECASE)
_MULT_ROMAN = re.compile(rf"(?<=[A-Za-z] )(?:{'|'.join(sorted(_ROMAN, key=len, reverse=True))})\b")
_MONTH_RE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\b|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
# "May" is a month only beside a day or after a word that introduces a date
_MAY_BEFORE = re.compile(r"(?:\d\s|\b(?:in|of|since|until|by|from|early|late|mid|last|next|"
                         r"this|the|through)[\s-])$")


def parse_english(text: str) -> Fraction | None:
    """The value of an English number written with digits, scale words or number words.

    >>> [int(parse_english(t) or -1) for t in ("350 million", "three hundred and five",
    ...  "twenty-one", "1,234", "2.5 billion", "a dozen")]
    [350000000, 305, 21, 1234, 2500000000, 12]
    >>> parse_english("blue") is None
    True
    """
    qs = en_quantities(text)
    if len(qs) != 1:
        return None
    return qs[0].value


def _words_value(words: Sequence[str]) -> Fraction | None:
    total, current, seen = 0, 0, False
    last_scale = 10**15
    for w in words:
        if w == "and":
            continue
        if w in _UNITS or w in _TENS:
            current += _UNITS.get(w, _TENS.get(w, 0))
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            if _SCALES[w] >= last_scale:
                return None
            total += (current or 1) * _SCALES[w]
            current, last_scale = 0, _SCALES[w]
        else:
            return None
        seen = True
    return Fraction(total + current) if seen else None


def en_quantities(text: str) -> list[Quantity]:
    """The numbers of an English text, left to right.

    >>> [(q.text, int(q.value), q.strong) for q in en_quantities(
    ...     "Sales doubled to $350 million in April, the third rise since 2019.")]
    [('doubled', 2, False), ('350 million', 350000000, True), ('April', 4, False), \
('third', 3, False), ('2019', 2019, True)]
    """
    norm = unicodedata.normalize("NFKC", text)
    if len(norm) != len(text):
        norm = text
    found = _Found()
    free, add = found.free, found.add

    for m in _DIGITS.finditer(norm):
        base = Fraction(m.group(1).replace(",", ""))
        kind, style, values = "number", "digits", {base}
        if m.group(2):
            kind, style = "ordinal", "ordinal-digits"
        elif m.group(3):
            kind = "percent"
            values.add(base / 100)
        elif m.group(4) or m.group(5):
            scale = _SCALES.get((m.group(4) or "").lower()) or \
                _ABBREV_SCALES[(m.group(5) or "").lower()]
            values = {base * scale}
            style = "scaled"
        elif m.group(6):
            kind = "times"
        value = min(values) if style != "scaled" else next(iter(values))
        add(Quantity(m.group(), m.start(), m.end(), base if style != "scaled" else value,
                     frozenset(values), kind, True, style))
    for m in _FRACTION_EN.finditer(norm):
        if free(m.start(), m.end()):
            num_word = m.group(1).lower()
            num = 1 if num_word == "a" else _UNITS[num_word]
            den = _DENOMS[m.group(2).lower()]
            v = Fraction(num, den)
            add(Quantity(m.group(), m.start(), m.end(), v, frozenset({v, Fraction(den)}),
                         "fraction", False, "words"))
    for m in _NUMBER_WORDS.finditer(norm):
        if not free(m.start(), m.end()):
            continue
        words = [w.lower() for w in re.split(r"[\s-]+", m.group()) if w]
        ordinal = words[-1] in _ORDINALS and words[-1] not in _UNITS
        if ordinal:
            head = words[:-1]
            last = _ORDINALS[words[-1]]
            head_value = _words_value(head) if head else Fraction(0)
            if head_value is None:
                continue
            v = (head_value or Fraction(1)) * last if last >= 100 else head_value + last
            add(Quantity(m.group(), m.start(), m.end(), v, frozenset({v}), "ordinal", False,
                         "ordinal-words"))
            continue
        wv = _words_value(words)
        if wv is None:
            continue
        # "two million" is a number; "a Thousand Years", "hundreds" may be a manner of speaking
        scaled = any(w in _SCALES and w != "hundred" for w in words) and any(
            w in _UNITS or w in _TENS for w in words)
        add(Quantity(m.group(), m.start(), m.end(), wv, frozenset({wv}), "number", scaled,
                     "words"))
    for m in [*_MULT.finditer(norm), *_MULT_ROMAN.finditer(norm)]:
        if free(m.start(), m.end()):
            w = m.group() if m.group() in _ROMAN else m.group().lower()
            v = Fraction(_MULTIPLIERS.get(w) or _DECADES[w])
            add(Quantity(m.group(), m.start(), m.end(), v, frozenset({v}),
                         "times" if w in _MULTIPLIERS else "number", False,
                         "multiplier" if w in _MULTIPLIERS else "words"))
    for m in _MONTH_RE.finditer(norm):
        before = norm[max(0, m.start() - 8) : m.start()]
        if m.group() == "May" and not (re.match(r"\s*(?:\d|[),;]|$)", norm[m.end() :])
                                       or _MAY_BEFORE.search(before)):
            continue
        if free(m.start(), m.end()):
            v = Fraction(_MONTH[m.group().rstrip(".").lower()])
            add(Quantity(m.group(), m.start(), m.end(), v, frozenset({v}), "month", False,
                         "month"))
    return sorted(found, key=lambda q: q.start)


def quantities(text: str, lang: str) -> list[Quantity]:
    """:func:`ja_quantities` or :func:`en_quantities` by *lang*."""
    return ja_quantities(text) if lang == "ja" else en_quantities(text)


# -- comparing ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NumberDiff:
    """What :func:`compare` found: source numbers without a counterpart in the target, and
    target numbers without one in the source (weak ones only when a strong one is missing)."""

    missing: tuple[Quantity, ...] = ()
    extra: tuple[Quantity, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra)


def compare(source: Sequence[Quantity], target: Sequence[Quantity]) -> NumberDiff:
    """Pair the numbers of a source and a target by value.

    Each source number takes an unused target number that may stand for the same value
    (strong ones first). A number left over still counts as present when the other side holds
    its value elsewhere and has nothing unpaired to offer instead (3日 … 3日 ↔ "the 3rd"
    once); weak leftovers are reported only beside a strong one.

    >>> d = compare(ja_quantities("3億人"), en_quantities("30 million people"))
    >>> [q.text for q in d.missing], [q.text for q in d.extra]
    (['3億人'], ['30 million'])
    >>> bool(compare(ja_quantities("3億5000万円、2倍に"), en_quantities("350 million yen, double")))
    False
    """
    used_t: set[int] = set()
    paired_s: set[int] = set()
    order = sorted(range(len(source)), key=lambda i: (not source[i].strong, len(source[i].values)))
    for i in order:
        q = source[i]
        cands = [j for j, t in enumerate(target) if j not in used_t and q.values & t.values]
        if cands:
            cands.sort(key=lambda j: not target[j].strong)
            used_t.add(cands[0])
            paired_s.add(i)
    left_s = [i for i in range(len(source)) if i not in paired_s]
    left_t = [j for j in range(len(target)) if j not in used_t]
    strong_left_t = [j for j in left_t if target[j].strong]
    strong_left_s = [i for i in left_s if source[i].strong]

    def elsewhere(q: Quantity, others: Sequence[Quantity]) -> bool:
        return any(q.values & o.values for o in others)

    def restated(i: int) -> bool:
        """The source gives a year twice, side by side, in an era and in the Western
        calendar: 慶長14年（1609年）, 1244年(寛元2)."""
        q = source[i]
        return any(j in paired_s and q.values & source[j].values and
                   "year" == q.kind == source[j].kind and
                   len(q.values) + len(source[j].values) > 2 and
                   (0 <= source[j].start - q.end <= 2 or 0 <= q.start - source[j].end <= 2)
                   for j in range(len(source)))

    missing = [i for i in strong_left_s
               if not (elsewhere(source[i], target) and (not left_t or restated(i)))]
    extra = [j for j in strong_left_t
             if not (elsewhere(target[j], source) and not strong_left_s)]
    if missing and not extra:
        # a missing number with a different one (even a word) beside it: "different"
        extra = [j for j in left_t if not target[j].strong][:len(missing)]
    return NumberDiff(tuple(source[i] for i in missing), tuple(target[j] for j in extra))


def show_value(q: Quantity) -> str:
    """*q* as written, with its value when that says more: ``3億 (300,000,000)``.

    >>> [show_value(q) for q in ja_quantities("3億、4月") + en_quantities("7 in October")]
    ['3億 (300,000,000)', '4月', '7', 'October (10)']
    """
    v = q.value
    shown = f"{int(v):{',' if q.kind != 'year' else ''}}" if v.denominator == 1 \
        else f"{float(v):g}"
    digits = re.sub(r"[^\d.]", "", unicodedata.normalize("NFKC", q.text))
    return q.text if digits == shown.replace(",", "") else f"{q.text} ({shown})"


# -- writing and substituting ------------------------------------------------------------------
_UNIT_NAMES = list(_UNITS)
_TEN_NAMES = {v: k for k, v in _TENS.items()}
_ORDINAL_NAMES = {v: k for k, v in _ORDINALS.items()}


def english_words(n: int) -> str:
    """*n* (0 ≤ n < 10¹⁵) in English words, as news style writes them out.

    >>> english_words(21), english_words(305), english_words(3_500_000)
    ('twenty-one', 'three hundred five', 'three million five hundred thousand')
    """
    if n < 20:
        return _UNIT_NAMES[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TEN_NAMES[tens * 10] + (f"-{_UNIT_NAMES[unit]}" if unit else "")
    if n < 1000:
        h, rest = divmod(n, 100)
        return f"{_UNIT_NAMES[h]} hundred" + (f" {english_words(rest)}" if rest else "")
    for name, scale in sorted(_SCALES.items(), key=lambda p: -p[1]):
        if scale >= 1000 and n >= scale:
            high, rest = divmod(n, scale)
            return f"{english_words(high)} {name}" + (f" {english_words(rest)}" if rest else "")
    raise ValueError(n)  # pragma: no cover - unreachable below 10**15


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _render(old: Quantity, new: Fraction) -> str | None:
    """*new* written the way *old* was, or None when that cannot be done safely."""
    if new.denominator != 1 or new < 0:
        return None
    n = int(new)
    cap = old.text[:1].isupper()

    def case(s: str) -> str:
        return s[:1].upper() + s[1:] if cap else s

    if old.style == "digits":
        head = f"{n:,}" if "," in old.text else str(n)
        tail = old.text[len(re.match(r"[\d,.]+", old.text).group()):]  # type: ignore[union-attr]
        return head + tail
    if old.style == "ordinal-digits":
        return f"{n}{_ordinal_suffix(n)}"
    if old.style == "words" and n < 10**15:
        return case(english_words(n))
    if old.style == "ordinal-words" and n in _ORDINAL_NAMES:
        return case(_ORDINAL_NAMES[n])
    if old.style == "month" and 1 <= n <= 12:
        return MONTHS[n - 1]
    if old.style == "scaled":
        m = re.match(r"([\d,.]+)(\s*)(\S+)", old.text)
        if m is None:
            return None
        word = m.group(3)
        scale = _SCALES.get(word.lower()) or _ABBREV_SCALES.get(word.lower())
        if not scale or (new / scale).denominator not in (1, 2, 4, 5, 10, 20, 100):
            return None
        return f"{float(new / scale):g}{m.group(2)}{word}"
    if old.style == "multiplier":
        word = old.text.lower()
        if word in ("double", "twice", "triple", "treble"):
            return case("twice" if n == 2 else f"{english_words(n)} times") if n < 100 else None
        verbs = {2: "doubled", 3: "tripled", 4: "quadrupled"}
        if word in verbs.values() and n in verbs:
            return case(verbs[n])
    return None


def substitute(query: str, source: str, target: str) -> str | None:
    """Put the numbers of a Japanese *query* into the English *target* of a stored unit
    whose Japanese *source* differs from the query only in numbers, keeping how the target
    writes each one (digits, words, month names, "double" → "three times").

    Safe only when query and source hold the same kinds of number in the same order and each
    changed number occurs exactly once in the target; otherwise None.

    >>> substitute("4月に会談", "10月に会談", "Talks in October")
    'Talks in April'
    >>> substitute("現在の3倍", "現在の2倍", "double the current level")
    'three times the current level'
    >>> substitute("3人と3社", "2人と2社", "two people and two companies") is None
    True
    """
    qs, ss = ja_quantities(query), ja_quantities(source)
    if len(qs) != len(ss) or any(a.kind != b.kind for a, b in zip(qs, ss, strict=True)):
        return None
    changes = [(s, q) for q, s in zip(qs, ss, strict=True) if q.value != s.value]
    if not changes:
        return target
    ts = en_quantities(target)
    edits: list[tuple[int, int, str]] = []
    for old, new in changes:
        hits = [t for t in ts if old.values & t.values]
        if len(hits) != 1:
            return None
        hit = hits[0]
        if old.kind == "year" and old.values != {old.value}:
            value = new.value  # 令和8年 → 2026: the Western year
        else:
            value = new.value if old.value in hit.values else None  # type: ignore[assignment]
        if value is None or hit.value != old.value and hit.style != "scaled":
            return None
        text = _render(hit, value)
        if text is None:
            return None
        edits.append((hit.start, hit.end, text))
    if len({e[0] for e in edits}) != len(edits):
        return None
    out = target
    for a, b, text in sorted(edits, reverse=True):
        out = out[:a] + text + out[b:]
    if compare(ja_quantities(query), en_quantities(out)):
        return None
    return out
