"""Benchmark: ingest time and peak memory of bilingual "halves" text of 1, 8 and 64 MB.

Builds each document at run time from ``../shared/data/kyoto/kyoto-ja-en.tsv.xz`` (Kyoto
articles in order: every article's Japanese as paragraphs of a few sentences, then, after a
blank line, its English; the document is the whole Japanese half followed by the whole
English half), writes it to a temporary folder, and runs ``taiyaku ingest`` on it in a
child process: wall time, CPU time (user + sys, children included), and peak memory, the
larger of the largest process's peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, as
shown by ``/usr/bin/time -v``) and the memory summed over the process tree (PSS, so pages
that processes share, such as the Sudachi dictionary mapped by the main process and an
align worker, count once; RSS where PSS is not readable), sampled every 0.2 s (a long
document starts an align worker, and one of more than 50,000 units forks an index worker).
The machine is shared: CPU time is the steadier figure; the wall time that the same work
would take on two otherwise idle cores is at least CPU / 2. Without ``../shared`` the
benchmark says so and skips.

    .venv/bin/python tests/benchmarks/bench_ingest.py                # 1, 8, 64 MB
    .venv/bin/python tests/benchmarks/bench_ingest.py --sizes 1 8    # quicker
    .venv/bin/python tests/benchmarks/bench_ingest.py --quick        # 1 and 8 MB

Targets on a 2-core machine: 8 MB ≤ 20 s and ≤ 600 MB; 64 MB ≤ 180 s and ≤ 2 GB (the
README's size limit is 64 MB; the largest document is generated just under it). The exit
status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import lzma
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "data" / "kyoto" / "kyoto-ja-en.tsv.xz"
MB = 1024 * 1024
#: (seconds, MB of peak memory) per document size in MB; sizes without a target are printed
TARGETS = {8: (20.0, 600.0), 64: (180.0, 2048.0)}
#: sentences per paragraph (one line of the document)
PARAGRAPH = 4


def articles() -> Iterator[list[tuple[str, str]]]:
    """Kyoto articles in corpus order, each as its (ja, en) sentence pairs."""
    current: list[tuple[str, str]] = []
    name = None
    with lzma.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[1].strip() or not parts[2].strip():
                continue
            if parts[0] != name and current:
                yield current
                current = []
            name = parts[0]
            current.append((parts[1], parts[2]))
    if current:
        yield current


def write_halves(path: Path, size: int) -> tuple[int, int]:
    """Write a halves document of just under *size* bytes; return (bytes, sentence pairs).

    The Japanese half is written to *path* as it grows and the English half to a side file
    appended after it, so the generator never holds the document in memory.
    """
    side = path.with_suffix(".en.part")
    written = pairs = 0
    limit = size - 2  # the blank line between the halves
    with path.open("w", encoding="utf-8") as ja_fh, side.open("w", encoding="utf-8") as en_fh:
        for rows in articles():
            # the first row is the article's title: a line of its own
            ja_par: list[str] = [rows[0][0] + "\n"]
            en_par: list[str] = [rows[0][1] + "\n"]
            for k in range(1, len(rows), PARAGRAPH):
                chunk = rows[k : k + PARAGRAPH]
                ja_par.append("".join(j for j, _ in chunk) + "\n")
                en_par.append(" ".join(e for _, e in chunk) + "\n")
            ja_par.append("\n")
            en_par.append("\n")
            cost = sum(len(t.encode("utf-8")) for t in ja_par + en_par)
            if written + cost > limit:
                break
            ja_fh.writelines(ja_par)
            en_fh.writelines(en_par)
            written += cost
            pairs += len(rows)
    with path.open("a", encoding="utf-8") as ja_fh, side.open(encoding="utf-8") as en_fh:
        ja_fh.write("\n")
        while block := en_fh.read(MB):
            ja_fh.write(block)
    side.unlink()
    return path.stat().st_size, pairs


# Runs the command given on its command line and prints: wall s, CPU s (user + sys of it and
# its children), the peak RSS of its largest process (getrusage), the peak of the PSS summed
# over its process tree (sampled from /proc every 0.2 s: an align worker, and an index worker
# forked for a large document, run beside the main process), and the exit code.
WRAPPER = """
import os, resource, subprocess, sys, time

