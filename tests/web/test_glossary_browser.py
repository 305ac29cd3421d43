"""The workbench's glossary, TM, pre-translate and import/export pages in headless Chromium
(issue 18): a term approved and edited on the page is what ``taiyaku terms search`` finds;
the glossary works by keyboard alone; a hostile term renders as text; a pre-translation upload
downloads a valid XLIFF; and the README's screenshots at 1280×800."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from taiyaku.glossary.store import add_term
from taiyaku.store import open_store

from .conftest import SCREENSHOTS, add_pt_tm

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

DATA = Path(__file__).resolve().parents[1] / "data"
HOSTILE = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def _seed(db: Path) -> dict[str, int]:
    """A small TM and glossary (the pre-translation tests' words)."""
    with open_store(db) as s:
        add_pt_tm(s, "port-news")
        ids = {"港湾": add_term(s, "港湾", "harbor", status="candidate").id,
               "路面電車": add_term(s, "路面電車", "tram", status="candidate").id,
               "渋滞": add_term(s, "渋滞", "traffic jam", status="forbidden").id,
               "環境影響評価": add_term(s, "環境影響評価", "environmental impact assessment",
                                  status="candidate").id}
    return {k: int(v) for k, v in ids.items() if v is not None}


def _cli_search(db: Path, query: str) -> list[dict[str, Any]]:
    """``taiyaku terms search QUERY --json`` in a process of its own."""
    run = subprocess.run([sys.executable, "-m", "taiyaku.cli", "terms", "search", query,
                          "--db", str(db), "--json"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_approve_and_edit_a_term_then_the_cli_sees_it(served: Any, page: Any) -> None:
    ids = _seed(served.db)
    tid = ids["港湾"]
    page.goto(f"{served.url}/glossary")
    row = page.locator(f'tr.term[data-id="{tid}"]')
    row.get_by_role("button", name="Approve").click()
    expect(row.locator(".status")).to_have_text("approved")
    row.get_by_role("button", name="Edit").click()
    editor = page.locator(f'form.term-edit[data-id="{tid}"]')
    editor.locator('input[name="en"]').fill("port")
    editor.locator('input[name="note"]').fill("house style: port")
    editor.get_by_role("button", name="Save").click()
    expect(row.locator(".note")).to_have_text("house style: port")
    expect(row.locator(".en .form").first).to_have_text("port")
    (hit,) = [h for h in _cli_search(served.db, "港湾") if h["id"] == tid]
    assert hit["status"] == "approved" and hit["en"][0] == "port"
    assert hit["note"] == "house style: port"
    # reloaded, the page shows what is stored
    page.reload()
    assert page.locator(f'tr.term[data-id="{tid}"] .status').text_content() == "approved"


def test_keyboard_only(served: Any, page: Any) -> None:
    ids = _seed(served.db)
    page.goto(f"{served.url}/glossary")
    # "/" jumps to the search field; Enter filters
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "term-q"
    page.keyboard.type("路面")
    page.keyboard.press("Enter")
    page.wait_for_url("**/glossary?q=*")
    tid = ids["路面電車"]
    assert page.locator("tr.term").count() == 1
    # j focuses the first term; a approves it
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.id") == str(tid)
    page.keyboard.press("a")
    expect(page.locator("tr.term .status")).to_have_text("approved")
    # e opens the editor on its first field; type, Tab to the English, Enter saves
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "ja"
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("streetcar")
    page.keyboard.press("Enter")
    expect(page.locator("tr.term .en .form").first).to_have_text("streetcar")
    assert page.evaluate("document.activeElement.dataset.id") == str(tid)  # back on the row
    # x selects, f forbids the selection; Esc closes an editor without saving
    page.keyboard.press("x")
    page.keyboard.press("f")
    expect(page.locator("tr.term .status")).to_have_text("forbidden")
    page.keyboard.press("e")
    page.keyboard.type("捨てる")
    page.keyboard.press("Escape")
    assert page.locator("tr.editor").first.is_hidden()
    (hit,) = [h for h in _cli_search(served.db, "路面電車") if h["id"] == tid]
    assert (hit["status"], hit["en"][0], hit["ja"]) == ("forbidden", "streetcar", ["路面電車"])
    # v shows the evidence: the sentence with its aligned English (Esc left the focus on
    # the row)
    assert page.evaluate("document.activeElement.dataset.id") == str(tid)
    page.keyboard.press("v")
    page.wait_for_selector(".evidence-lines li")
    assert "tram" in page.locator(".evidence-lines li").first.text_content()


def test_a_hostile_term_renders_as_text(served: Any, page: Any) -> None:
    with open_store(served.db) as s:
        tid = add_term(s, "危険" + HOSTILE, HOSTILE, note=HOSTILE + "\u202e\u200d").id
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{served.url}/glossary")
    row = page.locator(f'tr.term[data-id="{tid}"]')
    assert HOSTILE in row.locator(".en").text_content()
    assert "U+202E" in row.locator(".note").text_content()
    assert page.locator("main img").count() == 0
    assert page.evaluate("window.__pwned") is None
    # after an edit the row is redrawn from JSON: still text
    row.get_by_role("button", name="Edit").click()
    page.locator(f'form.term-edit[data-id="{tid}"] input[name="add_en"]').fill(HOSTILE + "2")
    page.locator(f'form.term-edit[data-id="{tid}"]').get_by_role("button", name="Save").click()
    expect(row.locator(".en .form")).to_have_count(2)
    row.get_by_role("button", name="Evidence").click()
    page.wait_for_selector(f'tr.evidence[data-for="{tid}"] .evidence-body p')
    assert page.locator("main img").count() == 0 and page.evaluate("window.__pwned") is None
    assert not dialogs


def test_pretranslation_upload_downloads_a_valid_xliff(served: Any, page: Any,
                                                        tmp_path: Path, shared: Path) -> None:
    _seed(served.db)
    page.goto(f"{served.url}/pretranslate")
    page.set_input_files("#pt-file", str(DATA / "pt_new_ja.txt"))
    page.get_by_role("button", name="Pre-translate").click()
    page.wait_for_selector("#pt-segments")
    assert "The port expansion is ahead of schedule." in page.locator("#pt-segments").text_content()
    # both XLIFF links, downloaded as a user does, pass ../shared's validator (the schemas
    # of ../shared/schemas, as the exports tests check the CLI's files)
    for link, version, extra in (("#dl-xliff", b'version="2.1"', []),
                                 ("a:has-text('XLIFF 1.2')", b'version="1.2"', ["--strict-12"])):
        with page.expect_download() as info:
            page.click(link)
        out = tmp_path / f"download-{version.decode()[9:12]}.xlf"
        info.value.save_as(out)
        data = out.read_bytes()
        assert b"<xliff" in data and version in data
        assert "The port expansion is ahead of schedule." in data.decode("utf-8")
        run = subprocess.run([sys.executable, str(shared / "tools" / "validate_xliff.py"),
                              *extra, str(out)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr


def test_screenshots(served: Any, page: Any) -> None:
    """The README's screenshots (1280×800), and each page shows without script errors."""
    ids = _seed(served.db)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{served.url}/glossary")
    page.locator(f'tr.term[data-id="{ids["港湾"]}"]').get_by_role("button",
                                                                 name="Evidence").click()
    page.wait_for_selector(".evidence-lines li")
    page.screenshot(path=str(SCREENSHOTS / "glossary.png"))
    page.goto(f"{served.url}/tm?q=港湾の拡張工事は予定より遅れている。")
    page.wait_for_selector("li.tm-hit")
    page.screenshot(path=str(SCREENSHOTS / "tm.png"))
    page.goto(f"{served.url}/pretranslate")
    page.set_input_files("#pt-file", str(DATA / "pt_new_ja.txt"))
    page.get_by_role("button", name="Pre-translate").click()
    page.wait_for_selector("#pt-segments")
    page.screenshot(path=str(SCREENSHOTS / "pretranslate.png"))
    page.goto(f"{served.url}/io")
    page.screenshot(path=str(SCREENSHOTS / "io.png"))
    for name in ("glossary", "tm", "pretranslate", "io"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
