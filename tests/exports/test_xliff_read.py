"""XLIFF reader: inline markup read as text (issue 15.9), notes, root refusals, nesting (16.4).

Fixtures are written here after the XLIFF 1.2 and 2.0 specifications' inline elements:
1.2 ``g`` / ``mrk`` (text), ``bpt`` / ``ept`` / ``ph`` / ``it`` (native code, with ``sub``
holding text), ``x`` / ``bx`` / ``ex`` (standalone); 2.0 ``pc`` / ``mrk`` (text), ``ph``,
``sc`` / ``ec``, ``sm`` / ``em`` (standalone).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from taiyaku.core.errors import ParseError
from taiyaku.exports import xliff
from taiyaku.exports.xmlutil import MAX_XML_DEPTH


def x12(source: str, target: str = "done", extra: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
            '<file original="ui.html" source-language="ja" target-language="en" '
            'datatype="html"><body>\n'
            f'<trans-unit id="1"><source>{source}</source><target state="translated">{target}'
            f'</target>{extra}</trans-unit>\n</body></file></xliff>\n').encode()


def x20(source: str, target: str = "done", extra: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="ja" '
            f'trgLang="en"><file id="f1"><unit id="u1">{extra}<segment state="final">'
            f'<source>{source}</source><target>{target}</target></segment></unit></file>'
            '</xliff>\n').encode()


def one(data: bytes, name: str = "ui.xlf") -> xliff.XliffSegment:
    [seg] = xliff.read(io.BytesIO(data), name)
    return seg


@pytest.mark.parametrize(("target", "expected"), [
    ('Click <ph id="1">&lt;a href="#"&gt;<sub>here</sub>&lt;/a&gt;</ph> to start.',
     "Click here to start."),
    ('Click <x id="1"/> to start.', "Click to start."),
    ('Press <g id="1" ctype="bold">Start</g> <bx id="2"/>now<ex id="3"/>.', "Press Start now."),
    ('<bpt id="1">&lt;b&gt;</bpt>Start<ept id="1">&lt;/b&gt;</ept> <it id="2" pos="open">'
     '&lt;i&gt;</it>now', "Start now"),
    ('Read the <mrk mtype="term">harbour plan</mrk>.', "Read the harbour plan."),
    ('<x id="1"/> Start <x id="2"/>', "Start"),
    # shared with the TM's XLIFF importer: Trados's deleted text and a ut's code are dropped
    ('Limit <mrk mtype="x-sdl-deleted">two</mrk> <mrk mtype="x-sdl-added">three</mrk> <ut>'
     '{\\b}</ut>items', "Limit three items"),
])
def test_xliff12_inline_text(target: str, expected: str) -> None:
    seg = one(x12("開始", target))
    assert seg.target == expected


@pytest.mark.parametrize(("target", "expected"), [
    ('Click <ph id="1"/> to <pc id="2">start</pc>.', "Click to start."),
    ('Press <sc id="1"/>Start<ec startRef="1"/> <sm id="m" type="term"/>now<em startRef="m"/>.',
     "Press Start now."),
    ('Read the <mrk id="m1" type="term">harbour plan</mrk>.', "Read the harbour plan."),
    ('<pc id="1"><pc id="2">nested</pc> text</pc>', "nested text"),
    # a code point XML cannot carry is its character; one text cannot hold is dropped
    ('Tab<cp hex="1F"/>stop <cp hex="DFFF"/> here', "Tab\x1fstop here"),
])
def test_xliff20_inline_text(target: str, expected: str) -> None:
    assert one(x20("開始", target)).target == expected


def test_source_and_candidates_are_read_the_same_way() -> None:
    alt = ('<alt-trans match-quality="85"><source>開始<x id="1"/>する</source>'
           '<target>Start <g id="1">now</g></target></alt-trans>')
    seg = one(x12('<g id="1">開始</g><x id="2"/>', "Start", alt))
    assert seg.source == "開始"
    assert (seg.candidates[0].source, seg.candidates[0].target) == ("開始する", "Start now")


def test_every_note_is_kept() -> None:
    seg = one(x12("港", "port", '<note from="pm">check</note><note>second note</note>'))
    assert seg.note == "check\nsecond note"
    seg2 = one(x20("港", "port", "<notes><note>one</note><note>two</note></notes>"))
    assert seg2.note == "one\ntwo"


def test_root_refusals_name_the_cause() -> None:
    with pytest.raises(ParseError, match=r"root element <xliff> is in the namespace urn:x; "):
        one(b'<xliff xmlns="urn:x" version="1.2"/>')
    with pytest.raises(ParseError, match=r"root element <tmx>\)"):
        one(b'<tmx version="1.4"/>')


@pytest.mark.parametrize(("make", "code", "pair"), [(x12, "x", "g"), (x20, "ph", "pc")])
def test_xliff_without_a_namespace_reads_like_the_namespaced_file(
        make: Callable[..., bytes], code: str, pair: str) -> None:
    data = make(f'開始<{code} id="1"/>する', f'Start <{pair} id="1">now</{pair}>')
    assert one(data).source == "開始する" and one(data).target == "Start now"
    bare = data.replace(b' xmlns="urn:oasis:names:tc:xliff:document:1.2"', b"").replace(
        b' xmlns="urn:oasis:names:tc:xliff:document:2.0"', b"")
    assert b"xmlns" not in bare
    assert one(bare) == one(data)


def test_deep_nesting_is_refused_in_one_line() -> None:
    deep = '<g id="1">' * 2000 + "x" + "</g>" * 2000
    with pytest.raises(ParseError) as err:
        one(x12(deep), "deep.xlf")
    message = str(err.value)
    assert message.startswith("deep.xlf: XML elements nested more than")
    assert f"at most {MAX_XML_DEPTH} levels" in message and "\n" not in message
