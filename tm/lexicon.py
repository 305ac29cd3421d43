"""The built-in JA↔EN word list (``tm/data/lexicon.tsv``) for alignment anchors."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Lexicon", "load_lexicon", "en_stem", "parse_lexicon"]

_DATA = Path(__file__).parent / "data" / "lexicon.tsv"
_DENSE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u30a1-\u30fa\u30fc々〆ヶA-Za-z0-9]+")


def en_stem(word: str) -> str:
    """A light English stem: lower case, plural, -ed / -ing and final -e removed.

    >>> [en_stem(w) for w in ("Tariffs", "policies", "negotiated", "negotiate", "stemming")]
    ['tariff', 'policy', 'negotiat', 'negotiat', 'stem']
    """
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    n = len(w)
    if n > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif n > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        w = w[:-2]
    elif n > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] in "bdgmnprt":
        w = w[:-1]  # stemming → stemm → stem
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


@dataclass(slots=True)
class Lexicon:
    """Entries as (Japanese forms, English stem sequences), with lookup indexes.

    ``ja_sub`` maps kanji/katakana forms of two characters or more (matched inside compounds),
    ``ja_tok`` maps every form (matched against Sudachi tokens), ``en_uni`` and ``en_multi``
    map English stems and stem sequences to entry numbers; ``written`` holds each entry's
    English forms as the list writes them (the glossary offers them as suggestions).
    """

    entries: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    written: list[tuple[str, ...]] = field(default_factory=list)
    ja_sub: dict[str, list[int]] = field(default_factory=dict)
    ja_tok: dict[str, list[int]] = field(default_factory=dict)
    en_uni: dict[str, list[int]] = field(default_factory=dict)
    en_multi: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    max_sub: int = 1

    def ja_hits(self, text: str, forms: set[str]) -> set[int]:
        """Entries whose Japanese side occurs in *text* (*forms*: its token surfaces and
        normalized forms).

        >>> lx = parse_lexicon(["安全保障\\tsecurity", "述べる\\tsay|state"])
        >>> sorted(lx.ja_hits("日米安全保障条約について述べた", {"述べる", "述べ"}))
        [0, 1]
        """
        hits: set[int] = set()
        sub, mx = self.ja_sub, self.max_sub
        for m in _DENSE.finditer(text):
            run = m.group()
            n = len(run)
            for a in range(n - 1):
                for b in range(a + 2, min(n, a + mx) + 1):
                    ids = sub.get(run[a:b])
                    if ids:
                        hits.update(ids)
        tok = self.ja_tok
        for f in forms:
            ids = tok.get(f)
            if ids:
                hits.update(ids)
        return hits

    def en_hits(self, stems: list[str]) -> set[int]:
        """Entries whose English side occurs in a sentence given as its word stems.

        >>> lx = parse_lexicon(["首相\\tprime minister", "関税\\ttariff"])
        >>> sorted(lx.en_hits([en_stem(w) for w in "The Prime Minister cut tariffs".split()]))
        [0, 1]
        """
        hits: set[int] = set()
        uni, multi = self.en_uni, self.en_multi
        for k, s in enumerate(stems):
            ids = uni.get(s)
            if ids:
                hits.update(ids)
            if multi:
                for size in (2, 3):
                    ids = multi.get(tuple(stems[k : k + size]))
                    if ids:
                        hits.update(ids)
        return hits


#: English function words never used as lexicon anchors (too frequent to tell lines apart)
_EN_STOP = frozenset(
    "the a an and or of to in on at by for with from as is be it that this up out over under "
    "down into off so no not all each every some other another more most much many very just "
    "only still yet also too again then when while if but after before since about around here "
    "there what which who how its their his her they we you i he she us our my me him them than "
    "such both either neither was were are been ha had do doe did will would can could may might "
    "shall should must".split()
)

_EN_SPLIT = re.compile(r"[A-Za-z0-9]+(?:['’][a-z]+)?")


def en_stems(text: str) -> list[str]:
    """Stems of the words of an English text (hyphenated and dotted words split).

    >>> en_stems("U.S.-Japan security treaties")
    ['u', 's', 'japan', 'security', 'treaty']
    """
    return [_cached_stem(w) for w in _EN_SPLIT.findall(text)]


#: :func:`en_stem`, cached: the aligner stems every word of every English segment, and a
#: long document writes the same few thousand words hundreds of thousands of times
_cached_stem = functools.lru_cache(maxsize=1 << 16)(en_stem)


def parse_lexicon(lines: list[str]) -> Lexicon:
    """Build a :class:`Lexicon` from ``ja|ja<TAB>en|en`` lines (``#`` starts a comment)."""
    lx = Lexicon()
    for line in lines:
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        ja_part, en_part = line.rstrip("\n").split("\t", 1)
        ja_forms = tuple(f.strip() for f in ja_part.split("|") if f.strip())
        written = tuple(f.strip() for f in en_part.split("|") if f.strip())
        en_forms = [f for f in (tuple(en_stems(f)) for f in written) if f]
        if not ja_forms or not en_forms:
            continue
        n = len(lx.entries)
        lx.entries.append((ja_forms, tuple(" ".join(f) for f in en_forms)))
        lx.written.append(written)
        for f in ja_forms:
            lx.ja_tok.setdefault(f, []).append(n)
            if len(f) >= 2 and _DENSE.fullmatch(f):
                lx.ja_sub.setdefault(f, []).append(n)
                lx.max_sub = max(lx.max_sub, len(f))
        for stems in dict.fromkeys(en_forms):
            if len(stems) == 1:
                if len(stems[0]) >= 2 and stems[0] not in _EN_STOP:
                    lx.en_uni.setdefault(stems[0], []).append(n)
            else:
                lx.en_multi.setdefault(stems[:3], []).append(n)
    return lx


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read the built-in word list (or the one at *path*). The built-in one is parsed once per
    process and shared (no caller changes a Lexicon): parsing it costs about 50 ms of CPU,
    more than aligning a short article, which the workbench does on every upload.

    >>> len(load_lexicon().entries) > 1000
    True
    >>> load_lexicon() is load_lexicon()
    True
    """
    if path is None:
        return _builtin_lexicon()
    return parse_lexicon(path.read_text(encoding="utf-8").splitlines())


@functools.cache
def _builtin_lexicon() -> Lexicon:
    return parse_lexicon(_DATA.read_text(encoding="utf-8").splitlines())