def children(pid):
    # the kernel's list of a process's children: far cheaper than reading every process's
    # stat on a busy machine (None where the kernel does not give it)
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        return None
    return out

def tree_rss(root):
    if children(root) is not None:
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            todo.extend(children(pid) or ())
            total += memory(pid)
        return total
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        total += memory(pid)
    return total

def memory(pid):
    # the proportional set size: a page shared by two processes (the Sudachi dictionary that
    # the main process and an align worker both map) counts half in each
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as fh:
                return next((int(x.split()[1]) for x in fh if x.startswith(key)), 0)
        except OSError:
            continue
    return 0

t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
summed = 0
if os.path.isdir("/proc"):
    while proc.poll() is None:
        summed = max(summed, tree_rss(proc.pid))
        time.sleep(0.2)
err = proc.communicate()[1]
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, summed / 1024, proc.returncode)
sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
"""


def run_ingest(doc: Path, db: Path) -> tuple[float, float, float, float, int, str]:
    """Ingest *doc* in a child process; return wall s, CPU s, peak MB of the largest process,
    peak MB summed over its processes, exit code, stderr."""
    exe = ROOT / ".venv" / "bin" / "taiyaku"
    cmd = [str(exe), "ingest", str(doc), "--db", str(db), "--layout", "halves"]
    if not exe.exists():
        cmd[:1] = [sys.executable, "-m", "taiyaku.cli"]
    # a wrapper process of our own per run, so RUSAGE_CHILDREN is this run's alone
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True)
    wall, cpu, peak, summed, code = out.stdout.split()
    return float(wall), float(cpu), float(peak), float(summed), int(code), out.stderr


def main(argv: Sequence[str] | None = None) -> int:
    """Ingest generated documents of each size; return 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 64], metavar="MB")
    ap.add_argument("--quick", action="store_true", help="1 and 8 MB only")
    ap.add_argument("--keep", metavar="DIR", help="write the documents here and keep them")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is missing (../shared is not beside this checkout)")
        return 0
    sizes = [1, 8] if args.quick else args.sizes
    missed = False
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as d:
        folder = Path(args.keep) if args.keep else Path(d)
        folder.mkdir(parents=True, exist_ok=True)
        for mb in sizes:
            # just under the limit: the 64 MB size limit refuses larger files
            doc = folder / f"halves-{mb}mb.txt"
            t0 = time.perf_counter()
            nbytes, pairs = write_halves(doc, mb * MB - 4096)
            gen = time.perf_counter() - t0
            db = folder / f"ingest-{mb}mb.db"
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                p.unlink(missing_ok=True)
            wall, cpu, peak, summed, code, err = run_ingest(doc, db)
            # judged on the sum over its processes, or on the largest process where /proc
            # is missing
            mem = max(peak, summed)
            line = (f"{mb:>3} MB halves ({nbytes / MB:.1f} MB, {pairs:,} sentence pairs; "
                    f"generated in {gen:.1f} s): ingest {wall:.1f} s wall, {cpu:.1f} s CPU "
                    f"(CPU / 2: {cpu / 2:.1f} s), "
                    f"peak {mem:.0f} MB (largest process {peak:.0f} MB)")
            if code != 0:
                print(line + f"  FAILED (exit {code}): {err.strip().splitlines()[-1:]}")
                missed = True
                continue
            target = TARGETS.get(mb)
            if target is not None:
                ok = wall <= target[0] and mem <= target[1]
                missed |= not ok
                line += (f"  (target ≤ {target[0]:.0f} s, ≤ {target[1]:.0f} MB: "
                         f"{'ok' if ok else 'MISSED'})")
            print(line, flush=True)
            if not args.keep:
                doc.unlink()
                for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                    p.unlink(missing_ok=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
