"""Generators of hostile and broken input files (all built at test time; nothing committed)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from .support import (
    TERMS,
    english_only_text,
    halves_text,
    japanese_only_text,
    sentence_pairs,
    tbx_text,
    tmx_text,
)

PNG_HEADER = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
              b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")


def write(folder: Path, name: str, data: bytes | str) -> Path:
    """Write *data* to folder/name and return the path."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def bilingual_bytes() -> bytes:
    """A small, valid bilingual article (halves layout), UTF-8."""
    return halves_text(12).encode("utf-8")


def png_bytes() -> bytes:
    """The start of a PNG image followed by junk."""
    return PNG_HEADER + bytes(range(256)) * 4


def zip_bytes() -> bytes:
    """A real zip archive holding a text file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("article.txt", halves_text(6))
    return buf.getvalue()


def truncated_utf8() -> bytes:
    """UTF-8 Japanese text cut in the middle of a character (and of the file)."""
    data = bilingual_bytes()
    cut = data.index("。".encode()) + 1  # first byte of the 3-byte '。'
    return data[: len(data) // 2] + data[cut - 3 : cut - 1] + b"\n" + data[len(data) // 2 :]


def mixed_encodings() -> bytes:
    """Two files pasted together: Japanese paragraphs half in UTF-8, half in Shift_JIS."""
    text = halves_text(16)
    ja, en = text.split("From the City Bulletin")
    paras = ja.split("\n\n")
    return ("\n\n".join(paras[:2]).encode() + b"\n\n" + "\n\n".join(paras[2:]).encode("cp932")
            + b"From the City Bulletin" + en.encode())


def mixed_encodings_short_utf8() -> bytes:
    """A Shift_JIS article with one short UTF-8 Japanese line (a pasted title)."""
    text = halves_text(8)
    ja, en = text.split("From the City Bulletin")
    return ja.encode("cp932") + "対訳\nFrom the City Bulletin".encode() + en.encode("utf-8")


def utf16_no_bom() -> bytes:
    """UTF-16-LE without a byte-order mark."""
    return halves_text(6).encode("utf-16-le")


def with_nul_bytes() -> bytes:
    """UTF-8 text with NUL bytes inside."""
    data = bilingual_bytes()
    return data[:200] + b"\x00\x00\x00" + data[200:]


def lone_surrogate() -> bytes:
    """UTF-8 text carrying an encoded lone surrogate (ED A0 80, CESU-8 style)."""
    data = bilingual_bytes()
    return data[:120] + b"\xed\xa0\x80" + data[120:]


def control_chars() -> bytes:
    """Text full of C0 control characters (a terminal dump or binary)."""
    line = "市の広報\x01\x02\x03 from the city\x07\x08\x1b[0m\x0e\x0f\n"
    return (line * 40).encode("utf-8")


def huge_line(size: int = 10 * 1024 * 1024) -> bytes:
    """One 10 MB line: a bilingual article with its newlines turned into spaces, repeated."""
    unit = halves_text(400).replace("\n", " ").encode()
    data = (unit * (size // len(unit) + 1))[:size]
    return data.decode("utf-8", errors="ignore").encode()


def tmx_valid(n: int = 20) -> str:
    """A small valid TMX."""
    return tmx_text(sentence_pairs(n, start=500))


def tmx_unknown_encoding() -> str:
    """A TMX whose XML declaration names an encoding that does not exist."""
    return tmx_valid(3).replace('encoding="UTF-8"', 'encoding="X-BOGUS-8"')


def tbx_unknown_encoding() -> str:
    """A TBX whose XML declaration names an encoding that does not exist."""
    return tbx_valid().replace('encoding="UTF-8"', 'encoding="X-BOGUS-8"')


def tmx_wrong_root() -> str:
    """Well-formed XML whose root is not <tmx>."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<html><body><tu><tuv xml:lang="ja"><seg>港湾'
            '</seg></tuv><tuv xml:lang="en"><seg>harbour</seg></tuv></tu></body></html>\n')


