"""Benchmark: TM fuzzy search, concordance and TMX import at 10k / 100k / 1M units.

Builds TMs from ``../shared/data/kyoto/kyoto-ja-en.tsv.xz`` (real pairs, then edited copies of
them up to the size), writes them as TMX and imports that in a subprocess (time and peak RSS),
then queries held-out and edited segments and prints p50/p99 latency, agreement of the best
score with an exhaustive rapidfuzz scan, concordance latency and the database size.

    .venv/bin/python tests/benchmarks/bench_tm.py                 # 10k, 100k, 1M
    .venv/bin/python tests/benchmarks/bench_tm.py --sizes 10000   # quick
"""

from __future__ import annotations

import argparse
import contextlib
import json
import lzma
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "data" / "kyoto" / "kyoto-ja-en.tsv.xz"
HELD_OUT = 2000
EDIT_CHARS = "のはがをにへと会議市町村年月日本大学寺社川山新旧東西南北上下"

IMPORT_SNIPPET = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from taiyaku.store import open_store
from taiyaku.tm.tmio import import_tm
t = time.perf_counter()
c = time.process_time()
with open_store(Path({db!r})) as store:
    r = import_tm(store, Path({tmx!r}))
secs = time.perf_counter() - t
cpu = time.process_time() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# the index may be built by a worker process in parallel: count its CPU and memory too
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": secs, "cpu": cpu, "peak_mb": rss, "added": r.added, "read": r.read,
                  "child_cpu": ch.ru_utime + ch.ru_stime, "child_peak_mb": ch.ru_maxrss / 1024}}))
"""


def load_pairs() -> list[tuple[str, str]]:
    pairs = []
    with lzma.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1].strip() and parts[2].strip():
                pairs.append((parts[1], parts[2]))
    return pairs


def edit(text: str, rng: random.Random, rate: float) -> str:
    """Change about *rate* of the characters (substitute, delete, insert) and any numbers."""
    chars = list(text)
    for _ in range(max(1, int(len(chars) * rate))):
        if not chars:
            break
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.4:
            chars[i] = rng.choice(EDIT_CHARS)
        elif op < 0.7:
            del chars[i]
        else:
            chars.insert(i, rng.choice(EDIT_CHARS))
    out = "".join(chars) or text
    if rng.random() < 0.3:
        out = "".join(str(rng.randrange(10)) if c.isdigit() else c for c in out)
    return out


def build_units(
    pairs: list[tuple[str, str]], size: int, rng: random.Random
) -> list[tuple[str, str]]:
    units = pairs[:size]
    i = 0
    while len(units) < size:
        ja, en = pairs[i % len(pairs)]
        units.append((edit(ja, rng, rng.choice((0.05, 0.1, 0.2, 0.3))), en))
        i += 1
    return units


def write_tmx(units: list[tuple[str, str]], path: Path) -> None:
    from taiyaku.core.model import TMUnit
    from taiyaku.exports import tmx

    with open(path, "wb") as fp:
        tmx.write(
            (TMUnit(ja, en, document=f"kyoto-{i // 500}", position=i % 500, confidence=0.9)
             for i, (ja, en) in enumerate(units)),
            fp, meta={"taiyaku_version": "bench"},
        )


def edit_words(text: str, rng: random.Random) -> str:
    """Drop, repeat or swap a word or two of an English sentence."""
    words = text.split()
    for _ in range(rng.choice((1, 2))):
        if len(words) < 3:
            break
        i = rng.randrange(len(words))
        op = rng.random()
        if op < 0.4:
            del words[i]
        elif op < 0.7:
            words.insert(i, words[i])
        else:
            j = rng.randrange(len(words))
            words[i], words[j] = words[j], words[i]
    return " ".join(words)


class Agreement:
    """Tally of our best score against the exhaustive scan's, overall and in the 50–60 band."""

    def __init__(self) -> None:
        self.agree = self.total = self.band = self.band_agree = 0
        self.misses: list[tuple[float, float]] = []

    def add(self, exhaustive: float, ours: float) -> None:
        ok = abs(ours - exhaustive) < 1e-6
        self.total += 1
        self.agree += ok
        if 50 <= exhaustive < 60:
            self.band += 1
            self.band_agree += ok
        if not ok:
            self.misses.append((round(exhaustive, 1), round(ours, 1)))

    def merged(self, other: Agreement) -> Agreement:
        both = Agreement()
        for k in ("agree", "total", "band", "band_agree"):
            setattr(both, k, getattr(self, k) + getattr(other, k))
        both.misses = self.misses + other.misses
        return both

    def figures(self, suffix: str) -> dict[str, object]:
        return {
            f"agreement{suffix}":
                f"{self.agree}/{self.total} = {100 * self.agree / max(self.total, 1):.1f}%",
            f"agreement{suffix}_50_60":
                f"{self.band_agree}/{self.band} = "
                f"{100 * self.band_agree / max(self.band, 1):.1f}%",
            f"misses{suffix}(exhaustive, ours)": self.misses[:10],
        }


