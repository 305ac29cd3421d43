"""Format contract: every interchange format round-trips its records, validates, refuses bad input.

One base class per record type with a ``fmt`` class attribute, subclassed per format (as
Translate Toolkit's ``TestTranslationStore``): glossary formats (TBX v3, TBX 2008, XLSX, CSV,
TSV), TM formats (XLSX, CSV, TSV, TMX) and XLIFF (2.1, 1.2).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import ParseError
from taiyaku.core.model import TMUnit
from taiyaku.core.terms import STATUSES, TermEntry, TermForm
from taiyaku.exports import delimited, tbx, xliff, xlsx
from taiyaku.exports.xmlutil import clean_xml_text

HYPO = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       # the contract base runs once per format subclass
                                       HealthCheck.differing_executors])

# -- strategies ----------------------------------------------------------------------------------
# XML 1.0 cannot carry C0 controls (other than tab/LF/CR), surrogates, U+FFFE/FFFF: every format
# removes them (tested separately below), so the round-trip text leaves them out.
_chars = st.characters(blacklist_categories=("Cs",),
                       blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
                                            "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                            "\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff")
text = st.text(_chars, max_size=30)
word = st.text(_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
opt_text = st.one_of(st.none(), text.filter(bool))
opt_word = st.one_of(st.none(), word)


@st.composite
def forms(draw: Any, lang: str, min_size: int) -> tuple[TermForm, ...]:
    n = draw(st.integers(min_size, 3))
    out = []
    for i in range(n):
        kind = "term" if i == 0 else draw(st.sampled_from(("variant", "abbreviation",
                                                            "synonym")))
        out.append(TermForm(text=draw(word), lang=lang, kind=kind, reading=draw(opt_word),
                            status=draw(st.one_of(st.none(), st.sampled_from(STATUSES))),
                            pos=draw(opt_word)))
    return tuple(out)


@st.composite
def entries(draw: Any) -> TermEntry:
    return TermEntry(
        ja=draw(forms("ja", 1)), en=draw(forms("en", 0)),
        id=draw(st.one_of(st.none(), st.integers(1, 2**31))),
        status=draw(st.sampled_from(STATUSES)), pos=draw(opt_word), note=draw(opt_text),
        definition=draw(opt_text), context=draw(opt_text),
        sources=tuple(draw(st.lists(word, max_size=3, unique=True))),
        frequency=draw(st.integers(0, 2**31)),
        # Excel keeps ~15 significant digits: scores are compared at 6 decimals
        score=draw(st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(
            lambda x: round(x, 6))),
        origin=draw(st.sampled_from(("extracted", "manual", "import"))),
    )


def normalize_entry(e: TermEntry) -> TermEntry:
    """The equivalences every glossary format may apply: a form status equal to the entry's
    is implied, empty text is no text, term texts are stripped, evidence is not exported."""
    def form(f: TermForm) -> TermForm:
        return dataclasses.replace(f, text=f.text.strip(),
                                   status=None if f.status == e.status else f.status)
    return dataclasses.replace(
        e, ja=tuple(form(f) for f in e.ja), en=tuple(form(f) for f in e.en),
        note=e.note or None, definition=e.definition or None, context=e.context or None,
        evidence=(),
    )


units = st.builds(
    TMUnit, ja=word, en=word, document=opt_word,
    position=st.one_of(st.none(), st.integers(0, 10**6)),
    confidence=st.one_of(st.none(), st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 6))),
    bead=st.one_of(st.none(), st.sampled_from(("1-1", "2-1", "1-2"))),
    created=st.one_of(st.none(), st.just("2024-05-01T12:00:00Z")), note=opt_text,
    props=st.dictionaries(st.sampled_from(("x-origin", "x-state")), word, max_size=2),
)

segments = st.builds(
    xliff.XliffSegment,
    id=st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True),
    source=text, target=st.one_of(st.none(), text),
    state=st.sampled_from(xliff.STATES),
    candidates=st.lists(st.builds(xliff.Candidate,
                                  score=st.integers(0, 10000).map(lambda n: n / 100),
                                  source=text, target=text, origin=word), max_size=2
                        ).map(tuple),
    terms=st.lists(st.builds(xliff.TermRef, ja=word.filter(lambda s: " → " not in s),
                             en=st.one_of(st.none(), word.filter(lambda s: "[" not in s)),
                             status=st.sampled_from(STATUSES)), max_size=2).map(tuple),
    note=opt_text,
)


def normalize_segment(s: xliff.XliffSegment) -> xliff.XliffSegment:
    return dataclasses.replace(s, state=s.state if s.target is not None else "initial",
                               note=s.note or None)


# -- harness ------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Fmt:
    """A format under test: how to write and read its records, and its validator."""

    name: str
    suffix: str
    write: Callable[..., None]
    read: Callable[[IO[bytes], str], Iterator[Any]]
    validator: str | None = None
    validator_args: tuple[str, ...] = ()
    needs: str | None = None  # an importable module the validator needs


def round_trip(fmt: Fmt, records: Iterable[Any]) -> list[Any]:
    buf = io.BytesIO()
    fmt.write(list(records), buf)
    return list(fmt.read(io.BytesIO(buf.getvalue()), f"test{fmt.suffix}"))


def run_validator(fmt: Fmt, shared: Path, path: Path) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("lxml") is None:
        pytest.skip("lxml is not installed (validators need it)")
    if fmt.needs and importlib.util.find_spec(fmt.needs) is None:
        pytest.skip(f"the {fmt.name} validator needs the {fmt.needs} package")
    assert fmt.validator is not None
    tool = shared / "tools" / fmt.validator
    if fmt.validator.endswith(".sh"):
        if not (shutil.which("soffice") or shutil.which("libreoffice")):
            reason = ("LibreOffice (soffice) is not on PATH: apt-get install "
                      "libreoffice-calc-nogui (.ci/run does)")
            if os.environ.get("TAIYAKU_REQUIRE_LIBREOFFICE"):
                pytest.fail(reason + "; TAIYAKU_REQUIRE_LIBREOFFICE is set")
            pytest.skip(reason)
        cmd = ["bash", str(tool), str(path)]
        env = {"PYTHON": sys.executable, "PATH": "/usr/bin:/bin:/usr/local/bin",
               "HOME": str(path.parent)}
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    return subprocess.run([sys.executable, str(tool), *fmt.validator_args, str(path)],
                          capture_output=True, text=True, timeout=300)


SAMPLE_ENTRIES = [
    TermEntry(ja=(TermForm("輸出規制", "ja", reading="ゆしゅつきせい"),
                  TermForm("輸出管理", "ja", kind="variant"),
                  TermForm("輸規", "ja", kind="abbreviation", status="forbidden")),
              en=(TermForm("export control", "en", pos="noun"),
                  TermForm("export controls", "en", kind="synonym")),
              id=7, status="approved", pos="名詞", note="=1+1 looks like a formula",
              definition="rules on what may leave the country", context="輸出規制を強めた。",
              sources=("memo-1", "memo;2"), frequency=12, score=0.8312, origin="extracted"),
    TermEntry(ja=(TermForm("@危険語", "ja"),), en=(TermForm("-bad word", "en"),),
              status="forbidden", note="+never use"),
    TermEntry(ja=(TermForm("未訳語", "ja"),), status="candidate"),
    # the machine's suggestion (issue 19.2): method and confidence travel with the form
    TermEntry(ja=(TermForm("一般輸出許可", "ja"),),
              en=(TermForm("general export license", "en", method="composed",
                           confidence=0.45),), status="candidate", origin="extracted"),
]


class GlossaryContract:
    """Contract for glossary formats; subclasses set ``fmt``."""

    fmt: Fmt

    def test_every_field_round_trips(self) -> None:
        back = round_trip(self.fmt, SAMPLE_ENTRIES)
        assert back == [normalize_entry(e) for e in SAMPLE_ENTRIES]

    def test_empty_fields_and_empty_file(self) -> None:
        bare = TermEntry(ja=(TermForm("語", "ja"),))
        assert round_trip(self.fmt, [bare]) == [bare]
        assert round_trip(self.fmt, []) == []

    @HYPO
    @given(st.lists(entries(), max_size=4))
    def test_arbitrary_text_round_trips(self, records: list[TermEntry]) -> None:
        assert round_trip(self.fmt, records) == [normalize_entry(e) for e in records]

    def test_illegal_xml_characters_are_removed(self) -> None:
        dirty = TermEntry(ja=(TermForm("a\x01b", "ja"),), note="x\x0by\ufffe")
        [back] = round_trip(self.fmt, [dirty])
        assert back.ja[0].text == "ab" and back.note == "xy"

    def test_ten_thousand_entries(self) -> None:
        many = [TermEntry(ja=(TermForm(f"用語{i}", "ja"),), en=(TermForm(f"term {i}", "en"),),
                          id=i + 1, status=STATUSES[i % 3], frequency=i, score=round(i / 7, 6))
                for i in range(10_000)]
        assert round_trip(self.fmt, many) == many

    def test_validator(self, shared: Path, tmp_path: Path) -> None:
        if self.fmt.validator is None:
            pytest.skip(f"no validator for {self.fmt.name}")
        path = tmp_path / f"glossary{self.fmt.suffix}"
        with open(path, "wb") as fp:
            self.fmt.write(SAMPLE_ENTRIES, fp)
        proc = run_validator(self.fmt, shared, path)
        assert proc.returncode == 0, proc.stdout + proc.stderr


class TMContract:
    """Contract for TM formats; subclasses set ``fmt``."""

    fmt: Fmt
    unit_strategy: Any = units

    def test_every_field_round_trips(self) -> None:
        unit = TMUnit("日本の輸出規制。", "Japan's export controls.", "memo.txt", 3, 0.92, "1-1",
                      "2024-05-01T12:00:00Z", "=checked", {"x-origin": "+manual"})
        assert round_trip(self.fmt, [unit]) == [unit]

    @HYPO
    @given(st.data())
    def test_arbitrary_text_round_trips(self, data: Any) -> None:
        records = data.draw(st.lists(self.unit_strategy, max_size=4))
        assert round_trip(self.fmt, records) == records

    def test_ten_thousand_units(self) -> None:
        many = [TMUnit(f"文{i}。", f"Sentence {i}.", "d", i, 0.5) for i in range(10_000)]
        assert round_trip(self.fmt, many) == many

    def test_validator(self, shared: Path, tmp_path: Path) -> None:
        if self.fmt.validator is None:
            pytest.skip(f"no validator for {self.fmt.name}")
        path = tmp_path / f"tm{self.fmt.suffix}"
        with open(path, "wb") as fp:
            self.fmt.write([TMUnit("日本。", "Japan.", "d", 0, 0.9), TMUnit("=1", "@x")], fp)
        proc = run_validator(self.fmt, shared, path)
        assert proc.returncode == 0, proc.stdout + proc.stderr


# -- formats ------------------------------------------------------------------------------------
TBX3 = Fmt("TBX v3", ".tbx", lambda r, fp: tbx.write(r, fp, version="3"), tbx.read,
           "validate_tbx.py")
TBX2008 = Fmt("TBX 2008", ".tbx", lambda r, fp: tbx.write(r, fp, version="2008"), tbx.read,
              "validate_tbx.py", needs="translate")
XLSX_G = Fmt("XLSX", ".xlsx", xlsx.write, xlsx.read, "validate_xlsx.sh")
CSV_G = Fmt("CSV", ".csv", delimited.CSV.write, delimited.CSV.read)
TSV_G = Fmt("TSV", ".tsv", lambda r, fp: delimited.TSV.write(r, fp, bom=True),
            delimited.TSV.read)


class TestTBX3(GlossaryContract):
    fmt = TBX3


class TestTBX2008(GlossaryContract):
    fmt = TBX2008


class TestXLSXGlossary(GlossaryContract):
    fmt = XLSX_G


class TestCSVGlossary(GlossaryContract):
    fmt = CSV_G


class TestTSVGlossary(GlossaryContract):
    fmt = TSV_G


class TestXLSXTM(TMContract):
    fmt = Fmt("XLSX TM", ".xlsx", xlsx.write_units, xlsx.read_units, "validate_xlsx.sh")


class TestCSVTM(TMContract):
    fmt = Fmt("CSV TM", ".csv", delimited.CSV.write_units, delimited.CSV.read_units)


class TestTSVTM(TMContract):
    fmt = Fmt("TSV TM", ".tsv", delimited.TSV.write_units, delimited.TSV.read_units)


def _tmx_fmt() -> Fmt:
    from taiyaku.exports import tmx

    return Fmt("TMX", ".tmx", lambda r, fp: tmx.write(r, fp, meta={}), tmx.read,
               "validate_tmx.py")


_TMX = _tmx_fmt()
# TMX carries dates as TMX dates and props by type; its strategy keeps to what TMX can say
_tmx_units = st.builds(
    TMUnit, ja=word, en=word, document=opt_word,
    position=st.one_of(st.none(), st.integers(0, 10**6)),
    confidence=st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    bead=st.one_of(st.none(), st.sampled_from(("1-1", "2-1"))), note=opt_text,
)


class TestTMX(TMContract):
    fmt = _TMX
    unit_strategy = _tmx_units

    def test_every_field_round_trips(self) -> None:
        unit = TMUnit("日本の輸出規制。", "Japan's export controls.", "memo.txt", 3, 0.92, "1-1",
                      None, "=checked")
        assert round_trip(self.fmt, [unit]) == [unit]


class XliffContract:
    """Contract for XLIFF versions; subclasses set ``version`` and ``args``."""

    version: str
    args: tuple[str, ...] = ()

    def fmt(self) -> Fmt:
        return Fmt(f"XLIFF {self.version}", ".xlf",
                   lambda r, fp: xliff.write(r, fp, version=self.version, original="t.txt"),
                   xliff.read, "validate_xliff.py", self.args)

    SAMPLE = [
        xliff.XliffSegment("1", "輸出規制を強化する。", None, "initial",
                           (xliff.Candidate(88.5, "輸出規制を強化した。", "Controls tightened.",
                                            "memo.txt"),),
                           (xliff.TermRef("輸出規制", "export controls", "approved"),
                            xliff.TermRef("川習会", None, "candidate"),
                            xliff.TermRef("危険語", "bad word", "forbidden")),
                           "repetition of segment 3"),
        xliff.XliffSegment("2", " a <b> & \r\n", "Exact.", "translated"),
    ]

    def test_every_field_round_trips(self) -> None:
        assert round_trip(self.fmt(), self.SAMPLE) == self.SAMPLE

    @HYPO
    @given(st.lists(segments, max_size=4, unique_by=lambda s: s.id))
    def test_arbitrary_text_round_trips(self, records: list[xliff.XliffSegment]) -> None:
        assert round_trip(self.fmt(), records) == [normalize_segment(s) for s in records]

    def test_empty_document(self) -> None:
        assert round_trip(self.fmt(), []) == []

    def test_validator(self, shared: Path, tmp_path: Path) -> None:
        for name, records in (("full", self.SAMPLE), ("empty", [])):
            path = tmp_path / f"{name}.xlf"
            with open(path, "wb") as fp:
                self.fmt().write(records, fp)
            proc = run_validator(self.fmt(), shared, path)
            assert proc.returncode == 0, proc.stdout + proc.stderr


class TestXliff21(XliffContract):
    version = "2.1"


class TestXliff12(XliffContract):
    version = "1.2"


class TestXliff12Strict(XliffContract):
    version = "1.2"
    args = ("--strict-12",)


# -- malformed and unsafe input -----------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ROOT><x>&lol3;</x></ROOT>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE ROOT [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<ROOT><x>&ext;</x></ROOT>
"""
XML_READERS = [("tbx3", "tbx", tbx.read), ("tbx2008", "martif", tbx.read),
               ("xliff", "xliff", xliff.read)]
