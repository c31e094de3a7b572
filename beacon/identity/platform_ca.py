"""Use the platform's CA instead of the demo CA: ``beacon ca import`` (docs/OPERATIONS.md).

A trading centre's parties already hold certificates from the platform's CA; the
beacon then trusts that CA and signs with a beacon signer certificate the CA issued
it (with the beacon signer ExtendedKeyUsage, PROTOCOL.md §3.1). The import checks
everything before writing anything:

* the CA certificate is a CA (basicConstraints CA=true; keyUsage, when present,
  allows keyCertSign, and cRLSign when a CRL is given) and is valid now;
* the CRL (a file, and/or a URL fetched now and again at run time,
  :mod:`beacon.identity.crl`) is the CA's, signed by its key, and current;
* the signer certificate was issued by the CA, is valid now, has the beacon
  profile (§3.1, §3.2), is not revoked, and its key is an RSA key of at least
  2048 bits (pulses are signed with cipherSuite 0) that belongs to it;
* every centre operator and supervisor certificate validates as a party's.

It then writes the deployment's CA folder the way ``beacon ca init`` lays out the
demo CA, so that ``beacon serve`` and every other command read it unchanged: ``ca.pem``
(the trust anchor; no ``ca.key``: the platform keeps its key), ``beacon-signer.pem``
and ``.key``, ``centre-N.pem``, ``supervisor-N.pem``, ``ca.crl`` and ``manifest.json``
(``"source": "platform"`` and the CRL's URL). The folder is written in a temporary
folder beside it and renamed into place, so a refused or interrupted import leaves
nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from beacon import durable
from beacon.core.signature import belongs_to, fingerprint
from beacon.errors import BeaconError, ConflictError, InputError, VerificationError
from beacon.identity import ca
from beacon.identity.crl import (
    CRL_FILE,
    Fetch,
    check_crl,
    fetch_url,
    newer_or_same,
    parse_crl,
)
from beacon.identity.profile import Profile, check_profile, subject_of
from beacon.identity.validation import ChainValidator

SOURCE = "platform"
DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class Imported:
    """What ``beacon ca import`` installed."""

    ca_subject: str
    ca_fingerprint: str
    crl_next_update: dt.datetime | None
    crl_revoked: int
    crl_url: str | None
    parties: tuple[ca.PartyRecord, ...]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})", field=str(path)) from e


def _certificates(path: Path) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(_read(path))
    except ValueError as e:
        raise InputError(f"{path}: not a PEM certificate ({e})", field=str(path)) from e
    return certs


def _check_window(cert: x509.Certificate, now: dt.datetime, what: str) -> None:
    if now < cert.not_valid_before_utc:
        raise VerificationError(
            f"{what} {subject_of(cert)} is not yet valid (valid from "
            f"{cert.not_valid_before_utc.isoformat()}, now {now.isoformat()})"
        )
    if now > cert.not_valid_after_utc:
        raise VerificationError(
            f"{what} {subject_of(cert)} has expired (valid until "
            f"{cert.not_valid_after_utc.isoformat()}, now {now.isoformat()})"
        )


def check_ca_certificate(cert: x509.Certificate, now: dt.datetime, *, with_crl: bool) -> None:
    """The CA certificate must be a CA's that may sign certificates (and CRLs), valid now."""
    what = f"the CA certificate {subject_of(cert)}"
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise VerificationError(
            f"{what} is not a CA certificate: it has no basicConstraints extension "
            "(a CA needs basicConstraints CA=true)"
        ) from None
    except ValueError as e:
        raise VerificationError(f"{what} has a malformed extension: {e}") from e
    if not constraints.ca:
        raise VerificationError(
            f"{what} is not a CA certificate: its basicConstraints say CA=false"
        )
    try:
        usage: x509.KeyUsage | None = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_cert_sign:
        raise VerificationError(
            f"{what} has a keyUsage without keyCertSign: it may not issue certificates"
        )
    if usage is not None and with_crl and not usage.crl_sign:
        raise VerificationError(f"{what} has a keyUsage without cRLSign: it may not sign a CRL")
    _check_window(cert, now, "the CA certificate")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate, what: str, path: Path) -> None:
    problem = ""
    if cert.issuer != issuer.subject:
        problem = f"its issuer is {cert.issuer.rfc4514_string()}"
    else:
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as e:
            problem = f"its signature does not verify with the CA's key ({e or 'invalid'})"
    if problem:
        raise VerificationError(
            f"{path}: the {what} {subject_of(cert)} was not issued by the CA {subject_of(issuer)}: "
            f"{problem}"
        )


