"""XML helpers shared by the TMX, TBX and XLIFF modules: clean text in, safe parsing out.

Reading goes through three guards, whichever parser a format uses:

- :func:`utf8_stream` turns a file in any encoding Python's codecs know (Shift_JIS, EUC-JP,
  UTF-16 …, as the XML declaration or byte-order mark says) into UTF-8 with the declaration
  rewritten, because expat itself reads only UTF-8, UTF-16, ISO-8859-1 and ASCII and refuses
  multi-byte encodings;
- entity declarations and external references are refused (defusedxml's settings);
- elements nested deeper than :data:`MAX_XML_DEPTH` are refused, so no reader's recursion
  (or a tree built for it) can be driven into a ``RecursionError``.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, MutableMapping
from typing import IO, Any

from taiyaku.core.errors import ParseError

__all__ = ["clean_xml_text", "safe_iterparse", "utf8_stream", "depth_error", "join_inline",
           "inline_text", "local_name", "namespace_uri", "normalize_space", "MAX_XML_BYTES",
           "MAX_XML_DEPTH"]

#: refuse XML files larger than this (a 1M-unit TMX is ~300 MB)
MAX_XML_BYTES = 2 * 1024 * 1024 * 1024
#: deepest element nesting a reader accepts; TBX needs about 10 levels, XLIFF with nested
#: inline codes a few dozen
MAX_XML_DEPTH = 256

# Characters XML 1.0 forbids: C0 controls except tab/newline/CR, lone surrogates, U+FFFE/FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_xml_text(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry (ElementTree would write them unescaped).

    >>> clean_xml_text("a\\x01b\\x0bc\\td")
    'abc\\td'
    """
    return _ILLEGAL_XML.sub("", text)


def depth_error(name: str, line: int | None = None) -> ParseError:
    """The error for a document nested deeper than :data:`MAX_XML_DEPTH`."""
    return ParseError(name, f"XML elements nested more than {MAX_XML_DEPTH} levels deep "
                            f"(taiyaku reads at most {MAX_XML_DEPTH} levels)", line)


