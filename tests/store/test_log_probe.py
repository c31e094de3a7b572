"""``probe_size``: the log's size on a bare pooled connection, on every backend.

The expected size is the session-based :meth:`LogRepository.size` over the same
database (tests/store/test_store.py checks that one against the entries appended).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.errors import InfrastructureError
from beacon.store import Database, LogRepository, sqlite_url
from beacon.store.log import probe_size


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
