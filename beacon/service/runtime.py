"""Wiring: one deployment's database, clock, entropy, keys and services, built once.

``beacon serve``, ``beacon worker``, the in-process ``beacon demo`` and the tests
all build the same :class:`Runtime`, so they run the same code path; only the
clock and the entropy source differ (fakes in tests and reproducible demos).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.core.vocabulary import Role
from beacon.errors import ConfigurationError
from beacon.identity import ca
from beacon.identity.crl import CRL_FILE, CrlSource
from beacon.identity.keys import KeySigner, load_signer
from beacon.identity.signer import RsaPulseSigner
from beacon.identity.validation import ChainValidator
from beacon.service.blobs import BlobStore
from beacon.service.clock import Clock
from beacon.service.engine import Engine
from beacon.service.entropy import Entropy
from beacon.service.ledger import Ledger, Policy
from beacon.service.period import agree_period
from beacon.service.pulser import Pulser
from beacon.service.settings import Settings
from beacon.service.signers import SignerFiles, SignerPair, require_beacon_profile
from beacon.service.wakeup import wakeup_for
from beacon.service.worker import Worker, WorkerConfig
from beacon.store import Database

log = logging.getLogger("beacon.runtime")


@dataclass(frozen=True)
class Trust:
    """Trust anchors, CRLs and the configured operators of a deployment."""

    anchors: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    centre_operators: frozenset[bytes] = frozenset()  # DER certificates
    supervisors: frozenset[bytes] = frozenset()  # DER certificates
    # The imported platform CA's CRL, refreshed at run time (beacon/identity/crl.py).
    revocation: CrlSource | None = None

    @classmethod
    def from_ca_dir(cls, directory: Path) -> Trust:
        """The CA's anchor, and its centre and supervisor certificates from ``manifest.json``;
        for an imported platform CA also its CRL (``ca.crl``, refreshed from its URL)."""
        try:
            anchor = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
            manifest = json.loads((directory / ca.MANIFEST).read_text())
            by_role: dict[str, set[bytes]] = {}
            for party in manifest["parties"]:
                if (
                    party["role"] not in (Role.CENTRE, Role.SUPERVISOR)
                    or party["name"] == ca.SIGNER
                ):
                    continue  # the beacon's own key acts as the beacon, never as a party
                der = x509.load_pem_x509_certificate(
                    (directory / f"{party['name']}.pem").read_bytes()
                ).public_bytes(serialization.Encoding.DER)
                by_role.setdefault(party["role"], set()).add(der)
            crl = manifest.get("crl")
            revocation = (
                CrlSource(anchor, directory / CRL_FILE, url=crl.get("url"))
                if isinstance(crl, dict)
                else None
            )
        except (OSError, ValueError, KeyError, AttributeError) as e:
            raise ConfigurationError(f"cannot read the CA in {directory}: {e}") from e
        return cls(
            anchors=(anchor,),
            revocation=revocation,
            centre_operators=frozenset(by_role.get(Role.CENTRE, set())),
            supervisors=frozenset(by_role.get(Role.SUPERVISOR, set())),
        )

    def validator(self) -> ChainValidator:
        return ChainValidator(self.anchors, self.crls, revocation=self.revocation)

    def anchor_ders(self) -> tuple[bytes, ...]:
        return tuple(a.public_bytes(serialization.Encoding.DER) for a in self.anchors)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Clock
    entropy: Entropy
    trust: Trust
    pulse_signer: RsaPulseSigner
    statement_signer: KeySigner
    ledger: Ledger
    pulser: Pulser
    engine: Engine
    blobs: BlobStore
    policy: Policy
    workers: list[Worker] = field(default_factory=list)
    signer_files: SignerFiles | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        entropy: Entropy,
        policy: Policy | None = None,
        trust: Trust | None = None,
        new_chain: bool = False,
    ) -> Runtime:
        """Open the deployment ``settings`` describe: migrate, load keys, agree the period.

        Refuses (ConfigurationError) when ``settings`` has another pulse period than the
        deployment's; ``new_chain`` makes it the deployment's period and asks the pulser
        for a new chain (beacon.service.period).
        """
        with settings.opening():
            database = settings.open_database()
            try:
                agree_period(database, settings.pulser.period_ms, new_chain=new_chain)
                now = dt.datetime.fromtimestamp(clock.now_ms() / 1000, tz=dt.UTC)
                pulse_signer = settings.load_signer(now=now)
            except BaseException:
                database.dispose()
                raise
        trust = trust or Trust.from_ca_dir(settings.ca_dir)
        statement_signer = load_signer(
            settings.ca_dir / f"{ca.SIGNER}.pem", settings.ca_dir / f"{ca.SIGNER}.key"
        )
        require_beacon_profile(statement_signer.certificate, settings.ca_dir / f"{ca.SIGNER}.pem")
        signer_files = SignerFiles(settings.ca_dir, SignerPair(pulse_signer, statement_signer))
        policy = policy or Policy()
        policy = dataclasses.replace(
            policy,
            centre_operators=policy.centre_operators | trust.centre_operators,
            supervisors=policy.supervisors | trust.supervisors,
        )
        blobs = BlobStore(settings.data_dir / "blobs")
        ledger = Ledger(
            database=database,
            clock=clock,
            entropy=entropy,
            validator=trust.validator(),
            beacon=statement_signer,
            blobs=blobs,
            policy=policy,
        )
        engine = Engine(ledger)
        pulser = Pulser(
            database, pulse_signer, clock, entropy, settings.pulser, after_pulse=engine.tick
        )
        runtime = cls(
            settings=settings,
            database=database,
            clock=clock,
            entropy=entropy,
            trust=trust,
            pulse_signer=pulse_signer,
            statement_signer=statement_signer,
            ledger=ledger,
            pulser=pulser,
            engine=engine,
            blobs=blobs,
            policy=policy,
            signer_files=signer_files,
        )
        # A rotated signer (beacon admin rotate-signer) is picked up before each use.
        pulser.before_pulse = runtime.refresh_signer
        ledger.refresh_signer = runtime.refresh_signer
        return runtime

    def refresh_signer(self) -> None:
        """Switch every component to the signer files' current key, if they changed."""
        if self.signer_files is None:
            return
        pair, changed = self.signer_files.current()
        if changed:
            self.pulse_signer = self.pulser.signer = pair.pulse
            self.statement_signer = self.ledger.beacon = pair.statement

    def worker(self, owner: str, *, lease_ms: int = WorkerConfig.lease_ms) -> Worker:
        config = WorkerConfig(
            owner=owner, opened_dir=self.settings.data_dir / "opened", lease_ms=lease_ms
        )
        w = Worker(self.ledger, config, wakeup=wakeup_for(self.database))
        self.workers.append(w)
        return w

    def close(self) -> None:
        self.database.dispose()
