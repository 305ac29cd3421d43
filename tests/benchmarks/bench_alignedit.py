"""Alignment-edit benchmark: CPU time of one edit against a TM of N units.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_alignedit.py [--units N] [--quick]

A temporary database gets N generated units (one bulk import) and a KNH-like document of
12 body pairs; then, for five beads of that document not edited before, the bead is unpaired
(its unit and its postings go) and the unpair undone (a unit is added back), and it is
merged with the next bead and split again. It is measured twice: with the document's
postings in chunks of their own (as ingest appends them), and after an index rebuild, when
every posting list is one chunk holding every unit (the exact removal then rewrites the
long lists of the unit's common keys).
Figures are CPU seconds (user + sys of this process), the median of five.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tm"))

if TYPE_CHECKING:
    from taiyaku.store import Store
    from taiyaku.tm.alignedit import EditResult

SUBJECTS = ["委員会は", "市議会は", "研究所は", "港の会社は", "県の教育局は", "鉄道会社は"]
OBJECTS = ["新しい計画を", "検査結果を", "補修予算を", "開館時間を", "路線の変更案を"]
VERBS = ["承認した。", "見直した。", "公表した。", "延期した。"]
EN_SUBJECTS = ["the committee", "the council", "the institute", "the company"]


def _measure(store: Store, label: str) -> None:
    from taiyaku.tm import alignedit

    doc = alignedit.load(store, "knh")
    pairs = [b.position for b in doc.beads if b.paired]
    rev = doc.revision
    timings: dict[str, list[float]] = {"unpair": [], "undo": [], "merge": [], "split": []}
    for k in pairs[0:10:2]:  # a bead not edited before each time (and its untouched next)
        steps: list[tuple[str, Callable[[int], EditResult]]] = [
            ("unpair", lambda r, k=k: alignedit.unpair(store, "knh", r, k)),
            ("undo", lambda r: alignedit.undo(store, "knh", r)),
            ("merge", lambda r, k=k: alignedit.merge_next(store, "knh", r, k)),
            ("split", lambda r, k=k: alignedit.split(store, "knh", r, k, 1, 1))]
        for name, step in steps:
            start = time.process_time()
            rev = step(rev).revision
            timings[name].append(time.process_time() - start)
    figures = ", ".join(f"{name} {1000 * statistics.median(t):.1f}"
                        for name, t in timings.items())
    print(f"  {label}: {figures} ms CPU (median of 5)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 units")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.units
    from alignedit_support import ingest_knh
    from taiyaku.core.model import NewUnit
    from taiyaku.store import open_store

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with open_store(db) as store:
            with store.transaction():
                d = store.documents.add("bulk", layout="pair", kind="bilingual")
                store.units.add(d, (NewUnit(
                    f"{rng.choice(SUBJECTS)}{i}年に{rng.choice(OBJECTS)}{rng.choice(VERBS)}",
                    f"In {i}, {rng.choice(EN_SUBJECTS)} approved plan number {i * 7}.", i)
                    for i in range(n)))
            ingest_knh(store, Path(tmp) / "src")
            print(f"alignment edits against {n:,} units")
            _measure(store, "postings as ingest appends them")
            with store.transaction():
                store.fuzzy.rebuild()
            _measure(store, "after an index rebuild")


if __name__ == "__main__":
    main()
