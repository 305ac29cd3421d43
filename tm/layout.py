"""Deciding how a document lays out its two languages and splitting it into JA and EN segments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from taiyaku.core.errors import InputError
from taiyaku.core.model import Segment
from taiyaku.core.normalize import script_of
from taiyaku.tm.segment import (
    _CLOSERS,
    classify_line,
    line_segment,
    segment_line,
    strip_marker,
)

__all__ = ["LAYOUTS", "Sides", "split_document", "split_presegmented", "line_scripts"]

#: layouts a caller may ask for (``auto`` decides between halves and interleaved)
LAYOUTS = ("auto", "halves", "interleaved", "pair", "mono")

#: below this share of English letters a "bilingual" file is treated as having no English
MIN_EN_SHARE = 0.05
#: ``auto`` picks halves when one JA→EN split point leaves at most this share out of place
HALVES_MAX_COST = 0.2
#: fixed cost of a line on the wrong side of the halves split (on top of its letters)
LINE_COST = 30


@dataclass(frozen=True)
class Sides:
    """A document split into its Japanese and English segments.

    :ivar layout: ``halves``, ``interleaved``, ``pair``, ``mono`` or ``presegmented``
    :ivar message: one line saying what was decided (and why, for ``auto``)
    :ivar ja_lines: for each JA segment, the 0-based line it came from (first file)
    :ivar en_lines: the same for EN segments (line in the second file for pairs)
    """

    ja: list[Segment]
    en: list[Segment]
    layout: str
    message: str
    ja_lines: list[int]
    en_lines: list[int]


#: runs of the ASCII characters for which str.isalpha is true (counted by their lengths: one
#: match per run, not per letter)
_ASCII_LETTERS = re.compile("[A-Za-z]+")


def _weight(line: str, script: str) -> int:
    """Content weight of a line: Latin letters, or 3 per kana/kanji (as in ``script_of``)."""
    # map(str.isalpha) and a regular expression: per-character Python loops were a few per
    # cent of a large document's ingest
    if script == "ja":
        return 3 * (sum(map(str.isalpha, line)) - sum(map(len, _ASCII_LETTERS.findall(line))))
    if script == "en":
        return sum(map(len, _ASCII_LETTERS.findall(line)))
    return 0


def line_scripts(lines: Sequence[str]) -> list[tuple[str, int]]:
    """``(script, weight)`` for each line; furniture lines count as ``none``.

    >>> line_scripts(["台湾有事", "Taiwan", "–>", ""])
    [('ja', 12), ('en', 6), ('none', 0), ('none', 0)]
    """
    out = []
    for line in lines:
        if not line.strip() or classify_line(line).kind == "boilerplate":
            out.append(("none", 0))
            continue
        script = script_of(line)
        out.append((script, _weight(line, script)))
    return out


def _best_split(scripts: Sequence[tuple[str, int]]) -> tuple[int, float]:
    """The line index k that best separates a JA half [0, k) from an EN half [k, n).

    Cost = weight of EN lines before k + weight of JA lines from k on, as a share of all
    weight; among equal costs the latest k wins, so blank and furniture lines between the
    halves stay with the Japanese half and the English half starts at its first English line.
    """
    def weight(script: str, w: int) -> int:
        # A misplaced line costs its letters plus a fixed amount, so two short Japanese
        # lines after a one-line English quotation outweigh the quotation.
        return w + LINE_COST if script != "none" else 0

    total = sum(weight(s, w) for s, w in scripts) or 1
    cost = sum(weight(s, w) for s, w in scripts if s == "ja")  # k = 0: all JA misplaced
    best_k, best_cost = 0, cost
    for k in range(1, len(scripts) + 1):
        s, w = scripts[k - 1]
        cost += weight(s, w) if s == "en" else -weight(s, w) if s == "ja" else 0
        if cost <= best_cost:
            best_k, best_cost = k, cost
    return best_k, best_cost / total


def _no_english(name: str) -> InputError:
    return InputError(
        f"{name}: has no English text; use --layout mono for a one-language document"
    )


def _english_share(scripts: Sequence[tuple[str, int]]) -> float:
    total = sum(w for _, w in scripts)
    return sum(w for s, w in scripts if s == "en") / total if total else 0.0


def _segments(lines: Sequence[str], indexes: Sequence[int], lang: str,
              ja: list[Segment], ja_lines: list[int]) -> None:
    for i in indexes:
        for seg in segment_line(lines[i], lang):
            ja.append(seg)
            ja_lines.append(i)


def split_document(
    text: str,
    *,
    layout: str = "auto",
    name: str = "<input>",
    en_text: str | None = None,
    en_name: str = "<english>",
) -> Sides:
    """Split a document into Japanese and English segments.

    :param layout: ``auto``, ``halves``, ``interleaved``, ``pair`` (needs *en_text*) or
        ``mono``; with *en_text* given, ``auto`` means ``pair``; ``auto`` decides between
        halves and interleaved from the script of each line
    :param name: file name for messages
    :raises InputError: a file without English (or without Japanese) unless the layout is
        ``mono``, or ``pair`` without a second file

    >>> sides = split_document("日本語の文です。\\n\\nAn English sentence.")
    >>> [s.text for s in sides.ja], [s.text for s in sides.en], sides.layout
    (['日本語の文です。'], ['An English sentence.'], 'halves')
    """
    if layout not in LAYOUTS:
        raise InputError(f"{name}: unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    if en_text is not None:
        if layout not in ("auto", "pair"):
            raise InputError(f"{name}: --layout {layout} takes one file; drop --en or use pair")
        return _split_pair(text, en_text, name, en_name)
    if layout == "pair":
        raise InputError(f"{name}: --layout pair needs the English file (--en FILE)")
    lines = text.split("\n")
    scripts = line_scripts(lines)
    if layout == "mono":
        return _split_mono(lines, "mono (as asked)")
    # A one-language file is refused unless --layout mono says so: ingesting a Japanese
    # article as "bilingual" by accident would silently store no TM units.
    en_share = _english_share(scripts)
    if en_share < MIN_EN_SHARE or not any(s == "en" for s, _ in scripts):
        raise _no_english(name)
    if not any(s == "ja" for s, _ in scripts):
        raise InputError(
            f"{name}: has no Japanese text; use --layout mono for a one-language document"
        )
    k, cost = _best_split(scripts)
    if layout == "halves" or (layout == "auto" and cost <= HALVES_MAX_COST):
        how = "as asked" if layout == "halves" else f"auto: {cost:.0%} of the text out of place"
        return _split_halves(lines, scripts, k, how)
    how = "as asked" if layout == "interleaved" else (
        f"auto: no single JA/EN split point ({cost:.0%} out of place at best)")
    return _split_interleaved(lines, scripts, how)


def _split_mono(lines: Sequence[str], how: str) -> Sides:
    from taiyaku.tm.segment import dominant_language, line_language

    default = dominant_language(lines)
    ja: list[Segment] = []
    en: list[Segment] = []
    ja_lines: list[int] = []
    en_lines: list[int] = []
    for i, line in enumerate(lines):
        lang = line_language(line, default)
        for seg in segment_line(line, lang):
            (ja if lang == "ja" else en).append(seg)
            (ja_lines if lang == "ja" else en_lines).append(i)
    message = f"layout: {how}; {len(ja)} Japanese and {len(en)} English segments"
    return Sides(ja, en, "mono", message, ja_lines, en_lines)


def _split_halves(lines: Sequence[str], scripts: Sequence[tuple[str, int]], k: int,
                  how: str) -> Sides:
    # The JA half keeps every line, English quotations and English titles included: they
    # sit in the Japanese running text and the aligner pairs them through shared words.
    # In the EN half, Japanese-script lines (author profile, page furniture after the
    # article) go to the Japanese side, after the JA half, so both sides stay in order.
    ja: list[Segment] = []
    en: list[Segment] = []
    ja_lines: list[int] = []
    en_lines: list[int] = []
    _segments(lines, range(k), "ja", ja, ja_lines)
    moved = 0
    for i in range(k, len(lines)):
        # Furniture counts as "none" for the split; here its own script decides its side.
        # Any other line's script is the one line_scripts found: not looked up again.
        script = scripts[i][0]
        if script == "ja" or (script == "none" and script_of(lines[i]) == "ja"):
            _segments(lines, [i], "ja", ja, ja_lines)
            moved += 1
        else:
            _segments(lines, [i], "en", en, en_lines)
    first_en = k + 1
    message = (
        f"layout: halves ({how}); Japanese half lines 1–{k}, English half from line "
        f"{first_en}"
        + (f" ({moved} Japanese lines after it kept on the Japanese side)" if moved else "")
        + f"; {len(ja)} Japanese and {len(en)} English segments"
    )
    return Sides(ja, en, "halves", message, ja_lines, en_lines)


def _split_interleaved(lines: Sequence[str], scripts: Sequence[tuple[str, int]],
                       how: str) -> Sides:
    ja: list[Segment] = []
    en: list[Segment] = []
    ja_lines: list[int] = []
    en_lines: list[int] = []
    side = next((s for s, _ in scripts if s != "none"), "ja")
    switches = 0
    for i in range(len(lines)):
        script = scripts[i][0]
        if script != "none" and script != side:
            side = script
            switches += 1
        _segments(lines, [i], side, ja if side == "ja" else en,
                  ja_lines if side == "ja" else en_lines)
    message = (
        f"layout: interleaved ({how}); {switches + 1} language blocks; "
        f"{len(ja)} Japanese and {len(en)} English segments"
    )
    return Sides(ja, en, "interleaved", message, ja_lines, en_lines)


def _split_pair(text: str, en_text: str, name: str, en_name: str) -> Sides:
    ja_lines_text = text.split("\n")
    en_lines_text = en_text.split("\n")
    if _english_share(line_scripts(en_lines_text)) < MIN_EN_SHARE:
        raise _no_english(en_name)
    ja: list[Segment] = []
    en: list[Segment] = []
    ja_idx: list[int] = []
    en_idx: list[int] = []
    _segments(ja_lines_text, range(len(ja_lines_text)), "ja", ja, ja_idx)
    _segments(en_lines_text, range(len(en_lines_text)), "en", en, en_idx)
    message = (
        f"layout: pair ({name} + {en_name}); {len(ja)} Japanese and {len(en)} English segments"
    )
    return Sides(ja, en, "pair", message, ja_idx, en_idx)


def split_presegmented(ja_text: str, en_text: str, *, name: str = "<ja>",
                       en_name: str = "<en>") -> Sides:
    """One segment per line in each file, no re-segmentation; segment i is line i (0-based).

    Blank lines are kept as empty ``boilerplate`` segments so ids stay line numbers; a final
    newline does not add a line.

    >>> s = split_presegmented("一。\\n二。\\n", "One.\\nTwo.\\n")
    >>> [x.text for x in s.ja], [x.text for x in s.en]
    (['一。', '二。'], ['One.', 'Two.'])
    """
    def lines_of(text: str) -> list[str]:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    sides = []
    for text, lang in ((ja_text, "ja"), (en_text, "en")):
        # each line gets the kind a raw file's line would (list item, heading, caption,
        # furniture): the aligner prices kinds, lead-ins and closing tails from them
        lines = lines_of(text)
        sides.append(_unmarked_lists([line_segment(line, lang) for line in lines],
                                     [not strip_marker(line)[0] for line in lines], lang))
    ja, en = sides
    if not any(s.text for s in en):
        raise _no_english(en_name)
    message = (
        f"layout: presegmented ({name} + {en_name}); one segment per line; "
        f"{len(ja)} Japanese and {len(en)} English lines"
    )
    return Sides(ja, en, "presegmented", message, list(range(len(ja))), list(range(len(en))))


#: how a line that introduces a list ends (a lead-in), per language
_LEAD_END = {"ja": ("、", "，", ",", ":", "："), "en": (":", "：")}
#: how a Japanese line that closes a sentence spread over a list starts (という…。, を挙げ…)
_TAIL_START = ("と", "を", "です", "でした")
_SENTENCE_END = ("。", "．", ".", "！", "？", "!", "?")
#: an English list item may be a whole sentence when it is short (one line of a list, where
#: running text after a colon goes on in long sentences)
_EN_ITEM_CHARS = 120


def _unmarked_lists(segs: list[Segment], unmarked: list[bool], lang: str) -> list[Segment]:
    """Lines that read as list items whose marker the file left out (a translator's sentence
    file often drops the bullets), two or more in a row: lines taken for headings (a heading
    is followed by running text, a list by its next item); lines after a lead-in (a line
    ending in ``:``, or in Japanese ``、``); in Japanese, lines before a closing tail
    (という…。). A Japanese item has no sentence end (。); an English one has no full stop,
    ends in a comma or starts in lower case (the list ends after such an item that ends in a
    full stop), or all the items are short whole sentences.

    >>> kinds = lambda texts, lang: [s.kind for s in _unmarked_lists(
    ...     [Segment(t, lang, "text") for t in texts], [True] * len(texts), lang)]
    >>> kinds(["次の点を挙げた:", "関税の引き下げ", "大豆の購入", "終わりだ。"], "ja")
    ['text', 'list', 'list', 'text']
    >>> kinds(["本文だ。", "期限の延長", "輸出の再開", "という内容だ。"], "ja")
    ['text', 'list', 'list', 'text']
    >>> kinds(["Two points:", "first, the price,", "then the date.", "More text"], "en")
    ['text', 'list', 'list', 'text']
    >>> kinds(["He listed two:", "They met.", "They talked.", "That matters a lot" * 9], "en")
    ['text', 'list', 'list', 'text']
    """
    out = list(segs)
    n = len(out)

    def item(k: int) -> str:
        """What line *k* reads as: ``""`` no list item, else ``fragment`` or (English)
        ``sentence``, a short whole sentence."""
        s = out[k]
        if not unmarked[k] or s.kind not in ("text", "heading") or not s.text:
            return ""
        body = s.text.rstrip(_CLOSERS + " \t\u3000")
        if body.endswith(_LEAD_END[lang]):
            return ""  # a lead-in starts a list of its own
        if lang == "ja":
            ok = not body.endswith(_SENTENCE_END) and not s.text.startswith(_TAIL_START)
            return "fragment" if ok else ""
        if not body.endswith(_SENTENCE_END) or body.endswith((",", ";")) or body[:1].islower():
            return "fragment"
        return "sentence" if len(s.text) <= _EN_ITEM_CHARS else ""

    def mark(k0: int, k1: int) -> None:
        if k1 - k0 >= 2:
            for i in range(k0, k1):
                out[i] = Segment(out[i].text, out[i].lang, "list")

    k = 0
    while k < n:  # headings in a row: a list of short items
        end = k
        while end < n and out[end].kind == "heading" and unmarked[end]:
            end += 1
        mark(k, end)
        k = max(end, k + 1)
    for k in range(n):
        s = out[k]
        if s.kind == "text" and s.text.rstrip().endswith(_LEAD_END[lang]):
            # the first item says what the items are: short sentences, or fragments
            first = item(k + 1) if k + 1 < n else ""
            e = k + 1
            while first and e < n and item(e) == first:
                e += 1
                if first == "fragment" and out[e - 1].text.rstrip(_CLOSERS).endswith("."):
                    break  # a fragment closing with a full stop closes the list
            mark(k + 1, e)
        if lang == "ja" and s.kind == "text" and s.text.startswith(_TAIL_START):
            b = k
            while b > 0 and out[b - 1].kind != "list" and item(b - 1):
                b -= 1
            mark(b, k)
    return out
