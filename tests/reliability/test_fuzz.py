"""Fuzzing: arbitrary text and bytes into the segmenter, aligner, normaliser, decoder and every
reader. Nothing may raise except the project's own errors (``TaiyakuError`` subclasses)."""

from __future__ import annotations

import importlib
import io
import os
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from taiyaku.core.errors import TaiyakuError

from . import badfiles as bf
from .support import require, sentence_pairs, tbx_text, tmx_text

# derandomize: `make test` must not pass one day and fail the next on the same code; the
# examples are fixed per test (set TAIYAKU_FUZZ_RANDOM=1 to explore new inputs locally).
_FIXED = not os.environ.get("TAIYAKU_FUZZ_RANDOM")
FUZZ = settings(max_examples=150, deadline=None, derandomize=_FIXED, database=None if _FIXED
                else settings.default.database,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=60)

# Text that looks like what taiyaku reads: Japanese, English, punctuation, brackets, bullets,
# odd whitespace, controls and lone surrogates, so the rules' branches are all reached.
JA_EN = st.sampled_from(list(
    "あいうえおかきくけこ。、！？「」『』（）()【】…ー港湾計画水質検査東京ＡＢＣ１２３ｶﾀｶﾅ"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?;:'\"-–—()[]"
    " \t\n\u3000\u00a0\u200b\ufeff•・*#>-1.)"
))
TEXTY = st.lists(st.one_of(JA_EN, st.characters()), max_size=300).map("".join)
ANY_TEXT = st.one_of(TEXTY, st.text(max_size=200))


def only_project_errors(fn: Callable[[], Any]) -> Any:
    """Call *fn*; a TaiyakuError is fine (returned), anything else fails the test."""
    try:
        return fn()
    except TaiyakuError as e:
        assert str(e).strip(), "an error without a message"
        assert "\n" not in str(e).strip(), f"a multi-line error: {e!r}"
        return e


# -- text functions ----------------------------------------------------------------------------
@FUZZ
@given(ANY_TEXT, st.sampled_from(["auto", "ja", "en"]))
@example("見出し\n本文です。次の文。\n  • 項目", "auto")
@example("(写真/AP通信提供)。" * 3, "ja")
@example("Mr. A. B. Smith said \"Yes.\" He left.", "en")
@example("\ud800。\udfff.", "auto")
def test_segment_text_never_crashes(text: str, lang: str) -> None:
    from taiyaku.tm.segment import segment_text

    result = only_project_errors(lambda: segment_text(text, lang))
    if isinstance(result, TaiyakuError):
        return
    for seg in result:
        # (Python's str.strip also strips the controls \x1c-\x1f; a segment of one such
        # control is junk but harmless, so only real spaces are checked.)
        assert seg.text and seg.text == seg.text.strip(" \t\n\u3000\u00a0"), seg
        assert seg.lang in ("ja", "en"), seg


SEGMENTS = st.lists(TEXTY.filter(lambda s: s.strip() != ""), max_size=7)


@FEW
@given(ja=SEGMENTS, en=SEGMENTS)
@example(ja=[], en=[])
@example(ja=["京都は1200年の歴史がある。", "広告"], en=["Kyoto has a history of 1200 years."])
@example(ja=["。"] * 5, en=[" "] * 3)
def test_align_never_crashes_and_covers_everything(ja: list[str], en: list[str],
                                                     analyzer: Any) -> None:
    from taiyaku.tm.align import align

    beads = only_project_errors(lambda: align(ja, en, analyzer=analyzer))
    if isinstance(beads, TaiyakuError):
        return
    ja_ids = [i for b in beads for i in b.ja_ids]
    en_ids = [j for b in beads for j in b.en_ids]
    assert ja_ids == list(range(len(ja))), beads
    assert en_ids == list(range(len(en))), beads
    assert all(0.0 <= b.score <= 1.0 for b in beads), beads


@FUZZ
@given(ANY_TEXT)
@example("ＡＩ　投資\u3000ブーム")
@example("ｶﾞｷﾞ \u200b ﾊﾟ")
@example("\ufb01 \u2460 \u3000\u3000 あ い")
def test_normalize_never_crashes_and_is_idempotent(text: str) -> None:
    from taiyaku.core.normalize import normalize

    once = normalize(text)
    assert normalize(once) == once, (text, once)
    assert once == once.strip()


