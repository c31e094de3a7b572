"""How an idle worker waits for work: ``LISTEN`` on PostgreSQL, a plain timeout on SQLite.

The transactions that can make a draw computable or a tender openable (every pulse,
and the statements in :data:`beacon.service.ledger.WAKE_KINDS`) send a notification
on :data:`~beacon.store.database.WORK_CHANNEL` (:meth:`Database.notify_work`), which
PostgreSQL delivers when they commit. A listening worker therefore starts within
moments of the commit instead of at its next poll, and polls only rarely (a lease
that runs out sends no notification). The ``LISTEN`` lives on a dedicated autocommit
session: it needs a direct connection to PostgreSQL, not one through a transaction
pooler, which would hand the session to another client between transactions.

When that connection drops (the server restarted, or an administrator terminated
the backend) the listener reconnects and listens again; notifications sent while it
was away are lost, so it tells the worker to look now. While the database is
unreachable the worker falls back to its short poll, as on SQLite.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import make_url

from beacon.store import Database
from beacon.store.database import WORK_CHANNEL

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("beacon.wakeup")

LISTEN_POLL_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5
# How often a wait looks at its stop event: psycopg's notifies() cannot watch it.
STOP_CHECK_SECONDS = 0.5


class Wake(Enum):
    """Why a wait returned (the worker looks for work whatever the reason)."""

    NOTIFIED = "notified"  # a transaction that may have made work committed
    RECONNECTED = "reconnected"  # listening (again): whatever committed before was not heard
    TIMEOUT = "timeout"  # the poll interval passed, or the stop event was set


class Wakeup(Protocol):
    def wait(self, fallback_seconds: float, stop: threading.Event) -> Wake:
        """Block until work may be waiting, or ``stop`` is set; ``fallback_seconds`` is
        the poll interval when there is nothing to listen on."""
        ...

    def close(self) -> None: ...


class Polling:
    """SQLite (and any database without notifications): wake every poll interval."""

    def wait(self, fallback_seconds: float, stop: threading.Event) -> Wake:
        stop.wait(fallback_seconds)
        return Wake.TIMEOUT

    def close(self) -> None:
        pass


def libpq_conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """``LISTEN`` on a dedicated autocommit psycopg connection, reconnecting after a drop."""

    def __init__(self, database_url: str, *, poll_seconds: float = LISTEN_POLL_SECONDS) -> None:
        self._conninfo = libpq_conninfo(database_url)
        self.poll_seconds = poll_seconds
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._schema = ""
        self._unreachable = False  # logged once per outage

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening session (None while not listening)."""
        return None if self._connection is None else self._connection.info.backend_pid

    def listen(self) -> bool:
        """Connect and ``LISTEN`` unless already listening; False if the database is away."""
        if self._connection is not None:
            return True
        import psycopg  # here: the optional 'postgres' extra, needed only with PostgreSQL

        try:
            # TCP keepalives: a session that only waits sends nothing, so without them the
            # listener would not notice a server that vanished without closing the socket.
            connection = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
            )
        except psycopg.Error as e:
            if not self._unreachable:
                log.warning(
                    "cannot LISTEN for work (%s); polling until the database is back", _line(e)
                )
            self._unreachable = True
            return False
        try:
            row = connection.execute("SELECT current_schema()").fetchone()
            connection.execute(f"LISTEN {WORK_CHANNEL}")
        except psycopg.Error as e:
            connection.close()
            log.warning("cannot LISTEN for work (%s); polling", _line(e))
            return False
        self._schema = str(row[0]) if row is not None else ""
        self._connection = connection
        if self._unreachable:
            log.info("listening for work again")
            self._unreachable = False
        return True

    def wait(self, fallback_seconds: float, stop: threading.Event) -> Wake:
        if self._connection is None:
            if not self.listen():
                stop.wait(fallback_seconds)
                return Wake.TIMEOUT
            return Wake.RECONNECTED
        import psycopg

        deadline = time.monotonic() + self.poll_seconds
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            try:
                for notify in self._connection.notifies(
                    timeout=min(left, STOP_CHECK_SECONDS), stop_after=1
                ):
                    if notify.payload == self._schema:
                        return Wake.NOTIFIED
            except psycopg.Error as e:
                log.warning("lost the LISTEN connection (%s); reconnecting", _line(e))
                self._drop()
                # Look now either way: the drop may be an outage the next step reports,
                # and a notification may have been sent while nobody listened.
                return Wake.RECONNECTED if self.listen() else Wake.TIMEOUT
        return Wake.TIMEOUT

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            import psycopg

            with contextlib.suppress(psycopg.Error):  # already broken: nothing to release
                connection.close()

    def close(self) -> None:
        self._drop()


def _line(e: Exception) -> str:
    """libpq's first line: its messages run on with hints over several lines."""
    return str(e).strip().split("\n", 1)[0]


def wakeup_for(database: Database) -> Wakeup:
    """A :class:`Listener` on PostgreSQL, :class:`Polling` on SQLite."""
    return Polling() if database.is_sqlite else Listener(database.url)