# -- encodings ---------------------------------------------------------------------------------
_DECL = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_DECL_TEXT = re.compile(r"\A(\ufeff?<\?xml\s[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
# names Java and IANA use that Python's codec registry lacks
_ALIASES = {"windows-31j": "cp932", "x-sjis": "shift_jis", "x-euc-jp": "euc_jp",
            "extended_unix_code_packed_format_for_japanese": "euc_jp",
            "cseucpkdfmtjapanese": "euc_jp", "x-windows-949": "cp949"}
# Bytes the declared Japanese codec lacks are tried with the vendor superset the file was
# most likely written with (Windows writes "Shift_JIS" for CP932: ①, ㈱, NEC/IBM kanji).
_FALLBACK = {"shift_jis": "cp932", "euc_jp": "euc_jis_2004"}
# names expat reads itself; any other name (even "utf8") is transcoded and rewritten
_NATIVE = {"utf-8", "us-ascii", "iso-8859-1"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_NO_BOM = ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
           (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))


def _jis_fallback(e: UnicodeError) -> tuple[str, int]:
    if isinstance(e, UnicodeDecodeError) and e.encoding in _FALLBACK:
        for size in (2, 3):
            try:
                text = bytes(e.object[e.start:e.start + size]).decode(_FALLBACK[e.encoding])
            except UnicodeDecodeError:
                continue
            return text, e.start + size
    raise e


codecs.register_error("taiyaku-jis-fallback", _jis_fallback)


def _sniff(head: bytes, name: str) -> str | None:
    """The codec to transcode with, or ``None`` when expat reads the bytes as they are."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return None if codec == "utf-8" else codec
    for start, codec in _NO_BOM:
        if head.startswith(start):
            return codec
    m = _DECL.match(head)
    if m is None:
        return None  # no declaration: UTF-8 by the XML rule
    declared = m.group(1).decode("ascii", "replace").strip()
    try:
        info = codecs.lookup(_ALIASES.get(declared.lower(), declared))
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ParseError(name, f"unknown encoding {declared!r} in the XML declaration "
                               "(use UTF-8, or an encoding such as Shift_JIS or EUC-JP)", 1)
    if info.name.startswith(("utf-16", "utf-32")):
        raise ParseError(name, f"the XML declaration says {declared} but the file is written "
                               "in an 8-bit encoding (no byte-order mark)", 1)
    return None if declared.lower() in _NATIVE else info.name


def head_text(head: bytes) -> str:
    """The first bytes of an XML file as text, for sniffing its root element: decoded as the
    byte-order mark, the UTF-16/32 byte pattern or the XML declaration says (the same
    choice the readers make), undecodable or cut-off bytes dropped, never an error.

    >>> head_text('<?xml version="1.0" encoding="Shift_JIS"?><tmx>'.encode("shift_jis"))
    '<?xml version="1.0" encoding="Shift_JIS"?><tmx>'
    >>> head_text("<tbx/>".encode("utf-16"))
    '<tbx/>'
    """
    try:
        codec = _sniff(head, "") or "utf-8"
    except ParseError:  # an unknown declared encoding: the reader will say so
        codec = "utf-8"
    return head.decode(codec, errors="ignore").lstrip("\ufeff")


class _Transcoder(io.RawIOBase):
    """A read-only byte stream: the source decoded with *codec* and re-encoded as UTF-8,
    the XML declaration's ``encoding`` rewritten to ``UTF-8``."""

    def __init__(self, raw: IO[bytes], head: bytes, codec: str, name: str) -> None:
        self.raw, self.codec, self.name = raw, codec, name
        errors = "taiyaku-jis-fallback" if codec in _FALLBACK else "strict"
        self.decoder = codecs.getincrementaldecoder(codec)(errors=errors)
        self.pending = head
        self.out = b""
        self.offset = 0  # bytes of the source decoded so far
        self.first = True
        self.eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.out and not self.eof:
            self._fill()
        n = min(len(buffer), len(self.out))
        buffer[:n] = self.out[:n]
        self.out = self.out[n:]
        return n

    def _fill(self) -> None:
        block = self.pending or self.raw.read(1 << 20)
        self.pending = b""
        final = not block
        try:
            text = self.decoder.decode(block, final)
        except UnicodeDecodeError as e:
            where = self.offset + max(0, e.start)
            raise ParseError(self.name, f"not valid {self.codec} text near byte {where} (the "
                                        "encoding the XML declaration or byte-order mark "
                                        "names)") from None
        except UnicodeError as e:  # codecs such as "undefined" or "punycode" fail otherwise
            raise ParseError(self.name, f"cannot decode the file as {self.codec}, the encoding "
                                        f"its XML declaration names ({e})") from None
        self.offset += len(block)
        if self.first and text:
            self.first = False
            text = _DECL_TEXT.sub(r"\1\2UTF-8\2", text.lstrip("\ufeff"), count=1)
        self.out = text.encode("utf-8")
        self.eof = final


def utf8_stream(fp: IO[bytes], name: str) -> IO[bytes]:
    """*fp* as UTF-8 XML: unchanged when it is UTF-8, ASCII or Latin-1 already, else decoded
    with the codec its byte-order mark or XML declaration names and re-encoded.

    :raises ParseError: an encoding Python does not know, or bytes invalid in it

    >>> import io
    >>> data = '<?xml version="1.0" encoding="Shift_JIS"?><a>港湾</a>'.encode("cp932")
    >>> utf8_stream(io.BytesIO(data), "x.xml").read().decode("utf-8")
    '<?xml version="1.0" encoding="UTF-8"?><a>港湾</a>'
    """
    head = fp.read(4096)
    codec = _sniff(head, name)
    if codec is None:
        return io.BufferedReader(_Chain(head, fp), 1 << 16)
    return io.BufferedReader(_Transcoder(fp, head, codec, name), 1 << 16)


class _Chain(io.RawIOBase):
    """The bytes already read for sniffing, then the rest of the file."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self.head, self.raw = head, raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.raw.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


# -- text --------------------------------------------------------------------------------------
def join_inline(pieces: Iterable[str | None]) -> str:
    """Join the text pieces of a segment whose inline codes were dropped (``None`` marks
    where a code stood), so a removed code leaves no double space and no space at an edge.

    >>> join_inline(["Click ", None, " to start."]), join_inline([None, " Go ", None])
    ('Click to start.', 'Go')
    >>> join_inline(["a", None, "b", None]), join_inline(["  keep  ", "this"])
    ('ab', '  keep  this')
    """
    out: list[str] = []
    last = ""  # the last character written
    gap = False  # a dropped code stands between *last* and the next piece
    for piece in pieces:
        if piece is None:
            gap = True
            continue
        if not piece:
            continue
        if gap and (last == "" or last.isspace()):
            piece = piece.lstrip(" \t")
            if not piece:
                continue
        gap = False
        out.append(piece)
        last = piece[-1]
    text = "".join(out)
    if gap:
        text = text.rstrip(" \t")
    return text


def local_name(tag: Any) -> str:
    """An ElementTree tag without its ``{uri}``; ``""`` for a comment or processing
    instruction (whose tag is a function).

    >>> local_name("{urn:oasis:names:tc:xliff:document:2.0}unit"), local_name("martif")
    ('unit', 'martif')
    """
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace_uri(tag: str) -> str:
    """The namespace URI of an ElementTree tag, ``""`` when it has none."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


# XLIFF inline elements whose content is the original format's code, not text (1.2 ``bpt``,
# ``ept``, ``ph``, ``it``, ``ut``; a ``sub`` inside holds text again)
_NATIVE_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})
# empty XLIFF codes and markers (1.2 ``x``/``bx``/``ex``, 2.x ``ph``/``sc``/``ec``/``sm``/``em``)
_STANDALONE = frozenset({"x", "bx", "ex", "sc", "ec", "sm", "em"})


