"""Sanity figures for the PostgreSQL backend (the full benchmark is bench_tm.py's job): a
TMX import of N units (wall, CPU of the importer, peak RSS) into a fresh database on a
throwaway server (tests/pgcluster.py, or ``TAIYAKU_TEST_PG``), then fuzzy search p50/p99
(wall and client CPU) over held-out and edited segments, 1–2-character concordance, and
whether the same TMX in SQLite gives the same ``find_matches`` answers and the same
``tm search --json`` output (a batch: fuzzy, and concordance down to one character).

    .venv/bin/python tests/benchmarks/bench_pg_sanity.py --size 100000 --queries 300 \\
        --compare-sqlite
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

import bench_tm  # noqa: E402
import pgcluster  # noqa: E402

IMPORT = """
import json, resource, sys, time
from pathlib import Path
from taiyaku.store import open_store
from taiyaku.tm.tmio import import_tm
t, c = time.perf_counter(), time.process_time()
with open_store({db!r}) as store:
    r = import_tm(store, Path({tmx!r}))
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_cpu": ch.ru_utime + ch.ru_stime, "added": r.added}}))
"""


def _import(db: str, tmx: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", IMPORT.format(db=db, tmx=str(tmx))],
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def cli_search(db: str, queries: list[str], work: Path, *options: str) -> str:
    """The output of ``taiyaku tm search --queries FILE --json`` (run in this process) for
    *queries* on *db*."""
    from click.testing import CliRunner
    from taiyaku.cli import cli

    path = work / "queries.txt"
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")
    got = CliRunner().invoke(cli, ["tm", "search", "--queries", str(path), "--db", db,
                                   "--json", *options], catch_exceptions=False)
    if got.exit_code:
        raise RuntimeError(f"tm search failed on {db}: {got.output[-500:]}")
    return got.output


def compare_cli(dbs: dict[str, str], queries: list[str], units: list[tuple[str, str]],
                held_en: list[str], work: Path, rng: random.Random) -> dict[str, object]:
    """``tm search --json`` (a batch of queries) on both databases: fuzzy over the Japanese
    *queries* and English sentences, concordance over 1- and 2-character Japanese, longer
    Japanese and English words: how many queries' answers (ids, scores, order, texts) are
    identical."""
    ja_short = [q[i: i + n] for q in queries[:150] for i, n in ((0, 1), (2, 2)) if len(q) > 3]
    ja_long = [ja[3: 3 + rng.randrange(3, 8)] for ja, _ in rng.sample(units, 50)]
    en_words = [" ".join(en.split()[1: 1 + rng.randrange(1, 3)]) for _, en in
                rng.sample(units, 50)]
    en_words = [w for w in en_words if w.strip()]
    fuzzy = [q for q in queries + held_en if q.strip()]
    conc = [q for q in ja_short + ja_long + en_words if q.strip() and "\n" not in q]
    out: dict[str, object] = {}
    for kind, batch, options in (("fuzzy", fuzzy, ()), ("concordance", conc,
                                                        ("--concordance", "--limit", "20"))):
        answers = {name: json.loads(cli_search(db, batch, work, *options))
                   for name, db in dbs.items()}
        pg, lite = answers["pg"], answers["sqlite"]
        same = sum(a == b for a, b in zip(pg, lite, strict=True))
        found = sum(bool(a["matches"]) for a in lite)
        out[f"cli_{kind}_identical"] = f"{same} of {len(lite)} queries ({found} with matches)"
        out[f"cli_{kind}_differ"] = [a["query"] for a, b in zip(pg, lite, strict=True)
                                     if a != b][:5]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--compare-sqlite", action="store_true",
                    help="also import into SQLite and compare every query's answers")
    args = ap.parse_args()
    from taiyaku.store import open_store
    from taiyaku.tm.search import concordance, find_matches

    pairs = bench_tm.load_pairs()
    rng = random.Random(args.size)
    held, pairs = pairs[:2000], pairs[2000:]
    units = bench_tm.build_units(pairs, args.size, rng)
    work = Path(tempfile.mkdtemp(prefix="pgbench-"))
    tmx = work / "tm.tmx"
    bench_tm.write_tmx(units, tmx)
    address = pgcluster.fresh_database()
    res: dict[str, object] = {"size": args.size}
    imp = _import(address, tmx)
    res.update({f"pg_import_{k}": round(v, 1) for k, v in imp.items()})
    half = args.queries // 2
    queries = [ja for ja, _ in held[:half]]
    queries += [bench_tm.edit(ja, rng, rng.choice((0.1, 0.2, 0.3)))
                for ja, _ in rng.sample(units, half)]
    short = [q[i: i + n] for q in queries[:100] for i, n in ((0, 1), (1, 2)) if len(q) > 2]
    answers: dict[str, list[object]] = {}
    for name, db in [("pg", address)] + (
            [("sqlite", str(work / "tm.db"))] if args.compare_sqlite else []):
        if name == "sqlite":
            imp = _import(db, tmx)
            res.update({f"sqlite_import_{k}": round(v, 1) for k, v in imp.items()})
        store = open_store(db)
        find_matches(store, queries[0])
        lat, cpu, got = [], [], []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            got.append([(m.id, m.score) for m in find_matches(store, q, limit=5, min_score=50)])
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        conc = []
        for q in short:
            t = time.perf_counter()
            got.append([m.id for m in concordance(store, q, limit=20)])
            conc.append((time.perf_counter() - t) * 1000)
        answers[name] = got
        res[f"{name}_fuzzy_p50_ms"] = round(statistics.median(lat), 1)
        res[f"{name}_fuzzy_p99_ms"] = round(bench_tm.pct(lat, 0.99), 1)
        res[f"{name}_fuzzy_client_cpu_p50_ms"] = round(statistics.median(cpu), 1)
        res[f"{name}_conc12_p50_ms"] = round(statistics.median(conc), 1)
        res[f"{name}_conc12_max_ms"] = round(max(conc), 1)
        store.close()
    if args.compare_sqlite:
        res["same_answers"] = sum(a == b for a, b in zip(answers["pg"], answers["sqlite"],
                                                         strict=True))
        res["answers"] = len(answers["pg"])
        res.update(compare_cli({"pg": address, "sqlite": str(work / "tm.db")}, queries, units,
                               [en for _, en in held[:100]], work, rng))
    pgcluster.drop_database(address)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(res, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
