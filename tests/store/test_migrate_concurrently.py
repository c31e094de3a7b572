"""Processes started together (web, pulser, worker) migrate one at a time, on both backends."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from beacon.store import Database

SCRIPT = "import sys; from beacon.store import Database; d = Database(sys.argv[1]); d.upgrade(); d.dispose()"


def test_four_processes_migrate_the_same_fresh_database(database_url: str):
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, database_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    db = Database(database_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
    assert {"log_leaves", "pulses", "statements", "draws", "envelopes"} <= tables
