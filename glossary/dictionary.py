"""The optional bilingual dictionary (extra ``dict``): JMdict and JMnedict through ``jamdict``.

Installed with ``pip install 'taiyaku[dict]'`` (``jamdict`` + ``jamdict-data``, CC BY-SA, read
offline from the package's own SQLite file). Everything works without it:
:func:`open_dictionary` then returns None and callers fall back on the material alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["Dictionary", "open_dictionary", "clean_gloss"]

_PAREN = re.compile(r"\s*\([^)]*\)\s*")


def clean_gloss(text: str) -> str:
    """A JMdict gloss without its bracketed notes.

    >>> clean_gloss("soya bean (Glycine max)"), clean_gloss("(United States of) America")
    ('soya bean', 'America')
    >>> clean_gloss("the world")
    'world'

    """
    words = _PAREN.sub(" ", text).split()
    if len(words) > 1 and words[0].lower() in ("the", "a", "an"):
        words = words[1:]  # "the world" → "world": a part of a compound has no article
    return " ".join(words)


class Dictionary:
    """Look-ups in JMdict (words) and JMnedict (names), cached per word."""

    def __init__(self, jam: Any) -> None:
        self._jam = jam

    @lru_cache(maxsize=65536)  # noqa: B019 - one dictionary per run, cached look-ups
    def glosses(self, ja: str, senses: int = 2) -> tuple[str, ...]:
        """English glosses of a word (its first entry's first *senses* senses), best first;
        verbs' "to …" glosses left out (a term is a noun)."""
        if not ja.strip():
            return ()
        result = self._jam.lookup(ja, strict_lookup=True, lookup_chars=False)
        out: list[str] = []
        for entry in result.entries[:1]:
            for sense in entry.senses[:senses]:
                for g in sense.gloss:
                    text = clean_gloss(g.text)
                    if text and not text.startswith("to ") and text not in out:
                        out.append(text)
        return tuple(out)

    @lru_cache(maxsize=65536)  # noqa: B019 - as above
    def name(self, ja: str, places: bool = False) -> str | None:
        """The romanised full name JMnedict gives a person's name (習近平 → Xi Jinping), and
        with *places* a place's name too (深圳 → Shenzhen)."""
        if not ja.strip():
            return None
        result = self._jam.lookup(ja, strict_lookup=True, lookup_chars=False)
        for n in result.names:
            for t in n.senses:
                kinds = " ".join(str(k) for k in getattr(t, "name_type", []))
                if "person" in kinds or "full" in kinds or places and "place" in kinds:
                    return clean_gloss(t.gloss[0].text) if t.gloss else None
        return None


def open_dictionary() -> Dictionary | None:
    """The dictionary, or None when the ``dict`` extra is not installed (or its data is not)."""
    try:
        from jamdict import Jamdict  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        jam = Jamdict()
        jam.lookup("辞書", strict_lookup=True)  # the data package answers, or this raises
    except Exception:  # noqa: BLE001 - a broken optional install must not stop extraction
        return None
    return Dictionary(jam)
