"""``probe_size`` and ``SizeProbe``: the log's size outside any session, on every backend.

The expected size is the session-based :meth:`LogRepository.size` over the same
database (tests/store/test_store.py checks that one against the entries appended).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from beacon.errors import InfrastructureError
from beacon.store import Database, LogRepository, sqlite_url
from beacon.store.log import SizeProbe, probe_size


@pytest.mark.parametrize("appends", [0, 1, 7], ids=["empty", "one", "seven"])
def test_probe_matches_the_repository(database: Database, appends: int) -> None:
    for i in range(appends):
        with database.write() as session:
            LogRepository(session).append(f"entry {i}".encode(), now_ms=i)
    with database.read() as session:
        expected = LogRepository(session).size()
    assert expected == appends
    assert probe_size(database.engine) == expected


def test_probe_sees_a_commit_made_after_it_first_ran(database: Database) -> None:
    before = probe_size(database.engine)  # the pooled connection now exists
    with database.write() as session:
        LogRepository(session).append(b"later", now_ms=1)
    assert probe_size(database.engine) == before + 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda tmp: Database(sqlite_url(tmp / "missing-dir" / "db.sqlite3")),
            r"database unavailable: unable to open database file",
            id="unreachable",
        ),
        pytest.param(
            lambda tmp: Database(sqlite_url(tmp / "empty.sqlite3")),
            r"database unavailable: no such table: log_state",
            id="not-migrated",
        ),
    ],
)
def test_probe_failures_are_infrastructure_errors(tmp_path: Path, make, message: str) -> None:
    db = make(tmp_path)
    try:
        with pytest.raises(InfrastructureError, match=message):
            probe_size(db.engine)
    finally:
        db.dispose()


# -- SizeProbe: the same answer on a connection kept per thread (beacon.web.memo) -----


def _in_transaction(raw: Any) -> bool:
    driver = raw.dbapi_connection
    if isinstance(driver, sqlite3.Connection):
        return driver.in_transaction
    import psycopg

    return bool(driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)


def test_size_probe_matches_probe_size_and_sees_later_commits(database: Database) -> None:
    probe = SizeProbe(database.engine)
    assert probe() == probe_size(database.engine) == 0
    for i in range(3):
        with database.write() as session:
            LogRepository(session).append(f"entry {i}".encode(), now_ms=i)
        # Kept between calls, the connection must not keep a snapshot: each call sees
        # the commit made just before it, and no transaction stays open after it.
        assert probe() == probe_size(database.engine) == i + 1
        assert not _in_transaction(probe._local.raw)


def test_size_probe_keeps_one_connection_per_thread(database: Database) -> None:
    probe = SizeProbe(database.engine)
    probe()
    mine = probe._local.raw
    probe()
    assert probe._local.raw is mine
    seen: list[Any] = []

    def other() -> None:
        seen.append((probe(), probe._local.raw))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen[0][0] == 0
    assert seen[0][1] is not mine


def test_size_probe_failure_is_an_infrastructure_error_and_recovers(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "late.sqlite3"))
    try:
        probe = SizeProbe(db.engine)
        with pytest.raises(InfrastructureError, match="no such table: log_state"):
            probe()
        assert probe._local.raw is None  # the failed connection is dropped
        db.upgrade()
        assert probe() == 0
    finally:
        db.dispose()


def test_size_probe_reconnects_once_when_its_connection_died(database: Database) -> None:
    # As the pool's pre-ping does for a pooled connection, e.g. after a server restart.
    probe = SizeProbe(database.engine)
    assert probe() == 0
    dead = probe._local.raw
    dead.dbapi_connection.close()
    with database.write() as session:
        LogRepository(session).append(b"after the restart", now_ms=1)
    assert probe() == 1
    assert probe._local.raw is not dead