XML_READERS.append(("tmx", "tmx", _TMX.read))


@pytest.mark.parametrize("label,root,reader", XML_READERS)
@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL], ids=["laughs", "external"])
def test_entity_attacks_are_refused(label: str, root: str, reader: Any, attack: bytes) -> None:
    data = attack.replace(b"ROOT", root.encode())
    with pytest.raises(ParseError) as info:
        list(reader(io.BytesIO(data), f"evil.{label}"))
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"evil.{label}")
    assert "lollol" not in message and "root:" not in message


def _sample_bytes(fmt: Fmt, records: list[Any]) -> bytes:
    buf = io.BytesIO()
    fmt.write(records, buf)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", [TBX3, TBX2008], ids=["v3", "2008"])
def test_truncated_tbx_names_the_line(fmt: Fmt) -> None:
    data = _sample_bytes(fmt, SAMPLE_ENTRIES)
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(ParseError) as info:
        list(fmt.read(io.BytesIO(cut), "cut.tbx"))
    assert info.value.line is not None and info.value.line > 5
    assert "\n" not in str(info.value)


def test_wrong_root_is_refused() -> None:
    with pytest.raises(ParseError, match="not a TBX file"):
        list(tbx.read(io.BytesIO(b"<?xml version='1.0'?><html><body/></html>"), "x.tbx"))
    with pytest.raises(ParseError, match="not an XLIFF"):
        list(xliff.read(io.BytesIO(b"<tbx/>"), "x.xlf"))
    with pytest.raises(ParseError):
        list(tbx.read(io.BytesIO(b""), "empty.tbx"))


