"""TMX, TBX and XLIFF in any encoding Python's codecs know (issue 15.3), still parsed safely.

Every fixture is generated here: one small document per format, written in UTF-8 and then
re-encoded as Shift_JIS, EUC-JP, UTF-16 … with the XML declaration saying so, as Japanese
tools write them. Each must read to exactly the records of the UTF-8 original.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from click.testing import CliRunner
from taiyaku.core.errors import ParseError
from taiyaku.exports import tbx, tmx, xliff
from taiyaku.exports.xmlutil import utf8_stream

TMX = """<?xml version="1.0" encoding="{enc}"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence"
 o-tmf="t" adminlang="en" srclang="ja" datatype="plaintext"/><body>
<tu><note>港湾課の確認済み</note><tuv xml:lang="ja-JP"><seg>港湾計画を見直す。</seg></tuv>
<tuv xml:lang="en-US"><seg>The harbour plan will be reviewed.</seg></tuv></tu>
<tu><tuv xml:lang="ja-JP"><seg>水質検査は毎月行う。</seg></tuv>
<tuv xml:lang="en-US"><seg>Water quality tests are held monthly.</seg></tuv></tu>
</body></tmx>
"""

TBX = """<?xml version="1.0" encoding="{enc}"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<tbxHeader><fileDesc><sourceDesc><p>用語集</p></sourceDesc></fileDesc></tbxHeader>
<text><body><conceptEntry id="c3"><descrip type="definition">港の整備の計画</descrip>
<langSec xml:lang="ja"><termSec><term>港湾計画</term>
<termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec></langSec>
<langSec xml:lang="en"><termSec><term>harbour plan</term></termSec></langSec>
</conceptEntry></body></text></tbx>
"""

XLIFF12 = """<?xml version="1.0" encoding="{enc}"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file original="memo.txt" source-language="ja" target-language="en" datatype="plaintext">
<body><trans-unit id="1"><source>防災訓練を実施する。</source>
<target state="final">A disaster drill will be held.</target><note>総務課</note></trans-unit>
</body></file></xliff>
"""

XLIFF20 = """<?xml version="1.0" encoding="{enc}"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="ja" trgLang="en">
<file id="f1"><unit id="u1"><notes><note>漁協との調整</note></notes>
<segment state="final"><source>漁業協同組合と協議する。</source>
<target>We will consult the fishing cooperative.</target></segment></unit></file></xliff>
"""

READERS: dict[str, tuple[str, Callable[[IO[bytes], str], Iterator[Any]]]] = {
    "tmx": (TMX, tmx.read), "tbx": (TBX, tbx.read), "xliff12": (XLIFF12, xliff.read),
    "xliff20": (XLIFF20, xliff.read),
}

# (name in the declaration, Python codec used to write the bytes)
ENCODINGS = [
    ("Shift_JIS", "shift_jis"), ("shift_jis", "cp932"), ("Windows-31J", "cp932"),
    ("EUC-JP", "euc_jp"), ("euc-jp", "euc_jis_2004"), ("ISO-2022-JP", "iso2022_jp"),
    ("UTF-16", "utf-16"), ("UTF-16LE", "utf-16-le"), ("UTF-16BE", "utf-16-be"),
    ("UTF-32", "utf-32"), ("utf8", "utf-8"), ("UTF_8", "utf-8"),
]


def encoded(template: str, declared: str, codec: str) -> bytes:
    return template.format(enc=declared).encode(codec)


def records(fmt: str, data: bytes, name: str = "file") -> list[Any]:
    _, read = READERS[fmt]
    return list(read(io.BytesIO(data), name))


@pytest.mark.parametrize(("declared", "codec"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
@pytest.mark.parametrize("fmt", sorted(READERS))
def test_declared_encoding_reads_like_utf8(fmt: str, declared: str, codec: str) -> None:
    template, _ = READERS[fmt]
    expected = records(fmt, encoded(template, "UTF-8", "utf-8"))
    assert expected  # the fixture itself has records
    assert records(fmt, encoded(template, declared, codec)) == expected


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_windows_extensions_in_a_file_declared_shift_jis(fmt: str) -> None:
    """Windows writes CP932 (① ㈱ 髙) and calls it Shift_JIS; the strict codec lacks them."""
    template, _ = READERS[fmt]
    text = template.replace("港湾計画", "①港湾計画㈱髙").replace("防災訓練", "①防災訓練㈱髙")
    text = text.replace("漁業協同組合", "①漁業協同組合㈱髙")
    [first, *_] = records(fmt, text.format(enc="Shift_JIS").encode("cp932"))
    assert "①" in repr(first) and "㈱" in repr(first) and "髙" in repr(first)
    # EUC-JP files from Unix tools carry ① ㈱ in the NEC row that EUC-JIS-2004 shares
    euc = text.replace("髙", "")
    [first_euc, *_] = records(fmt, euc.format(enc="EUC-JP").encode("euc_jis_2004"))
    assert first_euc == records(fmt, euc.format(enc="UTF-8").encode("utf-8"))[0]


def test_multibyte_characters_split_across_read_blocks() -> None:
    """A Shift_JIS TMX of several MB: characters cut by the 1 MB read blocks still decode."""
    tu = ('<tu><tuv xml:lang="ja"><seg>第{n}回の港湾計画を見直す。</seg></tuv>'
          '<tuv xml:lang="en"><seg>Harbour plan review no. {n}.</seg></tuv></tu>\n')
    body = "".join(tu.format(n=n) for n in range(40_000))
    data = TMX.format(enc="Shift_JIS").replace("</body>", body + "</body>").encode("cp932")
    assert len(data) > 3 * (1 << 20)
    units = records("tmx", data)
    assert len(units) == 40_002
    assert units[-1].ja == "第39999回の港湾計画を見直す。"


@pytest.mark.parametrize("fmt", sorted(READERS))
@pytest.mark.parametrize("declared", ["X-BOGUS-8", "base64", "rot13", "undefined",
                                      "punycode"])
def test_unknown_or_non_text_encoding_is_one_line_naming_the_file(fmt: str,
                                                                  declared: str) -> None:
    template, _ = READERS[fmt]
    data = template.format(enc=declared).encode("utf-8")
    with pytest.raises(ParseError) as err:
        records(fmt, data, "client/memory.xml")
    message = str(err.value)
    assert message.startswith("client/memory.xml:")
    assert declared in message and "encoding" in message
    assert "\n" not in message


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_bytes_invalid_in_the_declared_encoding_are_refused(fmt: str) -> None:
    template, _ = READERS[fmt]
    data = encoded(template, "EUC-JP", "euc_jp")
    cut = data.index("港".encode("euc_jp") if fmt == "tmx" or fmt == "tbx" else b"</source>")
    data = data[:cut] + b"\xff\xfe\xff" + data[cut:]
    with pytest.raises(ParseError, match=r"^bad\.xml: not valid euc_jp text near byte \d+"):
        records(fmt, data, "bad.xml")


def test_declared_utf16_without_a_byte_order_mark_on_8bit_bytes_is_refused() -> None:
    with pytest.raises(ParseError, match="says UTF-16 but the file is written in an 8-bit"):
        records("tmx", encoded(TMX, "UTF-16", "utf-8"))


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "utf-16"])
@pytest.mark.parametrize("fmt", sorted(READERS))
def test_entity_attacks_are_still_refused_in_other_encodings(fmt: str, codec: str) -> None:
    """Transcoding happens before parsing: defusedxml's rules apply unchanged."""
    template, _ = READERS[fmt]
    declared = {"cp932": "Shift_JIS", "euc_jp": "EUC-JP", "utf-16": "UTF-16"}[codec]
    root = re.search(r"<(tmx|tbx|xliff)[ >]", template)
    assert root is not None
    laughs = (f'<!DOCTYPE {root.group(1)} [<!ENTITY a "港港港港"><!ENTITY b "&a;&a;&a;&a;">'
              '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
    text = template.format(enc=declared)
    text = re.sub(r"<!DOCTYPE[^>]*>\n", "", text)
    text = text.replace("?>\n", "?>\n" + laughs, 1).replace("港湾計画", "&b;&xxe;")
    text = text.replace("防災訓練", "&b;&xxe;").replace("漁業協同組合", "&b;&xxe;")
    with pytest.raises(ParseError, match="unsafe"):
        records(fmt, text.encode(codec))


def test_utf8_stream_passes_utf8_through_unchanged() -> None:
    data = encoded(TMX, "UTF-8", "utf-8")
    assert utf8_stream(io.BytesIO(data), "a.tmx").read() == data
    bom = b"\xef\xbb\xbf" + data
    assert utf8_stream(io.BytesIO(bom), "a.tmx").read() == bom


def test_utf8_stream_rewrites_the_declaration() -> None:
    out = utf8_stream(io.BytesIO(encoded(TBX, "EUC-JP", "euc_jp")), "g.tbx").read()
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "港湾計画".encode() in out


def test_tm_import_and_terms_import_of_japanese_encodings(tmp_path: Path) -> None:
    """Through the CLI: a Shift_JIS TMX and an EUC-JP TBX import like UTF-8 ones."""
    from taiyaku.cli import cli

    memory = tmp_path / "memory.tmx"
    memory.write_bytes(encoded(TMX, "Shift_JIS", "cp932"))
    glossary = tmp_path / "glossary.tbx"
    glossary.write_bytes(encoded(TBX, "EUC-JP", "euc_jp"))
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["tm", "import", str(memory), "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 units added" in result.output
    result = runner.invoke(cli, ["terms", "import", str(glossary), "--db", db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["terms", "search", "港湾計画", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    assert "harbour plan" in result.output