def english_agreement(store: object, queries: list[str], results: list[list[object]]
                      ) -> Agreement:
    """Best English score of our search against an exhaustive word-level scan.

    Each distinct token becomes one character, so rapidfuzz compares the token strings of a
    million units as fast as Japanese text (Levenshtein over characters = over tokens).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein
    from taiyaku.core.normalize import normalize
    from taiyaku.tm.fuzzy import en_tokens, query_lang, raw_similarity

    vocab: dict[str, str] = {}

    def encode(tokens: list[str]) -> str:
        out = []
        for t in tokens:
            ch = vocab.get(t)
            if ch is None:
                n = len(vocab) + 0x100
                ch = vocab[t] = chr(n + 0x800 if n >= 0xD800 else n)  # skip surrogates
            out.append(ch)
        return "".join(out)

    choices = [encode(en_tokens(u.en_norm)) for u in store.units.iterate()]
    tally = Agreement()
    for q, found in zip(queries, results, strict=True):
        if query_lang(normalize(q)) != "en":
            continue
        best = process.extractOne(encode(en_tokens(q)), choices,
                                  scorer=Levenshtein.normalized_similarity, score_cutoff=0.5)
        ex = 100 * best[1] if best else 0.0
        qt = en_tokens(q)
        mine = max((r for r in (raw_similarity(qt, en_tokens(m.source))  # type: ignore[attr-defined]
                                for m in found) if r >= 50), default=0.0)
        tally.add(ex, mine)
    return tally


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def bench_size(size: int, pairs: list[tuple[str, str]], held: list[tuple[str, str]],
               n_queries: int, n_exhaustive: int, work: Path, *, keep: bool = False,
               reuse_db: bool = False) -> dict[str, object]:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein
    from taiyaku.core.normalize import normalize
    from taiyaku.store import open_store
    from taiyaku.tm.fuzzy import query_lang, raw_similarity
    from taiyaku.tm.search import concordance, find_matches, find_matches_many

    rng = random.Random(size)
    units = build_units(pairs, size, rng)
    tmx_path = work / f"tm{size}.tmx"
    db = work / f"tm{size}.db"
    res: dict[str, object] = {"size": size}
    if reuse_db and db.exists():
        res["import"] = f"skipped (--reuse-db: {db})"
    else:
        if not (keep and tmx_path.exists()):
            write_tmx(units, tmx_path)
        db.unlink(missing_ok=True)
        for extra in ("-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_SNIPPET.format(root=str(ROOT), db=str(db),
                                                           tmx=str(tmx_path))],
            capture_output=True, text=True, check=True,
        )
        imp = json.loads(out.stdout.strip().splitlines()[-1])
        res.update({
            "import_s": round(imp["seconds"], 1), "import_cpu_s": round(imp["cpu"], 1),
            "import_peak_mb": round(imp["peak_mb"]),
            "import_worker_cpu_s": round(imp["child_cpu"], 1),
            "import_worker_peak_mb": round(imp["child_peak_mb"]),
            "units_added": imp["added"],
            "tmx_mb": round(tmx_path.stat().st_size / 1e6),
        })
        if not keep:
            tmx_path.unlink()
    res["db_mb"] = round(db.stat().st_size / 1e6)
    store = open_store(db)
    half = n_queries // 2
    queries = [ja for ja, _ in held[:half]]
    queries += [edit(ja, rng, rng.choice((0.1, 0.2, 0.3))) for ja, _ in rng.sample(units, half)]
    find_matches(store, queries[0])  # warm the page cache a little, as a session would
    lat, cpu = [], []
    results = []
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        results.append(find_matches(store, q, limit=5, min_score=50))
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    res["fuzzy_p50_ms"] = round(statistics.median(lat), 2)
    res["fuzzy_p99_ms"] = round(pct(lat, 0.99), 2)
    # CPU time of this process: less sensitive to other jobs sharing the machine
    res["fuzzy_cpu_p50_ms"] = round(statistics.median(cpu), 2)
    res["fuzzy_cpu_p99_ms"] = round(pct(cpu, 0.99), 2)
    t = time.perf_counter()
    find_matches_many(store, queries[:500], limit=5, min_score=50)
    res["batch_ms_per_query"] = round((time.perf_counter() - t) * 1000 / len(queries[:500]), 2)
    en_queries = [en for _, en in held[half: half + 200]]
    en_queries += [edit_words(en, rng) for _, en in rng.sample(units, 100)]
    lat_en = []
    en_results = []
    for q in en_queries:
        t = time.perf_counter()
        en_results.append(find_matches(store, q))
        lat_en.append((time.perf_counter() - t) * 1000)
    res["fuzzy_en_p50_ms"] = round(statistics.median(lat_en), 2)
    res["fuzzy_en_p99_ms"] = round(pct(lat_en, 0.99), 2)
    en_tally = english_agreement(store, en_queries, en_results)
    res.update(en_tally.figures("_en"))

    # agreement with an exhaustive scan of every stored segment
    choices = [u.ja_norm for u in store.units.iterate()]
    idx = list(range(len(queries)))
    rng.shuffle(idx)
    idx = idx[:n_exhaustive]
    en_skipped = 0
    tally = Agreement()
    for i in idx:
        qn = normalize(queries[i])
        if query_lang(qn) != "ja":
            # an edit left no kana/kanji: the query searches the English side (word by word),
            # which a character-level scan of the Japanese side does not compare with
            en_skipped += 1
            continue
        best = process.extractOne(qn, choices, scorer=Levenshtein.normalized_similarity,
                                  score_cutoff=0.5)
        ex = 100 * best[1] if best else 0.0
        mine = max((r for r in (raw_similarity(qn, normalize(m.source)) for m in results[i])
                    if r >= 50), default=0.0)
        tally.add(ex, mine)
    res.update(tally.figures(""))
    res["agreement_left_out_en"] = en_skipped
    # every query above, Japanese and English together (the bar is over queries)
    res["fuzzy_all_p50_ms"] = round(statistics.median(lat + lat_en), 2)
    res["fuzzy_all_p99_ms"] = round(pct(lat + lat_en, 0.99), 2)
    both = tally.merged(en_tally).figures("_all")
    res.update({k: v for k, v in both.items() if not k.startswith("misses")})

    # concordance
    long_q, short_q = [], []
    for ja, _ in held[:300]:
        n = normalize(ja)
        if len(n) >= 8:
            k = rng.randint(3, 6)
            s = rng.randrange(len(n) - k)
            long_q.append(n[s: s + k])
        s = rng.randrange(max(1, len(n) - 2))
        short_q.append(n[s: s + rng.randint(1, 2)])
    lat_c3, lat_c1 = [], []
    for q in long_q:
        t = time.perf_counter()
        concordance(store, q, limit=20)
        lat_c3.append((time.perf_counter() - t) * 1000)
    for q in short_q:
        t = time.perf_counter()
        concordance(store, q, limit=20)
        lat_c1.append((time.perf_counter() - t) * 1000)
    res["conc3_p50_ms"] = round(statistics.median(lat_c3), 2)
    res["conc3_p99_ms"] = round(pct(lat_c3, 0.99), 2)
    res["conc12_p50_ms"] = round(statistics.median(lat_c1), 2)
    res["conc12_max_ms"] = round(max(lat_c1), 2)
    store.close()
    if not keep:
        db.unlink(missing_ok=True)
    return res


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one block of figures per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=1000, help="fuzzy queries per size")
    ap.add_argument("--exhaustive", type=int, default=1000,
                    help="queries checked against an exhaustive scan per size")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where TMX and database files go (a temporary folder inside it)")
    ap.add_argument("--keep", action="store_true",
                    help="use --workdir itself and keep the TMX and database files there "
                         "(an existing TMX of the same size is reused)")
    ap.add_argument("--reuse-db", action="store_true",
                    help="with --keep: query an existing database instead of importing again")
    ap.add_argument("--quick", action="store_true", help="10k units only")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = "10000"
    if args.keep and args.workdir is None:
        ap.error("--keep needs --workdir")
    if not CORPUS.exists():
        print(f"bench_tm: {CORPUS} not found; skipped")
        return 0
    pairs = load_pairs()
    random.Random(42).shuffle(pairs)
    held, pairs = pairs[:HELD_OUT], pairs[HELD_OUT:]
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.workdir.mkdir(parents=True, exist_ok=True)
            tmp = str(args.workdir)
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(dir=args.workdir))
        for size in (int(s) for s in args.sizes.split(",")):
            res = bench_size(size, pairs, held, args.queries, args.exhaustive, Path(tmp),
                             keep=args.keep, reuse_db=args.reuse_db)
            print(f"== TM benchmark: {size:,} units")
            for k, v in res.items():
                print(f"  {k:28} {v}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