def tmx_missing_lang() -> str:
    """A TMX whose <tuv> elements carry no xml:lang."""
    return tmx_valid(5).replace(' xml:lang="ja"', "").replace(' xml:lang="en"', "")


def tmx_truncated() -> str:
    """A TMX cut off in the middle of a unit."""
    text = tmx_valid(40)
    return text[: int(len(text) * 0.6)]


def _laughs(root: str, inner: str) -> str:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    ]
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(ents) + "\n]>\n" + inner


def tmx_billion_laughs() -> str:
    """The billion-laughs entity expansion bomb, in a TMX."""
    return _laughs("tmx", '<tmx version="1.4"><header creationtool="x" creationtoolversion="1" '
                   'segtype="sentence" o-tmf="x" adminlang="en" srclang="ja" datatype="plaintext"/>'
                   '<body><tu><tuv xml:lang="ja"><seg>&lol9;</seg></tuv><tuv xml:lang="en">'
                   "<seg>laugh</seg></tuv></tu></body></tmx>\n")


def tmx_external_entity() -> str:
    """A TMX that pulls a local file into a segment (XXE)."""
    return ('<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            '<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence"'
            ' o-tmf="x" adminlang="en" srclang="ja" datatype="plaintext"/><body><tu>'
            '<tuv xml:lang="ja"><seg>&xxe;</seg></tuv><tuv xml:lang="en"><seg>leak</seg></tuv>'
            "</tu></body></tmx>\n")


def tmx_parameter_entity() -> str:
    """A TMX with an external parameter entity in its internal subset."""
    return ('<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY % remote SYSTEM '
            '"http://127.0.0.1:9/evil.dtd"> %remote;]>\n' + tmx_valid(3).split("\n", 2)[2])


def tbx_valid() -> str:
    """A small valid TBX v3 glossary."""
    return tbx_text([(f"{ja}{i}", f"{en} {i}") for i in range(3) for ja, en in TERMS])


def tbx_wrong_root() -> str:
    """Well-formed XML whose root is neither <tbx> nor <martif>."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<glossary><entry><ja>港湾計画</ja>'
            "<en>harbour plan</en></entry></glossary>\n")


def tbx_missing_lang() -> str:
    """A TBX whose langSec elements carry no xml:lang."""
    return tbx_valid().replace('<langSec xml:lang="ja">', "<langSec>").replace(
        '<langSec xml:lang="en">', "<langSec>")


def tbx_truncated() -> str:
    """A TBX cut off in the middle of an entry."""
    text = tbx_valid()
    return text[: int(len(text) * 0.55)]


def tbx_billion_laughs() -> str:
    """The billion-laughs bomb in a TBX."""
    return _laughs("tbx", '<tbx type="TBX-Basic" style="dca" xml:lang="en" '
                   'xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="c1">'
                   '<langSec xml:lang="ja"><termSec><term>&lol9;</term></termSec></langSec>'
                   "</conceptEntry></body></text></tbx>\n")


def tbx_deep_nesting(depth: int = 2000) -> str:
    """A 50 KB TBX whose concept holds *depth* nested <descripGrp> (issue 16.4)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tbx type="TBX-Basic" style="dca" '
            'xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="c1">'
            + "<descripGrp>" * depth + '<descrip type="definition">港湾</descrip>'
            + "</descripGrp>" * depth + '<langSec xml:lang="ja"><termSec><term>港湾計画</term>'
            "</termSec></langSec></conceptEntry></body></text></tbx>\n")


def tmx_deep_nesting(depth: int = 2000) -> str:
    """A TMX whose segment holds *depth* nested <hi> elements."""
    body = tmx_valid(2).split("<body>", 1)
    seg = ('<tu><tuv xml:lang="ja"><seg>' + "<hi>" * depth + "港湾" + "</hi>" * depth
           + '</seg></tuv><tuv xml:lang="en"><seg>harbour</seg></tuv></tu>')
    return body[0] + "<body>" + seg + body[1]


