"""The tests' PostgreSQL helper on a server that several test processes share
(``TAIYAKU_TEST_PG`` under ``pytest -n 2``): each process gets its own databases, and neither
drops the template the other is copying (one shared template name failed about every other
time two processes started together)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pgcluster

TESTS = Path(__file__).resolve().parents[1]
#: what each process does: a few fresh databases made and dropped
CHILD = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import pgcluster
for _ in range(3):
    pgcluster.drop_database(pgcluster.fresh_database())
"""


def test_processes_sharing_a_server_each_get_their_databases() -> None:
    import psycopg

    pgcluster.need_server()
    shared = pgcluster.server()
    env = dict(os.environ, TAIYAKU_TEST_PG=shared)
    for _ in range(3):  # two processes starting together, three times
        runs = [subprocess.Popen([sys.executable, "-c", CHILD], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err.strip().splitlines()[-1:]
    with psycopg.connect(shared, autocommit=True) as conn:
        left = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'taiyaku_template_%'")]
    # the children dropped their templates at exit (this process's own may be there)
    assert left in ([], [f"taiyaku_template_{os.getpid()}"])
