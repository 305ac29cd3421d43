"""Hostile arguments and file contents through the real CLI (issue 16, points 1, 3, 5, 10, 13).

Arguments are passed as bytes to a subprocess, as a shell passes them: text that is not
UTF-8, file names in Shift_JIS, numbers beyond 64 bits, ``nan``, queries of 60 KB, and
escape sequences inside imported text. Each must end in taiyaku's own message (or work), never
in a traceback, with the database unchanged when the command fails.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from .support import (
    assert_clean_outcome,
    assert_one_line_error,
    db_hash,
    describe,
    run_cli,
    run_cli_bytes,
    sentence_pairs,
    tmx_text,
)

#: 対訳 in Shift_JIS: the bytes an unzipped Windows archive leaves as a file name
SJIS = "対訳".encode("cp932")


def bytes_path(folder: Path, name: bytes) -> bytes:
    """A path whose last component is the raw bytes *name*."""
    return os.path.join(os.fsencode(folder), name)


def shown(name: bytes) -> str:
    """How taiyaku stores and prints a file name: undecodable bytes as ``\\xNN``."""
    return name.decode("utf-8", "backslashreplace")


# -- 16.1: text arguments that are not UTF-8 ----------------------------------------------------
@pytest.mark.parametrize(("args", "names"), [
    ([b"terms", b"add", b"\xe6\x88\xa6\xff", b"x"], "'JA'"),
    ([b"tm", b"search", b"abc\xff"], "QUERY"),
    ([b"tm", b"search", b"--concordance", b"abc\xff"], "QUERY"),
    ([b"terms", b"search", b"\xff\xfe"], "'QUERY'"),
    ([b"terms", b"add", b"a", b"b", b"--note", b"bad\xffnote"], "'--note'"),
    ([b"ingest", b"--name", b"doc\x82", b"missing.txt"], "'--name'"),
], ids=["terms-add", "tm-search", "concordance", "terms-search", "note", "ingest-name"])
def test_text_argument_that_is_not_utf8_is_one_usage_error(
    args: list[bytes], names: str, seeded_db: Path
) -> None:
    before = db_hash(seeded_db)
    proc = run_cli_bytes(args, db=seeded_db)
    line = assert_one_line_error(proc, names, r"not valid UTF-8 text \(byte 0x[0-9a-f]{2}",
                                 exit_code=2)
    assert "surrogate" not in line, line
    assert db_hash(seeded_db) == before


# -- 16.1: file names of any bytes --------------------------------------------------------------
def test_ingest_of_a_shift_jis_file_name_stores_and_prints_a_valid_name(
    tmp_path: Path, seeded_db: Path
) -> None:
    name = SJIS + b".txt"
    ja, en = zip(*sentence_pairs(6, start=500), strict=True)
    with open(bytes_path(tmp_path, name), "wb") as fp:
        fp.write(("\n\n".join(ja) + "\n\n" + "\n\n".join(en) + "\n").encode())
    proc = run_cli_bytes(["ingest", bytes_path(tmp_path, name)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert shown(name) in proc.stdout, describe(proc)
    # again with --json after the file changed (the same file unchanged would be left
    # alone): the document is replaced, and the JSON names it as stored
    with open(bytes_path(tmp_path, name), "ab") as fp:
        fp.write(b"\n")
    proc = run_cli_bytes(["ingest", "--json", bytes_path(tmp_path, name)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    data = json.loads(proc.stdout)
    assert data["document"] == shown(name) == "\\x91\\xce\\x96\\xf3.txt".replace("\\xce\\x96",
                                                                                 "Ζ")
    assert data["source"].endswith(shown(name)) and data["replaced"] is True
    assert data["units"] == 6
    # the stored unit finds its way back, with the document named
    proc = run_cli(["tm", "search", "--json", ja[0]], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["matches"][0]["document"] == shown(name)


def test_tm_and_glossary_import_of_a_non_utf8_file_name(tmp_path: Path, seeded_db: Path) -> None:
    tmx = b"memory-" + SJIS + b".tmx"
    with open(bytes_path(tmp_path, tmx), "w", encoding="utf-8") as fp:
        fp.write(tmx_text(sentence_pairs(3, start=700)))
    proc = run_cli_bytes(["tm", "import", bytes_path(tmp_path, tmx)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert f"{shown(tmx)}: 3 units added" in proc.stdout, describe(proc)

    csv = b"gloss\xff.csv"
    with open(bytes_path(tmp_path, csv), "w", encoding="utf-8") as fp:
        fp.write("ja,en\n対訳,parallel text\n")
    proc = run_cli_bytes(["terms", "import", "--json", bytes_path(tmp_path, csv)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["file"].endswith("gloss\\xff.csv")

    out = b"export-" + SJIS + b".tmx"
    proc = run_cli_bytes(["tm", "export", "--json", "-o", bytes_path(tmp_path, out)],
                         db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["path"].endswith(shown(out))
    assert os.path.exists(bytes_path(tmp_path, out))
    # the TM's own documents list the TMX under its shown name
    proc = run_cli(["tm", "search", "--json", sentence_pairs(1, start=700)[0][0]], db=seeded_db)
    assert json.loads(proc.stdout)["matches"][0]["document"] == shown(tmx)


def test_missing_file_with_a_non_utf8_name_is_one_line(tmp_path: Path, seeded_db: Path) -> None:
    before = db_hash(seeded_db)
    proc = run_cli_bytes(["tm", "import", bytes_path(tmp_path, SJIS + b".tmx")], db=seeded_db)
    assert_one_line_error(proc, "\\x91", "no such file")
    assert db_hash(seeded_db) == before


# -- 16.3: numbers in imported files ------------------------------------------------------------
def _tm_tsv(field: str, value: str) -> str:
    numbers = {"position": "1", "confidence": "0.9", field: value}
    rows = [f"{ja}\t{en}\t{i}\t0.9" for i, (ja, en) in enumerate(sentence_pairs(3, start=800))]
    ja, en = sentence_pairs(1, start=850)[0]
    rows[1] = f"{ja}\t{en}\t{numbers['position']}\t{numbers['confidence']}"
    return "ja\ten\tposition\tconfidence\n" + "\n".join(rows) + "\n"


def _glossary_csv(field: str, value: str) -> str:
    numbers = {"frequency": "2", "score": "0.5", field: value}
    return ("ja,en,frequency,score\n港湾,harbour,3,0.5\n"
            f"水質,water quality,{numbers['frequency']},{numbers['score']}\n")


def _tmx_props(field: str, value: str) -> str:
    ja, en = sentence_pairs(1, start=900)[0]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        '<header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="x" '
        'adminlang="en" srclang="ja" datatype="plaintext"/>\n<body>\n'
        f'<tu><prop type="{field}">{value}</prop>'  # line 5, as the whole unit
        f'<tuv xml:lang="ja"><seg>{ja}</seg></tuv><tuv xml:lang="en"><seg>{en}</seg></tuv>'
        "</tu>\n</body>\n</tmx>\n"
    )


NUMBER_CASES = [
    # (command, file name, file text builder, field, value, line of the bad value)
    ("tm", "units.tsv", _tm_tsv, "position", "99999999999999999999", 3),
    ("tm", "units.tsv", _tm_tsv, "confidence", "nan", 3),
    ("terms", "terms.csv", _glossary_csv, "frequency", "1e400", 3),
    ("terms", "terms.csv", _glossary_csv, "score", "inf", 3),
    ("tm", "memory.tmx", _tmx_props, "x-position", "99999999999999999999", 5),
    ("tm", "memory.tmx", _tmx_props, "x-confidence", "1e400", 5),
]


@pytest.mark.parametrize(("group", "filename", "build", "field", "value", "line"), NUMBER_CASES,
                         ids=[f"{c[3]}={c[4]}" for c in NUMBER_CASES])
def test_unusable_number_in_an_imported_file_is_one_line(
    group: str, filename: str, build: object, field: str, value: str, line: int,
    tmp_path: Path, seeded_db: Path,
) -> None:
    path = tmp_path / filename
    path.write_text(build(field, value), encoding="utf-8")  # type: ignore[operator]
    before = db_hash(seeded_db)
    proc = run_cli([group, "import", str(path)], db=seeded_db)
    error = assert_one_line_error(proc, f"{filename}:{line}", re.escape(field))
    assert re.escape(value) in re.escape(error) or value in error, error
    assert db_hash(seeded_db) == before


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "99999999999999999999",
                                   "-99999999999999999999", "1.5"])
def test_every_number_column_refuses_what_the_database_cannot_hold(value: str) -> None:
    from taiyaku.core.errors import ParseError
    from taiyaku.exports import tmx
    from taiyaku.exports.tabular import row_to_entry, row_to_unit

    for field in ("frequency", "score"):
        if field == "score" and value in ("99999999999999999999", "-99999999999999999999",
                                          "1.5"):
            continue  # a float column holds these
        with pytest.raises(ParseError, match=f"t.csv:2: {field} "):
            row_to_entry({"ja": "港湾", field: value}, "t.csv", 2)
    for field in ("position", "confidence"):
        if field == "confidence" and value in ("99999999999999999999",
                                               "-99999999999999999999", "1.5"):
            continue
        with pytest.raises(ParseError, match=f"t.tsv:3: {field} "):
            row_to_unit({"ja": "対訳", "en": "text", field: value}, "t.tsv", 3)
    for field in ("x-position", "x-confidence"):
        if field == "x-confidence" and value in ("99999999999999999999",
                                                 "-99999999999999999999", "1.5"):
            continue
        import io

        with pytest.raises(ParseError, match=f"m.tmx:5: {field} "):
            list(tmx.read(io.BytesIO(_tmx_props(field, value).encode()), "m.tmx"))


@pytest.mark.parametrize("args", [
    ["terms", "list", "--limit", "99999999999999999999"],
    ["terms", "extract", "--limit", "99999999999999999999"],
    ["terms", "extract", "--min-freq", "99999999999999999999"],
    ["terms", "set-status", "99999999999999999999", "approved"],
    ["tm", "search", "--limit", "99999999999999999999", "港湾"],
], ids=lambda a: "-".join(a[:3]))
def test_integer_option_beyond_64_bits_is_a_usage_error(args: list[str],
                                                        seeded_db: Path) -> None:
    before = db_hash(seeded_db)
    proc = run_cli(args, db=seeded_db)
    assert proc.returncode == 2, describe(proc)
    line = assert_clean_outcome(proc)
    assert line is not None and "99999999999999999999" in line and "range" in line, line
    assert db_hash(seeded_db) == before


def test_largest_limit_sqlite_accepts_works(seeded_db: Path) -> None:
    proc = run_cli(["terms", "list", "--limit", str(2**63 - 1)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert "港湾計画" in proc.stdout


# -- 16.10: nan is not a score ------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["tm", "search", "--min-score", "nan", "港湾計画"],
    ["tm", "search", "--min-score", "NaN", "--queries", "q.txt"],
    ["pretranslate", "new.txt", "-o", "out.json", "--min-score", "nan"],
], ids=["tm-search", "queries", "pretranslate"])
def test_nan_min_score_is_refused(args: list[str], seeded_db: Path, tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text("港湾計画\n", encoding="utf-8")
    (tmp_path / "new.txt").write_text("港湾計画を見直した。\n", encoding="utf-8")
    proc = run_cli(args, db=seeded_db, cwd=tmp_path)
    assert_one_line_error(proc, "--min-score", "nan is not a finite number", exit_code=2)
    assert not (tmp_path / "out.json").exists()


# -- 16.5: long queries -------------------------------------------------------------------------
def test_terms_search_with_a_query_over_50000_bytes_works(seeded_db: Path) -> None:
    query = "港湾計画の" * 4000  # 60,000 bytes: SQLite's LIKE refuses patterns over 50,000
    proc = run_cli(["terms", "search", query], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert "Traceback" not in proc.stderr
    proc = run_cli(["terms", "search", "--json", "harbour plan " * 5000], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout) == []


def test_contains_tier_still_finds_terms_ignoring_ascii_case(seeded_db: Path) -> None:
    """The substring tier (now instr() instead of LIKE) still folds ASCII case."""
    proc = run_cli(["terms", "search", "--json", "ARBOUR PLA"], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert [e["en"][0] for e in json.loads(proc.stdout)][:1] == ["harbour plan"]


@pytest.mark.parametrize("concordance", [False, True])
def test_tm_search_with_long_queries_works(concordance: bool, seeded_db: Path,
                                           tmp_path: Path) -> None:
    ja = sentence_pairs(1, start=10_000)[0][0]
    queries = tmp_path / "q.txt"
    queries.write_text(f"{ja * 3000}\n{'policy words ' * 10000}\n{ja}\n", encoding="utf-8")
    extra = ["--concordance"] if concordance else []
    proc = run_cli(["tm", "search", "--json", "--queries", str(queries), *extra], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    results = json.loads(proc.stdout)
    assert len(results) == 3 and results[2]["matches"], describe(proc)
    proc = run_cli(["tm", "search", *extra, ja * 1500], db=seeded_db)
    assert proc.returncode == 0, describe(proc)


# -- 16.13: escape sequences in stored text -----------------------------------------------------
EVIL = "\x1b]0;PWNED\x07\x1b[2J"
SHOWN = "^[]0;PWNED^G^[[2J"
#: for a glossary cell, where ";" separates variants and brackets hold a reading: ESC c
#: resets the terminal, BEL rings, ESC 7 saves the cursor
EVIL_TERM = "\x1bc\x07\x1b7"
C1 = "\x9b31m"  # U+009B, a one-character CSI on some terminals


@pytest.fixture
def evil_db(seeded_db: Path, tmp_path: Path) -> Path:
    """The seeded database plus a TM unit, a document name and a term holding escapes."""
    tsv = tmp_path / f"doc{EVIL}.tsv"  # the file name becomes the document's name
    tsv.write_text(
        "ja\ten\n"
        f"2020年3月、ザンジバルの港湾の{EVIL}整備計画を市の委員会が公表し、住民への説明会を"
        "三回にわたって開いたと発表した。\t"
        f"The Zanzibar harbour{EVIL} plan{C1} was published in March 2020.\n",
        encoding="utf-8")
    proc = run_cli(["tm", "import", str(tsv)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    csv = tmp_path / "evil.csv"
    csv.write_text(f'ja,en\n悪意{EVIL_TERM},"evil{C1}term"\n', encoding="utf-8")
    proc = run_cli(["terms", "import", str(csv)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    return seeded_db


RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


FUZZY_QUERY = ("2020年3月、ザンジバルの港湾の整備計画を市の委員会が公表し、住民への説明会を"
               "三回にわたって開いたと発表した。")


@pytest.mark.parametrize(("args", "want"), [
    (["tm", "search", FUZZY_QUERY], SHOWN),
    (["tm", "search", "--concordance", "zanzibar"], SHOWN),
    (["tm", "search", "--concordance", "ザンジバル"], SHOWN),
    (["terms", "list"], "悪意^[c^G^[7"),
    (["terms", "search", "悪意"], "悪意^[c^G^[7"),
    (["terms", "search", "evil"], "evil<U+009B>31mterm"),
], ids=["fuzzy", "concordance-en", "concordance-ja", "terms-list", "terms-search-ja",
        "terms-search-en"])
def test_stored_escape_sequences_never_reach_the_terminal(args: list[str], want: str,
                                                          evil_db: Path) -> None:
    proc = run_cli(args, db=evil_db)
    assert proc.returncode == 0, describe(proc)
    assert not RAW.search(proc.stdout), repr(proc.stdout)
    assert want in proc.stdout, proc.stdout
    # --json keeps the text exactly, escaped as JSON escapes it
    proc = run_cli([*args, "--json"], db=evil_db)
    assert proc.returncode == 0, describe(proc)
    assert not RAW.search(proc.stdout), repr(proc.stdout)
    assert "\\u001b[" in proc.stdout or "\\u009b" in proc.stdout, proc.stdout
    text = json.dumps(json.loads(proc.stdout), ensure_ascii=False)
    assert EVIL in text or EVIL_TERM in text or C1 in text


def test_c1_controls_are_escaped_in_json_and_shown_on_the_terminal(evil_db: Path) -> None:
    proc = run_cli(["tm", "search", "--concordance", "--json", "zanzibar"], db=evil_db)
    assert "\\u009b31m" in proc.stdout and "\x9b" not in proc.stdout, repr(proc.stdout)
    proc = run_cli(["tm", "search", "--concordance", "zanzibar"], db=evil_db)
    assert "<U+009B>31m" in proc.stdout, repr(proc.stdout)


def test_document_name_with_escapes_is_shown_visibly(evil_db: Path) -> None:
    proc = run_cli(["tm", "search", FUZZY_QUERY], db=evil_db)
    assert f"doc{SHOWN}.tsv" in proc.stdout, proc.stdout
    proc = run_cli(["tm", "search", "--json", FUZZY_QUERY], db=evil_db)
    assert json.loads(proc.stdout)["matches"][0]["document"] == f"doc{EVIL}.tsv"


def test_error_message_quoting_a_file_name_with_escapes(tmp_path: Path,
                                                       seeded_db: Path) -> None:
    proc = run_cli_bytes(["ingest", os.fsencode(tmp_path) + b"/\x1b[2Jgone\x07.txt"],
                         db=seeded_db)
    line = assert_one_line_error(proc, "^[[2Jgone^G.txt", "no such file")
    assert not RAW.search(line)


def test_click_usage_errors_quoting_arguments_stay_one_clean_line(seeded_db: Path) -> None:
    proc = run_cli_bytes(["tm", "search", "a", b"\xf9\n\x02", b"\x1b[2J"], db=seeded_db)
    assert proc.returncode == 2, describe(proc)
    line = assert_clean_outcome(proc)
    assert line == "Error: Got unexpected extra arguments (\\xf9 ^B ^[[2J)", describe(proc)


def test_every_command_checks_its_arguments() -> None:
    """Commands and subgroups are made through TaiyakuGroup, so every command (and any added
    later with ``@group.command()``) gets the one argument check."""
    import click
    from taiyaku.cli import TaiyakuCommand, TaiyakuGroup, cli

    def walk(group: click.Group) -> list[click.Command]:
        found: list[click.Command] = []
        for command in group.commands.values():
            if isinstance(command, click.Group):
                assert isinstance(command, TaiyakuGroup), command.name
                found += walk(command)
            else:
                found.append(command)
        return found

    commands = walk(cli)
    assert len(commands) >= 15
    assert all(isinstance(c, TaiyakuCommand) for c in commands), [
        c.name for c in commands if not isinstance(c, TaiyakuCommand)]


# -- numbers in text: a 400-digit number is a number, not a crash ------------------------------
def test_number_anchors_of_a_400_digit_number() -> None:
    from taiyaku.tm.anchors import en_numbers, ja_numbers

    digits = "9" * 400  # float() reads it as inf
    assert ja_numbers(f"計画は{digits}円だった。") == ["n:inf"]
    assert en_numbers(f"The plan cost {digits} yen.") == ["n:inf"]


def test_align_and_ingest_of_a_text_with_a_400_digit_number(tmp_path: Path,
                                                            seeded_db: Path) -> None:
    path = tmp_path / "big-number.txt"
    digits = "9" * 400
    path.write_text(f"計画は{digits}円だった。\n\nThe plan cost {digits} yen.\n", encoding="utf-8")
    proc = run_cli(["align", str(path), "--format", "json"])
    assert proc.returncode == 0, describe(proc)
    proc = run_cli(["ingest", "--json", str(path)], db=seeded_db)
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["units"] == 1


def test_coloured_rendering_sends_only_its_own_escape_sequences() -> None:
    """On a terminal ``tm search`` colours the differences: those codes are the only ESC
    characters in its output, whatever the stored text holds."""
    from taiyaku.core.model import Match
    from taiyaku.tm.search import ConcordanceHit, SearchResult

    query = "港湾の整備計画を公表した。"
    match = Match(1, 80.0, f"港湾の{EVIL}整備計画を公表した。", f"The plan{EVIL}{C1}.",
                  document=f"doc{EVIL}")
    hit = ConcordanceHit(2, f"港湾{EVIL}", f"harbour{C1}", f"doc{EVIL}", "ja", ((0, 2),))
    ours = re.compile(r"\x1b\[(?:31|32|1|2|0)m")
    for result in (SearchResult([query], matches=[[match]]),
                   SearchResult(["港湾"], hits=[[hit]], concordance=True)):
        text = result.render(color=True)
        assert ours.search(text), text
        assert not RAW.search(ours.sub("", text)), repr(text)
        assert "^[]0;PWNED^G" in text


@pytest.mark.parametrize("meta", ['"frequency": 1e400', '"frequency": 99999999999999999999',
                                  '"score": NaN', '"score": Infinity',
                                  '"id": 99999999999999999999'])
def test_tbx_metadata_numbers_the_database_cannot_hold_are_ignored(meta: str) -> None:
    """taiyaku's own JSON note in a TBX entry: an unusable number is dropped (as an unknown
    status is), never passed on to crash the import."""
    import io

    from taiyaku.exports import tbx

    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
        "<text><body><conceptEntry id=\"c1\">"
        f'<note>taiyaku:{{"status": "approved", {meta}}}</note>'
        '<langSec xml:lang="ja"><termSec><term>港湾</term></termSec></langSec>'
        "</conceptEntry></body></text></tbx>\n"
    )
    (entry,) = tbx.read(io.BytesIO(data.encode()), "g.tbx")
    assert entry.status == "approved"
    assert entry.frequency == 0 and entry.score == 0.0
    assert entry.id is None or -(2**63) <= entry.id < 2**63
