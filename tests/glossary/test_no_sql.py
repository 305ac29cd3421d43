"""The glossary room holds behaviour only: its SQL lives in the store (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: what gives SQL away: the driver, a connection, or a statement's opening words
SQL = re.compile(r"import sqlite3|\.conn\b|\b(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\b|"
                 r"UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+TABLE\b|PRAGMA\b)")


def test_glossary_modules_contain_no_sql() -> None:
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in sorted((ROOT / "glossary").glob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if SQL.search(line)]
    assert found == []


def test_the_pattern_finds_sql() -> None:
    assert SQL.search('conn.execute("SELECT id FROM terms")')
    assert SQL.search("DELETE FROM term_forms WHERE term_id = ?")
    assert not SQL.search("select the best English form")
