"""TMX 1.4b (LISA/GALA) reader and writer for Japanese–English translation units.

Reading streams with a safe parser (no entity expansion, no DTD or network access) and clears
each ``<tu>`` once read, so memory stays constant however large the file. Writing streams
plain text through :func:`exports.xmlutil.clean_xml_text`; the output validates against the
TMX 1.4b DTD. Unit metadata travels as ``<prop>`` elements: ``x-document``, ``x-position``,
``x-confidence`` and ``x-bead``; other props are kept by their ``type``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.pretranslated import PretranslatedDocument
from taiyaku.exports.numbers import parse_float, parse_int
from taiyaku.exports.xmlutil import (
    MAX_XML_DEPTH,
    clean_xml_text,
    depth_error,
    join_inline,
    utf8_stream,
)

__all__ = ["read", "write", "write_pretranslation", "lang_code", "NAME", "EXTENSIONS"]

NAME = "TMX 1.4b"
EXTENSIONS = (".tmx",)

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Inline codes whose content is native markup, not text (their tails are text); a <sub>
# inside one holds text again (a link's words, an image's caption), <hi> is text throughout.
_CODES = {"bpt", "ept", "ph", "it", "ut"}
_KNOWN_PROPS = {"x-document", "x-position", "x-confidence", "x-bead"}

#: ``skipped(line, reason, languages)`` is told about each ``<tu>`` that gives no unit:
#: *reason* ``"empty_side"`` (a Japanese or English ``<seg>`` is empty) or ``"not_ja_en"`` (no
#: Japanese or no English ``<tuv>``); *languages* are its ``xml:lang`` values as written
Skipped = Callable[[int | None, str, tuple[str, ...]], None]


def lang_code(tag: str) -> str:
    """The primary language subtag, lowercased: ``ja-JP`` → ``ja``, ``EN_us`` → ``en``.

    >>> lang_code("ja-JP"), lang_code("JA"), lang_code("en_US")
    ('ja', 'ja', 'en')
    """
    return tag.replace("_", "-").split("-")[0].strip().lower()


def _tmx_date_to_iso(value: str | None) -> str | None:
    # TMX dates are YYYYMMDDThhmmssZ; keep anything else as given.
    if value and len(value) == 16 and value[8] == "T" and value.endswith("Z"):
        v = value
        return f"{v[0:4]}-{v[4:6]}-{v[6:8]}T{v[9:11]}:{v[11:13]}:{v[13:15]}Z"
    return value or None


def _iso_to_tmx_date(value: str) -> str | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 14:
        return f"{digits[0:8]}T{digits[8:14]}Z"
    return None


def _refuse(name: str, what: str) -> ParseError:
    return ParseError(name, f"refused unsafe XML ({what} declarations and external "
                            "references are not allowed)")


class _Reader:
    """Expat handlers that turn the ``<tu>`` elements of a TMX stream into units.

    Building no element tree makes this about three times faster than ``iterparse``; the
    parser is made safe the way defusedxml makes it: entity declarations, unparsed entities
    and external references raise, parameter entities are never parsed.
    """

    def __init__(self, parser: Any, name: str, skipped: Skipped | None = None) -> None:
        self.parser = parser
        self.name = name
        self.skipped = skipped
        self.tu_line: int | None = None
        self.tu_langs: list[str] = []
        self.out: list[TMUnit] = []
        self.root_seen = False
        self.in_tu = False
        self.level = 0  # element depth in the document, bounded by MAX_XML_DEPTH
        self.depth = 0  # element depth inside the current <tu> (1 = its children)
        self.props: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.notes: list[str] = []  # every <note> of the <tu> and of its ja/en <tuv>s
        self.created: str | None = None
        self.lang: str | None = None  # language code of the <tuv> being read
        self.seg_done = False  # its first <seg> has been read
        self.in_seg = 0  # depth inside <seg> (0 = outside)
        self.keep: list[bool] = []  # inside <seg>: is each open element's text kept?
        # character data collected here; None marks a dropped inline code in a <seg>
        self.text: list[str | None] | None = None
        self.closed = False  # stop collecting (a child inside <prop> or <note>)
        self.ptype: str | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.level += 1
        if self.level > MAX_XML_DEPTH:
            raise depth_error(self.name, self.parser.CurrentLineNumber)
        if not self.root_seen:
            self.root_seen = True
            if tag != "tmx":
                raise ParseError(self.name,
                                 f"not a TMX file (root element <{tag}>, expected <tmx>)")
            return
        if not self.in_tu:
            if tag == "tu":
                self.in_tu, self.depth = True, 0
                self.props, self.texts, self.notes, self.lang = {}, {}, [], None
                self.created = attrs.get("creationdate")
                self.tu_line, self.tu_langs = self.parser.CurrentLineNumber, []
            return
        self.depth += 1
        if self.in_seg:
            self.in_seg += 1
            self.keep.append(False if tag in _CODES else True if tag == "sub" else self.keep[-1])
            return
        if self.depth == 1:
            if tag == "prop":
                self.ptype = attrs.get("type")
                self.text = []
            elif tag == "note":
                self.ptype = None
                self.text = []
            elif tag == "tuv":
                lang = attrs.get("xml:lang") or attrs.get("lang")
                if lang is None:
                    raise ParseError(self.name, "<tuv> without xml:lang",
                                     self.parser.CurrentLineNumber)
                self.lang, self.seg_done = lang_code(lang), False
                self.tu_langs.append(lang)
        elif self.depth == 2 and tag == "seg" and self.lang is not None and not self.seg_done:
            self.in_seg, self.keep = 1, [True]
            self.text = []
        elif self.depth == 2 and tag == "note" and self.lang in ("ja", "en"):
            self.text = []  # a note on the Japanese or English variant
        elif self.text is not None:
            self.closed = True  # <prop>/<note> text is only the text before a child element

    def end(self, tag: str) -> None:
        self.level -= 1
        if not self.in_tu:
            return
        if self.depth == 0:  # </tu>
            self.in_tu = False
            unit = self._unit()
            if unit is not None:
                self.out.append(unit)
            return
        self.depth -= 1
        if self.in_seg:
            self.in_seg -= 1
            assert self.text is not None
            if self.in_seg == 0:
                assert self.lang is not None
                self.texts.setdefault(self.lang, join_inline(self.text))
                self.seg_done = True
                self.text = None
            elif tag in _CODES:
                self.text.append(None)  # where the code stood, for join_inline
            self.keep.pop()
            return
        if self.depth == 1 and tag == "note" and self.text is not None:  # </note> of a <tuv>
            self.notes.append("".join(t for t in self.text if t is not None))
            self.text, self.closed = None, False
        elif self.depth == 0:
            if self.text is not None:
                text = "".join(t for t in self.text if t is not None)
                if tag == "prop" and self.ptype:
                    self.props[self.ptype] = text
                elif tag == "note":
                    self.notes.append(text)
            if tag == "tuv":
                self.lang = None
            self.text, self.closed = None, False

    def data(self, text: str) -> None:
        if self.text is not None and not self.closed and (not self.in_seg or self.keep[-1]):
            self.text.append(text)

    def _unit(self) -> TMUnit | None:
        texts, props = self.texts, self.props
        ja, en = texts.get("ja"), texts.get("en")
        if ja is None or en is None or not ja.strip() or not en.strip():
            if self.skipped is not None:
                reason = "not_ja_en" if ja is None or en is None else "empty_side"
                self.skipped(self.tu_line, reason, tuple(self.tu_langs))
            return None
        position = props.pop("x-position", None)
        confidence = props.pop("x-confidence", None)
        line = self.parser.CurrentLineNumber
        pos = (parse_int(position, name=self.name, line=line, field="x-position")
               if position not in (None, "") else None)
        conf = (parse_float(confidence, name=self.name, line=line, field="x-confidence")
                if confidence not in (None, "") else None)
        return TMUnit(
            ja=ja,
            en=en,
            document=props.pop("x-document", None) or None,
            position=pos,
            confidence=conf,
            bead=props.pop("x-bead", None) or None,
            created=_tmx_date_to_iso(self.created),
            note="\n".join(n for n in self.notes if n) or None,
            props=props,
        )


def read(fp: IO[bytes], name: str, *, skipped: Skipped | None = None) -> Iterator[TMUnit]:
    """Stream the Japanese–English units of a TMX file (other languages are ignored, units
    without both sides skipped and, when *skipped* is given, reported to it).

    The file is fed to expat in 1 MB blocks; memory holds one block's units at a time.

    :raises ParseError: not TMX, malformed, unsafe (entities, external references), or a
        ``<tuv>`` without ``xml:lang``

    >>> import io
    >>> data = (b'<tmx version="1.4"><header srclang="ja-JP"/><body><tu>'
    ...         b'<tuv xml:lang="JA"><seg>\\xe5\\xaf\\xbe\\xe8\\xa8\\xb3</seg></tuv>'
    ...         b'<tuv xml:lang="en-US"><seg>parallel text</seg></tuv></tu></body></tmx>')
    >>> [(u.ja, u.en) for u in read(io.BytesIO(data), "x.tmx")]
    [('対訳', 'parallel text')]
    """
    from xml.parsers import expat

    fp = utf8_stream(fp, name)  # expat itself reads no multi-byte encoding but UTF-8/16
    parser = expat.ParserCreate()
    reader = _Reader(parser, name, skipped)
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data

    def entity_decl(*_args: Any) -> None:
        raise _refuse(name, "EntitiesForbidden: entity")

    def unparsed_entity_decl(*_args: Any) -> None:
        raise _refuse(name, "EntitiesForbidden: unparsed entity")

    def external_ref(*_args: Any) -> int:
        raise _refuse(name, "ExternalReferenceForbidden: external entity")

    parser.EntityDeclHandler = entity_decl
    parser.UnparsedEntityDeclHandler = unparsed_entity_decl
    parser.ExternalEntityRefHandler = external_ref
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    while True:
        block = fp.read(1 << 20)
        try:
            parser.Parse(block, not block)
        except expat.ExpatError as e:
            msg = str(e).split(":")[0]
            raise ParseError(name, f"malformed XML ({msg})", e.lineno) from None
        except (LookupError, ValueError) as e:  # expat's own encoding refusals
            raise ParseError(name, f"unsupported XML encoding ({e})") from None
        if reader.out:
            yield from reader.out
            reader.out = []
        if not block:
            break
    if not reader.root_seen:
        raise ParseError(name, "empty file, expected a TMX document")


def _esc(text: str) -> str:
    text = clean_xml_text(text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def _attr(text: str) -> str:
    return '"' + _esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace(
        "\t", "&#9;") + '"'


def _prop(ptype: str, value: str, indent: str) -> str:
    return f"{indent}<prop type={_attr(ptype)}>{_esc(value)}</prop>\n"


def write(units: Iterable[TMUnit], fp: IO[bytes], *, meta: Mapping[str, str]) -> None:
    """Write *units* as TMX 1.4b (``srclang="ja"``, ``segtype="sentence"``, plaintext).

    :param meta: store signature (versions, normaliser, scorer …) written as header props;
        ``taiyaku_version`` becomes ``creationtoolversion``

    >>> import io
    >>> out = io.BytesIO()
    >>> write([TMUnit("対訳", "parallel text", document="a.txt", position=0)], out,
    ...       meta={"taiyaku_version": "0.1.0"})
    >>> b'<prop type="x-document">a.txt</prop>' in out.getvalue()
    True
    """
    version = meta.get("taiyaku_version", "unknown")
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n',
        '<tmx version="1.4">\n',
        f'  <header creationtool="taiyaku" creationtoolversion={_attr(version)} '
        'datatype="plaintext" segtype="sentence" adminlang="en" srclang="ja" '
        'o-tmf="taiyaku">\n',
    ]
    for key, value in sorted(meta.items()):
        head.append(_prop(f"x-taiyaku-{key}", value, "    "))
    head.append("  </header>\n  <body>\n")
    fp.write("".join(head).encode("utf-8"))
    buf: list[str] = []
    for u in units:
        created = _iso_to_tmx_date(u.created) if u.created else None
        buf.append(f'    <tu creationdate="{created}">\n' if created else "    <tu>\n")
        if u.note:
            buf.append(f"      <note>{_esc(u.note)}</note>\n")
        if u.document is not None:
            buf.append(_prop("x-document", u.document, "      "))
        if u.position is not None:
            buf.append(_prop("x-position", str(u.position), "      "))
        if u.confidence is not None:
            buf.append(_prop("x-confidence", repr(float(u.confidence)), "      "))
        if u.bead:
            buf.append(_prop("x-bead", u.bead, "      "))
        for key, value in u.props.items():
            if key not in _KNOWN_PROPS:
                buf.append(_prop(key, str(value), "      "))
        buf.append(f'      <tuv xml:lang="ja"><seg>{_esc(u.ja)}</seg></tuv>\n')
        buf.append(f'      <tuv xml:lang="en"><seg>{_esc(u.en)}</seg></tuv>\n    </tu>\n')
        if len(buf) > 2000:
            fp.write("".join(buf).encode("utf-8"))
            buf = []
    buf.append("  </body>\n</tmx>\n")
    fp.write("".join(buf).encode("utf-8"))


def write_pretranslation(doc: PretranslatedDocument, fp: IO[bytes], **_opts: Any) -> None:
    """The filled segments of a pre-translated document (source + target) as TMX 1.4b units,
    with their state and band as props."""
    from taiyaku.core.signature import static_meta

    units = []
    for s in doc.segments:
        if s.target is None:
            continue
        ja, en = (s.source, s.target) if doc.src_lang == "ja" else (s.target, s.source)
        units.append(TMUnit(ja=ja, en=en, document=doc.name, position=s.index,
                            props={"state": s.state, "band": s.band}))
    write(units, fp, meta=static_meta())
