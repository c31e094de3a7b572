"""``beacon admin rotate-signer``: replace the beacon's pulse and statement signing key.

The new certificate must carry an RSA key of at least 2048 bits (cipherSuite 0,
PROTOCOL.md §8.2), match its key, carry the beacon signer ExtendedKeyUsage (§3.1), and
validate against the deployment's trust anchors now, because verifiers check the
beacon's statements with the same anchors (§3.2). The old certificate is kept under ``ca/retired/`` (it still verifies every
pulse it signed, and stays in the database's certificate table); the old private
key is deleted so that nothing signs with it again. Running processes switch at
their next pulse or statement (beacon/service/signers.py); the first pulse signed
with the new key carries status 4 and the new certificateId (§8.5).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from beacon import durable
from beacon.core.pulse import certificate_id
from beacon.errors import ConflictError, InputError
from beacon.identity import ca
from beacon.identity.validation import ChainValidator
from beacon.service.signers import load_pair, signer_paths


def rotate_signer(
    ca_dir: Path, *, certificate: Path, key: Path, validator: ChainValidator, now_ms: int
) -> bytes:
    """Install ``certificate`` and ``key`` as the beacon signer; returns the new certificateId."""
    new = load_pair(key, certificate)
    public = new.statement.key.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < ca.MIN_RSA_BITS:
        raise InputError(
            f"{certificate}: the pulse signer needs an RSA key of at least {ca.MIN_RSA_BITS} bits",
            field="certificate",
        )
    validator.validate(new.statement.certificate, new.statement.chain, now_ms, profile="beacon")
    key_path, cert_path = signer_paths(ca_dir)
    old_der = load_pair(key_path, cert_path).pulse.certificate_der
    if old_der == new.pulse.certificate_der:
        raise ConflictError(f"{certificate} is already the beacon signer's certificate")
    retired = ca_dir / "retired"
    retired.mkdir(exist_ok=True)
    stamp = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    durable.write_atomic(
        retired / f"{stamp}-{certificate_id(old_der).hex()[:16]}.pem",
        cert_path.read_bytes(),
        mode=durable.PUBLIC,
    )
    # Key first, then certificate: a reader between the two sees a mismatched pair,
    # refuses to load it and keeps the old signer until the certificate lands too.
    durable.write_atomic(key_path, key.read_bytes(), mode=durable.PRIVATE)
    durable.write_atomic(cert_path, certificate.read_bytes(), mode=durable.PUBLIC)
    return certificate_id(new.pulse.certificate_der)
