"""Benchmark: pre-translate 2,000 segments against a 1M-unit TM (target ≤ 15 s).

Usage::

    .venv/bin/python tests/benchmarks/bench_pretranslate.py           # 1M units
    .venv/bin/python tests/benchmarks/bench_pretranslate.py --quick   # 100k units

The TM is built once from ``../shared/data/kyoto/kyoto-ja-en.tsv.xz`` into a cache folder
(``$TAIYAKU_BENCH_DIR`` or the system temp folder) and reused while the corpus and the schema
are unchanged. Above the corpus size (487k pairs) it is padded with copies whose Japanese and
English carry a small edit, so fuzzy search meets realistic near-duplicates.

The 2,000 query segments are drawn from the corpus with a fixed seed: a third stored as they
are (exact matches), a third edited (fuzzy matches), a third held out of the TM (mostly no
match). The timed part is :func:`tm.pretranslate.pretranslate_file` end to end: reading,
segmenting, batch TM lookup, glossary lookup, writing XLIFF and the HTML report. It runs
twice: the target is judged on the second run; the first is printed as well, since after a
reboot it reads a reused database from disk (16.6 s against 5.5 s on the 2-core VM).
The exit status is 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import lzma
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "data" / "kyoto" / "kyoto-ja-en.tsv.xz"
N_QUERIES = 2000
HELD_OUT = 20_000  # the corpus's last pairs never go into the TM
TARGET_SECONDS = 15.0
N_TERMS = 2000


def corpus_pairs(path: Path = CORPUS) -> list[tuple[str, str]]:
    """All (ja, en) pairs of the Kyoto corpus, in file order."""
    pairs = []
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] and parts[2]:
                pairs.append((parts[1], parts[2]))
    return pairs


def _variants(pairs: list[tuple[str, str]], n: int) -> Iterator[tuple[str, str]]:
    """*n* pairs: the corpus first, then edited copies (a marker word in each language)."""
    count = 0
    round_no = 0
    while count < n:
        for ja, en in pairs:
            if count >= n:
                return
            if round_no == 0:
                yield ja, en
            else:
                yield f"{ja}（第{round_no}版）", f"{en} (edition {round_no})"
            count += 1
        round_no += 1


def build_tm(path: Path, size: int, pairs: list[tuple[str, str]]) -> None:
    """Create the benchmark TM at *path* with *size* units (one document)."""
    from taiyaku.core.model import NewUnit
    from taiyaku.store import open_store

    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    store = open_store(tmp)
    t0 = time.perf_counter()
    # One pass of index building at the end, as a bulk TMX import does.
    with store.transaction(), store.units.bulk():
        doc_id = store.documents.add("kyoto-bench", layout="tsv", kind="tmx")
        store.units.add(
            doc_id, (NewUnit(ja, en, i) for i, (ja, en) in enumerate(_variants(pairs, size))),
        )
    store.close()  # the last connection's close checkpoints the WAL into the file
    os.replace(tmp, path)
    print(f"built {size:,}-unit TM in {time.perf_counter() - t0:.1f} s: {path}")


def add_glossary(store: Any, n: int = N_TERMS) -> None:
    """Approve *n* article titles of the corpus as glossary terms (a client glossary's size)."""
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.glossary.store import upsert_entries

    titles: dict[str, str] = {}
    with lzma.open(CORPUS, "rt", encoding="utf-8") as f:
        article = ""
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[0] != article:
                article = parts[0]  # each article starts with its title row
                ja, en = parts[1].strip(), parts[2].strip()
                if 2 <= len(ja) <= 12 and en and ja not in titles:
                    titles[ja] = en
                    if len(titles) >= n:
                        break
    entries = [TermEntry(ja=(TermForm(ja, "ja"),), en=(TermForm(en, "en"),), status="approved")
               for ja, en in titles.items()]
    upsert_entries(store, entries)


def make_queries(pairs: list[tuple[str, str]], size: int, seed: int = 7) -> list[str]:
    """2,000 Japanese sentences: stored, edited and held-out thirds."""
    rng = random.Random(seed)
    stored = pairs[: min(size, len(pairs) - HELD_OUT)]
    held = pairs[len(pairs) - HELD_OUT :]
    third = N_QUERIES // 3
    out = [ja for ja, _ in rng.sample(stored, third)]
    for ja, _ in rng.sample(stored, third):
        # drop a few characters in the middle: a realistic 80–95% fuzzy match
        cut = max(1, len(ja) // 10)
        mid = len(ja) // 2
        out.append(ja[:mid] + ja[mid + cut :])
    out += [ja for ja, _ in rng.sample(held, N_QUERIES - len(out))]
    rng.shuffle(out)
    # one segment per line: strip characters that would make the segmenter split differently
    return [q.replace("\n", " ") for q in out]


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the TM, pre-translate 2,000 segments, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k-unit TM instead of 1M")
    parser.add_argument("--size", type=int, help="TM size (units)")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return 0
    size = args.size or (100_000 if args.quick else 1_000_000)

    from taiyaku.store import SCHEMA_VERSION, open_store
    from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file

    cache = Path(os.environ.get("TAIYAKU_BENCH_DIR", Path(tempfile.gettempdir()) / "taiyaku-bench"))
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"pretranslate-{size}-v{SCHEMA_VERSION}.db"
    pairs = corpus_pairs()
    if not db.exists():
        build_tm(db, size, pairs[: len(pairs) - HELD_OUT])
    work = Path(tempfile.mkdtemp(prefix="bench-pt-"))
    article = work / "article.txt"
    article.write_text("\n".join(make_queries(pairs, size)) + "\n", encoding="utf-8")

    store = open_store(db)
    units = store.counts()["units"]
    if not store.counts()["terms"]:
        add_glossary(store)
    terms = store.counts()["terms"]
    # Two runs: the first reads the database from wherever the page cache left it (cold
    # after a reboot, when the TM was built by an earlier run); the second is the steady
    # state the target is judged on. Both are printed.
    runs = []
    for k in range(2):
        options = PretranslateOptions(output=work / f"out{k}.xlf", report=work / f"report{k}.html")
        t0, c0 = time.perf_counter(), time.process_time()
        result = pretranslate_file(store, article, options)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    store.close()

    a = result.analysis
    segs = len(result.document.segments)
    hits = sum(len(x.terms) for x in result.document.segments)
    (first, first_cpu), (elapsed, cpu) = runs
    ok = elapsed <= TARGET_SECONDS
    print(f"pretranslate: {segs} segments against {units:,} TM units and {terms:,} glossary "
          f"terms ({hits} term hits) in {elapsed:.2f} s (CPU {cpu:.2f} s; load average "
          f"{os.getloadavg()[0]:.1f}) "
          f"({1000 * elapsed / max(segs, 1):.1f} ms/segment; target ≤ {TARGET_SECONDS:.0f} s "
          f"for 2,000 vs 1M) -> {'PASS' if ok else 'FAIL'}")
    print(f"  first run, as the page cache found the database: {first:.2f} s "
          f"(CPU {first_cpu:.2f} s)")
    print(" ".join(f"{b.label}={b.segments}" for b in a.bands))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
