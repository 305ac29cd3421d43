"""A local server is still a server: where it listens, the Host check (DNS rebinding), CSRF,
the access token, escaping of stored text, and uploads (limit, temporary folder, the CLI's
readers and errors, the database unchanged on error)."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from taiyaku.cli import cli
from taiyaku.core.errors import InputError
from taiyaku.store import open_store
from taiyaku.tm.edit import list_documents
from taiyaku.tm.ingest import IngestOptions, ingest_file
from taiyaku.web import security
from taiyaku.web.app import create_app

from .conftest import BASE_URL, free_port

TOKEN = "correct-horse-battery-staple"

#: stored text that must show as text wherever it is shown
HOSTILE = ["<script>alert('x')</script>", '"><img src=x onerror=alert(1)>', "]]>",
           "\u202egnp.exe", "a\u200db"]


def snapshot(db: Path) -> tuple[Any, dict[str, int]]:
    """What the database holds (documents with their alignment figures, row counts)."""
    with open_store(db) as store:
        return list_documents(store).to_json(), store.counts()


# -- where it listens -----------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["--host", "0.0.0.0"], "--host 0.0.0.0 is reachable from other computers"),
    (["--host", "192.168.1.20"], "give an access token with --token or TAIYAKU_TOKEN"),
    (["--host", "0.0.0.0", "--token", "short"], "the access token is too short"),
])
def test_serve_refuses_other_addresses_without_a_token(tmp_path: Path, args: list[str],
                                                       words: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "x.db"), *args],
                                env={"TAIYAKU_TOKEN": ""})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0]
    assert not (tmp_path / "x.db").exists()


def test_create_app_refuses_the_same() -> None:
    with pytest.raises(InputError, match="reachable from other computers"):
        create_app("x.db", host="0.0.0.0")
    create_app("x.db", host="0.0.0.0", token=TOKEN)  # with a token it may


def _start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str],
                                                                          str]:
    """Start ``taiyaku serve``; return the process and its start-up line."""
    process = subprocess.Popen([sys.executable, "-m", "taiyaku.cli", "serve", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], 60)
    line = process.stderr.readline() if ready else ""
    return process, line


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def _other_address() -> str | None:
    """An address of this machine that is not loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address: str = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_serve_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "served.db"
    process, line = _start(["--db", str(db), "--port", str(port)])
    try:
        assert line.strip() == (f"taiyaku workbench on http://127.0.0.1:{port}/ (database "
                                f"{db}); Ctrl-C stops it"), line
        _wait_listening(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/documents") as r:
            assert json.load(r) == []
        other = _other_address()
        if other is not None:  # the same port on the machine's network address: nobody there
            with socket.socket() as s:
                assert s.connect_ex((other, port)) != 0
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert db.exists()


def test_serve_json_says_where_it_listens(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "j.db"
    process = subprocess.Popen([sys.executable, "-m", "taiyaku.cli", "serve", "--db", str(db),
                                "--port", str(port), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        text = ""
        while ready and not text.rstrip().endswith("}"):
            text += process.stdout.readline()
        assert json.loads(text) == {"url": f"http://127.0.0.1:{port}/", "database": str(db),
                                    "token_required": False}
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def test_serve_with_a_token_from_the_environment_asks_for_it(tmp_path: Path) -> None:
    port = free_port()
    process, line = _start(["--db", str(tmp_path / "t.db"), "--port", str(port),
                            "--host", "0.0.0.0"], env={"TAIYAKU_TOKEN": TOKEN})
    try:
        assert "access token required" in line, line
        _wait_listening(port)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/documents")
        assert refused.value.code == 401
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/documents",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request) as r:
            assert json.load(r) == []
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


# -- Host header ----------------------------------------------------------------------------------
@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8765", 200), ("localhost:8765", 200), ("[::1]:8765", 200), ("localhost", 200),
    ("evil.example:8765", 421), ("127.0.0.1.evil.example", 421), ("attacker.test", 421),
    ("", 421),
])
def test_the_host_header_must_name_this_server(bare_client: TestClient, host: str,
                                               status: int) -> None:
    for path in ("/", "/api/documents", "/static/app.js"):
        r = bare_client.get(path, headers={"Host": host})
        assert r.status_code == status, (path, host)
        if status == 421:
            assert "[" not in r.text  # no data


def test_a_rebound_name_cannot_post_either(client: TestClient) -> None:
    r = client.post("/api/documents/1/confirm", json={"revision": 0, "positions": [0]},
                    headers={"Host": "evil.example"})
    assert r.status_code == 421


def test_host_rules() -> None:
    on_all = security.Settings(Path("x"), host="0.0.0.0", token=TOKEN)
    on_one = security.Settings(Path("x"), host="192.168.1.20", token=TOKEN)
    assert security.host_allowed("workstation.lan:8765", on_all)
    assert security.host_allowed("192.168.1.20:8765", on_one)
    assert not security.host_allowed("evil.example", on_one)


# -- CSRF -----------------------------------------------------------------------------------------
def test_state_changing_requests_need_the_csrf_token(bare_client: TestClient, app: Any,
                                                     web_db: Path, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("東京で会議が開かれた。\n\nA meeting was held in Tokyo.\n", encoding="utf-8")
    with open_store(web_db) as store:
        doc_id = ingest_file(store, article, IngestOptions()).doc_id
    before = snapshot(web_db)
    token = app.state.settings.csrf
    files = {"file": ("b.txt", "雨が降った。\n\nIt rained.\n".encode())}
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("DELETE", f"/api/documents/{doc_id}", {}),
        ("POST", "/api/documents", {"files": files}),
        ("POST", f"/api/documents/{doc_id}/confirm", {"json": {"revision": 0, "positions": [0]}}),
        ("POST", f"/documents/{doc_id}/remove", {"data": {}}),
        ("POST", f"/documents/{doc_id}/remove", {"data": {"csrf_token": "wrong"}}),
        ("POST", "/documents", {"files": files, "data": {"csrf_token": token[:-1]}}),
        ("POST", f"/api/documents/{doc_id}/confirm",
         {"json": {"revision": 0, "positions": [0]}, "headers": {"X-CSRF-Token": ""}}),
    ]
    for method, url, extra in attempts:
        r = bare_client.request(method, url, **extra)
        assert r.status_code == 403, (method, url, r.text)
        assert "CSRF token" in r.text
    assert snapshot(web_db) == before
    # the token in the form field (a page's form) or the header (fetch) is accepted
    r = bare_client.post(f"/documents/{doc_id}/remove", data={"csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 303 and snapshot(web_db)[1]["documents"] == 0


def test_every_page_carries_the_csrf_token_in_a_meta_tag(client: TestClient, app: Any) -> None:
    html = client.get("/documents").text
    assert f'<meta name="csrf-token" content="{app.state.settings.csrf}">' in html
    assert f'name="csrf_token" value="{app.state.settings.csrf}"' in html
    other = create_app(app.state.settings.db)
    assert other.state.settings.csrf != app.state.settings.csrf  # new at each start


def test_pages_forbid_framing_and_foreign_scripts(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


# -- access token ---------------------------------------------------------------------------------
@pytest.fixture
def token_client(web_db: Path) -> Any:
    app = create_app(web_db, host="0.0.0.0", token=TOKEN)
    with TestClient(app, base_url="http://workstation.lan:8765") as c:
        c.headers["X-CSRF-Token"] = app.state.settings.csrf
        yield c


def test_the_access_token_is_asked_once(token_client: TestClient) -> None:
    r = token_client.get("/documents")
    assert r.status_code == 401 and 'name="token"' in r.text and "access token" in r.text
    assert token_client.get("/api/documents").status_code == 401
    assert token_client.get("/static/app.js").status_code == 401
    r = token_client.post("/login", data={"token": "wrong-token-wrong", "next": "/documents"},
                          follow_redirects=False)
    assert r.status_code == 401 and "not this server&#39;s access token" in r.text
    assert token_client.get("/api/documents").status_code == 401
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        r = token_client.post("/login", data={"token": TOKEN, "next": elsewhere},
                              follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"  # never off-site
    r = token_client.post("/login", data={"token": TOKEN, "next": "/documents"},
                          follow_redirects=False)
    assert r.headers["location"] == "/documents"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    # the cookie now goes with every request
    assert token_client.get("/documents").status_code == 200
    assert token_client.get("/api/documents").json() == []


def test_without_a_token_there_is_no_login(client: TestClient) -> None:
    r = client.post("/login", data={"token": "anything-at-all"}, follow_redirects=False)
    assert r.status_code == 404 and "set-cookie" not in r.headers


def test_the_login_form_needs_the_csrf_token_too(web_db: Path) -> None:
    app = create_app(web_db, host="0.0.0.0", token=TOKEN)
    with TestClient(app, base_url=BASE_URL) as c:
        r = c.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 403


# -- escaping -------------------------------------------------------------------------------------
def hostile_article(folder: Path) -> Path:
    ja = [f"{h}を含む文その{i}です。" for i, h in enumerate(HOSTILE)]
    en = [f"Sentence {i} holds {h} here." for i, h in enumerate(HOSTILE)]
    path = folder / "hostile.txt"
    path.write_text("\n".join(ja) + "\n\n" + "\n".join(en) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def hostile_doc(web_db: Path, tmp_path: Path) -> int:
    with open_store(web_db) as store:
        name = "<b>x</b>\u202eevil\u200d.txt"
        return ingest_file(store, hostile_article(tmp_path),
                           IngestOptions(layout="halves", presegmented=False, name=name)).doc_id


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>x</b>" not in html
    assert "\u202e" not in html and "\u200d" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "]]&gt;" in html
    assert "⟨U+202E⟩" in html and "⟨U+200D⟩" in html


def test_stored_text_is_escaped_on_every_page(client: TestClient, hostile_doc: int) -> None:
    for path in ("/documents", f"/documents/{hostile_doc}", f"/documents/{hostile_doc}/rows",
                 f"/documents/{hostile_doc}/remove"):
        html = client.get(path).text
        assert "&lt;b&gt;x&lt;/b&gt;" in html or path.endswith("/rows"), path
        if path.endswith(("/rows", f"/{hostile_doc}")):
            _assert_inert(html)
        else:
            assert "<b>x</b>" not in html and "\u202e" not in html and "⟨U+202E⟩" in html


def test_an_error_line_holding_markup_is_escaped(client: TestClient, app: Any) -> None:
    r = client.post("/documents", files={"file": ("<img src=x onerror=alert(1)>.tmx",
                                                 b"<tmx version='1.4'><body/></tmx>")},
                    data={"csrf_token": app.state.settings.csrf})
    assert r.status_code == 400
    assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;.tmx" in r.text


def test_json_escapes_control_characters(client: TestClient, web_db: Path,
                                         tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("東京で会議が開かれた。\n\nA meeting was held in Tokyo.\n", encoding="utf-8")
    with open_store(web_db) as store:
        ingest_file(store, path, IngestOptions(name="a\x1b[2Jb\x9b"))
    raw = client.get("/api/documents").content
    assert b"\x1b" not in raw and "\x9b".encode() not in raw
    assert client.get("/api/documents").json()[0]["name"] == "a\x1b[2Jb\x9b"


# -- uploads --------------------------------------------------------------------------------------
def _cli_error(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1
    line: str = result.stderr.strip()
    return line.removeprefix("Error: ")


@pytest.mark.parametrize("name, data, layout", [
    ("memory.tmx", b"<?xml version='1.0'?><tmx version='1.4'><body/></tmx>", "auto"),
    ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 50, "auto"),
    ("empty.txt", b"", "auto"),
    ("japanese-only.txt", "日本語だけの文です。\n".encode(), "halves"),
    ("latin1.txt", "caf\xe9 au lait\n".encode("latin-1"), "auto"),
])
def test_an_upload_gets_the_cli_s_error_and_stores_nothing(
        client: TestClient, web_db: Path, tmp_path: Path, name: str, data: bytes,
        layout: str, monkeypatch: Any) -> None:
    local = tmp_path / "local" / name
    local.parent.mkdir()
    local.write_bytes(data)
    monkeypatch.chdir(local.parent)  # the CLI names the file as given: name it the same
    expected = _cli_error("ingest", name, "--layout", layout, "--db", str(tmp_path / "cli.db"))
    before = snapshot(web_db)
    r = client.post("/api/documents", files={"file": (name, data)}, data={"layout": layout})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == expected
    assert snapshot(web_db) == before


def test_an_upload_over_the_limit_is_refused_while_it_arrives(web_db: Path) -> None:
    small = create_app(web_db, max_upload=4096)
    with TestClient(small, base_url=BASE_URL) as c:
        c.headers["X-CSRF-Token"] = small.state.settings.csrf
        before = snapshot(web_db)
        big = ("東京で会議が開かれた。\n" * 400).encode()
        r = c.post("/api/documents", files={"file": ("big.txt", big)})
        assert r.status_code == 413 and "larger than the limit of" in r.json()["error"]
        r = c.post("/documents", files={"file": ("big.txt", big)},
                   data={"csrf_token": small.state.settings.csrf})
        assert r.status_code == 413 and "larger than the limit of" in r.text
        # without a Content-Length (a chunked body) it is cut off while it arrives
        head = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
                b"Content-Type: text/plain\r\n\r\n")
        r = c.post("/api/documents", content=iter([head, big[:3000], big[3000:], b"\r\n--B--\r\n"]),
                   headers={"Content-Type": "multipart/form-data; boundary=B"})
        assert r.status_code == 413
        assert snapshot(web_db) == before


def test_uploads_are_written_to_a_temporary_folder_that_goes(client: TestClient,
                                                             tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: list[Path] = []
    real = security.save_upload

    def spy(upload: Any, folder: Path, **kw: Any) -> Path:
        path = real(upload, folder, **kw)
        seen.append(path)
        return path

    monkeypatch.setattr("taiyaku.web.routes.documents.save_upload", spy)
    ok = "東京で会議が開かれた。\n\nA meeting was held in Tokyo.\n".encode()
    r = client.post("/api/documents", files={"file": ("../../etc/news.txt", ok)})
    assert r.status_code == 201, r.text
    assert seen and seen[0].parent.parent == scratch and seen[0].name == "news.txt"
    r = client.post("/api/documents", files={"file": ("x.tmx", b"<tmx version='1.4'/>")})
    assert r.status_code == 400
    assert list(scratch.iterdir()) == []  # both folders removed, after success and error


def test_save_upload_names() -> None:
    assert security._safe_name("..\\..\\boot.ini") == "boot.ini"
    assert security._safe_name(".bashrc") == "bashrc"
    assert re.fullmatch(r"upload", security._safe_name("\x00\x01"))


def test_a_request_s_store_may_move_between_threads(app: Any) -> None:
    # FastAPI enters a sync dependency in one worker thread and may run the route (and close
    # the dependency) in others; SQLite's same-thread check would refuse that
    import threading
    from types import SimpleNamespace

    from taiyaku.web.deps import get_store

    dependency = cast(Generator[Any, None, None], get_store(SimpleNamespace(app=app)))  # type: ignore[arg-type]
    opened: list[Any] = []
    worker = threading.Thread(target=lambda: opened.append(next(dependency)))
    worker.start()
    worker.join()
    assert opened[0].counts()["documents"] == 0  # used in this thread
    closer = threading.Thread(target=dependency.close)
    closer.start()
    closer.join()
