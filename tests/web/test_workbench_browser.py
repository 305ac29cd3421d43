"""Issue 18's "Done when" in headless Chromium, scenario by scenario: a reviewer works through
the KNH-like sample article (``samples/article-ja-en.txt``: a Japanese-only lead, headings,
list items) and the CLI's ``tm search`` sees the result; the alignment editor and the glossary
driven by the keyboard alone (``page.keyboard``, nothing clicked or focused by script); and
every page at 1280×800 with nothing wider than the window and its key controls on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store
from taiyaku.tm import alignedit

from .conftest import Served, add_pt_tm
from .test_align_browser import (
    ingest,
    review,
    rows_shown,
    stored,
    tm_search,
    wait_revision,
)

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "article-ja-en.txt"


def _active(page: Any, what: str = "id") -> Any:
    """An attribute of the focused element (``id``, ``tagName``, ``dataset.action`` …)."""
    return page.evaluate(f"document.activeElement ? document.activeElement.{what} : null")


def test_a_reviewer_works_through_the_knh_like_sample(served: Served, page: Any) -> None:
    doc_id = ingest(served.db, SAMPLE)
    before = stored(served.db, doc_id)
    beads = before["beads"]
    assert len(beads) == 50 and [b["type"] for b in beads[1:4]] == ["1-0"] * 3  # the lead
    page.goto(f"{served.url}/documents/{doc_id}")
    assert page.locator("tr.bead").count() == 50
    # merge the two sentences on soybeans, unpair the IMF growth sentence (after the merge
    # it stands one place up), confirm the headline and the first two lead sentences
    k = next(b["position"] for b in beads if b["ja_text"].startswith("中国はこれまで大豆"))
    u = next(b["position"] for b in beads if b["ja_text"].startswith("しかし、日本の成長率")) - 1
    review(page, merge=k, unpair=u)
    shown = rows_shown(page)
    page.reload()
    assert rows_shown(page) == shown  # what the page showed is what the server has
    assert page.locator("tr.bead").count() == 50  # one merge (-1), one unpair (+1)
    assert page.locator("#revision").inner_text() == "5"
    for pos in range(3):
        assert "confirmed" in page.locator(f"#b{pos}").get_attribute("class").split()
    merged = page.locator(f"#b{k}").inner_text()
    assert "8,750万トン" in merged and "2,500万トン" in merged and "Under the new deal" in merged
    assert page.locator(f"#b{u}").get_attribute("class").split()[1] == "none"
    assert page.locator(f"#b{u + 1} td.ja").inner_text() == ""
    # in the database ...
    data = stored(served.db, doc_id)
    assert data["revision"] == 5 and [b["confirmed"] for b in data["beads"][:4]] == [
        True, True, True, False]
    assert data["beads"][k]["type"] == "2-2"
    # ... and for the CLI: one unit of both soybean sentences, none of the unpaired one
    hits = tm_search(served.db, "8,750万トン", "--concordance")
    assert len(hits) == 1 and "Under the new deal" in hits[0]["target"]
    growth = "しかし、日本の成長率は0.6%にとどまる見通しだ。"
    assert all(m["source"] != growth for m in tm_search(served.db, growth))


def test_the_alignment_editor_by_keyboard_alone(served: Served, page: Any) -> None:
    doc_id = ingest(served.db, SAMPLE)
    page.goto(f"{served.url}/documents/{doc_id}")
    keys = page.keyboard
    keys.press("n")  # the first doubtful bead: the Japanese-only lead
    assert page.locator("tr.bead.current").get_attribute("data-pos") == "1"
    keys.press("j")  # down to the next one
    keys.press("m")  # merge the two lead sentences (both Japanese only)
    wait_revision(page, 1)
    merged = stored(served.db, doc_id)["beads"][2]
    assert merged["ja_ids"] == [2, 3] and merged["confirmed"]  # a person decided it
    keys.press("Shift+C")  # take the confirmation back
    wait_revision(page, 2)
    assert not stored(served.db, doc_id)["beads"][2]["confirmed"]
    # the toolbar's buttons are reached with Shift+Tab from the bead and work with Enter
    for _ in range(30):
        keys.press("Shift+Tab")
        if _active(page, "dataset.action") == "undo":
            break
    assert _active(page, "dataset.action") == "undo"
    keys.press("Enter")
    wait_revision(page, 3)
    assert stored(served.db, doc_id)["beads"][2]["confirmed"]
    # the shortcuts list opens and closes from the keyboard
    keys.press("?")
    assert page.locator("#keys-help").is_visible()
    keys.press("Escape")
    assert not page.locator("#keys-help").is_visible()


def test_the_glossary_by_keyboard_alone(served: Served, page: Any) -> None:
    with open_store(served.db) as s:
        tid = add_term(s, "路面電車", "tram", status="candidate").id
        other = add_term(s, "港湾", "harbor", status="candidate").id
    page.goto(f"{served.url}/glossary")
    keys = page.keyboard
    keys.press("/")
    assert _active(page) == "term-q"
    keys.type("路面")
    keys.press("Enter")
    page.wait_for_url("**/glossary?q=*")
    assert page.locator("tr.term").count() == 1
    # after the search, Esc leaves the field and j goes to the first term
    keys.press("Escape")
    keys.press("j")
    assert _active(page, "dataset.id") == str(tid)
    keys.press("a")
    page.wait_for_function("document.querySelector('tr.term .status').textContent === "
                           "'approved'")
    keys.press("e")
    assert _active(page, "name") == "ja"
    keys.press("Tab")
    keys.press("Control+a")
    keys.type("streetcar")
    keys.press("Enter")
    page.wait_for_function("document.querySelector('tr.term .en .form').textContent === "
                           "'streetcar'")
    assert _active(page, "dataset.id") == str(tid)
    with open_store(served.db, readonly=True) as s:
        (entry,) = s.glossary.get([tid])
        assert (entry.status, entry.en[0].text) == ("approved", "streetcar")
        (untouched,) = s.glossary.get([other])
        assert untouched.status == "candidate"


#: each page's key controls (they must be inside the 1280×800 window as the page opens)
PAGES = {
    "/": ["nav a"],
    "/documents": ["nav a", 'input[name="file"]', "button:has-text('Ingest')"],
    "/glossary": ["#term-q", "button:has-text('Filter')", "[data-bulk='approved']",
                  "[data-merge]"],
    "/tm?q=港湾の拡張工事は予定より遅れている。": ["#tm-q", "button:has-text('Search')",
                                           "li.tm-hit button[data-act='edit']"],
    "/pretranslate": ["#pt-file", "button:has-text('Pre-translate')"],
    "/io": ["#tm-file", "#terms-file", "button:has-text('Download the TM')"],
}


def test_every_page_fits_1280x800(served: Served, page: Any) -> None:
    doc_id = ingest(served.db, SAMPLE)
    with open_store(served.db) as s:
        add_term(s, "港湾", "harbor", status="candidate")
        add_term(s, "輸出規制" * 6, "export controls " * 6, note="a long term " * 12)
        add_pt_tm(s, "port-news")
        rev = alignedit.load(s, doc_id).revision
        alignedit.confirm(s, doc_id, rev, [0, 1])
    assert page.viewport_size == {"width": 1280, "height": 800}
    pages = {**PAGES, f"/documents/{doc_id}": ["nav a", ".toolbar button", "#b0"]}
    for path, controls in pages.items():
        page.goto(served.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        main = page.evaluate("document.getElementById('main').scrollWidth")
        assert width <= 1280 and main <= 1280, (path, width, main)
        for selector in controls:
            boxes = page.locator(selector).evaluate_all(
                "els => els.map(e => { const r = e.getBoundingClientRect(); "
                "return [r.left, r.top, r.right, r.bottom]; })")
            assert boxes, (path, selector)
            for left, top, right, bottom in boxes:
                assert 0 <= left and right <= 1280 and 0 <= top and bottom <= 800, (
                    path, selector, (left, top, right, bottom))
