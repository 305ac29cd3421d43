"""The format registry: extension lookup, sniffing, lazy imports, one-line refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from taiyaku.core.errors import ExportError, InputError
from taiyaku.exports.registry import glossary_format_for, sniff, tm_format_for


@pytest.mark.parametrize("name,fmt", [("a.tbx", "TBX"), ("a.XLSX", "XLSX"), ("a.csv", "CSV"),
                                      ("a.tsv", "TSV")])
def test_glossary_extensions(name: str, fmt: str) -> None:
    assert glossary_format_for(name).name == fmt


@pytest.mark.parametrize("name,fmt", [("m.tmx", "TMX"), ("m.xlsx", "XLSX"), ("m.csv", "CSV"),
                                      ("m.tsv", "TSV")])
def test_tm_extensions(name: str, fmt: str) -> None:
    f = tm_format_for(name)
    assert f.name == fmt and f.spec.startswith("taiyaku.exports.")


@pytest.mark.parametrize("head,kind", [
    (b'\xef\xbb\xbf<?xml version="1.0"?><martif type="TBX">', "tbx"),
    (b'<?xml version="1.0"?>\n<tbx xmlns="urn:iso:std:iso:30042:ed-2">', "tbx"),
    (b"<tmx version='1.4'>", "tmx"), (b"<xliff version='2.1'>", "xliff"),
    (b"PK\x03\x04rest", "xlsx"), (b"ja\ten\n", "tsv"), (b"ja,en\n", "csv"),
    (b"\x00\x01", None), (b"<html>", None),
])
def test_sniff(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


def test_unknown_extensions(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"unknown glossary format '\.pdf'; use \.tbx, "
                                          r"\.xlsx, \.csv or \.tsv$"):
        glossary_format_for("x.pdf", for_writing=True)
    with pytest.raises(InputError, match=r"\(use \.tmx, \.xlsx, \.csv, \.tsv, or XLIFF: "):
        tm_format_for(tmp_path / "missing.bin")
    with pytest.raises(ExportError):
        tm_format_for("x.tbx", for_writing=True)


def test_registry_does_not_import_openpyxl() -> None:
    code = ("import sys, taiyaku.exports.registry as r; r.glossary_format_for('a.csv');"
            "r.tm_format_for('a.tsv').spec; r.output_format_for('pre-translation', 'a.xlsx');"
            "r.output_format_for('review', 'a.xlsx'); print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.strip() == "False"
