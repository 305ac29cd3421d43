"""A small database and taiyaku's default exports of it, as a user makes them with the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from taiyaku.cli import cli

#: TM units: the first is a sentence of the OmegaT test document, so its translation proves
#: that OmegaT read the memory
UNITS = [("港湾の規制を強化した。", "Port rules were tightened."),
         ("輸出規制は来月から始まる。", "Export controls start next month.")]


@dataclass(frozen=True)
class Exports:
    """The files ``terms export -o X.tbx`` and ``tm export -o X.tmx`` wrote (defaults)."""

    tbx: Path
    tmx: Path


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    """An approved term with a note, a candidate, a forbidden term with a definition, an entry
    without English; two TM units; exported."""
    base = tmp_path_factory.mktemp("interop")
    db = str(base / "t.db")
    tm_csv = base / "memory.csv"
    tm_csv.write_text("ja,en\n" + "".join(f"{ja},{en}\n" for ja, en in UNITS),
                      encoding="utf-8")
    _run(["tm", "import", str(tm_csv), "--db", db])
    _run(["terms", "add", "港湾", "port", "--note", "house style", "--db", db])
    _run(["terms", "add", "輸出規制", "export control", "--status", "candidate", "--db", db])
    _run(["terms", "add", "未訳語", "--db", db])
    # a forbidden entry with a definition and a reading, as another glossary brings it in
    terms_csv = base / "terms.csv"
    terms_csv.write_text("ja,en,reading,definition,status\n"
                         "港湾局,port authority,こうわんきょく,The public body that runs a port,"
                         "forbidden\n", encoding="utf-8")
    _run(["terms", "import", str(terms_csv), "--db", db])
    out = Exports(base / "glossary.tbx", base / "memory.tmx")
    _run(["terms", "export", "-o", str(out.tbx), "--db", db])
    _run(["tm", "export", "-o", str(out.tmx), "--db", db])
    return out
