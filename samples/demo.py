"""Run taiyaku's main job on the bundled samples into ``demo-output/`` with a fresh database.

Usage::

    python samples/demo.py            # what `make demo` runs
    python samples/demo.py --strict   # exit 1 if any step was skipped

Each step runs the ``taiyaku`` console script in its own process, exactly as a user would type
it. A step whose command is missing or fails is reported as ``skipped: <reason>`` and the demo
goes on; at the end it lists the files it produced.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = ROOT / "demo-output"
DB = OUT / "taiyaku.db"
ARTICLE = SAMPLES / "article-ja-en.txt"
NEW_ARTICLE = SAMPLES / "new-article-ja.txt"
#: lines of each step's output shown (the files hold the rest)
SHOW_LINES = 14


@dataclass
class Step:
    """One command of the demo."""

    title: str
    args: list[str]
    outputs: list[Path] = field(default_factory=list)
    needs: str | None = None  # title of a step that must have run first


STEPS = [
    Step("ingest the bilingual sample",
         ["ingest", str(ARTICLE), "--review", str(OUT / "review.html")],
         [OUT / "review.html"]),
    Step("extract terms", ["terms", "extract"], needs="ingest the bilingual sample"),
    Step("list the best terms", ["terms", "list", "--limit", "15"], needs="extract terms"),
    Step("look up a term", ["terms", "search", "一般輸出許可"], needs="extract terms"),
    Step("export the glossary as TBX", ["terms", "export", "-o", str(OUT / "glossary.tbx")],
         [OUT / "glossary.tbx"], needs="extract terms"),
    Step("export the glossary as XLSX", ["terms", "export", "-o", str(OUT / "glossary.xlsx")],
         [OUT / "glossary.xlsx"], needs="extract terms"),
    Step("export the TM as TMX", ["tm", "export", "-o", str(OUT / "memory.tmx")],
         [OUT / "memory.tmx"], needs="ingest the bilingual sample"),
    Step("pre-translate the new article to XLIFF",
         ["pretranslate", str(NEW_ARTICLE), "-o", str(OUT / "new-article.xlf"),
          "--report", str(OUT / "report.html")],
         [OUT / "new-article.xlf", OUT / "report.html"], needs="ingest the bilingual sample"),
    Step("pre-translate the new article to XLSX",
         ["pretranslate", str(NEW_ARTICLE), "-o", str(OUT / "new-article.xlsx")],
         [OUT / "new-article.xlsx"], needs="ingest the bilingual sample"),
    Step("fuzzy TM search",
         ["tm", "search", "中国は2025年10月、5種類のレアアースを輸出規制の対象に加えた。"],
         needs="ingest the bilingual sample"),
    Step("database statistics", ["stats"]),
]


def taiyaku_command() -> list[str]:
    """The console script beside this interpreter, else ``python -m taiyaku.cli``."""
    script = Path(sys.executable).parent / ("taiyaku.exe" if os.name == "nt" else "taiyaku")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "taiyaku.cli"]


def reason_from(stderr: str, code: int) -> str:
    """One line saying why a step failed: the error line, else the traceback's last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("Error:"):
            return ln
    if lines:
        last = lines[-1]
        if "ModuleNotFoundError" in last or "ImportError" in last:
            return f"not implemented yet ({last})"
        return last
    return f"exit status {code}"


def fresh_output_folder() -> None:
    """Empty ``demo-output/`` so the database and every file are new."""
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)


def run_step(step: Step, base: list[str], env: dict[str, str]) -> tuple[bool, str]:
    """Run one step; return (ran, message)."""
    cmd = [*base, *step.args, "--db", str(DB)]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", cwd=ROOT, env=env, timeout=900)
    except subprocess.TimeoutExpired:
        return False, "timed out after 900 s"
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        return False, reason_from(proc.stderr, proc.returncode)
    missing = [p.name for p in step.outputs if not p.exists()]
    out_lines = proc.stdout.rstrip("\n").splitlines()
    for line in out_lines[:SHOW_LINES]:
        print(f"    {line}")
    if len(out_lines) > SHOW_LINES:
        print(f"    … ({len(out_lines) - SHOW_LINES} more lines)")
    if missing:
        return False, f"command succeeded but did not write {', '.join(missing)}"
    return True, f"done in {elapsed:.2f} s"


def human_size(n: int) -> str:
    """``1234`` → ``1.2 KB``."""
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def main(argv: list[str] | None = None) -> int:
    """Run every step; return 0, or 1 under ``--strict`` when a step was skipped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 if any step is skipped")
    args = parser.parse_args(argv)

    for sample in (ARTICLE, NEW_ARTICLE):
        if not sample.exists():
            print(f"error: sample {sample} is missing", file=sys.stderr)
            return 1
    fresh_output_folder()
    base = taiyaku_command()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TAIYAKU_DB", None)
    print(f"taiyaku demo: database {DB.relative_to(ROOT)} (fresh)\n")

    done: set[str] = set()
    skipped: list[tuple[str, str]] = []
    for number, step in enumerate(STEPS, 1):
        shown = " ".join(["taiyaku", *(_short(a) for a in step.args)])
        print(f"[{number}/{len(STEPS)}] {step.title}\n  $ {shown}")
        if step.needs is not None and step.needs not in done:
            reason = f"needs “{step.needs}”, which did not run"
            print(f"  skipped: {reason}\n")
            skipped.append((step.title, reason))
            continue
        ok, message = run_step(step, base, env)
        if ok:
            done.add(step.title)
            print(f"  {message}\n")
        else:
            print(f"  skipped: {message}\n")
            skipped.append((step.title, message))

    print("Produced files:")
    for path in sorted(OUT.iterdir()):
        if path.is_file() and not path.name.endswith(("-wal", "-shm")):
            print(f"  {str(path.relative_to(ROOT)):<34} {human_size(path.stat().st_size):>9}")
    print(f"\n{len(STEPS) - len(skipped)} of {len(STEPS)} steps ran.")
    for title, reason in skipped:
        print(f"  skipped {title}: {reason}")
    return 1 if (args.strict and skipped) else 0


def _short(arg: str) -> str:
    """Show paths relative to the checkout, as a user would type them."""
    try:
        return str(Path(arg).relative_to(ROOT))
    except ValueError:
        return f'"{arg}"' if " " in arg or "、" in arg else arg


if __name__ == "__main__":
    sys.exit(main())
