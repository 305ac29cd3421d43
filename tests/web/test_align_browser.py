"""The documents pages and the alignment editor in headless Chromium (Debian's, through
Playwright): a reviewer's session saved edit by edit, keyboard-only use, two tabs, hostile
text, the 1280×800 layout, and the README's screenshots (docs/screenshots/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from taiyaku.store import open_store
from taiyaku.tm import alignedit
from taiyaku.tm.ingest import IngestOptions, ingest_file

from .conftest import SCREENSHOTS, Served
from .test_security import hostile_article

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE = DATA / "web_news_article.txt"


def ingest(db: Path, path: Path = ARTICLE, **options: Any) -> int:
    with open_store(db) as store:
        return ingest_file(store, path, IngestOptions(**options)).doc_id


def stored(db: Path, doc_id: int) -> dict[str, Any]:
    with open_store(db, readonly=True) as store:
        data: dict[str, Any] = alignedit.load(store, doc_id).to_json()
        return data


def wait_revision(page: Any, revision: int) -> None:
    page.wait_for_function(
        f"document.getElementById('beads').dataset.revision === '{revision}' && "
        "!document.body.classList.contains('busy')")


def current(page: Any) -> int:
    return int(page.locator("tr.bead.current").get_attribute("data-pos"))


def rows_shown(page: Any) -> list[list[str]]:
    """Per bead row: id:position:number, its classes but "current", its text."""
    rows: list[list[str]] = page.locator("tr.bead").evaluate_all(
        "rs => rs.map(r => [r.id + ':' + r.dataset.pos + ':' + r.cells[0].textContent, "
        "r.className.replace(' current', ''), r.innerText])")
    return rows


def tm_search(db: Path, query: str, *extra: str) -> list[dict[str, Any]]:
    """``taiyaku tm search QUERY --json`` run as a user runs it."""
    result = subprocess.run([sys.executable, "-m", "taiyaku.cli", "tm", "search", query,
                             "--json", "--db", str(db), *extra],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    matches: list[dict[str, Any]] = json.loads(result.stdout)["matches"]
    return matches


def review(page: Any, merge: int, unpair: int) -> None:
    """A reviewer's session on the open editor: merge bead *merge* with the next (mouse: the
    bead, then the toolbar button), unpair bead *unpair* (its row, then the key), confirm the
    first three beads (c confirms and moves on); revisions 1 to 5."""
    page.locator(f"#b{merge} td.en").click()
    page.get_by_role("button", name="Merge with next").click()
    wait_revision(page, 1)
    page.locator(f"#b{unpair} th.pos").click()
    page.keyboard.press("u")
    wait_revision(page, 2)
    page.locator("#b0 th.pos").click()
    for revision in (3, 4, 5):
        page.keyboard.press("c")
        wait_revision(page, revision)


def test_a_reviewer_merges_unpairs_confirms_and_finds_it_all_saved(
        served: Served, page: Any) -> None:
    doc_id = ingest(served.db)
    page.goto(f"{served.url}/documents/{doc_id}")
    # merge "residents…" with "Yamada said…", unpair "The city expects 100,000 visitors"
    review(page, merge=8, unpair=5)
    # the page patched only the rows each change made, renumbering the rest: what it shows
    # is what the server renders from the database
    patched = rows_shown(page)
    assert [r[0] for r in patched] == [f"b{k}:{k}:{k + 1}" for k in range(10)]
    page.reload()
    assert rows_shown(page) == patched
    beads = page.locator("tr.bead")
    assert beads.count() == 10  # 10 beads: one merge (-1), one unpair (+1)
    assert [page.locator(f"#b{k}").get_attribute("class").split()[1:] for k in range(3)] == [
        ["high", "confirmed"]] * 3
    assert page.locator("#revision").inner_text() == "5"
    merged = page.locator("tr.bead", has_text="周辺の住民")
    assert "山田誠" in merged.inner_text() and "Makoto Yamada" in merged.inner_text()
    assert page.locator("tr.bead", has_text="市は今年の来場者").locator("td.en").inner_text() == ""
    # the three, and the beads the merge and the unpair made (a person decided them)
    assert "6/10 beads confirmed" in page.locator("#figures").inner_text()
    # all of it is in the database, and the CLI's TM search sees it
    data = stored(served.db, doc_id)
    assert data["revision"] == 5 and [b["confirmed"] for b in data["beads"][:3]] == [True] * 3
    hits = tm_search(served.db, "昨年の混雑で道路", "--concordance")
    assert len(hits) == 1 and "Makoto Yamada" in hits[0]["target"]
    assert not [m for m in tm_search(served.db, "市は今年の来場者を10万人と見込んでいる。")
                if m["source"].startswith("市は今年の来場者")]


def test_the_editor_works_from_the_keyboard_alone(served: Served, page: Any) -> None:
    doc_id = ingest(served.db)
    page.goto(f"{served.url}/documents/{doc_id}")
    keys = page.keyboard
    keys.press("n")  # next doubtful bead: the caption, which has no English
    assert current(page) == 3
    keys.press("x")  # select its segment, and the next bead's, and pair them
    keys.press("j")
    keys.press("x")
    keys.press("p")
    wait_revision(page, 1)
    assert stored(served.db, doc_id)["beads"][3]["ja_ids"] == [3, 4]
    keys.press("z")  # undo
    wait_revision(page, 2)
    assert stored(served.db, doc_id)["beads"][3]["type"] == "1-0"
    assert current(page) == 3
    keys.press("m")  # merge the caption with the next bead, then split it off again
    wait_revision(page, 3)
    keys.press("s")
    dialog = page.locator("#split-dialog")
    assert dialog.is_visible()
    keys.press("Tab")  # from "Japanese segments" (1) to "English segments"
    keys.press("Control+a")
    keys.type("0")
    keys.press("Enter")
    wait_revision(page, 4)
    beads = stored(served.db, doc_id)["beads"]
    assert (beads[3]["ja_ids"], beads[3]["en_ids"]) == ([3], [])
    assert (beads[4]["ja_ids"], beads[4]["en_ids"]) == ([4], [3])
    keys.press("]")  # the caption's segment down into the next bead, then up into the one before
    wait_revision(page, 5)
    assert stored(served.db, doc_id)["beads"][3]["ja_ids"] == [3, 4]
    keys.press("[")
    wait_revision(page, 6)
    beads = stored(served.db, doc_id)["beads"]
    assert beads[2]["ja_ids"] == [2, 3] and beads[3]["ja_ids"] == [4]
    assert current(page) == 2  # a segment moved up: the bead it joined is current
    keys.press("Shift+C")  # take back the confirmation the move gave it
    wait_revision(page, 7)
    assert not stored(served.db, doc_id)["beads"][2]["confirmed"]
    keys.press("?")  # the shortcuts, listed
    assert page.locator("#keys-help").is_visible()
    assert "merge with the next bead" in page.locator("#keys-help").inner_text()
    keys.press("Escape")
    assert not page.locator("#keys-help").is_visible()
    # the toolbar's buttons are reachable with Shift+Tab from the bead and work with Enter
    for _ in range(40):
        keys.press("Shift+Tab")
        if page.evaluate("document.activeElement.dataset.action") == "undo":
            break
    keys.press("Enter")
    wait_revision(page, 8)
    assert stored(served.db, doc_id)["beads"][2]["confirmed"]


def test_a_stale_tab_is_told_and_shown_the_current_state(served: Served, page: Any) -> None:
    doc_id = ingest(served.db)
    other = page.context.new_page()
    page.goto(f"{served.url}/documents/{doc_id}")
    other.goto(f"{served.url}/documents/{doc_id}")
    page.locator("#b0 th.pos").click()
    page.keyboard.press("c")
    wait_revision(page, 1)
    # the other tab still shows revision 0: its merge is refused, nothing merged
    other.locator("#b4 th.pos").click()
    other.keyboard.press("m")
    wait_revision(other, 1)
    assert "changed in another tab" in other.locator("#toast").inner_text()
    assert "confirmed" in other.locator("#b0").get_attribute("class")
    data = stored(served.db, doc_id)
    assert data["revision"] == 1 and data["beads"][4]["type"] == "1-1"
    # made again on the current state, it goes through
    other.keyboard.press("m")
    wait_revision(other, 2)
    assert stored(served.db, doc_id)["beads"][4]["type"] == "2-2"


def test_a_hostile_segment_renders_as_text(served: Served, page: Any, tmp_path: Path) -> None:
    doc_id = ingest(served.db, hostile_article(tmp_path), layout="halves",
                    name="<b>x</b>\u202eevil.txt")
    dialogs: list[str] = []

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    for path in ("/documents", f"/documents/{doc_id}"):
        page.goto(served.url + path)
        assert page.locator("main img, main script, main b").count() == 0
        assert "<b>x</b>⟨U+202E⟩evil.txt" in page.locator("main").inner_text()
    cells = page.locator("tr.bead").all_inner_texts()
    assert any("<script>alert('x')</script>を含む文" in c for c in cells)
    assert any('"><img src=x onerror=alert(1)>' in c for c in cells)
    assert any("]]>" in c for c in cells) and any("⟨U+200D⟩" in c for c in cells)
    page.keyboard.press("c")  # a change re-renders the rows: still text
    wait_revision(page, 1)
    assert page.locator("main img, main script").count() == 0
    assert dialogs == []


def _fits(page: Any) -> None:
    """Nothing wider than the 1280-pixel window; the toolbar's buttons all on screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, width
    for box in page.locator(".toolbar button, nav a").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= 1280


