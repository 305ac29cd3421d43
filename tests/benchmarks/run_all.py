"""Run every ``tests/benchmarks/bench_*.py`` in turn and print its figures (``make bench``).

Usage::

    .venv/bin/python tests/benchmarks/run_all.py                 # full size
    .venv/bin/python tests/benchmarks/run_all.py --quick         # smaller, where supported
    .venv/bin/python tests/benchmarks/run_all.py --only startup tm

Each benchmark's ``main()`` runs in its own Python process, so one benchmark's imports,
caches and memory do not colour the next one's timings. ``--quick`` is passed on to a
benchmark whose ``main`` takes an argument list and whose module mentions ``--quick``.
The exit status is 1 when any benchmark failed or reported a missed target.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

RUNNER = """
import importlib.util, inspect, sys
spec = importlib.util.spec_from_file_location({name!r}, {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules[{name!r}] = module
spec.loader.exec_module(module)
takes_args = bool(inspect.signature(module.main).parameters)
code = module.main({argv!r}) if takes_args else module.main()
sys.exit(code if isinstance(code, int) else 0)
"""


def discover(only: list[str] | None) -> list[Path]:
    """Benchmark files, alphabetical; *only* filters by topic (``bench_<topic>.py``)."""
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [p for p in found if p.stem.removeprefix("bench_") in only]
    return found


def supports_quick(path: Path) -> bool:
    """True when the module defines ``main`` with parameters and mentions ``--quick``."""
    source = path.read_text(encoding="utf-8")
    if "--quick" not in source:
        return False
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            return bool(node.args.args or node.args.vararg)
    return False


def has_main(path: Path) -> bool:
    """True when the module defines a top-level ``main`` function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs where supported")
    parser.add_argument("--only", nargs="+", metavar="TOPIC", help="e.g. startup tm terms")
    args = parser.parse_args(argv)

    benches = discover(args.only)
    if not benches:
        print("no benchmarks found")
        return 1
    results: list[tuple[str, str, float]] = []
    for path in benches:
        print(f"\n=== {path.stem} " + "=" * max(3, 70 - len(path.stem)), flush=True)
        if not has_main(path):
            print("skipped: no main()")
            results.append((path.stem, "no main()", 0.0))
            continue
        bench_argv = ["--quick"] if args.quick and supports_quick(path) else []
        code = RUNNER.format(name=path.stem, path=str(path), argv=bench_argv)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT)
        elapsed = time.perf_counter() - started
        status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        results.append((path.stem, status, elapsed))

    print("\n=== summary " + "=" * 62)
    for name, status, elapsed in results:
        print(f"  {name:<28} {status:<20} {elapsed:7.1f} s")
    return 0 if all(status == "ok" for _, status, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
