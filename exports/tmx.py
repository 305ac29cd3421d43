"""TMX 1.4b (LISA/GALA) reader and writer for Japanese–English translation units.

Reading streams with a safe parser (no entity expansion, no DTD or network access) and clears
each ``<tu>`` once read, so memory stays constant however large the file. Writing streams
plain text through :func:`exports.xmlutil.clean_xml_text`; the output validates against the
TMX 1.4b DTD. Unit metadata travels as ``<prop>`` elements: ``x-document``, ``x-position``,
``x-confidence`` and ``x-bead``; other props are kept by their ``type``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from exports.xmlutil import clean_xml_text, safe_iterparse
from tm.errors import ParseError
from tm.model import TMUnit

__all__ = ["read", "write", "lang_code", "NAME", "EXTENSIONS"]

NAME = "TMX 1.4b"
EXTENSIONS = (".tmx",)

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Inline codes whose content is native markup, not text (their tails are text).
_CODES = {"bpt", "ept", "ph", "it", "ut"}
_KNOWN_PROPS = {"x-document", "x-position", "x-confidence", "x-bead"}


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


def _seg_text(seg: Any) -> str:
    parts = [seg.text or ""]
    for child in seg:
        tag = child.tag
        if tag not in _CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _unit_of(tu: Any, name: str, line: int | None) -> TMUnit | None:
    texts: dict[str, str] = {}
    props: dict[str, str] = {}
    note: str | None = None
    for child in tu:
        if child.tag == "prop":
            ptype = child.get("type")
            if ptype:
                props[ptype] = child.text or ""
        elif child.tag == "note":
            note = child.text or ""
        elif child.tag == "tuv":
            lang = child.get(_XML_LANG)
            if lang is None:
                lang = child.get("lang")  # TMX 1.1 spelling
            if lang is None:
                raise ParseError(name, "<tuv> without xml:lang", line)
            seg = child.find("seg")
            code = lang_code(lang)
            if seg is not None and code not in texts:
                texts[code] = _seg_text(seg)
    ja, en = texts.get("ja"), texts.get("en")
    if ja is None or en is None or not ja.strip() or not en.strip():
        return None
    position = props.pop("x-position", None)
    confidence = props.pop("x-confidence", None)
    try:
        pos = int(position) if position not in (None, "") else None
        conf = float(confidence) if confidence not in (None, "") else None
    except ValueError:
        raise ParseError(name, "x-position / x-confidence prop is not a number", line) from None
    return TMUnit(
        ja=ja,
        en=en,
        document=props.pop("x-document", None) or None,
        position=pos,
        confidence=conf,
        bead=props.pop("x-bead", None) or None,
        created=_tmx_date_to_iso(tu.get("creationdate")),
        note=note,
        props=props,
    )


def read(fp: IO[bytes], name: str) -> Iterator[TMUnit]:
    """Stream the Japanese–English units of a TMX file (other languages are ignored, units
    without both sides skipped).

    :raises ParseError: not TMX, malformed, unsafe (entities, external references), or a
        ``<tuv>`` without ``xml:lang``

    >>> import io
    >>> data = (b'<tmx version="1.4"><header srclang="ja-JP"/><body><tu>'
    ...         b'<tuv xml:lang="JA"><seg>\\xe5\\xaf\\xbe\\xe8\\xa8\\xb3</seg></tuv>'
    ...         b'<tuv xml:lang="en-US"><seg>parallel text</seg></tuv></tu></body></tmx>')
    >>> [(u.ja, u.en) for u in read(io.BytesIO(data), "x.tmx")]
    [('対訳', 'parallel text')]
    """
    root_seen = False
    body: Any = None
    depth_in_tu = 0
    for event, elem in safe_iterparse(fp, name):
        tag = elem.tag
        if event == "start":
            if not root_seen:
                root_seen = True
                if tag != "tmx":
                    raise ParseError(name, f"not a TMX file (root element <{tag}>, expected <tmx>)")
            elif tag == "body":
                body = elem
            elif tag == "tu":
                depth_in_tu += 1
            continue
        if tag == "tu":
            depth_in_tu -= 1
            unit = _unit_of(elem, name, None)
            # Drop the parsed <tu> so memory does not grow with the file.
            if body is not None:
                body.clear()
            else:
                elem.clear()
            if unit is not None:
                yield unit
        elif tag == "header" and depth_in_tu == 0:
            elem.clear()
    if not root_seen:
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
