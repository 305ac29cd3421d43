"""Benchmarks: ``taiyaku terms extract`` over Kyoto TMs of 10,000, 30,000 and 100,000 units
(target ≤ 60 s and ≤ 1 GB at 100,000, growing linearly), and ``taiyaku terms search`` from a
cold CLI on a 10,000-entry glossary (≤ 0.4 s).

Usage::

    .venv/bin/python tests/benchmarks/bench_terms.py           # both; 10 runs per query
    .venv/bin/python tests/benchmarks/bench_terms.py --quick   # extraction at 10k and 30k only
    .venv/bin/python tests/benchmarks/bench_terms.py --only extract --sizes 10000 100000

Extraction: each TM is built once from ``../shared/data/kyoto/kyoto-ja-en.tsv.xz`` (the
corpus's first *n* pairs, one document per Kyoto article, as units without segments like a TMX
import) into a cache folder (``$TAIYAKU_BENCH_DIR`` or the system temp folder). Each run is a
fresh process that opens a copy of the TM and calls :func:`glossary.extract.extract_terms`; it
reports its wall and CPU time and its own peak resident memory (``ru_maxrss``, Sudachi's
dictionary included). With the ``dict`` extra installed, every size is extracted with the
dictionary and again without it (``--no-dict``: without it only), and the growth from the
smallest to the largest size is printed each way. The target is checked on CPU time, because
wall time on a shared machine says more about the other processes than about the code.

Gold (``--only gold``): the five seed articles (``../shared/seeds``) are ingested as the
acceptance test does (004 bilingual, the others Japanese-only), terms are extracted, and the
result is scored against ``tests/data/seed_terms_gold.tsv``, a gold list written by reading the
seeds: the share of found bilingual gold terms whose preferred English is right, and the
share of the top 50 entries that are gold terms with the right English (the others are
printed for judging by hand); ``--all`` lists the right pairs too, with how each was found.

Suggestions (``--only suggest``): the same extraction; of the top 100 entries, those met only
in the Japanese-only articles, the share with an English suggestion (≥ 60%, with the ``dict``
extra), listed with method and confidence for judging by hand.

Search: the glossary is synthetic: 10,000 two-word compounds built from 100 Japanese words × 100
others (readings from Sudachi, computed once per word) with English made the same way, stored
through ``upsert_entries``. Each timed run is a new process (spawn to exit), so the figure
includes interpreter start-up, imports, opening the store and the search, as a user sees it.
Byte code is cached (in a temporary ``PYTHONPYCACHEPREFIX``) as it would be after
installation; with ``PYTHONDONTWRITEBYTECODE=1`` every run would recompile the sources.
Queries cover an exact Japanese term, a kana reading prefix, an English plural in capitals and
a fuzzy (misspelt) English query.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 0.4
CORPUS = ROOT.parent / "shared" / "data" / "kyoto" / "kyoto-ja-en.tsv.xz"
EXTRACT_SIZES = (10_000, 30_000, 100_000)
EXTRACT_SECONDS = 60.0  # at 100,000 units
EXTRACT_MB = 1024.0

#: the child process that extracts: one JSON line with its figures
EXTRACT_CHILD = """
import json, resource, sys, time
from taiyaku.glossary.extract import ExtractOptions, extract_terms
from taiyaku.store import open_store
store = open_store(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
result = extract_terms(store, ExtractOptions(dictionary=sys.argv[2] == "dict"))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
store.close()
print(json.dumps({"wall": wall, "cpu": cpu, "stored": len(result.entries),
                  "paired": sum(1 for e in result.entries if e.en),
                  "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

JA_WORDS = (
    "輸出 輸入 規制 許可 関税 貿易 交渉 協定 条約 同盟 安全 保障 首脳 会談 会議 外交 政策 戦略 "
    "経済 金融 市場 通貨 基金 銀行 投資 産業 技術 半導体 資源 鉱物 農産 大豆 原油 電力 鉄道 "
    "高速 空港 港湾 海峡 国境 領土 主権 防衛 軍事 演習 訓練 停戦 休戦 和平 紛争 制裁 報復 "
    "緩和 強化 拡大 縮小 停止 再開 延長 撤廃 調整 協力 対立 緊張 安定 成長 景気 物価 金利 "
    "為替 財政 予算 税制 選挙 政党 議会 内閣 閣僚 官僚 世論 報道 通信 放送 情報 分析 研究 "
    "教育 医療 環境 気候 災害 台風 豪雨 観光 文化 歴史 秩序 体制"
).split()
EN_WORDS = (
    "export import control permit tariff trade negotiation agreement treaty alliance security "
    "guarantee leader meeting conference diplomacy policy strategy economy finance market "
    "currency fund bank investment industry technology semiconductor resource mineral farm "
    "soybean crude power railway speed airport harbor strait border territory sovereignty "
    "defense military exercise drill ceasefire truce peace conflict sanction retaliation "
    "easing tightening expansion reduction suspension restart extension removal adjustment "
    "cooperation rivalry tension stability growth cycle price rate exchange fiscal budget tax "
    "election party parliament cabinet minister bureaucrat opinion press telecom broadcast "
    "intelligence analysis research education health environment climate disaster typhoon "
    "rain tourism culture history order regime"
).split()
QUERIES = ("輸出規制", "ゆしゅつき", "Export Controls", "tarif negotation")


def taiyaku() -> list[str]:
    """The venv's console script, else ``python -m taiyaku.cli``."""
    for folder in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        script = folder / "taiyaku"
        if script.exists():
            return [str(script)]
    return [sys.executable, "-m", "taiyaku.cli"]


def build_glossary(db: Path, size: int = 10_000, *, status: str | None = None) -> int:
    """Store *size* synthetic entries in *db* (candidates, or all of *status*); return how
    many were written."""
    from taiyaku.core.japanese import Analyzer
    from taiyaku.core.terms import TermEntry, TermForm
    from taiyaku.glossary.store import upsert_entries
    from taiyaku.store import open_store

    analyzer = Analyzer()
    readings = {w: analyzer.reading(w) for w in JA_WORDS}
    entries = []
    for i, a in enumerate(JA_WORDS):
        for j, b in enumerate(JA_WORDS):
            if len(entries) >= size or a == b:
                continue
            ea, eb = EN_WORDS[i % len(EN_WORDS)], EN_WORDS[j % len(EN_WORDS)]
            entries.append(TermEntry(
                ja=(TermForm(a + b, "ja", reading=readings[a] + readings[b]),),
                en=(TermForm(f"{ea} {eb}s", "en"),),
                score=float((i * 31 + j * 17) % 100), frequency=(i + j) % 9 + 1,
            ))
    # the single words too, so the table is a realistic mix of lengths
    for a, e in zip(JA_WORDS, EN_WORDS, strict=False):
        if len(entries) < size:
            entries.append(TermEntry(ja=(TermForm(a, "ja", reading=readings[a]),),
                                     en=(TermForm(e, "en"),)))
    # and three-word compounds up to the size asked
    k = 0
    while len(entries) < size:
        a, b, c = (JA_WORDS[(k + d * 7) % len(JA_WORDS)] for d in range(3))
        ea, eb, ec = (EN_WORDS[(k + d * 7) % len(EN_WORDS)] for d in range(3))
        entries.append(TermEntry(ja=(TermForm(a + b + c + "案", "ja",
                                              reading=readings[a] + readings[b] + readings[c]
                                              + "あん"),),
                                 en=(TermForm(f"{ea} {eb} {ec} plan {k}", "en"),)))
        k += 1
    if status is not None:
        entries = [dataclasses.replace(e, status=status) for e in entries]
    store = open_store(db)
    with store.transaction():
        n = upsert_entries(store, entries)
    store.close()
    return n


def build_kyoto_tm(db: Path, size: int) -> None:
    """A TM of the corpus's first *size* pairs, one document per Kyoto article."""
    import lzma

    from taiyaku.core.model import NewUnit
    from taiyaku.store import open_store

    articles: dict[str, list[tuple[str, str]]] = {}
    count = 0
    with lzma.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[1] or not parts[2]:
                continue
            articles.setdefault(parts[0], []).append((parts[1], parts[2]))
            count += 1
            if count >= size:
                break
    tmp = db.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    store = open_store(tmp)
    with store.transaction(), store.units.bulk():
        for name, rows in articles.items():
            doc = store.documents.add(name, layout="tsv", kind="tmx")
            store.units.add(doc, [NewUnit(ja, en, i) for i, (ja, en) in enumerate(rows)])
    store.close()
    os.replace(tmp, db)


def bench_extract(sizes: tuple[int, ...], dictionary: bool = True) -> bool:
    """Extract terms from each Kyoto TM in a fresh process; print one line per size, with
    the ``dict`` extra (when installed) and without it (the target holds both ways), and the
    growth from the smallest to the largest size each way.

    The target is checked on CPU time: on a shared machine wall time says more about the
    other processes. The peak is the child's own (extraction starts no process of its own)."""
    import json
    import shutil

    from taiyaku.glossary.dictionary import open_dictionary
    from taiyaku.store import SCHEMA_VERSION

    if not CORPUS.exists():
        print(f"terms extract: skipped, {CORPUS} not found")
        return True
    cache = Path(os.environ.get("TAIYAKU_BENCH_DIR", Path(tempfile.gettempdir()) / "taiyaku-bench"))
    cache.mkdir(parents=True, exist_ok=True)
    ok = True
    figures: dict[bool, list[tuple[int, dict[str, float]]]] = {True: [], False: []}
    has_dict = dictionary and open_dictionary() is not None
    runs = [(size, has_dict) for size in sizes]
    if has_dict:
        runs += [(size, False) for size in sizes]
    for size, with_dict in runs:
        db = cache / f"terms-kyoto-{size}-v{SCHEMA_VERSION}.db"
        if not db.exists():
            build_kyoto_tm(db, size)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) / "tm.db"
            shutil.copy(db, work)  # extraction writes candidates: the cached TM stays clean
            out = subprocess.run([sys.executable, "-c", EXTRACT_CHILD, str(work),
                                  "dict" if with_dict else "nodict"], check=True,
                                 capture_output=True, text=True, cwd=ROOT)
        f = json.loads(out.stdout.strip().splitlines()[-1])
        figures[with_dict].append((size, f))
        line = (f"terms extract {size:>7,} Kyoto units "
                f"({'with' if with_dict else 'without'} the dictionary): {f['wall']:6.1f} s wall, "
                f"{f['cpu']:6.1f} s CPU, peak {f['mb']:6.0f} MB; {f['stored']} stored, "
                f"{f['paired']} with English (load average {os.getloadavg()[0]:.1f})")
        if size == 100_000:
            good = f["cpu"] <= EXTRACT_SECONDS and f["mb"] <= EXTRACT_MB
            ok = ok and good
            line += (f" target ≤ {EXTRACT_SECONDS:.0f} s CPU, ≤ 1 GB: "
                     f"{'OK' if good else 'OVER'}")
        print(line, flush=True)
    for with_dict, figs in figures.items():
        if len(figs) >= 2:
            (n0, f0), (n1, f1) = min(figs, key=_first), max(figs, key=_first)
            print(f"  growth {'with' if with_dict else 'without'} the dictionary, {n0:,} → "
                  f"{n1:,} units (×{n1 / n0:.0f}): CPU ×{f1['cpu'] / f0['cpu']:.1f}, "
                  f"memory ×{f1['mb'] / f0['mb']:.1f}", flush=True)
    return ok


def _first(pair: tuple[int, dict[str, float]]) -> int:
    return pair[0]


GOLD = ROOT / "tests" / "data" / "seed_terms_gold.tsv"
SEEDS = ROOT.parent / "shared" / "seeds"


def _en_match(got: str, wanted: str) -> bool:
    """The same English up to case, number, dashes and a leading article."""
    from taiyaku.glossary.keys import en_key

    def key(text: str) -> str:
        k = en_key(text.replace("–", "-").replace("—", "-"))
        return k.removeprefix("the ")

    return key(got) == key(wanted)


def bench_gold(dictionary: bool = True, show_all: bool = False) -> bool:
    """Extract from the seeds and score against the gold list; print the figures (with
    *show_all*, every found bilingual gold term with its English, method and confidence)."""
    from taiyaku.glossary.extract import ExtractOptions, extract_terms
    from taiyaku.glossary.keys import ja_key
    from taiyaku.glossary.store import list_terms
    from taiyaku.store import open_store
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    if not SEEDS.exists():
        print(f"gold: skipped, {SEEDS} not found")
        return True
    gold: dict[str, tuple[list[str], str]] = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("#") or line.startswith("ja\t") or not line.strip():
            continue
        ja, en, kind = line.split("\t")
        gold[ja_key(ja)] = ([e.strip() for e in en.split(" | ")], kind)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "seeds.db")
        for path in sorted(SEEDS.glob("*.txt")):
            mono = not path.name.startswith("004")
            ingest_file(store, path, IngestOptions(layout="mono") if mono else IngestOptions())
        extract_terms(store, ExtractOptions(dictionary=dictionary))
        entries = list_terms(store, limit=500)
        store.close()
    found: dict[str, tuple[str, bool]] = {}
    how: dict[str, str] = {}
    top: list[tuple[str, str, str]] = []
    for rank, e in enumerate(entries):
        en = e.en[0].text if e.en else ""
        method = f"{e.en[0].method or 'as written'} {e.en[0].confidence or 0:.2f}" if e.en else ""
        verdict = ""
        for f in e.ja:
            g = gold.get(ja_key(f.text))
            if g is None or (f.kind != "term" and ja_key(f.text) in found):
                continue
            right = bool(en) and any(_en_match(en, w) for w in g[0])
            if f.kind == "term" or ja_key(f.text) not in found:
                found[ja_key(f.text)] = (en, right)
                how[ja_key(f.text)] = method
            verdict = verdict or ("right" if right else "wrong")
        if rank < 50:
            top.append((e.ja[0].text, en, verdict or "not in gold"))
    bi = {k: v for k, v in found.items() if gold[k][1] == "bilingual"}
    right = sum(1 for _, r in bi.values() if r)
    share = right / len(bi) if bi else 0.0
    n_bi = sum(1 for g in gold.values() if g[1] == "bilingual")
    print(f"gold ({'with' if dictionary else 'without'} the dictionary): {len(bi)} of {n_bi} "
          f"bilingual gold terms found, {right} with the right preferred English: "
          f"{share:.0%} (target ≥ 85% with ≥ 40 found)")
    for k, (en, r) in sorted(bi.items()):
        if not r:
            print(f"  wrong or none: {k} = {en or '(none)'}  (gold: {gold[k][0][0]})")
        elif show_all:
            print(f"  right: {k} = {en}  ({how[k]})")
    missed = sorted(k for k, g in gold.items() if g[1] == "bilingual" and k not in found)
    print(f"  not found: {' '.join(missed)}")
    ja_only = {k: v for k, v in found.items() if gold[k][1] == "ja-only"}
    print(f"gold: {len(ja_only)} Japanese-only gold terms found, "
          f"{sum(1 for _, r in ja_only.values() if r)} with a right English suggestion")
    good = sum(1 for _, _, v in top if v == "right")
    print(f"top 50: {good} gold terms with the right English; the rest, to judge by hand:")
    for ja, en, v in top:
        if v != "right":
            print(f"  [{v}] {ja} = {en or '(none)'}")
    return len(bi) >= 40 and share >= 0.85


def bench_suggest(top: int = 100) -> bool:
    """Suggestions for Japanese-only terms: among the *top* entries extracted from the seeds
    (the dictionary extra used when installed), those met only in Japanese-only articles;
    print the share with an English suggestion (target ≥ 60%) and the list (term, suggestion,
    method, confidence) for judging by hand whether a translator would accept each."""
    from taiyaku.glossary.dictionary import open_dictionary
    from taiyaku.glossary.extract import ExtractOptions, extract_terms
    from taiyaku.glossary.store import list_terms
    from taiyaku.store import open_store
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    if not SEEDS.exists():
        print(f"suggest: skipped, {SEEDS} not found")
        return True
    mono_names = set()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "seeds.db")
        for path in sorted(SEEDS.glob("*.txt")):
            mono = not path.name.startswith("004")
            if mono:
                mono_names.add(path.name)
            ingest_file(store, path, IngestOptions(layout="mono") if mono else IngestOptions())
        extract_terms(store, ExtractOptions(dictionary=True))
        entries = list_terms(store, limit=top)
        store.close()
    ja_only = [e for e in entries if e.sources and set(e.sources) <= mono_names]
    with_en = [e for e in ja_only if e.en]
    share = len(with_en) / len(ja_only) if ja_only else 0.0
    have = "with" if open_dictionary() is not None else "WITHOUT"
    print(f"suggest ({have} the dict extra): {len(ja_only)} of the top {top} entries are "
          f"Japanese-only, {len(with_en)} with an English suggestion: {share:.0%} "
          f"(target ≥ 60%)")
    for e in ja_only:
        s = e.en[0] if e.en else None
        how = f"{s.method or 'as written'} {s.confidence or 0:.2f}" if s else ""
        print(f"  {e.ja[0].text}\t{s.text if s else '(none)'}\t{how}")
    return share >= 0.6


def time_runs(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall-clock seconds of *runs* fresh processes (after one warm-up)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the extraction and search benchmarks; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="extraction at 10k and 30k only, 5 search runs")
    parser.add_argument("--size", type=int, default=10_000, help="glossary size for search")
    parser.add_argument("--sizes", type=int, nargs="+", help="TM sizes for extraction")
    parser.add_argument("--only", choices=("extract", "search", "gold", "suggest"))
    parser.add_argument("--no-dict", action="store_true",
                        help="extract without the dictionary even when the extra is installed")
    parser.add_argument("--all", action="store_true",
                        help="gold: list the right pairs too, with method and confidence")
    args = parser.parse_args(argv)
    ok = True
    if args.only in (None, "gold"):
        ok = bench_gold(not args.no_dict, args.all) and ok
    if args.only in (None, "suggest"):
        ok = bench_suggest() and ok
    if args.only in (None, "extract"):
        sizes = tuple(args.sizes or (EXTRACT_SIZES[:2] if args.quick else EXTRACT_SIZES))
        ok = bench_extract(sizes, not args.no_dict) and ok
    if args.only in (None, "search"):
        ok = bench_search(args.size, 5 if args.quick else 10) and ok
    return 0 if ok else 1


def bench_search(size: int, runs: int) -> bool:
    """Build the glossary, time cold searches, print one line per query and the verdict."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "terms.db"
        start = time.perf_counter()
        n = build_glossary(db, size)
        print(f"glossary: {n} entries built in {time.perf_counter() - start:.1f} s")
        # As on a user's machine, byte code is cached after the first run: the sandbox sets
        # PYTHONDONTWRITEBYTECODE, so the cache goes to a temporary prefix instead.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(TAIYAKU_DB=str(db), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        medians = []
        for q in QUERIES:
            times = time_runs([*taiyaku(), "terms", "search", q], runs, env)
            med = statistics.median(times)
            medians.append(med)
            print(f"terms search {q!r:<22} median {med:.3f} s  min {min(times):.3f} s  "
                  f"max {max(times):.3f} s  (n={runs})")
        worst = max(medians)
        verdict = "OK" if worst <= TARGET_SECONDS else "OVER"
        print(f"cold term search: worst median {worst:.3f} s (target ≤ {TARGET_SECONDS} s) "
              f"{verdict}")
    return worst <= TARGET_SECONDS


if __name__ == "__main__":
    raise SystemExit(main())
