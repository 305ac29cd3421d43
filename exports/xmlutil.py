"""XML helpers shared by the TMX, TBX and XLIFF modules: clean text in, safe parsing out."""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from typing import IO, Any

from tm.errors import ParseError

__all__ = ["clean_xml_text", "safe_iterparse", "MAX_XML_BYTES"]

#: refuse XML files larger than this (a 1M-unit TMX is ~300 MB)
MAX_XML_BYTES = 2 * 1024 * 1024 * 1024

# Characters XML 1.0 forbids: C0 controls except tab/newline/CR, lone surrogates, U+FFFE/FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_xml_text(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry (ElementTree would write them unescaped).

    >>> clean_xml_text("a\\x01b\\x0bc\\td")
    'abc\\td'
    """
    return _ILLEGAL_XML.sub("", text)


def safe_iterparse(
    fp: IO[bytes], name: str, events: tuple[str, ...] = ("start", "end"), *,
    lines: MutableMapping[Any, int] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Stream-parse XML with defusedxml: DTD declarations are tolerated (TMX files carry a
    DOCTYPE), entity declarations and external references are refused.

    Errors become :class:`ParseError` naming *name* and the line.

    :param lines: when given (e.g. a :class:`weakref.WeakKeyDictionary`), every element is
        recorded in it with the line of its start tag, for error messages

    >>> import io, weakref
    >>> where = weakref.WeakKeyDictionary()
    >>> [(e.tag, where[e]) for ev, e in safe_iterparse(io.BytesIO(b"<a>\\n<b/></a>"), "x.xml",
    ...                                                   ("start",), lines=where)]
    [('a', 1), ('b', 2)]
    """
    from xml.etree.ElementTree import ParseError as ETParseError

    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    parser = None if lines is None else _line_parser(lines)
    try:
        yield from DET.iterparse(
            fp, events=events, parser=parser, forbid_dtd=False, forbid_entities=True,
            forbid_external=True,
        )
    except DefusedXmlException as e:
        raise ParseError(name, f"refused unsafe XML ({type(e).__name__}: entity or external "
                               "reference declarations are not allowed)") from None
    except (LookupError, ValueError) as e:
        # expat raises these for an unknown or unsupported encoding declaration
        raise ParseError(name, f"cannot read the XML declaration's encoding ({e})") from None
    except ETParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        msg = str(e).split(":")[0]
        raise ParseError(name, f"malformed XML ({msg})", line) from None


def _line_parser(lines: MutableMapping[Any, int]) -> Any:
    """A defusedxml parser (same safety settings) whose tree builder notes each element's line."""
    from xml.etree.ElementTree import TreeBuilder

    import defusedxml.ElementTree as DET

    class _LineBuilder(TreeBuilder):
        expat: Any = None

        def start(self, tag: Any, attrs: Any) -> Any:
            elem = super().start(tag, attrs)
            lines[elem] = self.expat.CurrentLineNumber
            return elem

    builder = _LineBuilder()
    parser = DET.DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True,
                                  forbid_external=True)
    builder.expat = parser.parser
    return parser
