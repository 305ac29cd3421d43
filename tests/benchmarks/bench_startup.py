"""Benchmark: cold start of the CLI (target: ``taiyaku --help`` median ≤ 0.15 s).

Usage::

    .venv/bin/python tests/benchmarks/bench_startup.py           # 15 runs per command
    .venv/bin/python tests/benchmarks/bench_startup.py --quick   # 7 runs

Each run is a new process (``subprocess.run``), timed by wall clock from spawn to exit, so
the figure includes interpreter start-up, imports and click's help rendering, as a user sees
it. Two untimed runs first make sure byte code is compiled. ``stats`` on a small temporary
database is timed too (store open + migrations + signature), for information.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 0.15


def taiyaku() -> list[str]:
    """The installed console script (the venv's), else ``python -m taiyaku.cli``."""
    for folder in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        script = folder / "taiyaku"
        if script.exists():
            return [str(script)]
    return [sys.executable, "-m", "taiyaku.cli"]


def time_runs(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall-clock seconds of *runs* fresh processes of *cmd* (after two warm-ups)."""
    for _ in range(2):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       check=True)
        times.append(time.perf_counter() - start)
    return times


def describe(label: str, times: list[float]) -> str:
    """One line of figures."""
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"{label:<28} median {statistics.median(times):.3f} s  min {ordered[0]:.3f} s  "
            f"p90 {p90:.3f} s  max {ordered[-1]:.3f} s  (n={len(times)})")


def main(argv: list[str] | None = None) -> int:
    """Time the cold CLI; return 1 when the --help median misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 runs instead of 15")
    parser.add_argument("--runs", type=int, help="runs per command")
    args = parser.parse_args(argv)
    runs = args.runs or (7 if args.quick else 15)
    base = taiyaku()
    print(f"command: {' '.join(base)} (cwd {ROOT})")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TAIYAKU_DB": str(Path(tmp) / "bench.db")}
        help_times = time_runs([*base, "--help"], runs, env)
        print(describe("taiyaku --help", help_times))
        print(describe("taiyaku --version", time_runs([*base, "--version"], runs, env)))
        # stats only reads, and a command that only reads refuses a missing database: make
        # a small one first
        subprocess.run([*base, "terms", "add", "港湾", "port"], stdout=subprocess.DEVNULL,
                       env=env, check=True)
        print(describe("taiyaku stats (small db)", time_runs([*base, "stats"], runs, env)))
    median = statistics.median(help_times)
    verdict = "ok" if median <= TARGET_SECONDS else "MISSED"
    print(f"target: --help median ≤ {TARGET_SECONDS:.2f} s: {median:.3f} s {verdict}")
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
