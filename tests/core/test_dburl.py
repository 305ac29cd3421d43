"""Passwords in database addresses (issue 21, credentials): :mod:`taiyaku.core.dburl` masks
every form of them (the CLI's behaviour: tests/store/test_credentials.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from taiyaku.core.dburl import is_server_address, mask, mask_text


@pytest.mark.parametrize(("text", "shown"), [
    ("postgresql://ann:pw@h/db", "postgresql://ann:***@h/db"),
    ("postgresql://ann:p@ss:w0rd@h:5432/db", "postgresql://ann:***@h:5432/db"),
    ("postgresql:/ann:pw@h/db", "postgresql:/ann:***@h/db"),  # a URL a Path has folded
    ("postgresql://ann@h/db", "postgresql://ann@h/db"),
    ("postgresql://h/db?password=pw&sslmode=require",
     "postgresql://h/db?password=***&sslmode=require"),
    ("dbname=tm password=pw host=h", "dbname=tm password=*** host=h"),
    ("dbname=tm PASSWORD = 'p w' host=h", "dbname=tm PASSWORD = *** host=h"),
    ('connection to "postgresql://a:b@h/d" failed',
     'connection to "postgresql://a:***@h/d" failed'),
    ("/home/ann/my tm@work.db", "/home/ann/my tm@work.db"),
    ("https://example.com/a:b", "https://example.com/a:b"),
])
def test_mask_text_hides_every_form_of_a_password(text: str, shown: str) -> None:
    assert mask_text(text) == shown


def test_mask_and_server_addresses() -> None:
    assert mask(None) == ":memory:" and mask(Path("a.db")) == "a.db"
    assert is_server_address("postgresql://h/db") and is_server_address("service=team")
    assert not is_server_address("tm.db") and not is_server_address("file:/tmp/tm.db")