def test_truncated_xlsx_is_refused() -> None:
    data = _sample_bytes(XLSX_G, SAMPLE_ENTRIES)
    with pytest.raises(ParseError) as info:
        list(xlsx.read(io.BytesIO(data[: len(data) // 2]), "cut.xlsx"))
    assert str(info.value).startswith("cut.xlsx: ") and "\n" not in str(info.value)


def test_zip_bomb_is_refused_before_openpyxl() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (24 * 1024 * 1024))
    with pytest.raises(ParseError, match="zip bomb"):
        list(xlsx.read(io.BytesIO(buf.getvalue()), "bomb.xlsx"))


def test_not_a_workbook() -> None:
    with pytest.raises(ParseError, match="not a readable XLSX"):
        list(xlsx.read(io.BytesIO(b"ja,en\n"), "fake.xlsx"))


@pytest.mark.parametrize("dialect", [delimited.CSV, delimited.TSV], ids=["csv", "tsv"])
def test_delimited_missing_column_names_the_file(dialect: delimited.Delimited) -> None:
    sep = dialect.delimiter.encode()
    with pytest.raises(ParseError) as info:
        list(dialect.read(io.BytesIO(b"english" + sep + b"note\nx" + sep + b"y\n"), "g.csv"))
    assert str(info.value).startswith("g.csv:1: missing required column(s) ja")
    with pytest.raises(ParseError, match="missing required column"):
        list(dialect.read_units(io.BytesIO(b"ja\n"), "t.csv"))


def test_delimited_reads_bom_reordered_and_extra_columns() -> None:
    data = "\ufeffNote,EN,Extra,JA,Status\nhi,export control,?,輸出規制,Forbidden\n"
    [entry] = delimited.CSV.read(io.BytesIO(data.encode()), "g.csv")
    assert (entry.ja[0].text, entry.en[0].text, entry.status, entry.note) == (
        "輸出規制", "export control", "forbidden", "hi")


def test_delimited_bad_status_names_line() -> None:
    with pytest.raises(ParseError, match=r"g.csv:3: unknown status 'maybe'"):
        list(delimited.CSV.read(io.BytesIO(b"ja,status\na,approved\nb,maybe\n"), "g.csv"))


def test_bom_option_writes_a_bom() -> None:
    buf = io.BytesIO()
    delimited.CSV.write(SAMPLE_ENTRIES, buf, bom=True)
    assert buf.getvalue().startswith(b"\xef\xbb\xbftaiyaku_id,ja,")


def test_clean_xml_text_is_what_formats_use() -> None:
    assert clean_xml_text("a\x00\x1fb") == "ab"


def test_pretranslation_xlsx_opens_in_libreoffice(shared: Path, tmp_path: Path) -> None:
    """The pre-translation sheet (written by the one sheet writer) is a workbook a real
    spreadsheet program opens, every cell as openpyxl reads it, '=' text included."""
    from taiyaku.core.model import Match, Segment
    from taiyaku.tm.pretranslate import PretranslatedDocument, pretranslate_segment

    segs = (pretranslate_segment(Segment("=SUM(A1:A3)", "ja"), []),
            pretranslate_segment(Segment("港湾の整備。", "ja"),
                                 [Match(1, 80.0, "港湾の整備が遅れた。", "-3% port works")],
                                 index=1))
    path = tmp_path / "pretranslation.xlsx"
    with open(path, "wb") as fp:
        xlsx.write_pretranslation(PretranslatedDocument("d.txt", "ja", "en", segs), fp)
    proc = run_validator(Fmt("XLSX pre-translation", ".xlsx", xlsx.write, xlsx.read,
                             "validate_xlsx.sh"), shared, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
