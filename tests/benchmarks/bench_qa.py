"""Benchmark: ``taiyaku qa`` on a 2,000-unit XLIFF with a 10,000-entry glossary (≤ 5 s).

Usage::

    .venv/bin/python tests/benchmarks/bench_qa.py           # 3 runs
    .venv/bin/python tests/benchmarks/bench_qa.py --quick   # 1 run

The glossary is bench_terms' synthetic one (10,000 compounds of 100 policy words), every entry
approved so that the ``terms`` check looks each one up. The XLIFF 1.2 file holds 2,000 units
built from the same words with numbers in 億, months and 倍, one in ten with a planted error
(a wrong scale, a missing term). Each timed run is the command as a user runs it, a new
process (``taiyaku qa FILE --json``), so the figure includes start-up, reading the file,
loading the glossary and the Sudachi dictionary, and every check. The verdict is on the CPU
time of the command (user+sys of the child, best run): on a shared machine its wall time
measures the neighbours too; both are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_terms import EN_WORDS, JA_WORDS, build_glossary, taiyaku  # noqa: E402

TARGET_SECONDS = 5.0
UNITS = 2_000
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def build_xliff(path: Path, units: int = UNITS) -> int:
    """Write the XLIFF; return how many units have a planted error."""
    rows = []
    planted = 0
    for k in range(units):
        a, b, c = (JA_WORDS[(k * 7 + d * 13) % len(JA_WORDS)] for d in range(3))
        ea, eb, ec = (EN_WORDS[(k * 7 + d * 13) % len(EN_WORDS)] for d in range(3))
        n, month, times = k % 9 + 1, k % 12 + 1, k % 4 + 2
        source = f"{a}{b}について、{n}億円の{c}を{month}月に決め、規模は{times}倍になった。"
        amount = f"{n * 100} million"
        if k % 10 == 3:
            amount, planted = f"{n * 10} million", planted + 1
        target = (f"On the {ea} {eb}s, {amount} yen of {ec} was decided in "
                  f"{MONTHS[month - 1]}, {times} times the scale.")
        rows.append(f'<trans-unit id="{k + 1}"><source>{escape(source)}</source>'
                    f'<target state="translated">{escape(target)}</target></trans-unit>')
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
        'xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="bench.docx" '
        'source-language="ja" target-language="en" datatype="plaintext"><body>\n'
        + "\n".join(rows) + "\n</body></file></xliff>\n", encoding="utf-8")
    return planted


def main(argv: list[str] | None = None) -> int:
    """Build the data, time the command, print the figures and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        db, xlf = Path(tmp) / "qa.db", Path(tmp) / "job.xlf"
        n = build_glossary(db, status="approved")
        planted = build_xliff(xlf)
        print(f"glossary: {n} approved entries; XLIFF: {UNITS} units, {planted} planted errors")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(TAIYAKU_DB=str(db), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        cmd = [*taiyaku(), "qa", str(xlf), "--json"]
        walls, cpus = [], []
        found = ""
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if proc.returncode not in (0, 1):
                print(proc.stderr)
                return 1
            found = proc.stdout
        import json

        findings = json.loads(found)
        numbers = sum(1 for f in findings if f["check"] == "numbers")
        verdict = "OK" if min(cpus) <= TARGET_SECONDS else "OVER"
        print(f"qa: {len(findings)} findings ({numbers} numbers; {planted} planted)")
        print(f"qa {UNITS} units × {n} terms: CPU {min(cpus):.2f} s, wall {min(walls):.2f} s "
              f"(wall per run {', '.join(f'{w:.2f}' for w in walls)}; target ≤ "
              f"{TARGET_SECONDS} s) {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    raise SystemExit(main())
