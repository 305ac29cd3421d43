"""The documents page in headless Chromium: upload a file through the form, open it in the
editor, see an upload's error on the page, and remove a document from the keyboard after the
confirmation page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from taiyaku.store import open_store

from .conftest import Served

pytestmark = pytest.mark.browser

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "web_news_article.txt"


def test_upload_open_and_remove(served: Served, page: Any, tmp_path: Path) -> None:
    page.goto(served.url + "/documents")
    assert "No documents stored yet" in page.locator("main").inner_text()
    page.locator('input[name="file"]').set_input_files(str(ARTICLE))
    page.get_by_role("button", name="Ingest").click()
    status = page.locator("p.ok")
    assert "Stored web_news_article.txt" in status.inner_text()
    assert "10 Japanese and 9 English segments, 9 TM units" in status.inner_text()
    row = page.locator("#documents tbody tr")
    assert row.count() == 1 and "0/10 (0%)" in row.inner_text()
    # an error is the CLI's line, on the page; nothing stored
    bad = tmp_path / "glossary.tbx"
    bad.write_text("<?xml version='1.0'?><martif type='TBX'><text/></martif>", encoding="utf-8")
    page.locator('input[name="file"]').set_input_files(str(bad))
    page.get_by_role("button", name="Ingest").click()
    assert "glossary.tbx: is a TBX file" in page.locator("p.error").inner_text()
    assert page.locator("#documents tbody tr").count() == 1
    # into the editor by its link
    page.get_by_role("link", name="web_news_article.txt").click()
    assert page.locator("tr.bead").count() == 10
    # removal: the list's link, the confirmation page (Keep it has the focus), then Remove
    page.goto(served.url + "/documents")
    page.get_by_role("link", name="Remove…").click()
    assert "Remove web_news_article.txt?" in page.locator("h1").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Keep it"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/documents?removed=*")
    assert "Removed document 1" in page.locator("p.ok").inner_text()
    with open_store(served.db, readonly=True) as store:
        assert store.counts()["documents"] == 0 and store.counts()["units"] == 0