def test_pages_at_1280x800_and_the_readme_screenshots(served: Served, page: Any,
                                                      tmp_path: Path) -> None:
    doc_id = ingest(served.db)
    ingest(served.db, DATA / "ingest_interleaved.txt")
    with open_store(served.db) as store:
        rev = alignedit.load(store, doc_id).revision
        rev = alignedit.confirm(store, doc_id, rev, [0, 1, 2]).revision
        alignedit.merge_next(store, doc_id, rev, 8)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert page.viewport_size == {"width": 1280, "height": 800}
    for path, name in (("/", "home"), ("/documents", "documents"),
                       (f"/documents/{doc_id}", "alignment")):
        page.goto(served.url + path)
        _fits(page)
        if name == "alignment":
            page.keyboard.press("n")  # the next doubtful bead: the caption
            assert current(page) == 3
            # the whole article fits on one screen below the toolbar
            assert page.locator("#b8").bounding_box()["y"] < 800
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


def test_a_500_bead_document_renders_in_one_pass(served: Served, page: Any,
                                                 tmp_path: Path) -> None:
    ja = [f"第{i}項の文です。会議は{i}回目に開かれた。" for i in range(500)]
    en = [f"This is sentence {i}. The meeting was held for the {i}th time." for i in range(500)]
    (tmp_path / "ja.txt").write_text("\n".join(ja) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    doc_id = ingest(served.db, tmp_path / "ja.txt", en_path=tmp_path / "en.txt",
                    presegmented=True)
    page.goto(f"{served.url}/documents/{doc_id}")
    assert page.locator("tr.bead").count() == 500
    # usable: a key on the last bead saves at once
    page.locator("#b499 th.pos").click()
    page.keyboard.press("c")
    wait_revision(page, 1)
    assert stored(served.db, doc_id)["beads"][499]["confirmed"]
    timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
    print("500-bead editor, navigation timing:", timing)
