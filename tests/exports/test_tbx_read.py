"""TBX reader: v3 DCA and DCT styles read alike (issue 15.7), namespaced roots and refusals
that name their cause (15.8), whitespace of other tools' files (15.9), deep nesting (16.4).

The two fixtures below are one small harbour-administration glossary written twice by hand
from ISO 30042:2019 and the TBX-Basic dialect: once in the DCA style (core elements with a
``type``), once in the DCT style (data categories as elements of the TBX-Min and
TBX-Basic module namespaces). Both validate with ``../shared/tools/validate_tbx.py``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest
from taiyaku.core.errors import ParseError
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import tbx
from taiyaku.exports.xmlutil import MAX_XML_DEPTH

XML_MODEL = ('<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX_Core_RNG/'
             'master/TBXcoreStructV03.rng" type="application/xml" '
             'schematypens="http://relaxng.org/ns/structure/1.0"?>')
DCA = """<?xml version="1.0" encoding="UTF-8"?>
XML_MODEL
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader>
    <fileDesc><sourceDesc><p>Harbour office glossary</p></sourceDesc></fileDesc>
  </tbxHeader>
  <text>
    <body>
      <conceptEntry id="c1">
        <descrip type="subjectField">harbour administration</descrip>
        <descripGrp>
          <descrip type="definition">A plan that sets out how a port and
            its waters will be developed, used and kept.</descrip>
          <admin type="source">Port and Harbour Act</admin>
        </descripGrp>
        <note>Checked by the harbour office.</note>
        <langSec xml:lang="ja">
          <termSec>
            <term>港湾計画</term>
            <termNote type="partOfSpeech">noun</termNote>
            <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
            <descripGrp>
              <descrip type="context">県は港湾計画の
                改訂を公表した。</descrip>
              <admin type="source">prefectural bulletin</admin>
            </descripGrp>
          </termSec>
        </langSec>
        <langSec xml:lang="en">
          <termSec>
            <term>harbour plan</term>
            <termNote type="partOfSpeech">noun</termNote>
            <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          </termSec>
          <termSec>
            <term>port plan</term>
            <termNote type="termType">variant</termNote>
            <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
            <note>Used in older
              reports.</note>
          </termSec>
          <termSec>
            <term>harbor scheme</term>
            <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>
          </termSec>
        </langSec>
      </conceptEntry>
      <conceptEntry id="c2">
        <langSec xml:lang="ja">
          <termSec>
            <term>一般輸出許可</term>
            <termNote type="partOfSpeech">noun</termNote>
            <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
          </termSec>
        </langSec>
        <langSec xml:lang="en">
          <descripGrp>
            <descrip type="definition">A licence that covers many shipments of
              listed goods to one destination.</descrip>
          </descripGrp>
          <termSec>
            <term>general export license</term>
            <termNote type="partOfSpeech">noun</termNote>
            <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
          </termSec>
          <termSec>
            <term>GEL</term>
            <termNote type="termType">abbreviation</termNote>
          </termSec>
        </langSec>
      </conceptEntry>
    </body>
  </text>
