"""The ASCII shortcut of :func:`taiyaku.core.normalize.normalize` gives what every step gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taiyaku.core.normalize import _normalize_full, normalize

# every ASCII character, control characters and the separators \x1c-\x1f (which str.split
# and \s treat as whitespace) included
ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=60)


@settings(max_examples=400, deadline=None)
@given(ASCII)
def test_ascii_shortcut_equals_full_normalisation(text: str) -> None:
    assert text.isascii()
    assert normalize(text) == _normalize_full(text)


def test_ascii_shortcut_on_whitespace_runs() -> None:
    text = "\t Rare  earths\r\n\x0b\x0cmagnets\x1c\x1d\x1e\x1f end \x85"[:-2]
    assert normalize(text) == _normalize_full(text) == "Rare earths magnets end"


def test_non_ascii_still_fully_normalised() -> None:
    # one non-ASCII character anywhere takes the full path: NFKC, quotes, Japanese spaces
    assert normalize("“ＡＩ”  投資 ブーム ") == '"AI" 投資ブーム'
