"""The single home of the Sudachi tokenizer: build one :class:`Analyzer` and pass it down."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

from taiyaku.core.errors import DependencyError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Token", "Analyzer", "katakana_to_hiragana", "hiragana_to_katakana"]

INSTALL_HINT = (
    "the Japanese tokenizer is missing: run `pip install sudachipy sudachidict-core` "
    "(taiyaku needs the Sudachi core dictionary)"
)


class Token(NamedTuple):
    """One Sudachi morpheme (a named tuple, immutable like the frozen records: a frozen
    dataclass sets each field through ``object.__setattr__``, which took twice as long, and
    extracting terms from a TM of 100,000 units makes some three million tokens).

    :ivar surface: text as written
    :ivar pos: part of speech, 6 levels (名詞, 普通名詞, 一般, *, *, *)
    :ivar normalized: Sudachi's normalized form (表記ゆれ unified)
    :ivar reading: reading in katakana
    :ivar begin: character offset in the analysed text
    """

    surface: str
    pos: tuple[str, ...]
    normalized: str
    reading: str
    begin: int

    @property
    def end(self) -> int:
        """Offset just after the token."""
        return self.begin + len(self.surface)


_DICTIONARY: list[Any] = []
_DICTIONARY_LOCK = threading.Lock()


def _dictionary() -> Any:
    """Sudachi's core dictionary, loaded once per process (about 60 ms) and shared: each
    Analyzer makes its own tokenizer from it (a tokenizer is not for two threads at once, the
    dictionary is read-only). A long-running process such as the workbench makes an Analyzer
    per request.

    :raises DependencyError: sudachipy or its dictionary is not installed

    >>> _dictionary() is _dictionary()
    True
    """
    with _DICTIONARY_LOCK:
        if not _DICTIONARY:
            try:
                from sudachipy import Dictionary
            except ImportError as e:  # pragma: no cover - depends on the environment
                raise DependencyError(INSTALL_HINT) from e
            try:
                _DICTIONARY.append(Dictionary(dict="core"))
            except Exception as e:  # pragma: no cover - sudachipy raises plain exceptions
                raise DependencyError(f"{INSTALL_HINT} ({e})") from e
        return _DICTIONARY[0]


class Analyzer:
    """Sudachi in split mode C (longest units), created once.

    The dictionary loads on the first call, so building an Analyzer is cheap and a missing
    dictionary fails where it is needed, with an install hint.

    >>> a = Analyzer()
    >>> [t.surface for t in a.tokenize("台湾有事の際")]
    ['台湾', '有事', 'の', '際']
    """

    def __init__(self, mode: str = "C") -> None:
        self.mode = mode
        self._tok: Any = None
        self._dict: Any = None
        self._pos: dict[int, tuple[str, ...]] = {}

    def _tokenizer(self) -> Any:
        if self._tok is None:
            from sudachipy import SplitMode

            self._dict = _dictionary()
            mode = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[self.mode]
            self._tok = self._dict.tokenizer(mode=mode)
        return self._tok

    def tokenize(self, text: str) -> list[Token]:
        """Tokenize *text* (any length; long text is fed to Sudachi line by line)."""
        return list(self.iter_tokens(text))

    def iter_tokens(self, text: str) -> Iterator[Token]:
        """Yield tokens with offsets into *text*."""
        tok = self._tokenizer()
        offset = 0
        # Sudachi refuses inputs over ~49k bytes; lines are far shorter.
        for line in text.split("\n"):
            # Sudachi takes UTF-8: a lone surrogate (only possible in text built in memory,
            # never in a decoded file) becomes U+FFFD, keeping offsets unchanged.
            line = _SURROGATES.sub("\ufffd", line)
            if line.strip():
                for chunk_start in range(0, len(line), 4000):
                    chunk = line[chunk_start : chunk_start + 4000]
                    for m in tok.tokenize(chunk):
                        yield Token(
                            m.surface(),
                            tuple(m.part_of_speech()),
                            m.normalized_form(),
                            m.reading_form(),
                            offset + chunk_start + m.begin(),
                        )
            offset += len(line) + 1

    def words(self, text: str) -> Iterator[tuple[str, tuple[str, ...], str, str]]:
        """(surface, part of speech, normalized form, reading) of each token of *text*: the
        fields of :meth:`iter_tokens` but the offset, for callers that need none (the
        aligner reads every Japanese segment of a long document: a plain tuple, and a part
        of speech looked up by its id, cost less than a Token).

        >>> [(w[0], w[1][:2]) for w in Analyzer().words("台湾有事")]
        [('台湾', ('名詞', '固有名詞')), ('有事', ('名詞', '普通名詞'))]
        """
        tok = self._tokenizer()
        pos_of = self._pos
        for line in text.split("\n"):
            line = _SURROGATES.sub("\ufffd", line)  # as in iter_tokens
            if line.strip():
                for chunk_start in range(0, len(line), 4000):
                    for m in tok.tokenize(line[chunk_start : chunk_start + 4000]):
                        pid = m.part_of_speech_id()
                        pos = pos_of.get(pid)
                        if pos is None:
                            pos = pos_of[pid] = tuple(m.part_of_speech())
                        yield m.surface(), pos, m.normalized_form(), m.reading_form()

    def reading(self, text: str) -> str:
        """Reading of *text* in katakana (tokens without a reading keep their surface)."""
        return "".join(t.reading or t.surface for t in self.iter_tokens(text))


_KATA_START, _KATA_END = 0x30A1, 0x30F6
_SURROGATES = re.compile("[\ud800-\udfff]")
#: str.translate tables (a join over a generator took a microsecond a character)
_TO_HIRAGANA = {c: c - 0x60 for c in range(_KATA_START, _KATA_END + 1)}
_TO_KATAKANA = {c - 0x60: c for c in range(_KATA_START, _KATA_END + 1)}


def katakana_to_hiragana(text: str) -> str:
    """Katakana to hiragana; other characters unchanged.

    >>> katakana_to_hiragana("センリャク")
    'せんりゃく'
    """
    return text.translate(_TO_HIRAGANA)


def hiragana_to_katakana(text: str) -> str:
    """Hiragana to katakana; other characters unchanged.

    >>> hiragana_to_katakana("せんりゃく")
    'センリャク'
    """
    return text.translate(_TO_KATAKANA)
