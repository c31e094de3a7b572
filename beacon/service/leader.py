"""Exactly one active pulser per database (docs/ARCHITECTURE.md §6).

PostgreSQL: a session-level advisory lock held on a dedicated connection, so it
is released by the server the moment the process or its connection dies.
SQLite: an exclusive ``flock`` on a file next to the database file, released by
the kernel when the process dies. A second pulser polls and takes over.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("beacon.leader")

POLL_SECONDS = 0.2
ADVISORY_KEY_SQL = (
    "hashtextextended('tender-beacon/pulser/' || current_database() || '/' || current_schema(), 0)"
)


class LeaderLock(Protocol):
    def acquire(self, stop: threading.Event) -> bool:
        """Block until this process leads (True) or ``stop`` is set (False)."""
        ...

    def still_held(self) -> bool:
        """False once leadership is lost (e.g. the lock connection dropped)."""
        ...

    def release(self) -> None: ...


class FileLeaderLock:
    """An exclusive ``flock`` on ``path`` (one per open file, so threads compete too)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, stop: threading.Event) -> bool:
        import fcntl  # here, not at the top: the party commands run on Windows too (issue 12)

        while not stop.is_set():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                stop.wait(POLL_SECONDS)
                continue
            self._fd = fd
            return True
        return False

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresLeaderLock:
    """``pg_try_advisory_lock`` on a connection of its own, keyed by database and schema."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._connection: Any = None

    def acquire(self, stop: threading.Event) -> bool:
        unreachable = False
        while not stop.is_set():
            connection = None
            try:
                connection = self._engine.connect()
                got = connection.execute(
                    text(f"SELECT pg_try_advisory_lock({ADVISORY_KEY_SQL})")
                ).scalar()
                connection.commit()
            except Exception as e:
                # Said once per outage, so that an operator sees why no pulse comes.
                if not unreachable:
                    log.warning("cannot reach the database to lead (%s); retrying", e)
                unreachable = True
                if connection is not None:
                    connection.invalidate()
                stop.wait(POLL_SECONDS)
                continue
            if unreachable:
                log.info("the database is reachable again")
                unreachable = False
            if got:
                self._connection = connection
                return True
            connection.close()
            stop.wait(POLL_SECONDS)
        return False

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
        except Exception:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()  # closing the session releases the advisory lock
            finally:
                self._connection = None
        self._engine.dispose()


def leader_lock_for(database_url: str) -> LeaderLock:
    """The lock that fits the database: an advisory lock, or a file next to the SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("a pulser needs a SQLite file, not an in-memory database")
        return FileLeaderLock(Path(url.database + ".pulser.lock"))
    return PostgresLeaderLock(database_url)
