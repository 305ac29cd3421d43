"""A throwaway PostgreSQL server for the tests (the contract suite and the CLI tests).

:func:`server` returns the address of a server: ``TAIYAKU_TEST_PG`` when set (an existing
server; the tests create and drop databases on it), else a cluster this process starts from the
installed server binaries (``pg_config --bindir``, or Debian's ``/usr/lib/postgresql/N/bin``;
``/usr/local/bin/initdb`` may be a wrapper of something else). ``initdb`` and ``postgres``
refuse to run as root: as root they run as the ``postgres`` user (``runuser``), in a
temporary folder it owns, listening on a socket in that folder and on a free TCP port of
127.0.0.1, with trust authentication (nothing else can reach it). Each test process (each
pytest-xdist worker) starts its own cluster on first use and stops it at exit: nothing is
shared, so nothing needs a lock.

:func:`fresh_database` gives each test a database of its own, a copy of a template that is
migrated once (``CREATE DATABASE … TEMPLATE``: a few milliseconds instead of a migration).

:func:`unavailable` says why no server can be had (None when one can): tests skip then, unless
``TAIYAKU_REQUIRE_POSTGRES`` is set (CI), where they fail.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["server", "fresh_database", "drop_database", "unavailable", "required",
           "need_server", "own_cluster", "crash_restart"]

#: the template database of this process: one per process, since processes may share a
#: server (``TAIYAKU_TEST_PG`` under ``pytest -n 2``), where one name would let each drop the
#: template the other is copying
_TEMPLATE = f"taiyaku_template_{os.getpid()}"
#: the server settings of a cluster this process starts (a throwaway one: no fsync); a
#: benchmark may change them before the first :func:`server` call
SETTINGS = {"listen_addresses": "127.0.0.1", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_connections": "200", "shared_buffers": "64MB"}
_counter = itertools.count(1)
_state: dict[str, object] = {}


def required() -> bool:
    """True when PostgreSQL tests must run (``TAIYAKU_REQUIRE_POSTGRES``, set by CI)."""
    return bool(os.environ.get("TAIYAKU_REQUIRE_POSTGRES"))


def need_server() -> None:
    """Skip the calling test when no server can be had (fail it under
    ``TAIYAKU_REQUIRE_POSTGRES``)."""
    import pytest

    why = unavailable()
    if why is not None:
        if required():
            pytest.fail(f"PostgreSQL required (TAIYAKU_REQUIRE_POSTGRES) but {why}")
        pytest.skip(why)


def bindir() -> Path | None:
    """The folder of the installed server binaries (``initdb``, ``postgres``), or None."""
    candidates = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        if out:
            candidates.append(Path(out))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           reverse=True)]
    for c in candidates:
        if (c / "initdb").is_file() and (c / "postgres").is_file():
            return c
    return None


def unavailable() -> str | None:
    """Why no PostgreSQL server can be had, or None."""
    if os.environ.get("TAIYAKU_TEST_PG"):
        return None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install taiyaku[postgres])"
    if bindir() is None:
        return "no PostgreSQL server binaries (Debian: apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _start_cluster() -> str:
    """Start a cluster (see the module's text); return its address."""
    bins = bindir()
    assert bins is not None
    root = Path(tempfile.mkdtemp(prefix="taiyaku-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    subprocess.run(
        _as_server_user([str(bins / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        check=True, capture_output=True, timeout=300)
    for _ in range(5):
        port = _free_port()
        proc = _launch(bins, root, port)
        address = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        if _wait_ready(address, proc):
            _state.update(proc=proc, root=root, bins=bins, port=port)
            atexit.register(_stop_cluster)
            return address
    log = root / "server.log"
    raise RuntimeError(f"the test PostgreSQL server did not start: {log.read_text()[-2000:]}")


def _launch(bins: Path, root: Path, port: int) -> subprocess.Popen[bytes]:
    """Start the server of the cluster in *root* on *port* (its own process group: a test's
    signal to its group does not reach it)."""
    settings = [arg for name, value in SETTINGS.items() for arg in ("-c", f"{name}={value}")]
    return subprocess.Popen(
        _as_server_user([str(bins / "postgres"), "-D", str(root / "data"), "-k", str(root),
                         "-p", str(port), *settings]),
        stdout=subprocess.DEVNULL, stderr=(root / "server.log").open("ab"),
        start_new_session=True, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """In the server's launcher (runuser, which passes the signal on): SIGTERM when the test
    process dies without its exit handlers (killed), so no cluster outlives its tests."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def own_cluster() -> bool:
    """True when the server is this process's own cluster (not ``TAIYAKU_TEST_PG``)."""
    server()
    return "proc" in _state


def crash_restart() -> None:
    """Stop this process's cluster as a crash would (SIGQUIT: immediate shutdown, no
    checkpoint; the next start runs crash recovery) and start it again on the same port."""
    proc = _state["proc"]
    assert isinstance(proc, subprocess.Popen)
    os.killpg(proc.pid, signal.SIGQUIT)
    proc.wait(timeout=60)
    bins, root, port = _state["bins"], _state["root"], _state["port"]
    assert isinstance(bins, Path) and isinstance(root, Path) and isinstance(port, int)
    proc = _launch(bins, root, port)
    _state["proc"] = proc
    if not _wait_ready(str(_state["address"]), proc):
        raise RuntimeError("the test PostgreSQL server did not come back after a crash")


def _wait_ready(address: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False  # e.g. the port was taken meanwhile
        try:
            psycopg.connect(address, connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            time.sleep(0.1)
    proc.kill()
    return False


def _stop_cluster() -> None:
    proc = _state.pop("proc", None)
    root = _state.pop("root", None)
    if isinstance(proc, subprocess.Popen):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)  # "fast" shutdown of the server
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if isinstance(root, Path):
        shutil.rmtree(root, ignore_errors=True)


def server() -> str:
    """The address of the test server's ``postgres`` database (started on first use)."""
    address = _state.get("address")
    if address is None:
        address = os.environ.get("TAIYAKU_TEST_PG") or _start_cluster()
        _state["address"] = address
    return str(address)


def _with_database(address: str, name: str) -> str:
    """*address* (a URL) with its database name replaced by *name*."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(address)
    return urlunsplit(parts._replace(path="/" + name))


def _admin() -> object:
    import psycopg

    return psycopg.connect(server(), autocommit=True)


def fresh_database() -> str:
    """The address of a new, migrated, empty taiyaku database on the test server."""
    import psycopg
    from psycopg import sql

    if not _state.get("template"):
        with _admin() as conn:  # type: ignore[attr-defined]
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_TEMPLATE)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_TEMPLATE)))
        from taiyaku.store.postgres import PgStore

        PgStore.open(_with_database(server(), _TEMPLATE)).close()
        _state["template"] = True
        atexit.register(_drop_template)
    name = f"taiyaku_t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(_TEMPLATE)))
    return _with_database(server(), name)


def _drop_template() -> None:
    """Drop this process's template at exit (on a shared server it would stay otherwise)."""
    with contextlib.suppress(Exception):
        drop_database(_with_database(server(), _TEMPLATE))


def drop_database(address: str) -> None:
    """Drop a database :func:`fresh_database` made (closing what still uses it)."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    name = urlsplit(address).path.lstrip("/")
    with psycopg.connect(server(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
