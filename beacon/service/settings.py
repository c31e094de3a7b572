"""Where a deployment keeps its state, and how the pulser and web app find it.

``DIR`` (default ``.beacon``, option ``--data-dir`` or ``BEACON_DATA_DIR`` for every
command) holds the SQLite file ``beacon.sqlite3`` (unless a PostgreSQL URL is given)
and, under ``DIR/ca``, the deployment's CA: the platform's (``beacon ca import``), or
the demo CA that ``beacon ca init`` writes there, which is also created on first start
when ``DIR/ca`` holds no CA, so that ``beacon serve`` works on a fresh machine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from beacon.errors import ConfigurationError
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner
from beacon.service.pulser import PulserConfig
from beacon.store import Database, locks, sqlite_url

DEFAULT_DATA_DIR = Path(".beacon")
DATABASE_FILE = "beacon.sqlite3"
OPEN_LOCK = ".open.lock"
DEMO_BIDDERS = 5  # parties of the demo CA created on first start (beacon serve --demo uses them)

log = logging.getLogger("beacon.settings")


@dataclass(frozen=True)
class Settings:
    """A deployment's locations and parameters."""

    data_dir: Path
    database_url: str
    pulser: PulserConfig
    signer_bits: int = ca.DEFAULT_SIGNER_BITS

    @classmethod
    def build(
        cls,
        *,
        data_dir: Path = DEFAULT_DATA_DIR,
        database_url: str | None = None,
        period_seconds: float = 60,
        public_url: str = "http://127.0.0.1:8080",
        signer_bits: int = ca.DEFAULT_SIGNER_BITS,
    ) -> Settings:
        period_ms = round(period_seconds * 1000)
        return cls(
            data_dir=data_dir,
            database_url=database_url or sqlite_url(data_dir / DATABASE_FILE),
            pulser=PulserConfig(period_ms=period_ms, base_uri=public_url.rstrip("/")),
            signer_bits=signer_bits,
        )

    @property
    def ca_dir(self) -> Path:
        return self.data_dir / "ca"

    @contextmanager
    def opening(self) -> Iterator[None]:
        """Hold ``DIR/.open.lock`` while a process opens the deployment.

        The web's gunicorn workers, the pulser and the workers may all start at once on
        a fresh data folder (deploy/compose.yaml shares one volume): the first migrates
        the database and creates the demo CA, and a second doing the same at the same
        moment would write another signer key beside the first one's certificate.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with locks.exclusive(self.data_dir / OPEN_LOCK):
            yield

    def open_database(self) -> Database:
        """The deployment's database, migrated to the latest schema."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(self.database_url)
        database.upgrade()
        return database

    def load_signer(self, *, now: dt.datetime) -> RsaPulseSigner:
        """The pulse signer; on first start, a demo CA is created under ``DIR/ca``."""
        key, certificate = self.ca_dir / f"{ca.SIGNER}.key", self.ca_dir / f"{ca.SIGNER}.pem"
        if not key.exists() and (self.ca_dir / "ca.pem").exists():
            # A CA is here (an imported platform CA, or a demo CA missing its signer):
            # creating a demo CA would replace its trust anchor.
            raise ConfigurationError(
                f"{self.ca_dir} holds a CA certificate but no beacon signer key {key.name}; "
                "restore it (or `beacon admin rotate-signer`) instead of starting without it"
            )
        if not key.exists():
            log.warning(
                "no signing key in %s: creating a demo CA (unencrypted keys, demo only)",
                self.ca_dir,
            )
            ca.init_ca(self.ca_dir, now=now, signer_bits=self.signer_bits, bidders=DEMO_BIDDERS)
        return RsaPulseSigner.from_files(key, certificate)