</tbx>
""".replace("XML_MODEL", XML_MODEL)

# The same glossary in the DCT style: TBX-Min's categories (partOfSpeech,
# administrativeStatus, subjectField) in its namespace, TBX-Basic's in its own.
DCT = (
    DCA.replace('style="dca"', 'style="dct"')
    .replace('href="https://raw.githubusercontent.com/LTAC-Global/TBX_Core_RNG/master/'
             'TBXcoreStructV03.rng" type="application/xml" schematypens="http://relaxng.org/'
             'ns/structure/1.0"',
             'href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/'
             'DCT/TBX-Basic.nvdl" type="application/xml" schematypens="http://purl.oclc.org/'
             'dsdl/nvdl/ns/structure/1.0"')
    .replace('xmlns="urn:iso:std:iso:30042:ed-2">',
             'xmlns="urn:iso:std:iso:30042:ed-2" xmlns:min="http://www.tbxinfo.net/ns/min"'
             ' xmlns:basic="http://www.tbxinfo.net/ns/basic">')
    .replace('<descrip type="subjectField">', "<min:subjectField>")
    .replace("</descrip>\n        <descripGrp>", "</min:subjectField>\n        <descripGrp>")
)
for _cat, _prefix, _elem in (("partOfSpeech", "min", "termNote"),
                             ("administrativeStatus", "min", "termNote"),
                             ("termType", "basic", "termNote"),
                             ("definition", "basic", "descrip"),
                             ("context", "basic", "descrip"),
                             ("source", "basic", "admin")):
    _parts = DCT.split(f'<{_elem} type="{_cat}">')
    DCT = _parts[0] + "".join(
        f"<{_prefix}:{_cat}>" + p.replace(f"</{_elem}>", f"</{_prefix}:{_cat}>", 1)
        for p in _parts[1:])


EXPECTED = [
    TermEntry(
        ja=(TermForm("港湾計画", "ja"),),
        en=(TermForm("harbour plan", "en"), TermForm("port plan", "en", kind="variant",
                                                      status="candidate"),
            TermForm("harbor scheme", "en", kind="synonym", status="forbidden")),
        id=1, status="approved", pos="noun",
        note="Checked by the harbour office.\nUsed in older reports.",
        definition="A plan that sets out how a port and its waters will be developed, used "
                   "and kept.",
        context="県は港湾計画の改訂を公表した。",
        sources=("Port and Harbour Act", "prefectural bulletin"), origin="import"),
    TermEntry(
        ja=(TermForm("一般輸出許可", "ja"),),
        en=(TermForm("general export license", "en"),
            TermForm("GEL", "en", kind="abbreviation", status=None)),
        id=2, status="candidate", pos="noun",
        definition="A licence that covers many shipments of listed goods to one destination.",
        origin="import"),
]


def read(data: str | bytes, name: str = "glossary.tbx") -> list[TermEntry]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(tbx.read(io.BytesIO(raw), name))


def test_fixtures_differ_only_in_style() -> None:
    assert "TBX-Basic.nvdl" in DCT
    assert "<basic:definition>" in DCT and "<min:partOfSpeech>" in DCT
    assert 'type="definition"' not in DCT and 'type="partOfSpeech"' not in DCT
    assert "<min:subjectField>harbour administration</min:subjectField>" in DCT


@pytest.mark.parametrize("style", ["dca", "dct"])
def test_style_reads_fully(style: str) -> None:
    assert read(DCA if style == "dca" else DCT) == EXPECTED


def test_dca_and_dct_read_to_the_same_records() -> None:
    assert read(DCT) == read(DCA)


def test_dct_in_the_basic_namespace_only() -> None:
    """Some writers put every category in TBX-Basic's namespace (``basic:partOfSpeech``)."""
    assert read(DCT.replace("min:", "basic:").replace(
        ' xmlns:min="http://www.tbxinfo.net/ns/min"', "")) == EXPECTED


