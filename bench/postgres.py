"""The PostgreSQL the benchmarks may use: BEACON_BENCH_DATABASE_URL, else the test suite's
BEACON_TEST_DATABASE_URL; each run works in a scratch schema it drops afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url

UNSET = "BEACON_BENCH_DATABASE_URL / BEACON_TEST_DATABASE_URL unset"


def database_url() -> str | None:
    """The server's URL, or None when neither variable is set."""
    return os.environ.get("BEACON_BENCH_DATABASE_URL") or os.environ.get("BEACON_TEST_DATABASE_URL")


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of ``url``'s database, dropped (with
    everything in it) on exit."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
