"""psycopg's clean-up warnings never add a raw line to taiyaku's one-line errors."""

from __future__ import annotations

import subprocess
import sys


def test_psycopgs_ignored_clean_up_errors_print_nothing() -> None:
    # What psycopg logs when the server goes away in the middle of a COPY (seen as a second
    # stderr line under a server restart mid-import): the error itself is reported by taiyaku.
    code = (
        "import logging, taiyaku.store.postgres\n"
        "logging.getLogger('psycopg').warning("
        "'error ignored terminating %r: %s', '<psycopg.Copy>', 'server closed the connection')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr == ""
