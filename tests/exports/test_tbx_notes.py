"""What CAT tools show of a TBX export is readable; taiyaku's own data sits in processing
instructions they skip and still reads back exactly (issue 15.14).

OmegaT 3.6 shows every ``note``, ``descrip`` and target-language ``termNote`` of an entry as
the term's comment, Translate Toolkit every ``note``: none of them may hold JSON.
"""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree as ET

import pytest
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.exports import tbx

ENTRIES = [
    TermEntry(
        ja=(TermForm("港湾", "ja", reading="こうわん", pos="名詞-普通名詞"),
            TermForm("港", "ja", kind="synonym", reading="みなと", status="candidate"),
            TermForm("ミナト", "ja", kind="custom-kind")),
        en=(TermForm("port", "en"), TermForm("harbour", "en", kind="variant",
                                             status="forbidden")),
        id=12, status="approved", pos="名詞", note="house style\nsecond line",
        definition="A place where ships load", context="港湾の規制", sources=("白書",),
        frequency=42, score=0.875, origin="extract"),
    TermEntry(ja=(TermForm("輸出規制", "ja", reading="ゆしゅつきせい"),),
              en=(TermForm("export control", "en"),),
              id=13, status="candidate", frequency=3, score=0.25, origin="extract"),
    TermEntry(ja=(TermForm("一般輸出許可", "ja"),), en=(TermForm("general licence", "en"),),
              id=13, status="forbidden", origin="import"),  # a second id 13: not an XML ID
]


def _write(entries: list[TermEntry], version: str) -> bytes:
    buf = io.BytesIO()
    tbx.write(entries, buf, version=version)
    return buf.getvalue()


def _shown(data: bytes) -> list[list[str]]:
    """Per entry, the texts a CAT tool shows: every note, descrip and termNote."""
    out = []
    for entry in ET.fromstring(data).iter():
        if entry.tag.rsplit("}", 1)[-1] not in ("termEntry", "conceptEntry"):
            continue
        out.append(["".join(e.itertext()) for e in entry.iter()
                    if e.tag.rsplit("}", 1)[-1] in ("note", "descrip", "termNote")])
    return out


@pytest.mark.parametrize("version", ["2008", "3"])
def test_shown_text_is_readable_and_machine_data_round_trips(version: str) -> None:
    data = _write(ENTRIES, version)
    shown = _shown(data)
    assert len(shown) == 3
    for texts in shown:
        for text in texts:
            assert "taiyaku" not in text and "{" not in text, text
            assert "こうわん" not in text and "0.875" not in text, text
    assert "Status: approved; 港: candidate — not reviewed; harbour: forbidden — do not use" \
        in shown[0]
    assert "house style\nsecond line" in shown[0]
    assert "A place where ships load" in shown[0]
    assert "Status: candidate — not reviewed" in shown[1]
    assert "Status: forbidden — do not use" in shown[2]
    # nothing is lost: readings, POS, kinds, form statuses, frequency, score, origin, ids
    assert list(tbx.read(io.BytesIO(data), "g.tbx")) == ENTRIES


def test_machine_data_is_in_taiyaku_processing_instructions() -> None:
    data = _write(ENTRIES[:1], "2008").decode()
    pis = [line.strip() for line in data.splitlines() if line.strip().startswith("<?taiyaku")]
    entry_meta = json.loads(pis[0][len("<?taiyaku "):-2])
    assert entry_meta["frequency"] == 42 and entry_meta["score"] == 0.875
    assert {"reading": "こうわん", "pos": "名詞-普通名詞"} in [
        json.loads(p[len("<?taiyaku "):-2]) for p in pis[1:]]


def test_data_a_processing_instruction_cannot_hold_as_it_is_round_trips() -> None:
    """``?>`` would end the instruction and U+FFFE is no XML character: both are escaped."""
    entry = TermEntry(ja=(TermForm("語", "ja", reading="ご?>\ufffe"),),
                      en=(TermForm("word", "en"),), status="candidate", origin="a?>b")
    data = _write([entry], "2008")
    assert list(tbx.read(io.BytesIO(data), "g.tbx")) == [entry]


def test_a_user_note_that_reads_like_the_status_note_is_kept() -> None:
    entry = TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm("port", "en"),),
                      status="approved", note="Status: approved")
    [back] = tbx.read(io.BytesIO(_write([entry], "2008")), "g.tbx")
    assert back.note == "Status: approved"


def test_the_status_note_of_a_term_with_a_character_xml_cannot_carry_is_recognised() -> None:
    entry = TermEntry(ja=(TermForm("港湾", "ja"),),
                      en=(TermForm("port", "en"), TermForm("po\x01rt", "en", status="candidate")),
                      status="approved")
    [back] = tbx.read(io.BytesIO(_write([entry], "2008")), "g.tbx")
    assert back.note is None


def test_the_status_note_is_not_taken_for_the_users_note_after_a_status_edit() -> None:
    """Another tool changes the status; the stale status words are still taiyaku's, not a
    note the user wrote."""
    data = _write([TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm("port", "en"),),
                             status="candidate")], "2008")
    [back] = tbx.read(io.BytesIO(data.replace(b'"status":"candidate"',
                                              b'"status":"approved"')), "g.tbx")
    assert back.status == "approved" and back.note is None


OLD_FORMAT = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en"><text><body>
<termEntry id="c5">
  <note>a note</note>
  <note>taiyaku:{"status":"candidate","frequency":7,"score":0.5,"origin":"extract"}</note>
  <langSet xml:lang="ja"><tig><term>港湾</term>
    <note>taiyaku:{"reading":"こうわん"}</note></tig></langSet>
  <langSet xml:lang="en"><tig><term>port</term></tig></langSet>
</termEntry>
</body></text></martif>
"""


def test_files_of_earlier_versions_with_taiyaku_notes_still_read() -> None:
    [entry] = tbx.read(io.BytesIO(OLD_FORMAT.encode()), "old.tbx")
    assert (entry.id, entry.status, entry.frequency, entry.score, entry.origin, entry.note) == (
        5, "candidate", 7, 0.5, "extract", "a note")
    assert entry.ja[0].reading == "こうわん"


def test_other_processing_instructions_and_broken_json_are_ignored() -> None:
    data = OLD_FORMAT.replace('<termEntry id="c5">',
                              '<termEntry id="c5"><?other {"status":"forbidden"}?>'
                              '<?taiyaku {not json?>')
    [entry] = tbx.read(io.BytesIO(data.encode()), "old.tbx")
    assert entry.status == "candidate"


def test_safe_iterparse_gives_processing_instructions_when_asked() -> None:
    """The TBX reader finds taiyaku's data through "pi" events: a parser that drops them (or
    counts them as element ends for its depth limit) loses every reading and score."""
    import weakref

    from taiyaku.exports.xmlutil import safe_iterparse

    where: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
    events = [(ev, e.text if ev == "pi" else e.tag) for ev, e in safe_iterparse(
        io.BytesIO(b"<a><b><?taiyaku {}?></b></a>"), "x.xml", ("start", "end", "pi"),
        lines=where)]
    assert events == [("start", "a"), ("start", "b"), ("pi", "taiyaku {}"), ("end", "b"),
                      ("end", "a")]
