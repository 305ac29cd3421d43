"""Rule-based sentence segmentation for Japanese and English (SRX-style, rules printable)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from taiyaku.core.model import Segment
from taiyaku.core.normalize import normalize, script_of
from taiyaku.tm.textio import read_text

__all__ = [
    "RULES",
    "LineInfo",
    "classify_line",
    "segment_text",
    "segment_file",
    "segment_line",
    "line_segment",
    "strip_marker",
]

#: The segmentation rules in plain words; ``taiyaku segment --show-rules`` prints them and the
#: README lists them. Keep this list and the code below in step.
RULES: list[str] = [
    "A line break always ends a segment; blank lines produce no segment.",
    "Japanese: break after 。 ！ ？ ! ? (a run of them counts as one), together with the closing "
    "brackets and quotes that follow (」』）)】〕》〉”’\").",
    "Japanese: an ASCII '.' never ends a sentence (decimals, abbreviations, English quoted "
    "inside Japanese).",
    "Japanese: no break inside a matched pair of brackets or quotes on the same line: （…） (…) "
    "「…」 『…』 【…】 〔…〕 《…》 〈…〉 “…”; an unmatched bracket protects nothing.",
    "Both languages: a bracketed note that closes the line right after a sentence end, such as "
    "'。(写真/AP通信提供)' or '. (AP)', and trailing punctuation such as '……' stay with that "
    "sentence.",
    "English: break after . ! ? plus closing quotes/brackets when whitespace and an upper-case "
    "letter, a digit, an opening quote/bracket or a Japanese character follow.",
    "English: no break after abbreviations (Mr. Mrs. Ms. Dr. Prof. St. Jr. Sr. Gen. Gov. Sen. "
    "Rep. No. Vol. Fig. vs. e.g. i.e. cf. Inc. Ltd. Corp. Co. Jan. Feb. … Dec.), after "
    "dotted upper-case abbreviations (U.S. U.K. U.N. D.C.) or single initials (J. R. R.); "
    "a '.' inside a number (2.5, 1.000) never breaks.",
    "English: a Title-Case line without a final period (e.g. 'Who Pays for the Tariffs? "
    "A Look at the Numbers') is one heading segment, even when it contains or ends with '?'.",
    "List items are segments of kind 'list': a line starting with • ・ ‣ ◦ ● ○ ▪, with '- ', "
    "'– ', '* ', '1. ', '1) ' (followed by a space), or with '(1)' / ①; the marker is removed "
    "from the stored text.",
    "Captions are segments of kind 'caption': a line starting with ▲ ▼ △ (marker removed) or "
    "ending in a photo credit such as (写真/AP通信提供) or (AP).",
    "Headings are segments of kind 'heading': a line marked ◆ ◇ ■ □ ▽ ▶ (marker removed), "
    "an English Title-Case line, or a short line (≤ 60 Japanese characters / ≤ 16 English "
    "words) that is one segment, is not a whole-line quotation and does not end in sentence "
    "or clause punctuation.",
    "Page furniture is kept but marked kind 'boilerplate': lines without letters ('–>', '|'), "
    "lines with pictographic emoji (🔗, 🔐), share/copy/comment widgets "
    "('URLをコピーしました!', 'よかったらシェアしてね!', 'コメントする', 'Share'), "
    "'目次' and related-article links ('関連記事:…').",
]

# --- character classes -------------------------------------------------------------------------
_JA_TERMINATORS = "。！？!?"
_JA_TERMINATOR = re.compile(f"[{re.escape(_JA_TERMINATORS)}]")
_EN_TERMINATORS = ".!?"
_CLOSERS = "」』）)】〕》〉”’\"'］]｝}"
_PAIRS_JA = {
    "（": "）", "(": ")", "「": "」", "『": "』", "【": "】", "〔": "〕", "《": "》",
    "〈": "〉", "“": "”", "［": "］", "[": "]",
}
_CLOSERS_JA = {v: k for k, v in _PAIRS_JA.items()}
#: one opener or closer of _PAIRS_JA
_BRACKET_JA = re.compile("[" + re.escape("".join(a + b for a, b in _PAIRS_JA.items())) + "]")
_OPENERS_EN = "\"'“‘([（「『"
_WS = " \t\u3000\u00a0\u200b\ufeff"

# A leading marker: bullets, numbers, caption and heading marks. Group 1 = the marker.
_LIST_MARK = re.compile(
    r"^\s*((?:[•・‣◦●○▪▫·]|[-–*](?=\s)|\d{1,2}[.)](?=\s)|[(（]\d{1,2}[)）]|[①-⑳])\s*)(?=\S)"
)
_CAPTION_MARK = re.compile(r"^\s*([▲▼△▴▵]\s*)(?=\S)")
_HEADING_MARK = re.compile(r"^\s*([◆◇■□▽▶►]\s*)(?=\S)")
_CAPTION_CREDIT = re.compile(
    r"[(（]\s*(?:写真|画像|撮影|出典|AP|ロイター|共同|Photo|Reuters|Getty)[^()（）]{0,40}[)）]\s*$",
    re.IGNORECASE,
)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u26ff\u2700-\u27bf]")
_LETTER = re.compile(r"[^\W\d_]")
# Whole-line furniture (compared after normalize(), bullet removed, trailing '!' dropped).
_FURNITURE = {
    "urlをコピーしました", "よかったらシェアしてね", "シェアする", "シェア", "ツイート",
    "コメント", "コメントする", "コメントを書く", "目次", "関連記事をもっと読む",
    "この記事をシェア", "share", "tweet", "copy link", "copy url", "comments",
    "leave a comment", "share this article", "share this", "read more", "print",
}
_FURNITURE_PREFIX = ("関連記事:", "関連記事：", "(関連記事", "（関連記事", "更多新聞")

# English abbreviations that never end a sentence when followed by more text.
_EN_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "rev", "hon", "pres", "no", "nos", "vol", "fig", "figs", "pp", "p",
    "vs", "cf", "approx", "dept", "est", "inc", "ltd", "corp", "co", "mt", "ft", "ave",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "al",
}
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "by",
    "with", "as", "from", "into", "over", "vs", "via", "is", "be", "are", "than", "per",
}


@dataclass(frozen=True, slots=True)
class LineInfo:
    """What one line is before it is cut into sentences.

    :ivar body: the line without its list/caption/heading marker and outer whitespace
    :ivar kind: ``text``, ``heading``, ``list``, ``caption`` or ``boilerplate``
    :ivar marker: the removed marker (``""`` when none)
    """

    body: str
    kind: str
    marker: str


def strip_marker(line: str) -> tuple[str, str, str]:
    """Split a leading list/caption/heading marker off *line*.

    :returns: ``(marker, body, kind)`` where kind is ``list``, ``caption``, ``heading`` or ``""``

    >>> strip_marker("  • 経済産業省:輸出管理の見直し")
    ('•', '経済産業省:輸出管理の見直し', 'list')
    >>> strip_marker("▲ 投稿の画像")
    ('▲', '投稿の画像', 'caption')
    >>> strip_marker("2.5% growth")
    ('', '2.5% growth', '')
    """
    for pattern, kind in ((_LIST_MARK, "list"), (_CAPTION_MARK, "caption"),
                          (_HEADING_MARK, "heading")):
        m = pattern.match(line)
        if m:
            return m.group(1).strip(), line[m.end():].strip(_WS), kind
    return "", line.strip(_WS), ""


def _is_furniture(body: str) -> bool:
    if not _LETTER.search(body):
        return True
    if _EMOJI.search(body):
        return True
    if body.startswith(_FURNITURE_PREFIX):
        return True
    # Widgets are short; skip normalising long lines.
    return len(body) <= 40 and normalize(body).lower().rstrip("!！。.") in _FURNITURE


def classify_line(line: str) -> LineInfo:
    """Classify one line: its marker, cleaned body and kind (before sentence splitting).

    ``heading`` here only covers marked headings; short unmarked headings are recognised
    by :func:`segment_line` once it knows the line is one sentence.

    >>> classify_line("  • URLをコピーしました!").kind
    'boilerplate'
    >>> classify_line("▲ 会談後の投稿").body
    '会談後の投稿'
    >>> classify_line("–>").kind
    'boilerplate'
    """
    marker, body, kind = strip_marker(line)
    if _is_furniture(body):
        return LineInfo(body, "boilerplate", marker)
    if not kind and _CAPTION_CREDIT.search(body):
        kind = "caption"
    return LineInfo(body, kind or "text", marker)


# --- Japanese ----------------------------------------------------------------------------------
def _protected_spans(text: str) -> list[bool]:
    """Mark characters inside matched bracket/quote pairs of :data:`_PAIRS_JA` (unmatched
    openers protect nothing).

    >>> [i for i, x in enumerate(_protected_spans("a「b（c」d")) if x]
    [2, 3, 4]
    """
    inside = [False] * len(text)
    stack: list[tuple[str, int]] = []
    pairs, closers = _PAIRS_JA, _CLOSERS_JA
    # only the brackets are visited (a loop over every character was a large share of
    # splitting a long document)
    for m in _BRACKET_JA.finditer(text):
        i, ch = m.start(), m.group()
        if ch in pairs:
            stack.append((ch, i))
        elif ch in closers:
            # Find the matching opener; openers above it were unmatched and are dropped.
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == closers[ch]:
                    start = stack[depth][1]
                    del stack[depth:]
                    inside[start + 1:i] = [True] * (i - start - 1)
                    break
    return inside


def _trailing_note(rest: str) -> bool:
    """True when *rest* is one bracketed note (``(写真/AP通信提供)``, ``(AP)``) or punctuation."""
    rest = rest.strip(_WS)
    if not _LETTER.search(rest) and not any(c.isdigit() for c in rest):
        return True  # only punctuation left, e.g. a truncation mark '......'
    if len(rest) < 2 or rest[0] not in "(（[［" or rest[-1] not in ")）]］":
        return False
    inner = rest[1:-1]
    return not any(c in inner for c in "()（）[]［］") and len(inner) <= 40


def _ends_line(body: str, j: int) -> bool:
    """True when nothing but a closing note or punctuation follows position *j*.

    Only the last :data:`_TAIL_LIMIT` characters are ever inspected, so a very long line
    costs linear time.
    """
    if len(body) - j > _TAIL_LIMIT:
        return False
    rest = body[j:]
    return not rest.strip(_WS) or _trailing_note(rest)


_TAIL_LIMIT = 80


def _split_ja(body: str) -> list[str]:
    inside = _protected_spans(body)
    pieces: list[str] = []
    start = 0
    i = 0
    n = len(body)
    # from terminator to terminator (the characters between them need no look)
    while (m := _JA_TERMINATOR.search(body, i)) is not None:
        i = m.start()
        ch = body[i]
        if not inside[i]:
            j = i + 1
            while j < n and body[j] in _JA_TERMINATORS:
                j += 1
            while j < n and body[j] in _CLOSERS and not inside[j]:
                j += 1
            # '!' or '?' inside a Latin word run ("Yahoo!", "Jeopardy!") is part of a name.
            if (ch in "!?" and j < n and body[j].isascii() and body[j].isalnum()
                    and i > 0 and body[i - 1].isascii() and body[i - 1].isalnum()):
                i = j
                continue
            if not _ends_line(body, j):
                pieces.append(body[start:j])
                while j < n and body[j] in _WS:
                    j += 1
                start = j
            i = j
            continue
        i += 1
    pieces.append(body[start:])
    return [p.strip(_WS) for p in pieces if p.strip(_WS)]


# --- English -----------------------------------------------------------------------------------
_EN_BREAK = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.\-']*)$")


def _en_no_break_after(before: str, punct: str) -> bool:
    """True when the '.' ending *before* belongs to an abbreviation, initial or acronym."""
    if punct[0] != ".":
        return False
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1)
    bare = word.rstrip(".")
    low = bare.lower()
    if low in _EN_ABBREV:
        return True
    if len(bare) == 1 and bare.isupper():  # an initial: J. R. R. Tolkien
        return True
    # Dotted capitals: U.S., U.K., D.C. (the final '.' is the punct itself)
    return re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", bare) is not None or low in {"e.g", "i.e"}


def _split_en(body: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for m in _EN_BREAK.finditer(body):
        end = m.end()
        nxt = end
        while nxt < len(body) and body[nxt] in _WS:
            nxt += 1
        if nxt == len(body):
            continue
        first = body[nxt]
        starter = (
            first.isupper() or first.isdigit() or first in _OPENERS_EN
            or script_of(first) == "ja"
        )
        if not starter or _ends_line(body, end):
            continue
        if _en_no_break_after(body[max(start, m.start() - 40):m.start()], m.group(0)):
            continue
        pieces.append(body[start:end])
        start = nxt
    pieces.append(body[start:])
    return [p.strip(_WS) for p in pieces if p.strip(_WS)]


def _is_title_case(body: str) -> bool:
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", body)
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    if len(words) < 2 or not content or len(words) > 30:
        return False
    caps = sum(1 for w in content if w[0].isupper())
    return caps / len(content) >= 0.75 and body.rstrip(_CLOSERS + _WS)[-1:] not in ".,;:"


_NO_HEADING_END = "。．.！？!?、，,:：;；…"


def _looks_like_heading(body: str, lang: str) -> bool:
    if body.rstrip(_CLOSERS + _WS)[-1:] in _NO_HEADING_END:
        return False
    opening, closing = body[0], body[-1]
    if _PAIRS_JA.get(opening) == closing:  # a whole-line quotation is text, not a heading
        return False
    if lang == "ja":
        return len(body) <= 60
    return len(body.split()) <= 16


# --- public API --------------------------------------------------------------------------------
def segment_line(line: str, lang: str) -> list[Segment]:
    """Segment one line (no newline inside) in language *lang* (``ja`` or ``en``).

    >>> [s.text for s in segment_line("米国は発表した。中国は「了解。」と述べた。", "ja")]
    ['米国は発表した。', '中国は「了解。」と述べた。']
    >>> line = "Mr. Bessent met Dr. Li in the U.S. on Friday. It went well."
    >>> [s.text for s in segment_line(line, "en")]
    ['Mr. Bessent met Dr. Li in the U.S. on Friday.', 'It went well.']
    >>> segment_line("  • 関税の引き下げ", "ja")[0].kind
    'list'
    """
    info = classify_line(line)
    if not info.body:
        return []
    if info.kind == "boilerplate":
        return [Segment(info.body, lang, "boilerplate")]
    if lang == "en" and info.kind in ("text", "heading") and _is_title_case(info.body):
        return [Segment(info.body, lang, "heading")]
    pieces = _split_ja(info.body) if lang == "ja" else _split_en(info.body)
    kind = info.kind
    if kind == "text" and len(pieces) == 1 and _looks_like_heading(pieces[0], lang):
        kind = "heading"
    # A marker describes the line; its first piece carries the kind, following sentences of a
    # long list item or caption keep it too (they are still part of that item).
    return [Segment(p, lang, kind) for p in pieces]


def line_segment(line: str, lang: str) -> Segment:
    """One line taken whole as one segment (presegmented input), with the kind
    :func:`segment_line` would give it: the marker removed and its kind kept (list, caption,
    heading), furniture marked ``boilerplate``, a short unpunctuated line or an English
    Title-Case line a ``heading``. A blank line is an empty ``boilerplate`` segment.

    >>> [(s.text, s.kind) for s in (line_segment("  • 関税の引き下げ", "ja"),
    ...  line_segment("休止期間と首脳会談", "ja"), line_segment("米国は発表した。", "ja"))]
    [('関税の引き下げ', 'list'), ('休止期間と首脳会談', 'heading'), ('米国は発表した。', 'text')]
    >>> line_segment("A Quiet Shift in Relations", "en").kind
    'heading'
    """
    info = classify_line(line)
    if not info.body:
        return Segment("", lang, "boilerplate")
    kind = info.kind
    if kind == "boilerplate":
        return Segment(info.body, lang, kind)
    if lang == "en" and kind in ("text", "heading") and _is_title_case(info.body):
        kind = "heading"
    elif kind == "text" and _looks_like_heading(info.body, lang):
        kind = "heading"
    return Segment(info.body, lang, kind)


def line_language(line: str, default: str) -> str:
    """``ja`` or ``en`` for one line by its script; lines without letters get *default*.

    >>> line_language("Bessent told CNBC", "ja"), line_language("–>", "en")
    ('en', 'en')
    """
    script = script_of(line)
    return default if script == "none" else script


def dominant_language(lines: Iterable[str]) -> str:
    """The language holding most of the text's letters (a kanji/kana counts as 3 letters).

    >>> dominant_language(["台湾有事の際", "Hello"])
    'ja'
    """
    ja = en = 0
    for line in lines:
        script = script_of(line)
        if script == "ja":
            ja += 3 * sum(1 for c in line if not c.isascii() and c.isalpha())
        elif script == "en":
            en += sum(1 for c in line if c.isascii() and c.isalpha())
    return "en" if en > ja else "ja"


def segment_lines(lines: Sequence[str], lang: str = "auto") -> list[Segment]:
    """Segment *lines* (each a line of a document) in order.

    :param lang: ``ja`` or ``en`` forces the rules and the segments' language; ``auto``
        decides per line from its script (lines without letters take the dominant language)
    """
    default = dominant_language(lines) if lang == "auto" else lang
    out: list[Segment] = []
    for line in lines:
        line_lang = line_language(line, default) if lang == "auto" else lang
        out.extend(segment_line(line, line_lang))
    return out


def segment_text(text: str, lang: str = "auto") -> list[Segment]:
    """Segment *text* by :data:`RULES`.

    :param lang: ``ja``, ``en`` or ``auto`` (per line, from the script it is written in)
    :returns: segments in document order; ``Segment.lang`` is ``ja`` or ``en``

    >>> [(s.text, s.kind) for s in segment_text("見出し\\n本文です。次の文。\\n  • 項目")]
    [('見出し', 'heading'), ('本文です。', 'text'), ('次の文。', 'text'), ('項目', 'list')]
    """
    if lang not in ("ja", "en", "auto"):
        raise ValueError(f"lang must be 'ja', 'en' or 'auto', not {lang!r}")
    return segment_lines(text.split("\n"), lang)


def segment_file(path: str | os.PathLike[str], lang: str = "auto") -> list[Segment]:
    """Read *path* (encoding detected) and segment it; see :func:`segment_text`.

    :raises InputError: the file is missing, binary, empty or undecodable
    """
    return segment_text(read_text(path), lang)
