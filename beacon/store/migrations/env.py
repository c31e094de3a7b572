"""Alembic environment: always run programmatically with a connection in
``config.attributes["connection"]`` (see :meth:`beacon.store.database.Database.upgrade`)."""

from __future__ import annotations

from alembic import context

from beacon.store import draw_tables  # noqa: F401  (registers the service's tables)
from beacon.store.chain_tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
