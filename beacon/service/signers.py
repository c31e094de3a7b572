"""The beacon's signing key and certificate, and how a rotation reaches running processes.

The pulse signer and the beacon's statement signer are one RSA key and certificate
in the data dir (``ca/beacon-signer.key`` and ``.pem``). ``beacon admin
rotate-signer`` (beacon/ops/rotation.py) replaces both files; every running process
notices at its next use, because :class:`SignerFiles` compares the files' identity
(inode, size, mtime) before each pulse, each submitted statement and each statement
the beacon issues, and reloads them when they changed. A pair caught half-replaced
(the key already new, the certificate still old) does not load and is retried next
time, while the process keeps signing with the pair it has: it never signs with a
key that does not match its certificate.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from beacon.core.signature import load_certificate
from beacon.core.timefmt import format_ms
from beacon.errors import BeaconError, ConfigurationError
from beacon.identity import ca
from beacon.identity.keys import KeySigner, load_signer
from beacon.identity.profile import BEACON_SIGNER_EKU, has_beacon_eku
from beacon.identity.signer import RsaPulseSigner

log = logging.getLogger("beacon.signers")


def ms_to_datetime(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


@dataclass(frozen=True)
class SignerPair:
    """The beacon's key and certificate loaded twice: for pulses and for statements."""

    pulse: RsaPulseSigner
    statement: KeySigner


def signer_paths(ca_dir: Path) -> tuple[Path, Path]:
    """(key, certificate) of the beacon signer in a deployment's CA folder."""
    return ca_dir / f"{ca.SIGNER}.key", ca_dir / f"{ca.SIGNER}.pem"


def require_beacon_profile(certificate_der: bytes, path: Path) -> None:
    """PROTOCOL.md §3.1: the service signs pulses and beacon statements only with a
    certificate of the beacon profile; anything else is a configuration error."""
    if not has_beacon_eku(load_certificate(certificate_der)):
        raise ConfigurationError(
            f"{path}: the beacon signer's certificate lacks the beacon signer ExtendedKeyUsage "
            f"{BEACON_SIGNER_EKU.dotted_string} (PROTOCOL.md §3.1), so verifiers would refuse "
            "every pulse and result it signs; have the CA issue the signer with that EKU "
            "(`beacon ca init` does) and install it with `beacon admin rotate-signer`"
        )


def require_valid_at(certificate_der: bytes, at_ms: int, *, what: str) -> None:
    """PROTOCOL.md §3.2, §8.6: the beacon signs nothing at a time its certificate is not
    valid, since every verifier checks each pulse and statement at its own time."""
    cert = load_certificate(certificate_der)
    if not cert.not_valid_before_utc <= ms_to_datetime(at_ms) <= cert.not_valid_after_utc:
        raise ConfigurationError(
            f"{what}: the beacon signer's certificate is not valid at {format_ms(at_ms)} "
            f"(valid from {cert.not_valid_before_utc.isoformat()} until "
            f"{cert.not_valid_after_utc.isoformat()}); install a current one with "
            "`beacon admin rotate-signer`"
        )


def load_pair(key: Path, certificate: Path) -> SignerPair:
    """Both signers from one key and certificate (ConfigurationError/InputError if they differ
    or the certificate is not of the beacon profile)."""
    pair = SignerPair(RsaPulseSigner.from_files(key, certificate), load_signer(certificate, key))
    require_beacon_profile(pair.pulse.certificate_der, certificate)
    return pair


class SignerFiles:
    """Watches the signer files; :meth:`current` returns the pair to sign with now."""

    def __init__(self, ca_dir: Path, pair: SignerPair) -> None:
        self._key, self._certificate = signer_paths(ca_dir)
        self._pair = pair
        self._seen = self._identity()

    def _identity(self) -> tuple[int, ...]:
        try:
            k, c = os.stat(self._key), os.stat(self._certificate)
        except OSError:
            return ()
        return (k.st_ino, k.st_size, k.st_mtime_ns, c.st_ino, c.st_size, c.st_mtime_ns)

    def current(self) -> tuple[SignerPair, bool]:
        """The pair to use, and whether it changed since the last call."""
        seen = self._identity()
        if seen == self._seen or not seen:
            return self._pair, False
        try:
            pair = load_pair(self._key, self._certificate)
        except (BeaconError, OSError) as e:
            log.warning(
                "signer files changed but do not load yet (%s); keeping the current signer", e
            )
            return self._pair, False
        self._seen = seen
        changed = pair.pulse.certificate_der != self._pair.pulse.certificate_der
        self._pair = pair
        if changed:
            log.info(
                "beacon signer rotated: now signing with the certificate in %s", self._certificate
            )
        return pair, changed
