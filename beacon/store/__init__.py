"""Persistence: SQLAlchemy models, Alembic migrations and repositories.

Repositories take a :class:`sqlalchemy.orm.Session` and never commit; the caller
owns the transaction (:meth:`Database.write`), so an effect and the log leaf that
records it are committed together.
"""

from beacon.store import draw_tables  # noqa: F401  (registers the service's tables)
from beacon.store.database import Database, sqlite_url
from beacon.store.log import LogRepository
from beacon.store.pulses import Promise, PulseRepository, StoredPulse

__all__ = ["Database", "LogRepository", "Promise", "PulseRepository", "StoredPulse", "sqlite_url"]