@FUZZ
@given(st.binary(max_size=400))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe\x00")
@example(b"\xed\xa0\x80abc")
@example("対訳\r\n".encode("cp932"))
@example("対訳\r".encode("euc_jp"))
def test_decode_bytes_never_crashes(data: bytes) -> None:
    from taiyaku.tm.textio import decode_bytes

    text = only_project_errors(lambda: decode_bytes(data, "fuzz.txt"))
    if isinstance(text, TaiyakuError):
        assert "fuzz.txt" in str(text)
        return
    assert "\r" not in text and "\x00" not in text
    assert text.strip()


@FUZZ
@given(st.lists(st.one_of(JA_EN, st.sampled_from(list("。．.！!？?」』）)\n"))), max_size=400))
def test_segment_text_keeps_every_letter(chars: list[str]) -> None:
    """Segmentation only cuts: the letters and digits of the input all come out, in order."""
    from taiyaku.tm.segment import segment_text

    text = "".join(chars)
    segments = segment_text(text)
    got = "".join(c for s in segments for c in s.text if c.isalnum())
    want = "".join(c for c in text if c.isalnum())
    # list markers ("1.", "*") may be dropped from the start of a line
    assert got == want or _is_subsequence(got, want), (text, [s.text for s in segments])


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


# -- readers -----------------------------------------------------------------------------------
def _consume(result: Iterable[Any] | Any) -> list[Any]:
    return list(result)


def reader(module: str, attr: str, **kwargs: Any) -> Callable[[bytes, str], list[Any]]:
    def read(data: bytes, name: str) -> list[Any]:
        mod = importlib.import_module(module)
        return _consume(getattr(mod, attr)(io.BytesIO(data), name, **kwargs))
    return read


READERS: dict[str, tuple[str, Callable[[bytes, str], list[Any]], str]] = {
    # name: (module that must exist, under taiyaku; reader; file name given to it)
    "tmx": ("exports.tmx", reader("taiyaku.exports.tmx", "read"), "fuzz.tmx"),
    "tbx": ("exports.tbx", reader("taiyaku.exports.tbx", "read"), "fuzz.tbx"),
    "xliff": ("exports.xliff", reader("taiyaku.exports.xliff", "read"), "fuzz.xlf"),
    "xlsx-glossary": ("exports.xlsx", reader("taiyaku.exports.xlsx", "read"), "fuzz.xlsx"),
    "xlsx-tm": ("exports.xlsx", reader("taiyaku.exports.xlsx", "read_units"), "fuzz.xlsx"),
    "csv-glossary": ("exports.delimited", reader("taiyaku.exports.delimited", "read"),
                     "fuzz.csv"),
    "tsv-tm": ("exports.delimited",
               reader("taiyaku.exports.delimited", "read_units", delimiter="\t"), "fuzz.tsv"),
    "csv-tm": ("exports.delimited", reader("taiyaku.exports.delimited", "read_units"),
               "fuzz.csv"),
}


