"""Helpers for the reliability tests: run the real CLI, fingerprint a database, generate text.

Every input these tests use is generated here, in the tests' own words (no seed or corpus
text, no committed binaries).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]


# -- running the CLI ---------------------------------------------------------------------------
def cli_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -c`` on cli.py."""
    script = Path(sys.executable).with_name("taiyaku")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli import cli; cli()"]


def cli_env(db: Path | None = None, **extra: str) -> dict[str, str]:
    """A clean environment for a CLI subprocess (no traceback switch, optional database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAIYAKU_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["LC_ALL"] = env.get("LC_ALL", "C.UTF-8")
    if db is not None:
        env["TAIYAKU_DB"] = str(db)
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str | os.PathLike[str]],
    *,
    db: Path | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``taiyaku ARGS`` in a subprocess and return its result (text mode)."""
    return subprocess.run(
        [*cli_command(), *map(str, args)],
        cwd=cwd or ROOT,
        env=cli_env(db, **(env_extra or {})),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def run_cli_bytes(
    args: Sequence[str | bytes | os.PathLike[str]],
    *,
    db: Path | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``taiyaku ARGS`` where arguments may be any bytes (not valid UTF-8, Shift_JIS file
    names), as a shell passes them; CliRunner cannot. Output is decoded with
    ``backslashreplace``, so a stray byte shows as ``\\xNN`` and control characters stay."""
    raw = subprocess.run(
        [*cli_command(), *(a if isinstance(a, bytes) else os.fspath(a) for a in args)],
        cwd=cwd or ROOT, env=cli_env(db), capture_output=True, timeout=timeout,
    )
    return subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode("utf-8", "backslashreplace"),
        raw.stderr.decode("utf-8", "backslashreplace"),
    )


def popen_cli(
    args: Sequence[str | os.PathLike[str]], *, db: Path | None = None
) -> subprocess.Popen[str]:
    """Start ``taiyaku ARGS`` without waiting (for kills and concurrent runs)."""
    return subprocess.Popen(
        [*cli_command(), *map(str, args)],
        cwd=ROOT,
        env=cli_env(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


def describe(proc: subprocess.CompletedProcess[str] | tuple[int, str, str]) -> str:
    """Exit code, stdout and stderr of a finished process, for assertion messages."""
    if isinstance(proc, tuple):
        code, out, err = proc
    else:
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    return f"exit {code}\n--- stdout ---\n{out[-3000:]}\n--- stderr ---\n{err[-3000:]}"


def assert_one_line_error(
    proc: subprocess.CompletedProcess[str], names: str, problem: str, exit_code: int = 1
) -> str:
    """The command failed cleanly: exit 1, no traceback, one ``Error:`` line on stderr that
    names *names* (a path or file name) and matches the regex *problem*. Returns the line.

    With ``exit_code=2`` (a usage error found by click) the ``Usage:``/``Try`` lines click
    prints before the error line are allowed.
    """
    info = describe(proc)
    assert proc.returncode == exit_code, info
    assert "Traceback" not in proc.stderr, info
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if exit_code == 2:
        lines = [line for line in lines if not line.startswith(("Usage:", "Try "))]
    assert len(lines) == 1, f"expected one error line\n{info}"
    line = lines[0]
    assert line.startswith("Error: "), info
    assert names in line, f"the error does not name {names!r}\n{info}"
    assert re.search(problem, line, re.IGNORECASE), f"the error does not say {problem!r}\n{info}"
    return line


def assert_clean_outcome(proc: subprocess.CompletedProcess[str]) -> str | None:
    """Whatever the input, the command ended as taiyaku means to: exit 0, 1 or 2, no
    traceback, and on failure one ``Error:`` line (after click's usage lines for exit 2).
    Returns the error line, if any."""
    info = describe(proc)
    assert proc.returncode in (0, 1, 2), info
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, info
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    if proc.returncode == 0:
        assert not errors, info
        return None
    assert len(errors) == 1, info
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode == 1:
        assert lines == errors, info
    else:  # click's usage error: "Usage: …" (maybe wrapped), "Try …", then the error line
        assert lines[-1] == errors[0], info
        assert all(line.startswith(("Usage:", "Try ", " ")) for line in lines[:-1]), info
    return errors[0]


# -- what a test exercises ---------------------------------------------------------------------
def require(*modules: str) -> None:
    """Import each of *modules* (names under ``taiyaku``): a module that moved or vanished fails
    the calling test with its ImportError instead of skipping it."""
    for name in modules:
        importlib.import_module(f"taiyaku.{name}")


# -- the database ------------------------------------------------------------------------------
def checkpoint(db: Path) -> None:
    """Move the WAL into the main file so the file alone holds every committed change."""
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def db_hash(db: Path) -> str:
    """sha256 of the database file after a checkpoint (committed state, byte for byte)."""
    checkpoint(db)
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "WAL not empty after checkpoint"
    return hashlib.sha256(db.read_bytes()).hexdigest()


def db_counts(db: Path) -> dict[str, int]:
    """Row counts of the main tables, read with a plain sqlite3 connection."""
    conn = sqlite3.connect(str(db))
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "units", "segments", "terms", "term_forms")
        }
    finally:
        conn.close()


#: the process test_crash's alignment-change tests kill: argv db, kill point (see
#: ALIGN_KILL_POINTS there); it shrinks the page cache on the store's own connection so the
#: change spills uncommitted pages into the WAL before it is killed
ALIGN_KILL_SCRIPT = """
import os, signal, sys
from taiyaku.store.sqlite import beads as sqlite_beads
from taiyaku.tm import alignedit
from taiyaku.store import open_store

db, point = sys.argv[1], sys.argv[2]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
def after(name):
    real = getattr(sqlite_beads, name)
    def wrapped(*args, **kwargs):
        out = real(*args, **kwargs)
        die()
        return out
    return wrapped
if point == "units-added":
    sqlite_beads._add_units = after("_add_units")
elif point == "units-deleted":
    sqlite_beads._delete_units = after("_delete_units")
elif point == "beads-written":
    real = sqlite_beads.SqliteBeads._renumber_units
    def renumber(self, *args):
        real(self, *args)
        die()
    sqlite_beads.SqliteBeads._renumber_units = renumber
store = open_store(db)
store.conn.execute("PRAGMA cache_size = 4")
if point == "commit":
    store.conn.set_trace_callback(lambda sql: die() if sql.strip() == "COMMIT" else None)
doc = alignedit.load(store, "harbour-news")
def merge_pairs(beads):
    # merge every second paired bead with the next: many units added and deleted
    for p in range(len(beads) - 2, -1, -2):
        beads = alignedit.plan_merge_next(p)(beads)
    return beads
alignedit.edit(store, "harbour-news", doc.revision, merge_pairs, action="merge pairs")
store.close()
print("finished")
"""


def alignment_state(db: Path) -> tuple[object, ...]:
    """Every row an alignment change may touch: units, segments, beads, revisions, the edit
    history and the fuzzy index (read from the file directly)."""
    conn = sqlite3.connect(str(db))
    try:
        return tuple(tuple(conn.execute(sql).fetchall()) for sql in (
            "SELECT * FROM units ORDER BY id", "SELECT * FROM segments ORDER BY id",
            "SELECT * FROM beads ORDER BY doc_id, position", "SELECT * FROM bead_revisions",
            "SELECT * FROM bead_edits", "SELECT * FROM fuzzy_postings ORDER BY key, chunk",
            "SELECT * FROM fuzzy_keys ORDER BY key", "SELECT * FROM fuzzy_tokens ORDER BY id"))
    finally:
        conn.close()


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check`` result (``"ok"`` when sound) plus foreign-key violations."""
    conn = sqlite3.connect(str(db))
    try:
        result = "\n".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
        bad = conn.execute("PRAGMA foreign_key_check").fetchall()
        return result if not bad else f"{result}; foreign key violations: {bad[:5]}"
    finally:
        conn.close()


# -- generated bilingual text ------------------------------------------------------------------
# Small phrase tables in our own words; combined with a running number they give as many
# distinct, clearly parallel sentence pairs as a test needs.
_SUBJECTS = [
    ("委員会", "the committee"),
    ("市議会", "the city council"),
    ("調査チーム", "the survey team"),
    ("港の運営会社", "the port operator"),
    ("地元の漁業協同組合", "the local fishing cooperative"),
    ("県の教育局", "the prefectural education office"),
    ("鉄道会社", "the railway company"),
    ("研究所", "the research institute"),
]
_OBJECTS = [
    ("新しい港湾計画", "the new harbour plan"),
    ("水質の検査結果", "the water quality results"),
    ("橋の補修予算", "the bridge repair budget"),
    ("図書館の開館時間", "the library opening hours"),
    ("バス路線の変更案", "the proposed bus route change"),
    ("公園の整備方針", "the park improvement policy"),
    ("防災訓練の日程", "the disaster drill schedule"),
]
_VERBS = [
    ("を承認した", "approved"),
    ("を見直した", "reviewed"),
    ("を公表した", "published"),
    ("を延期した", "postponed"),
    ("を批判した", "criticised"),
]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def sentence_pair(i: int) -> tuple[str, str]:
    """The *i*-th generated JA/EN sentence pair (distinct for every i, numbers as anchors)."""
    subj = _SUBJECTS[i % len(_SUBJECTS)]
    obj = _OBJECTS[(i // len(_SUBJECTS)) % len(_OBJECTS)]
    verb = _VERBS[(i // 3) % len(_VERBS)]
    year = 1990 + i % 30
    month = i % 12 + 1
    ja = f"{year}年{month}月、{subj[0]}は第{i + 1}号の{obj[0]}{verb[0]}。"
    en = f"In {_MONTHS[month - 1]} {year}, {subj[1]} {verb[1]} {obj[1]} (No. {i + 1})."
    return ja, en[0].upper() + en[1:]


def sentence_pairs(n: int, start: int = 0) -> list[tuple[str, str]]:
    """*n* generated sentence pairs."""
    return [sentence_pair(i) for i in range(start, start + n)]


def paragraphs(sentences: Sequence[str], per: int = 4, joiner: str = "") -> str:
    """Group sentences into paragraphs separated by blank lines."""
    paras = [joiner.join(sentences[k:k + per]) for k in range(0, len(sentences), per)]
    return "\n\n".join(paras) + "\n"


def write_pair(folder: Path, n: int, start: int = 0, stem: str = "doc") -> tuple[Path, Path]:
    """Write a two-file document (JA file, EN file) of *n* sentence pairs."""
    pairs = sentence_pairs(n, start)
    ja = folder / f"{stem}-ja.txt"
    en = folder / f"{stem}-en.txt"
    ja.write_text(paragraphs([p[0] for p in pairs]), encoding="utf-8")
    en.write_text(paragraphs([p[1] for p in pairs], joiner=" "), encoding="utf-8")
    return ja, en


def halves_text(n: int, start: int = 0) -> str:
    """A bilingual article in the 'halves' layout: Japanese paragraphs, then English ones."""
    pairs = sentence_pairs(n, start)
    ja = "市の広報から\n\n" + paragraphs([p[0] for p in pairs])
    en = "From the City Bulletin\n\n" + paragraphs([p[1] for p in pairs], joiner=" ")
    return ja + "\n" + en


def japanese_only_text(n: int = 12) -> str:
    """A Japanese-only article."""
    return paragraphs([p[0] for p in sentence_pairs(n)])


def english_only_text(n: int = 12) -> str:
    """An English-only article."""
    return paragraphs([p[1] for p in sentence_pairs(n)], joiner=" ")


# -- TMX / TBX ---------------------------------------------------------------------------------
TMX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
    '<tmx version="1.4">\n'
    '<header creationtool="reliability-tests" creationtoolversion="1" segtype="sentence" '
    'o-tmf="plain" adminlang="en" srclang="ja" datatype="plaintext"/>\n<body>\n'
)
TMX_TAIL = "</body>\n</tmx>\n"


def tmx_unit(ja: str, en: str) -> str:
    """One ``<tu>`` with a Japanese and an English variant."""
    return (f'<tu><tuv xml:lang="ja"><seg>{escape(ja)}</seg></tuv>'
            f'<tuv xml:lang="en"><seg>{escape(en)}</seg></tuv></tu>\n')


def tmx_text(pairs: Sequence[tuple[str, str]]) -> str:
    """A small TMX 1.4b document."""
    return TMX_HEAD + "".join(tmx_unit(ja, en) for ja, en in pairs) + TMX_TAIL


def iter_tmx_chunks(n: int, start: int = 0, chunk: int = 5000) -> Iterator[str]:
    """A TMX of *n* generated units, as text chunks (for large files)."""
    yield TMX_HEAD
    for k in range(start, start + n, chunk):
        yield "".join(tmx_unit(*sentence_pair(i)) for i in range(k, min(k + chunk, start + n)))
    yield TMX_TAIL


def tbx_text(entries: Sequence[tuple[str, str]]) -> str:
    """A small TBX v3 (TBX-Basic) glossary."""
    body = "".join(
        f'<conceptEntry id="c{i}"><langSec xml:lang="ja"><termSec><term>{escape(ja)}</term>'
        f'</termSec></langSec><langSec xml:lang="en"><termSec><term>{escape(en)}</term>'
        "</termSec></langSec></conceptEntry>\n"
        for i, (ja, en) in enumerate(entries, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">\n'
        "<tbxHeader><fileDesc><sourceDesc><p>reliability tests</p></sourceDesc></fileDesc>"
        "</tbxHeader>\n<text><body>\n" + body + "</body></text>\n</tbx>\n"
    )


TERMS = [
    ("港湾計画", "harbour plan"),
    ("水質検査", "water quality test"),
    ("防災訓練", "disaster drill"),
    ("補修予算", "repair budget"),
    ("漁業協同組合", "fishing cooperative"),
]


@dataclass(frozen=True)
class SeedContent:
    """What the prepared database holds."""

    documents: int
    units: int
    terms: int