def _crl(
    ca_cert: x509.Certificate,
    now: dt.datetime,
    crl_file: Path | None,
    crl_url: str | None,
    fetch: Fetch,
) -> x509.CertificateRevocationList | None:
    found: list[x509.CertificateRevocationList] = []
    if crl_file is not None:
        crl = parse_crl(_read(crl_file), str(crl_file))
        check_crl(crl, ca_cert, now, str(crl_file))
        found.append(crl)
    if crl_url is not None:
        crl = parse_crl(fetch(crl_url), crl_url)
        check_crl(crl, ca_cert, now, crl_url)
        found.append(crl)
    if not found:
        return None
    return found[-1] if len(found) == 1 or newer_or_same(found[-1], found[0]) else found[0]


def _validate(
    validator: ChainValidator,
    certs: Sequence[x509.Certificate],
    now: dt.datetime,
    profile: Profile,
    path: Path,
) -> None:
    leaf, *rest = certs
    check_profile(leaf, profile)
    try:
        validator.validate(
            leaf.public_bytes(DER),
            [c.public_bytes(DER) for c in rest],
            int(now.timestamp() * 1000),
            profile=profile,
        )
    except BeaconError as e:
        raise VerificationError(f"{path}: {e}") from e


def _signer_key(key_path: Path, certificate: x509.Certificate, cert_path: Path) -> ca.PrivateKey:
    key = ca.load_private_key(key_path)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InputError(
            f"{key_path}: the beacon signs pulses with RSA (NIST Beacon 2.0 cipherSuite 0), "
            f"this is a {type(key).__name__.removeprefix('_')} key",
            field="signer_key",
        )
    if key.key_size < ca.MIN_RSA_BITS:
        raise InputError(
            f"{key_path}: an RSA key of {key.key_size} bits; at least {ca.MIN_RSA_BITS} are needed",
            field="signer_key",
        )
    if not belongs_to(key, certificate):
        raise InputError(
            f"{key_path}: this key does not belong to the signer certificate in {cert_path} "
            "(their public keys differ)",
            field="signer_key",
        )
    return key


def import_platform_ca(
    ca_dir: Path,
    *,
    ca_cert: Path,
    signer_cert: Path,
    signer_key: Path,
    centres: Sequence[Path],
    supervisors: Sequence[Path],
    now: dt.datetime,
    crl_file: Path | None = None,
    crl_url: str | None = None,
    no_crl: bool = False,
    fetch: Fetch = fetch_url,
) -> Imported:
    """Check everything (module docstring), then write ``ca_dir`` in one rename."""
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware (UTC)", field="now")
    if ca_dir.exists() and (not ca_dir.is_dir() or any(ca_dir.iterdir())):
        raise ConflictError(
            f"{ca_dir} already holds a CA (the demo CA `beacon serve` creates on first start, "
            "or an earlier import); a deployment keeps its CA: import into a fresh data folder, "
            "or move that folder away first (its database's pulses and registrations were made "
            "under that CA); to change only the beacon signer use `beacon admin rotate-signer`"
        )
    if not centres:
        raise InputError(
            "give at least one centre operator's certificate (--centre-cert): the centre "
            "registers the agent and the bidders",
            field="centres",
        )
    if not supervisors:
        raise InputError(
            "give at least one supervisor's certificate (--supervisor-cert): the supervisor "
            "confirms or voids each draw",
            field="supervisors",
        )
    if crl_file is None and crl_url is None and not no_crl:
        raise InputError(
            "give the CA's CRL (--crl FILE and/or --crl-url URL); without one revoked "
            "certificates would be accepted (--no-crl says that is intended)",
            field="crl",
        )
    ca_certs = _certificates(ca_cert)
    anchor = ca_certs[0]
    check_ca_certificate(anchor, now, with_crl=not no_crl)
    crl = None if no_crl else _crl(anchor, now, crl_file, crl_url, fetch)
    try:
        validator = ChainValidator([anchor], [crl] if crl is not None else [])
    except BeaconError as e:
        raise VerificationError(f"{ca_cert}: {e}") from e

    signer = _certificates(signer_cert)
    if len(signer) == 1:  # with intermediates, the path validation below says what is wrong
        _issued_by(signer[0], anchor, "signer certificate", signer_cert)
    _check_window(signer[0], now, f"{signer_cert}: the signer certificate")
    key = _signer_key(signer_key, signer[0], signer_cert)
    _validate(validator, signer, now, "beacon", signer_cert)

    operators: list[tuple[str, str, list[x509.Certificate]]] = []
    for role, paths in (("centre", centres), ("supervisor", supervisors)):
        for i, path in enumerate(paths, 1):
            certs = _certificates(path)
            _check_window(certs[0], now, f"{path}: the {role} certificate")
            _validate(validator, certs, now, "party", path)
            operators.append((f"{role}-{i}", role, certs))

    files: dict[str, tuple[bytes, bool]] = {
        "ca.pem": (anchor.public_bytes(PEM), False),
        f"{ca.SIGNER}.pem": (b"".join(c.public_bytes(PEM) for c in signer), False),
        f"{ca.SIGNER}.key": (ca.key_pem(key), True),
    }
    records = [ca.PartyRecord(ca.SIGNER, "beacon", fingerprint(signer[0]).hex())]
    for name, role, certs in operators:
        files[f"{name}.pem"] = (b"".join(c.public_bytes(PEM) for c in certs), False)
        records.append(ca.PartyRecord(name, role, fingerprint(certs[0]).hex()))
    if crl is not None:
        files[CRL_FILE] = (crl.public_bytes(DER), False)
    manifest = {
        "ca": {
            "fingerprint": fingerprint(anchor).hex(),
            "source": SOURCE,
            "subject": subject_of(anchor),
        },
        "parties": [r.to_dict() for r in records],
        "crl": None if no_crl else {"file": CRL_FILE, "url": crl_url},
    }
    files[ca.MANIFEST] = ((json.dumps(manifest, indent=2) + "\n").encode(), False)
    _install(ca_dir, files)
    return Imported(
        ca_subject=subject_of(anchor),
        ca_fingerprint=fingerprint(anchor).hex(),
        crl_next_update=None if crl is None else crl.next_update_utc,
        crl_revoked=0 if crl is None else len(crl),
        crl_url=crl_url,
        parties=tuple(records),
    )


