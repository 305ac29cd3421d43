"""Safety net for aligner refactors: the beads (ids and confidences) of a fixed set of
documents, saved from one version of the code and compared with another's.

    .venv/bin/python tests/benchmarks/align_identity.py save /tmp/align-before.json
    (change the aligner)
    .venv/bin/python tests/benchmarks/align_identity.py check /tmp/align-before.json

The documents: all 60 of align-dev, the first 20 unseen Kyoto documents of bench_align's
seed, the KNH article (raw, and presegmented as bench_align writes it), and one long
document of 8,000 Japanese segments (cut into pieces and windows, with the aligner's worker
process). Nothing is written but the file named; ``check`` exits 1 at the first document
whose beads differ, naming it and the first bead that differs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import bench_align as ba  # noqa: E402


def _beads(beads: Sequence[object]) -> list[str]:
    return [",".join(map(str, b.ja_ids)) + "\t" + ",".join(map(str, b.en_ids))  # type: ignore[attr-defined]
            + f"\t{b.score!r}" for b in beads]  # type: ignore[attr-defined]


def documents(large: int) -> Iterator[tuple[str, list[str]]]:
    """(name, bead lines) of every document of the safety net, in a fixed order."""
    from taiyaku.core.japanese import Analyzer
    from taiyaku.tm.align import align
    from taiyaku.tm.ingest import align_document

    shared = ba.shared_dir()
    analyzer = Analyzer()
    dev = shared / "data" / "align-dev"
    for gold in sorted(dev.glob("doc*.gold.tsv")):
        name = gold.name[: -len(".gold.tsv")]
        ja, en = ba.read_lines(dev / f"{name}.ja.txt"), ba.read_lines(dev / f"{name}.en.txt")
        yield name, _beads(align(ja, en, analyzer=analyzer))
    kyoto = ba.load_kyoto(shared)
    used = {line.split("\t")[1].strip()
            for line in (dev / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()
            if "\t" in line}
    rng = random.Random(20240603)
    names = sorted(a for a, rows in kyoto.items() if a not in used and 25 <= len(rows) <= 150)
    for k, art in enumerate(rng.sample(names, 20)):
        ja, en, _gold = ba.make_document(kyoto[art], rng)
        yield f"unseen{k:03d}", _beads(align(ja, en, analyzer=analyzer))
    seed = sorted((shared / "seeds").glob("004_*"))[0]
    yield "knh-raw", _beads(align_document(seed, analyzer=analyzer).beads)
    with tempfile.TemporaryDirectory(prefix="align_identity_") as d:
        for variant in ba.KNH_VARIANTS:
            ja_path, en_path = ba.knh_sentence_files(seed, Path(d), variant)
            got = align_document(ja_path, en_path, presegmented=True, analyzer=analyzer)
            yield f"knh-{variant}", _beads(got.beads)
    if large:
        ja, en, _gold = ba.large_document(shared, kyoto, large, 20240603)
        yield f"large{large}", _beads(align(ja, en, analyzer=analyzer))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("file", type=Path)
    ap.add_argument("--large", type=int, default=8000,
                    help="JA segments of the long document (0 leaves it out)")
    args = ap.parse_args(argv)
    if args.action == "save":
        out = dict(documents(args.large))
        args.file.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        print(f"saved the beads of {len(out)} documents to {args.file}")
        return 0
    saved: dict[str, list[str]] = json.loads(args.file.read_text(encoding="utf-8"))
    seen = 0
    for name, lines in documents(args.large):
        if name not in saved:
            continue
        seen += 1
        if lines != saved[name]:
            k = next((k for k, (a, b) in enumerate(zip(lines, saved[name], strict=False))
                      if a != b), min(len(lines), len(saved[name])))
            print(f"{name}: differs at bead {k}: now {lines[k:k + 1]}, "
                  f"saved {saved[name][k:k + 1]} ({len(lines)} beads, saved {len(saved[name])})")
            return 1
    print(f"identical: {seen} documents")
    return 0 if seen == len(saved) else 1


if __name__ == "__main__":
    sys.exit(main())
