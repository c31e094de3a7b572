"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from beacon.store import Database, sqlite_url

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
# Public third-party vectors live beside the checkout (docs/PROTOCOL.md §15); never copied in.
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"


def shared_vectors(*parts: str) -> Path:
    """Path to a public vector folder, or skip with the reason when it is absent."""
    path = SHARED_VECTORS.joinpath(*parts)
    if not path.is_dir():
        pytest.skip(
            reason=f"public vectors not found at {path} (../shared is absent on a fresh clone)"
        )
    return path


# -- databases: one repository suite on SQLite always, on PostgreSQL when configured --

POSTGRES_URL = os.environ.get("BEACON_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "beacon.sqlite3")
        return
    with postgres_schema("test") as url:
        yield url


@contextlib.contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """A URL to a fresh schema of the test PostgreSQL database, dropped afterwards (skips
    the test when ``BEACON_TEST_DATABASE_URL`` is not set)."""
    if not POSTGRES_URL:
        pytest.skip(reason="BEACON_TEST_DATABASE_URL not set")
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated :class:`Database` on each backend."""
    db = Database(database_url)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()