@pytest.mark.parametrize("style", ["dca", "dct"])
def test_fixtures_are_valid_tbx_basic(style: str, shared: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("lxml") is None or importlib.util.find_spec(
            "elementpath") is None:
        pytest.skip("the TBX validator needs lxml and elementpath")
    path = tmp_path / f"{style}.tbx"
    path.write_text(DCA if style == "dca" else DCT, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(shared / "tools" / "validate_tbx.py"),
                           str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- roots and namespaces (15.8) ----------------------------------------------------------------
MARTIF = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en"{ns}>
<martifHeader><fileDesc><sourceDesc><p>exported</p></sourceDesc></fileDesc></martifHeader>
<text><body><termEntry id="c5"><descrip type="definition">plan of a port</descrip>
<langSet xml:lang="ja"><tig><term>港湾計画</term>
<termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig></langSet>
<langSet xml:lang="en"><tig><term>harbour plan</term></tig></langSet></termEntry></body></text>
</martif>
"""


@pytest.mark.parametrize("ns", ["urn:iso:std:iso:30042:ed-2", "urn:iso:std:iso:30042:ed-1"])
def test_namespaced_martif_reads_like_a_plain_one(ns: str) -> None:
    plain = read(MARTIF.format(ns=""))
    assert plain[0].definition == "plan of a port" and plain[0].status == "approved"
    assert read(MARTIF.format(ns=f' xmlns="{ns}"')) == plain


def test_v3_tbx_without_namespace_reads() -> None:
    assert read(DCA.replace(' xmlns="urn:iso:std:iso:30042:ed-2"', "")) == EXPECTED


def test_root_in_a_foreign_namespace_names_the_namespace() -> None:
    with pytest.raises(ParseError) as err:
        read(MARTIF.format(ns=' xmlns="http://example.com/terms"'))
    message = str(err.value)
    assert message.startswith("glossary.tbx:2: not a TBX file")
    assert "http://example.com/terms" in message
    # the old message said "root element <martif>, expected <tbx> or <martif>"
    assert "expected <tbx> or <martif>" not in message


def test_wrong_root_names_the_element() -> None:
    with pytest.raises(ParseError, match=r"root element <glossary>; a TBX file starts with"):
        read('<glossary><entry><ja>港湾</ja></entry></glossary>')
    with pytest.raises(ParseError, match=r"<TermBase> in the namespace urn:x:y"):
        read('<TermBase xmlns="urn:x:y"/>')


# -- whitespace (15.9) ------------------------------------------------------------------------
def test_other_tools_indentation_is_normalised_taiyakus_own_text_is_kept() -> None:
    [entry] = read(DCA)[:1]
    assert "\n" not in (entry.definition or "") and "  " not in (entry.definition or "")
    assert entry.context == "県は港湾計画の改訂を公表した。"
    own = TermEntry(ja=(TermForm("港湾", "ja"),), status="approved",
                    note="first line\n  indented second line", definition="two  spaces",
                    context="文脈\n  続き")
    buf = io.BytesIO()
    tbx.write([own], buf)
    [back] = read(buf.getvalue())
    assert (back.note, back.definition, back.context) == (own.note, own.definition,
                                                          own.context)


# -- nesting (16.4) ---------------------------------------------------------------------------
def deep_tbx(depth: int) -> str:
    return ('<tbx type="TBX-Basic" style="dca" xml:lang="en" '
            'xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="c1">'
            + "<descripGrp>" * depth + '<descrip type="definition">deep</descrip>'
            + "</descripGrp>" * depth
            + '<langSec xml:lang="ja"><termSec><term>港湾</term></termSec></langSec>'
            "</conceptEntry></body></text></tbx>")


def test_two_thousand_nested_groups_are_refused_in_one_line() -> None:
    data = deep_tbx(2000)
    assert len(data) > 40_000
    with pytest.raises(ParseError) as err:
        read(data, "deep.tbx")
    message = str(err.value)
    assert message.startswith("deep.tbx:1: XML elements nested more than 256 levels deep")
    assert str(MAX_XML_DEPTH) in message and "\n" not in message


def test_nesting_within_the_limit_still_reads() -> None:
    [entry] = read(deep_tbx(MAX_XML_DEPTH - 10))
    assert entry.definition == "deep"


def test_expected_records_are_complete() -> None:
    """The fixture exercises every field the reader takes from TBX-Basic."""
    e = EXPECTED[0]
    filled = {f.name for f in dataclasses.fields(e) if getattr(e, f.name) not in (None, (), 0)}
    assert {"definition", "context", "note", "sources", "pos", "status"} <= filled


def test_every_definition_of_japanese_and_english_is_kept_other_languages_are_not() -> None:
    data = DCA.replace(
        '<langSec xml:lang="ja">\n          <termSec>\n            <term>一般輸出許可</term>',
        '<langSec xml:lang="de"><descripGrp><descrip type="definition">Eine Genehmigung'
        '</descrip></descripGrp><note>deutsche Notiz</note><termSec><term>Allgemeine '
        'Ausfuhrgenehmigung</term></termSec></langSec>\n'
        '<langSec xml:lang="ja">\n          <descrip type="definition">仕向地ごとに\n'
        '            まとめて与える輸出許可</descrip>\n'
        '          <termSec>\n            <term>一般輸出許可</term>')
    entry = read(data)[1]
    assert entry.definition == ("仕向地ごとにまとめて与える輸出許可\nA licence that covers many "
                                "shipments of listed goods to one destination.")
    assert entry.note is None
    assert [f.text for f in entry.ja] == ["一般輸出許可"]