def tbx_external_entity() -> str:
    """A TBX that pulls a local file into a term (XXE)."""
    return ('<?xml version="1.0"?>\n<!DOCTYPE tbx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
            '<text><body><conceptEntry id="c1"><langSec xml:lang="ja"><termSec><term>&xxe;</term>'
            '</termSec></langSec><langSec xml:lang="en"><termSec><term>leak</term></termSec>'
            "</langSec></conceptEntry></body></text></tbx>\n")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A real XLSX (written with openpyxl) holding *rows*."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def glossary_rows() -> list[list[str]]:
    """A small glossary table with a plain header."""
    return [["ja", "en"]] + [[ja, en] for ja, en in TERMS]


def tm_rows() -> list[list[str]]:
    """A small TM table with a plain header."""
    return [["ja", "en"]] + [list(p) for p in sentence_pairs(10, start=700)]


def xlsx_truncated(rows: list[list[str]]) -> bytes:
    """A real XLSX cut to 60% of its bytes (the zip directory is lost)."""
    data = xlsx_bytes(rows)
    return data[: int(len(data) * 0.6)]


BOMB_SIZE = 1024 * 1024 * 1024  # uncompressed size of the bomb's sheet: 1 GiB


def xlsx_bomb(path: Path, rows: list[list[str]], size: int = BOMB_SIZE) -> Path:
    """Write a zip bomb dressed as XLSX: a real workbook whose sheet inflates to *size* bytes.

    The compressed file is a few MB; every member but the sheet is the real one.
    """
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = (row * ((1 << 20) // len(row) + 1))[: (1 << 20) // len(row) * len(row)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info.filename))
                continue
            sheet = src.read(info.filename)
            head, tail = sheet.split(b"</sheetData>") if b"</sheetData>" in sheet else (
                sheet.replace(b"<sheetData/>", b"<sheetData>"), b"")
            tail = b"</sheetData>" + tail
            with out.open(info.filename, "w", force_zip64=True) as fp:
                fp.write(head)
                written = len(head)
                while written < size:
                    fp.write(block)
                    written += len(block)
                fp.write(tail)
    return path


def csv_missing_columns() -> str:
    """A CSV whose header has none of the expected columns, rows of uneven length."""
    return "identifier,comment\n1\n2,港湾計画,harbour plan,extra\n"


def fake_xlsx() -> str:
    """A text file named .xlsx."""
    return "ja,en\n港湾計画,harbour plan\n"


def symlink_loop(folder: Path, name: str) -> Path:
    """A symbolic link pointing at itself (unreadable even for root)."""
    path = folder / name
    os.symlink(path.name, path)
    return path


def link_to_dev_full(folder: Path, name: str) -> Path:
    """*name* in *folder* as a symlink to ``/dev/full`` (every write fails with ENOSPC)."""
    path = folder / name
    os.symlink("/dev/full", path)
    return path


__all__ = [
    "bilingual_bytes", "control_chars", "csv_missing_columns", "english_only_text",
    "fake_xlsx", "glossary_rows", "huge_line", "japanese_only_text", "link_to_dev_full",
    "lone_surrogate", "mixed_encodings", "png_bytes", "symlink_loop", "tbx_billion_laughs",
    "tbx_external_entity", "tbx_missing_lang", "tbx_truncated", "tbx_valid", "tbx_wrong_root",
    "tm_rows", "tmx_billion_laughs", "tmx_external_entity", "tmx_missing_lang",
    "tmx_parameter_entity", "tmx_truncated", "tmx_valid", "tmx_wrong_root", "truncated_utf8",
    "utf16_no_bom", "with_nul_bytes", "write", "xlsx_bomb", "xlsx_bytes", "xlsx_truncated",
    "zip_bytes",
]
