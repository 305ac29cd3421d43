"""A small streaming XML writer for the TBX and XLIFF modules: escaped, cleaned, indented."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from taiyaku.exports.xmlutil import clean_xml_text

__all__ = ["XmlWriter", "escape_text", "escape_attr"]

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def escape_text(text: str) -> str:
    """Clean and escape element text; a carriage return survives as ``&#13;`` (a parser would
    otherwise turn it into a newline).

    >>> escape_text("a<b\\x01 & c\\r")
    'a&lt;b &amp; c&#13;'
    """
    return clean_xml_text(text).translate(_TEXT)


def escape_attr(text: str) -> str:
    """Clean and escape an attribute value (quotes, tabs and newlines as references).

    >>> escape_attr('say "hi"\\n')
    'say &quot;hi&quot;&#10;'
    """
    return clean_xml_text(text).translate(_ATTR)


class XmlWriter:
    """Write UTF-8 XML to a binary file element by element, indenting element-only content.

    Text-bearing elements are written whole with :meth:`leaf`, so no whitespace is ever added
    inside text.

    >>> import io
    >>> buf = io.BytesIO()
    >>> w = XmlWriter(buf)
    >>> w.start("a", {"x": "1"}); w.leaf("b", "t&t"); w.end("a"); w.close()
    >>> buf.getvalue().decode()
    '<?xml version="1.0" encoding="UTF-8"?>\\n<a x="1">\\n  <b>t&amp;t</b>\\n</a>\\n'
    """

    def __init__(self, fp: IO[bytes], *, indent: str = "  ") -> None:
        self._fp = fp
        self._indent = indent
        self._depth = 0
        self._parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        self._size = 0

    @staticmethod
    def _attrs(attrs: dict[str, str | None] | Iterable[tuple[str, str | None]] | None) -> str:
        if not attrs:
            return ""
        items = attrs.items() if isinstance(attrs, dict) else attrs
        return "".join(f' {k}="{escape_attr(v)}"' for k, v in items if v is not None)

    def _put(self, s: str) -> None:
        self._parts.append(s)
        self._size += len(s)
        if self._size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        """Send buffered text to the file."""
        self._fp.write("".join(self._parts).encode("utf-8"))
        self._parts.clear()
        self._size = 0

    def start(self, tag: str, attrs: dict[str, str | None] | None = None) -> None:
        """Open an element whose content is other elements."""
        self._put(f"{self._indent * self._depth}<{tag}{self._attrs(attrs)}>\n")
        self._depth += 1

    def end(self, tag: str) -> None:
        """Close the element opened last."""
        self._depth -= 1
        self._put(f"{self._indent * self._depth}</{tag}>\n")

    def leaf(self, tag: str, text: str | None = None,
             attrs: dict[str, str | None] | None = None) -> None:
        """Write ``<tag attrs>text</tag>`` (or an empty element) on one line."""
        pad = self._indent * self._depth
        if text is None or text == "":
            self._put(f"{pad}<{tag}{self._attrs(attrs)}/>\n")
        else:
            self._put(f"{pad}<{tag}{self._attrs(attrs)}>{escape_text(text)}</{tag}>\n")

    def pi(self, markup: str) -> None:
        """Write a processing instruction (``<?target data?>``, already checked) on its own
        line, indented like an element."""
        self._put(f"{self._indent * self._depth}{markup}\n")

    def raw(self, text: str) -> None:
        """Write already-escaped markup (comments, processing instructions)."""
        self._put(text)

    def close(self) -> None:
        """Flush everything written so far."""
        self.flush()
