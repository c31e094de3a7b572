"""Engine, sessions and migrations: the database lifecycle in one place.

A SQLite file is the default (WAL, foreign keys on, a busy timeout); PostgreSQL
is chosen by URL (``postgresql+psycopg://...``). :meth:`Database.write` opens a
transaction that serialises writers from its start: ``BEGIN IMMEDIATE`` on SQLite,
and on PostgreSQL ``SELECT … FOR UPDATE`` of the log's singleton state row, both
before the block runs, so that every check a writer makes (and every clock reading
it takes) sees all writes committed before it. :meth:`Database.row_write` is for
bookkeeping that touches no log row (a VDF job's lease, progress and checkpoints):
on PostgreSQL it takes no log lock, the caller locks the rows it changes, so a
worker renewing its lease never holds up a statement append. Repositories never
commit: the caller owns the transaction, so a statement leaf and its effect are
written together or not at all.

On PostgreSQL, :meth:`Database.notify_work` tells listening workers (``LISTEN``, see
:mod:`beacon.service.wakeup`) that something may have become computable; the
notification is delivered when the transaction commits, and not at all if it
rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session

from beacon.errors import ConflictError, InfrastructureError
from beacon.ops import metrics
from beacon.store import locks

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 15_000
WRITE_LOCK_SQL = "SELECT tree_size FROM log_state WHERE id = 1 FOR UPDATE"
MIGRATION_LOCK_KEY = 0x7462_6D69  # "tbmi": serialises concurrent migrations on PostgreSQL
# One channel per database; the payload is the schema, so that deployments sharing a
# database in separate schemas (as the tests do) do not wake each other's workers.
WORK_CHANNEL = "beacon_work"
NOTIFY_WORK_SQL = f"SELECT pg_notify('{WORK_CHANNEL}', current_schema())"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A writer takes the write lock at BEGIN, so two appenders queue instead of
        # both reading the same tree size and one failing at COMMIT.
        immediate = connection.get_execution_options().get("beacon_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One database: its engine, read and write sessions, and its migrations."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options["pool_pre_ping"] = True
        self.engine = create_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._write_engine = self.engine.execution_options(beacon_write=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with self._guard(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A serialised write transaction, committed when the block succeeds."""
        with (
            self._guard(),
            Session(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            if not self.is_sqlite:
                # PROTOCOL.md §6.5: a statement is checked against the record and applied in
                # one transaction. Under READ COMMITTED the check must come after the lock,
                # or two writers both pass it (two commitments by one party were accepted).
                session.execute(text(WRITE_LOCK_SQL))
            else:
                # BEGIN IMMEDIATE now, not at the block's first query: a writer that reads
                # the clock first thing (PROTOCOL.md §13.2, "in time") must already hold
                # the lock, so that no pulse is committed between its reading and its append.
                session.connection()
            yield session

    @contextmanager
    def row_write(self) -> Iterator[Session]:
        """A write transaction that does not take the log's write lock; committed on success.

        For rows no statement check reads: the caller locks what it changes (``SELECT …
        FOR UPDATE`` of its job row) and checks ownership under that lock. Nothing that
        appends to the log may run in it. On SQLite, which has one writer at a time
        anyway, this is :meth:`write` (``BEGIN IMMEDIATE``: a deferred transaction that
        reads and then writes can fail with SQLITE_BUSY instead of waiting).
        """
        if self.is_sqlite:
            with self.write() as session:
                yield session
            return
        with (
            self._guard(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except exc.IntegrityError as e:
            raise ConflictError(
                f"refused by a database constraint (append-only history): {e.orig}"
            ) from e
        except (exc.OperationalError, exc.InterfaceError) as e:
            metrics.DATABASE_ERRORS.inc()
            raise InfrastructureError(f"database unavailable: {e.orig}") from e

    def upgrade(self) -> None:
        """Apply every Alembic migration (idempotent): at startup and by ``beacon db upgrade``.

        Processes started together (web, pulser, worker) migrate one at a time: the
        first applies the migrations, the others then find nothing to do.
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._guard(), self._migration_lock(), self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """An exclusive file lock beside a SQLite file (PostgreSQL uses an advisory lock)."""
        database = self.engine.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            yield
            return
        with locks.exclusive(Path(f"{database}.migrate.lock")):
            yield

    def notify_work(self, session: Session) -> None:
        """Wake the listening workers when ``session`` commits (PostgreSQL; SQLite polls)."""
        if not self.is_sqlite:
            session.execute(text(NOTIFY_WORK_SQL))

    def dispose(self) -> None:
        self.engine.dispose()