def _seed_documents() -> dict[str, bytes]:
    """A valid document per reader: the fuzzer mutates these."""
    pairs = sentence_pairs(4, start=900)
    xliff = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:'
        '2.0" version="2.1" srcLang="ja" trgLang="en"><file id="f1"><unit id="u1"><segment>'
        f"<source>{pairs[0][0]}</source><target>{pairs[0][1]}</target></segment></unit>"
        "</file></xliff>\n"
    )
    csv = "ja,en\n" + "".join(f'{ja},"{en}"\n' for ja, en in pairs)
    return {
        "tmx": tmx_text(pairs).encode(),
        "tbx": tbx_text([("港湾計画", "harbour plan"), ("水質", "water quality")]).encode(),
        "xliff": xliff.encode(),
        "xlsx-glossary": bf.xlsx_bytes(bf.glossary_rows()),
        "xlsx-tm": bf.xlsx_bytes(bf.tm_rows()),
        "csv-glossary": csv.encode(),
        "tsv-tm": csv.replace(",", "\t").encode(),
        "csv-tm": csv.encode(),
    }


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """*seed* with a few random edits: truncation, insertion, deletion, byte flips."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "insert", "delete", "flip", "dup"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.one_of(
                st.binary(min_size=1, max_size=20),
                st.sampled_from([b"<", b"&", b"]]>", b"<!ENTITY a 'b'>", b"&a;", b"\x00",
                                 b"\xff\xfe", b"\xed\xa0\x80", b'xml:lang="de"', b'"', b"\n,"]),
            ))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "dup":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 60))]
    return bytes(data)


def _xlsx_with_edited_member(seed: bytes) -> st.SearchStrategy[bytes]:
    """A workbook whose sheet XML is mutated (the zip stays valid, the content does not)."""
    member = "xl/worksheets/sheet1.xml"
    src = zipfile.ZipFile(io.BytesIO(seed))
    original = src.read(member)

    def rebuild(sheet: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                out.writestr(info.filename, sheet if info.filename == member
                             else src.read(info.filename))
        return buf.getvalue()

    return mutated(original).map(rebuild)


SEEDS = _seed_documents()
# (declared name, codec) pairs the XML readers transcode (issue 15.3); "utf-16" without
# its byte-order mark and "punycode" are there to be refused cleanly
_XML_CODECS = [("Shift_JIS", "cp932"), ("EUC-JP", "euc_jp"), ("UTF-16", "utf-16"),
               ("UTF-16LE", "utf-16-le"), ("UTF-16", "utf-8"), ("ISO-2022-JP", "iso2022_jp"),
               ("punycode", "utf-8")]


def _reencoded(seed: bytes, codec: tuple[str, str]) -> bytes:
    declared, python_codec = codec
    text = seed.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"')
    return text.encode(python_codec)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_reader_accepts_its_own_seed(kind: str) -> None:
    """The seeds are valid, so the mutations start from something the reader parses."""
    module, read, name = READERS[kind]
    require(module)
    assert read(SEEDS[kind], name), f"{kind}: nothing read from a valid file"


@pytest.mark.parametrize("kind", sorted(READERS))
def test_reader_survives_arbitrary_and_mutated_input(kind: str) -> None:
    module, read, name = READERS[kind]
    require(module)
    strategies = [st.binary(max_size=300), mutated(SEEDS[kind]),
                  TEXTY.map(lambda s: s.encode("utf-8", "surrogatepass"))]
    if kind.startswith("xlsx"):
        strategies.append(_xlsx_with_edited_member(SEEDS[kind]))
    if kind in ("tmx", "tbx", "xliff"):
        strategies.append(st.sampled_from(_XML_CODECS).flatmap(
            lambda codec: mutated(_reencoded(SEEDS[kind], codec))))

    @FUZZ
    @given(st.one_of(*strategies))
    @example(b"")
    @example(SEEDS[kind][: len(SEEDS[kind]) // 2])
    @example(SEEDS[kind].replace(b'encoding="UTF-8"', b'encoding="TF-8"'))
    def check(data: bytes) -> None:
        only_project_errors(lambda: read(data, name))

    check()


# -- the real CLI: arbitrary bytes as text arguments and file names -----------------------------
# Each example runs ``taiyaku`` in a subprocess (about half a second), so these take fewer
# examples: 40 per command group, about a minute in all on two cores.
CLI_FUZZ = settings(FUZZ, max_examples=40, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

#: what a hostile or unlucky shell passes: any bytes (argv cannot hold NUL), text with lone
#: surrogates encoded as bytes, escape sequences, option look-alikes, LIKE wildcards
ARG_BYTES = st.one_of(
    st.binary(min_size=1, max_size=24),
    TEXTY.map(lambda s: s[:40].encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\x1b]0;PWNED\x07\x1b[2J", b"\xc2\x9b2J", "港湾\n計画".encode(), b"-",
                     b"--", b"-x", b"%_\\", b"\xff\xfe", "戦".encode() + b"\xff", b"nan",
                     b"99999999999999999999", b"-1", b"1e400", b"--json"]),
).map(lambda b: b.replace(b"\x00", b"") or b"x")

TEXT_COMMANDS = st.sampled_from([
    # (argv prefix, how many fuzzed arguments follow, argv suffix)
    ((b"terms", b"add"), 2, ()),
    ((b"terms", b"add", "港湾".encode(), b"--note"), 1, ()),
    ((b"terms", b"search"), 1, ()),
    ((b"terms", b"search"), 1, (b"--json",)),
    ((b"terms", b"list", b"--limit"), 1, ()),
    ((b"terms", b"set-status"), 2, ()),
    ((b"ingest", b"--name"), 1, (b"missing.txt",)),
])
SEARCH_COMMANDS = st.sampled_from([
    ((b"tm", b"search"), 1, ()),
    ((b"tm", b"search"), 1, (b"--json",)),
    ((b"tm", b"search", b"--concordance"), 1, ()),
    ((b"tm", b"search", b"--concordance"), 1, (b"--json",)),
    ((b"tm", b"search", b"--min-score"), 2, ()),
    ((b"tm", b"search", b"--limit"), 2, ()),
])


def _run_fuzzed(db: Any, argv: list[bytes]) -> None:
    from .support import assert_clean_outcome, run_cli_bytes

    proc = run_cli_bytes(argv, db=db, timeout=120)
    line = assert_clean_outcome(proc)
    if line is not None:
        # one line, with nothing a terminal would act on
        assert not any(c < " " or "\x7f" <= c <= "\x9f" for c in line), repr(line)
    if proc.returncode == 0 and b"--json" in argv:
        import json

        json.loads(proc.stdout)


@CLI_FUZZ
@given(command=TEXT_COMMANDS, args=st.lists(ARG_BYTES, min_size=2, max_size=2))
@example(command=((b"terms", b"add"), 2, ()), args=[b"\xe6\x88\xa6\xff", b"x"])
@example(command=((b"terms", b"search"), 1, ()), args=[b"\xff\xfe", b""])
@example(command=((b"terms", b"search"), 1, ()), args=["港".encode() * 20000, b""])
@example(command=((b"terms", b"list", b"--limit"), 1, ()), args=[b"99999999999999999999", b""])
def test_cli_text_arguments_of_any_bytes(seeded_db: Any, command: Any, args: list[bytes]) -> None:
    prefix, n, suffix = command
    _run_fuzzed(seeded_db, [*prefix, *args[:n], *suffix])


@CLI_FUZZ
@given(command=SEARCH_COMMANDS, args=st.lists(ARG_BYTES, min_size=2, max_size=2))
@example(command=((b"tm", b"search"), 1, ()), args=[b"abc\xff", b""])
@example(command=((b"tm", b"search", b"--concordance"), 1, ()), args=[b"abc\xff", b""])
@example(command=((b"tm", b"search", b"--min-score"), 2, ()), args=[b"nan", "港湾".encode()])
def test_cli_search_arguments_of_any_bytes(seeded_db: Any, command: Any,
                                           args: list[bytes]) -> None:
    prefix, n, suffix = command
    _run_fuzzed(seeded_db, [*prefix, *args[:n], *suffix])


#: a file name component: any bytes but "/" and NUL, not "." or "..", short enough for
#: NAME_MAX once a suffix is added
NAME_BYTES = st.one_of(
    st.binary(min_size=1, max_size=60),
    st.sampled_from(["対訳".encode("cp932"), "対訳".encode("euc_jp"), b"\x1b[2J\x07",
                     b"-", b"--json", b" ", b"\xed\xa0\x80"]),
).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")).filter(
    lambda b: b not in (b".", b".."))

FILE_COMMANDS = st.sampled_from(["ingest", "tm import", "terms import", "tm export",
                                 "terms export", "segment", "tm search --queries"])


@CLI_FUZZ
@given(name=NAME_BYTES, command=FILE_COMMANDS, as_json=st.booleans())
@example(name="対訳".encode("cp932"), command="ingest", as_json=True)
@example(name="対訳".encode("cp932"), command="tm import", as_json=True)
@example(name=b"\x1b]0;PWNED\x07", command="terms import", as_json=False)
def test_cli_file_names_of_any_bytes(seeded_db: Any, tmp_path: Any, name: bytes,
                                     command: str, as_json: bool) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"files")
    os.makedirs(folder, exist_ok=True)
    pairs = sentence_pairs(3, start=300)
    suffix, content = {
        "ingest": (b".txt", "\n\n".join([p[0] for p in pairs] + [p[1] for p in pairs])),
        "tm import": (b".tsv", "ja\ten\n" + "".join(f"{ja}\t{en}\n" for ja, en in pairs)),
        "terms import": (b".csv", "ja,en\n港湾,harbour\n"),
        "tm export": (b".tmx", None),
        "terms export": (b".csv", None),
        "segment": (b".txt", pairs[0][0] + pairs[1][0]),
        "tm search --queries": (b".txt", pairs[0][0] + "\n"),
    }[command]
    path = os.path.join(folder, name + suffix)
    if content is not None:
        with open(path, "w", encoding="utf-8") as fp:
            fp.write(content + "\n")
    words = [w.encode() for w in command.split()]
    argv = [*words, b"-o", path] if command.endswith("export") else [*words, path]
    try:
        _run_fuzzed(seeded_db, [*argv, *([b"--json"] if as_json else [])])
    finally:
        for leftover in os.listdir(folder):
            os.remove(os.path.join(folder, leftover))
