"""The database session lifecycle of a request, in one place.

A request that needs the store gets one read session (:func:`read_session`),
rolled back and closed at teardown. Writes (the service's statements, later) go
through :meth:`beacon.store.Database.write`, which commits or rolls back as one
transaction.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from beacon.store import Database

EXTENSION = "beacon.database"


def init_app(app: Flask, database: Database) -> None:
    app.extensions[EXTENSION] = database
    app.teardown_appcontext(_close)


def database() -> Database:
    """The application's :class:`Database`."""
    db: Database = current_app.extensions[EXTENSION]
    return db


def read_session() -> Session:
    """This request's read session (opened on first use, never committed)."""
    if "db_session" not in g:
        g.db_session = Session(database().engine)
    session: Session = g.db_session
    return session


def _close(_error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
