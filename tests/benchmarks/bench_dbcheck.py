"""Benchmark: ``PRAGMA quick_check`` time against database size (the check a writing command
runs before its first write on files up to ``CHECK_BEFORE_WRITE_MAX_BYTES``; ≤ 0.2 s there,
from disk).

Usage::

    .venv/bin/python tests/benchmarks/bench_dbcheck.py            # 4 MB, the limit, 26, 104 MB
    .venv/bin/python tests/benchmarks/bench_dbcheck.py --quick    # 4 MB and the limit
    .venv/bin/python tests/benchmarks/bench_dbcheck.py --mb 650   # one size of your choice

Each database is a seeded taiyaku database (one aligned document, its segments, the fuzzy
index, a few terms: about 1.3 KB per unit). "warm" is the median of 3 checks with the file
in the page cache; "cold" the median of 3 checks after the file's pages were dropped from
it (``posix_fadvise(DONTNEED)``, this file only), as for the first command after a while.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 0.2
#: units per MB of a seeded database (measured: 8,000 units make 10.7 MB)
UNITS_PER_MB = 750


def drop_from_cache(path: Path) -> None:
    """Evict *path*'s pages from the page cache (where the system allows it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def time_check(path: Path) -> float:
    """Seconds for one ``PRAGMA quick_check`` on a fresh read-only connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        start = time.perf_counter()
        rows = conn.execute("PRAGMA quick_check").fetchall()
        seconds = time.perf_counter() - start
    finally:
        conn.close()
    if rows != [("ok",)]:
        raise SystemExit(f"{path}: quick_check found {rows[:1]}")
    return seconds


def measure(path: Path) -> tuple[float, float]:
    """(warm, cold) median seconds of three checks each."""
    cold = []
    for _ in range(3):
        drop_from_cache(path)
        cold.append(time_check(path))
    warm = [time_check(path) for _ in range(3)]
    return statistics.median(warm), statistics.median(cold)


def main(argv: list[str] | None = None) -> int:
    """Build databases of a few sizes, time the check on each, print the verdict at the
    limit."""
    from taiyaku.store.sqlite import CHECK_BEFORE_WRITE_MAX_BYTES

    from tests.reliability.conftest import build_seed_db

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 4 MB and the limit")
    parser.add_argument("--mb", type=float, nargs="+", help="sizes in MB instead")
    args = parser.parse_args(argv)
    limit_mb = CHECK_BEFORE_WRITE_MAX_BYTES / 1e6
    sizes = args.mb or ([4.0, limit_mb] if args.quick else [4.0, limit_mb, 26.0, 104.0])
    at_limit: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for mb in sizes:
            db = Path(tmp) / f"{mb:g}.db"
            start = time.perf_counter()
            build_seed_db(db, units=max(100, int(mb * UNITS_PER_MB)))
            built = time.perf_counter() - start
            size = db.stat().st_size
            warm, cold = measure(db)
            print(f"{size / 1e6:7.1f} MB: quick_check warm {warm:.3f} s, cold {cold:.3f} s "
                  f"(built in {built:.0f} s)", flush=True)
            if size <= CHECK_BEFORE_WRITE_MAX_BYTES:
                at_limit = max(at_limit or 0.0, cold)
            db.unlink()
            for suffix in ("-wal", "-shm"):
                db.with_name(db.name + suffix).unlink(missing_ok=True)
    if at_limit is not None:
        verdict = "OK" if at_limit <= TARGET_SECONDS else "OVER"
        print(f"check before writing, files up to {limit_mb:.1f} MB: cold {at_limit:.3f} s "
              f"(target ≤ {TARGET_SECONDS} s) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
