"""TMX 1.4b reader and writer: language variants, inline codes, errors, DTD validity, round trip."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.exports import tmx


def tmx_bytes(body: str, root: str = "tmx") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><{root} version="1.4">'
            f'<header srclang="ja-JP" creationtool="t" creationtoolversion="1" segtype="sentence"'
            f' o-tmf="t" adminlang="en" datatype="plaintext"/><body>{body}</body></{root}>'
            ).encode()


@pytest.mark.parametrize(("ja_tag", "en_tag"), [("ja", "en"), ("ja-JP", "en-US"), ("JA", "EN-gb"),
                                                ("ja_JP", "en_US")])
def test_language_variants_are_mapped(ja_tag: str, en_tag: str) -> None:
    data = tmx_bytes(f'<tu><tuv xml:lang="{en_tag}"><seg>river</seg></tuv>'
                     f'<tuv xml:lang="{ja_tag}"><seg>川</seg></tuv></tu>')
    assert [(u.ja, u.en) for u in tmx.read(io.BytesIO(data), "a.tmx")] == [("川", "river")]


def test_props_inline_codes_and_other_languages() -> None:
    data = tmx_bytes(
        '<tu creationdate="20230405T060708Z"><prop type="x-document">memo.txt</prop>'
        '<prop type="x-position">4</prop><prop type="x-confidence">0.5</prop>'
        '<prop type="x-bead">2-1</prop><prop type="client">Kawa</prop><note>checked</note>'
        '<tuv xml:lang="fr"><seg>fleuve</seg></tuv>'
        '<tuv xml:lang="ja"><seg>大きな<bpt i="1">&lt;b&gt;</bpt>川<ept i="1">&lt;/b&gt;</ept>'
        '<ph>&lt;br/&gt;</ph>だ</seg></tuv><tuv xml:lang="en"><seg>A <hi>big</hi> river</seg></tuv>'
        '</tu><tu><tuv xml:lang="ja"><seg>片方だけ</seg></tuv></tu>'
    )
    units = list(tmx.read(io.BytesIO(data), "a.tmx"))
    assert units == [TMUnit(ja="大きな川だ", en="A big river", document="memo.txt", position=4,
                            confidence=0.5, bead="2-1", created="2023-04-05T06:07:08Z",
                            note="checked", props={"client": "Kawa"})]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (tmx_bytes('<tu><tuv><seg>川</seg></tuv></tu>'), "without xml:lang"),
        (tmx_bytes("", root="xliff"), "not a TMX file"),
        (b"<tmx><body><tu>", "malformed XML"),
        (b"", "malformed XML"),
        (b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
         b'<tmx version="1.4"><header/><body><tu><tuv xml:lang="ja"><seg>&b;</seg></tuv>'
         b'</tu></body></tmx>', "unsafe"),
        (b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
         b'<tmx version="1.4"><header/><body><tu><tuv xml:lang="ja"><seg>&x;</seg></tuv>'
         b'</tu></body></tmx>', "unsafe"),
    ],
)
def test_bad_files_raise_one_line_parse_error(data: bytes, problem: str) -> None:
    with pytest.raises(ParseError) as exc:
        list(tmx.read(io.BytesIO(data), "bad.tmx"))
    message = str(exc.value)
    assert message.startswith("bad.tmx") and problem in message and "\n" not in message


UNITS = [
    TMUnit("対訳＆<記号>", 'Parallel "text" & <tags>', document="a.txt", position=0,
           confidence=0.875, bead="1-1", created="2024-01-02T03:04:05Z", props={"x-k": "v"}),
    TMUnit("改行\nを含む\x01文", "line\r\nbreak", document="b.txt", position=3, confidence=1.0,
           bead="2-1", created="2024-01-02T03:04:05Z", note="a note"),
]


def written(units: list[TMUnit]) -> bytes:
    out = io.BytesIO()
    tmx.write(units, out, meta={"taiyaku_version": "9.9", "normalizer": "n/v1"})
    return out.getvalue()


def test_write_then_read_keeps_text_and_properties() -> None:
    back = list(tmx.read(io.BytesIO(written(UNITS)), "rt.tmx"))
    assert back[0] == UNITS[0]
    assert back[1].ja == "改行\nを含む文"  # the control character cannot travel in XML
    assert back[1].en == "line\r\nbreak"
    assert (back[1].note, back[1].bead, back[1].position) == ("a note", "2-1", 3)


def test_header_carries_the_required_attributes() -> None:
    head = written([]).decode()
    for attr in ('creationtool="taiyaku"', 'creationtoolversion="9.9"', 'segtype="sentence"',
                 'srclang="ja"', 'o-tmf=', 'adminlang=', 'datatype="plaintext"'):
        assert attr in head
    assert '<prop type="x-taiyaku-normalizer">n/v1</prop>' in head


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1).filter(lambda s: s.strip()), st.text(min_size=1).filter(str.strip))
def test_round_trip_arbitrary_text(ja: str, en: str) -> None:
    from taiyaku.exports.xmlutil import clean_xml_text

    ja_c, en_c = clean_xml_text(ja), clean_xml_text(en)
    back = list(tmx.read(io.BytesIO(written([TMUnit(ja, en)])), "h.tmx"))
    if ja_c.strip() and en_c.strip():
        assert [(u.ja, u.en) for u in back] == [(ja_c, en_c)]
    else:
        assert back == []


def test_export_validates_against_the_dtd(shared: Path, tmp_path: Path) -> None:
    path = tmp_path / "out.tmx"
    path.write_bytes(written(UNITS))
    proc = subprocess.run([sys.executable, str(shared / "tools" / "validate_tmx.py"), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "VALID" in proc.stdout


def test_nested_codes_legacy_lang_and_first_variant_wins() -> None:
    data = tmx_bytes(
        '<tu><prop type="empty"></prop>'
        '<tuv lang="JA"><seg>前<bpt i="1">{<sub>脚注</sub>}</bpt>後<hi>強<ph>x</ph>調</hi></seg>'
        '</tuv><tuv xml:lang="ja-JP"><seg>二番目</seg></tuv>'
        '<tuv xml:lang="en"><seg>before <ut>raw</ut>after</seg><seg>extra seg</seg></tuv></tu>'
    )
    [unit] = tmx.read(io.BytesIO(data), "a.tmx")
    # a <sub> inside a code is text (issue 15.9); the code's own content is not
    assert (unit.ja, unit.en, unit.props) == ("前脚注後強調", "before after", {"empty": ""})


def test_units_across_read_blocks_and_line_of_a_bad_tuv() -> None:
    many = "".join(f'<tu><tuv xml:lang="ja"><seg>川{i}</seg></tuv>'
                   f'<tuv xml:lang="en"><seg>river {i}</seg></tuv></tu>\n' for i in range(30_000))
    units = list(tmx.read(io.BytesIO(tmx_bytes(many)), "big.tmx"))  # > 1 MB: several blocks
    assert len(units) == 30_000 and units[-1].ja == "川29999" and units[-1].en == "river 29999"
    bad = tmx_bytes('<tu>\n<tuv xml:lang="ja"><seg>川</seg></tuv>\n<tuv><seg>x</seg></tuv></tu>')
    with pytest.raises(ParseError) as info:
        list(tmx.read(io.BytesIO(bad), "bad.tmx"))
    assert info.value.line == 3 and "xml:lang" in str(info.value)


def test_unknown_encoding_is_a_parse_error() -> None:
    data = b'<?xml version="1.0" encoding="x-no-such"?><tmx version="1.4"><body/></tmx>'
    with pytest.raises(ParseError, match="encoding"):
        list(tmx.read(io.BytesIO(data), "enc.tmx"))


# -- issue 15.9: inline codes, notes, duplicates ------------------------------------------------
def one_tu(ja: str, en: str, extra: str = "") -> bytes:
    return tmx_bytes(f'<tu>{extra}<tuv xml:lang="ja"><seg>{ja}</seg></tuv>'
                     f'<tuv xml:lang="en"><seg>{en}</seg></tuv></tu>')


@pytest.mark.parametrize(("en", "expected"), [
    ("Click <ph><sub>here</sub></ph> to start.", "Click here to start."),
    ('Click <ph x="1">&lt;a href="#"&gt;<sub>here</sub>&lt;/a&gt;</ph> to start.',
     "Click here to start."),
    ('Click <ph x="1">&lt;img src="go.png"/&gt;</ph> to start.', "Click to start."),
    ('<bpt i="1">&lt;b&gt;</bpt>Click<ept i="1">&lt;/b&gt;</ept> <ph>&lt;br/&gt;</ph> now',
     "Click now"),
    ('<ph>&lt;icon/&gt;</ph> Start <it pos="end">&lt;/i&gt;</it>', "Start"),
    ("Press <hi type=\"b\">Start</hi> <ut>{\\b}</ut> twice", "Press Start twice"),
    ("keep  two  spaces <ph>x</ph>", "keep  two  spaces"),
])
def test_sub_and_hi_text_is_kept_codes_leave_no_double_space(en: str, expected: str) -> None:
    [unit] = tmx.read(io.BytesIO(one_tu("開始", en)), "codes.tmx")
    assert unit.en == expected


def test_every_note_is_kept_in_order() -> None:
    data = one_tu("港湾", "harbour",
                  "<note>first note</note><prop type=\"client\">K</prop><note>second</note>")
    data = data.replace(b'<tuv xml:lang="ja">', b'<tuv xml:lang="ja"><note>on the ja side</note>')
    data = data.replace(b'<tuv xml:lang="en">', b'<tuv xml:lang="en"><note>on the en side</note>')
    [unit] = tmx.read(io.BytesIO(data), "notes.tmx")
    assert unit.note == "first note\nsecond\non the ja side\non the en side"
    assert unit.props == {"client": "K"}


def test_notes_of_another_language_and_empty_notes_are_left_out() -> None:
    data = tmx_bytes('<tu><note></note><tuv xml:lang="fr"><note>français</note><seg>port</seg>'
                     '</tuv><tuv xml:lang="ja"><seg>港</seg></tuv><tuv xml:lang="en"><seg>port'
                     '</seg></tuv></tu>')
    [unit] = tmx.read(io.BytesIO(data), "notes.tmx")
    assert unit.note is None


def test_notes_reach_the_store_and_the_export(tmp_path: Path) -> None:
    """Every note survives tm import → store → tm export → read."""
    from taiyaku.store import open_store
    from taiyaku.tm.tmio import export_tm, import_tm

    src = tmp_path / "in.tmx"
    src.write_bytes(one_tu("港湾", "harbour", "<note>checked</note><note>by the office</note>"))
    store = open_store(str(tmp_path / "t.db"))
    import_tm(store, src)
    out = tmp_path / "out.tmx"
    export_tm(store, out)
    [unit] = tmx.read(io.BytesIO(out.read_bytes()), "out.tmx")
    assert unit.note == "checked\nby the office"


def test_units_that_differ_only_in_tags_are_counted_as_duplicates(tmp_path: Path) -> None:
    """Markup is dropped, so two TUs that differ only in inline codes become one unit; the
    import says so in its duplicate count (README, File formats)."""
    from taiyaku.store import open_store
    from taiyaku.tm.tmio import import_tm

    body = ('<tu><tuv xml:lang="ja"><seg>開始する</seg></tuv><tuv xml:lang="en"><seg>'
            '<bpt i="1">&lt;b&gt;</bpt>Start<ept i="1">&lt;/b&gt;</ept></seg></tuv></tu>'
            '<tu><tuv xml:lang="ja"><seg>開始する</seg></tuv><tuv xml:lang="en"><seg>'
            '<ph>&lt;icon/&gt;</ph>Start</seg></tuv></tu>')
    src = tmp_path / "tags.tmx"
    src.write_bytes(tmx_bytes(body))
    result = import_tm(open_store(str(tmp_path / "t.db")), src)
    assert (result.read, result.added, result.duplicates) == (2, 1, 1)


# -- issue 16.4: deep nesting ------------------------------------------------------------------
@pytest.mark.parametrize("where", ["seg", "body"])
def test_deep_nesting_is_refused_with_the_limit(where: str) -> None:
    from taiyaku.exports.xmlutil import MAX_XML_DEPTH

    deep = "<hi>" * 2000 + "川" + "</hi>" * 2000
    if where == "seg":
        data = one_tu(deep, "river")
    else:
        data = tmx_bytes("<tu>" * 2000 + "</tu>" * 2000)
    with pytest.raises(ParseError) as err:
        list(tmx.read(io.BytesIO(data), "deep.tmx"))
    message = str(err.value)
    assert message.startswith("deep.tmx:1: XML elements nested more than")
    assert f"at most {MAX_XML_DEPTH} levels" in message