def _install(ca_dir: Path, files: dict[str, tuple[bytes, bool]]) -> None:
    """Write ``files`` into a temporary folder beside ``ca_dir``, then rename it into place."""
    ca_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=ca_dir.parent, prefix=f".{ca_dir.name}.import-"))
    try:
        for name, (data, private) in files.items():
            mode = durable.PRIVATE if private else durable.PUBLIC
            durable.write_atomic(staging / name, data, mode=mode)
        staging.chmod(0o700)
        durable.install_folder(staging, ca_dir)  # onto a missing or empty folder: atomic
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(ca_dir: Path) -> dict[str, object]:
    """``manifest.json`` of a deployment's CA folder, or {} when there is none."""
    try:
        loaded = json.loads((ca_dir / ca.MANIFEST).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise InputError(f"{ca_dir / ca.MANIFEST}: cannot read it ({e})") from e
    return loaded if isinstance(loaded, dict) else {}


def is_platform(ca_dir: Path) -> bool:
    ca_entry = read_manifest(ca_dir).get("ca")
    return isinstance(ca_entry, dict) and ca_entry.get("source") == SOURCE


def update_crl(ca_dir: Path, crl_file: Path, *, now: dt.datetime) -> x509.CertificateRevocationList:
    """Install a newer CRL of the imported CA (``beacon ca update-crl``); running processes
    reload ``ca.crl`` at their next validation."""
    if not is_platform(ca_dir):
        raise InputError(f"{ca_dir} holds no imported platform CA (`beacon ca import` first)")
    if not isinstance(read_manifest(ca_dir).get("crl"), dict):
        raise InputError(
            f"{ca_dir}: the platform CA was imported with --no-crl; import it again with a CRL"
        )
    anchor = _certificates(ca_dir / "ca.pem")[0]
    crl = parse_crl(_read(crl_file), str(crl_file))
    check_crl(crl, anchor, now, str(crl_file))
    held = ca_dir / CRL_FILE
    if held.exists():
        old = parse_crl(_read(held), str(held))
        if not newer_or_same(crl, old):
            raise VerificationError(
                f"{crl_file}: older than the CRL in {held} (thisUpdate "
                f"{crl.last_update_utc.isoformat()} < {old.last_update_utc.isoformat()})"
            )
    durable.write_atomic(held, crl.public_bytes(DER), mode=durable.PUBLIC)
    return crl