def _code_point(hex_value: str | None) -> str | None:
    """The character of an XLIFF 2 ``<cp hex>``, or None when it names none that text can
    hold (a lone surrogate would fail when the text is encoded as UTF-8)."""
    try:
        value = int(hex_value or "", 16)
    except ValueError:
        return None
    if not 0 < value <= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return None
    return chr(value)


def inline_text(elem: Any | None) -> str:
    """The text of an XLIFF ``source``/``target`` (1.2 or 2.x, any CAT tool's flavour) with
    its inline markup flattened: the text of paired codes and markers (``g``, ``mrk``,
    ``pc``) and of ``sub`` is kept; the native code inside ``bpt``/``ept``/``ph``/``it``/``ut``
    and text Trados marks as deleted in tracked changes (``mrk mtype="x-sdl-deleted"``) are
    dropped, as are standalone codes, without leaving a double space (:func:`join_inline`);
    ``<cp hex>`` becomes its character. Iterative, so no nesting depth can overflow the stack.

    >>> import xml.etree.ElementTree as ET
    >>> inline_text(ET.fromstring('<t>Click <bpt id="1">&lt;b&gt;</bpt>here<ept id="1">&lt;/b'
    ...                           '&gt;</ept> <ph>{1<sub>note</sub>}</ph> <x id="2"/> now.</t>'))
    'Click here note now.'
    >>> inline_text(ET.fromstring('<t>to <mrk mtype="x-sdl-deleted">two</mrk> three'
    ...                           '<cp hex="1"/></t>'))
    'to three\\x01'
    """
    if elem is None:
        return ""
    pieces: list[str | None] = []
    # (element, its text is kept) pairs to enter, or a string/None to emit, in reverse order
    todo: list[Any] = [(elem, True)]
    while todo:
        item = todo.pop()
        if not isinstance(item, tuple):
            pieces.append(item)
            continue
        node, keep = item
        if keep and node.text:
            pieces.append(node.text)
        for child in reversed(list(node)):
            local = local_name(child.tag)
            if keep and child.tail:
                todo.append(child.tail)
            if local == "cp":
                char = _code_point(child.get("hex")) if keep else None
                todo.append(char)  # the character, or None: a dropped code for join_inline
                continue
            if local == "mrk" and child.get("mtype") == "x-sdl-deleted":
                todo.append(None)  # deleted text, with any sub inside it: none is entered
                continue
            if local in _NATIVE_CODES or local in _STANDALONE:
                todo.append(None)  # where the code stood, for join_inline
            child_keep = (False if local in _NATIVE_CODES else True if local == "sub"
                          else keep)
            todo.append((child, child_keep))
    return join_inline(pieces)


_SPACE_RUN = re.compile(r"\s+")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def normalize_space(text: str) -> str:
    """Collapse whitespace the way a reader sees text that a tool indented or wrapped: runs
    become one space, ends are stripped, and a line break between two Japanese (wide)
    characters disappears, since Japanese puts no space between words.

    >>> normalize_space("  A group of stars\\n\\t\\t\\tin a galaxy. ")
    'A group of stars in a galaxy.'
    >>> normalize_space("銀河の\\n        渦状腕")
    '銀河の渦状腕'
    """
    def sub(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if "\n" in m.group() and before and after and _is_wide(before) and _is_wide(after):
            return ""
        return " "
    return _SPACE_RUN.sub(sub, text).strip()


# -- parsing -----------------------------------------------------------------------------------
def safe_iterparse(
    fp: IO[bytes], name: str, events: tuple[str, ...] = ("start", "end"), *,
    lines: MutableMapping[Any, int] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Stream-parse XML with defusedxml: DTD declarations are tolerated (TMX files carry a
    DOCTYPE), entity declarations and external references are refused; any encoding Python
    knows is read (see :func:`utf8_stream`); nesting deeper than :data:`MAX_XML_DEPTH` is
    refused.

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
    wanted = set(events)
    depth = 0
    try:
        # start/end are always parsed (the depth limit needs them); other events asked for
        # ("pi", "comment", …) pass through without counting as an element's end
        parsed = ("start", "end", *(e for e in events if e not in ("start", "end")))
        for event, elem in DET.iterparse(
            utf8_stream(fp, name), events=parsed, parser=parser, forbid_dtd=False,
            forbid_entities=True, forbid_external=True,
        ):
            if event == "start":
                depth += 1
                if depth > MAX_XML_DEPTH:
                    raise depth_error(name, None if lines is None else lines.get(elem))
            elif event == "end":
                depth -= 1
            if event in wanted:
                yield event, elem
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
