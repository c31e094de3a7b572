"""The database session lifecycle of a request, in one place.

A request that needs the store gets one read session (:func:`read_session`),
rolled back and closed at teardown. Writes (the service's statements, later) go
through :meth:`beacon.store.Database.write`, which commits or rolls back as one
transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map

from beacon.store import Database

EXTENSION = "beacon.database"
# Indices, sizes and times are BIGINT columns: a larger number can name nothing stored,
# and the driver would refuse to bind it (an OverflowError, i.e. a 500).
MAX_STORED_INT = 2**63 - 1


class StoredIntConverter(IntegerConverter):
    """``<int:name>`` limited to what a BIGINT column holds; larger numbers are a 404.
    ASCII digits only: werkzeug's ``\\d+`` also matches other Unicode digits."""

    regex = r"[0-9]+"

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_STORED_INT)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask, database: Database) -> None:
    app.extensions[EXTENSION] = database
    app.url_map.converters["int"] = StoredIntConverter
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
