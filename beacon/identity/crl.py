"""The platform CA's certificate revocation list: checked on import, refreshed at run time.

A deployment that uses the platform's CA (``beacon ca import``, docs/OPERATIONS.md
"Using the platform's CA") keeps the CA's CRL in ``DATA_DIR/ca/ca.crl`` and, when it
was given one, the CRL's URL in ``manifest.json``. :class:`CrlSource` hands the
validator the current CRL:

* it reloads ``ca.crl`` whenever the file changes (``beacon ca update-crl`` or
  another process replaced it);
* with a URL, it fetches a new CRL once the one it holds reaches its nextUpdate
  (less :data:`REFRESH_MARGIN`, so that a CA publishing on time leaves no gap),
  checks it exactly as an imported one, refuses one older than the CRL it holds,
  and writes it to ``ca.crl`` atomically so that every process and the next start
  use it; a failed fetch is retried at most once per :data:`RETRY_INTERVAL`;
* it fails closed: when it holds no CRL that is current, every validation is refused
  (:class:`~beacon.errors.VerificationError` naming why) rather than accepting
  certificates without revocation data.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from beacon import durable
from beacon.errors import InputError, VerificationError
from beacon.identity.profile import name_of

log = logging.getLogger("beacon.crl")

CRL_FILE = "ca.crl"
MAX_CRL_BYTES = 16 << 20
FETCH_TIMEOUT_SECONDS = 20.0
REFRESH_MARGIN = dt.timedelta(minutes=5)
RETRY_INTERVAL_SECONDS = 60.0

Fetch = Callable[[str], bytes]


def parse_crl(data: bytes, source: str) -> x509.CertificateRevocationList:
    """A CRL in DER or PEM, or an InputError naming ``source``."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as e:
        raise InputError(f"{source}: not a CRL in DER or PEM ({e})", field=source) from e


def signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key verifies ``crl``'s signature (a key type that cannot sign a
    CRL does not)."""
    try:
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, InvalidSignature):
        return False


def stale_since(crl: x509.CertificateRevocationList, when: dt.datetime) -> dt.datetime | None:
    """The nextUpdate from which ``crl`` is stale, if it is at ``when`` (RFC 5280
    §5.1.2.5); None while it is current. One rule for the import and the chain validator."""
    next_update = crl.next_update_utc
    return next_update if next_update is not None and next_update <= when else None


def check_crl(
    crl: x509.CertificateRevocationList,
    ca_certificate: x509.Certificate,
    now: dt.datetime,
    source: str,
    *,
    current: bool = True,
) -> None:
    """Refuse (VerificationError) a CRL that is not the CA's, not signed by its key, or
    (unless ``current`` is false) not current at ``now``."""
    ca_name = name_of(ca_certificate.subject)
    if crl.issuer != ca_certificate.subject:
        raise VerificationError(
            f"{source}: the CRL was issued by {name_of(crl.issuer)}, not by the CA {ca_name}"
        )
    if not signed_by(crl, ca_certificate):
        raise VerificationError(
            f"{source}: the CRL's signature does not verify with the key of the CA {ca_name} "
            "(signed by another key)"
        )
    if crl.next_update_utc is None:
        raise VerificationError(
            f"{source}: the CRL has no nextUpdate, so nobody can tell when it is stale"
        )
    if not current:
        return
    if crl.last_update_utc > now:
        raise VerificationError(
            f"{source}: the CRL's thisUpdate {crl.last_update_utc.isoformat()} is in the future "
            f"(now {now.isoformat()})"
        )
    if (stale := stale_since(crl, now)) is not None:
        raise VerificationError(
            f"{source}: the CRL is stale: its nextUpdate {stale.isoformat()} "
            f"has passed (now {now.isoformat()}); get a current one from the CA"
        )


def fetch_url(url: str) -> bytes:
    """GET ``url`` (http or https), at most :data:`MAX_CRL_BYTES`; InputError on any failure."""
    if not url.startswith(("http://", "https://")):
        raise InputError(f"CRL URL {url!r}: only http:// and https:// are supported", field="url")
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            data: bytes = response.read(MAX_CRL_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise InputError(f"CRL URL {url}: cannot fetch it ({e})", field="url") from e
    if len(data) > MAX_CRL_BYTES:
        raise InputError(f"CRL URL {url}: larger than {MAX_CRL_BYTES} bytes", field="url")
    return data


def newer_or_same(new: x509.CertificateRevocationList, old: x509.CertificateRevocationList) -> bool:
    """Whether ``new`` does not roll back ``old`` (by thisUpdate, and cRLNumber when both have one)."""
    if new.last_update_utc < old.last_update_utc:
        return False
    numbers = []
    for crl in (new, old):
        try:
            numbers.append(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
        except x509.ExtensionNotFound:
            return True
    return numbers[0] >= numbers[1]


class CrlSource:
    """The deployment's current CRL for its CA (see the module docstring)."""

    def __init__(
        self,
        ca_certificate: x509.Certificate,
        path: Path,
        *,
        url: str | None = None,
        fetch: Fetch = fetch_url,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ca = ca_certificate
        self._path = path
        self._url = url
        self._fetch = fetch
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._crl: x509.CertificateRevocationList | None = None
        self._seen: tuple[int, ...] = ()
        self._next_try = 0.0
        self._problem = "no CRL has been loaded yet"

    def crls(self, when: dt.datetime) -> tuple[x509.CertificateRevocationList, ...]:
        """The CRL to check certificates against at ``when``, or VerificationError (fail closed)."""
        with self._lock:
            self._reload_file(when)
            if self._url is not None and self._due(when):
                self._refresh(self._url, when)
            crl = self._crl
            if crl is None:
                raise VerificationError(
                    f"no CRL for the CA {name_of(self._ca.subject)}: {self._problem}; "
                    "refusing to accept a certificate without revocation data"
                )
            return (crl,)

    def _due(self, when: dt.datetime) -> bool:
        crl = self._crl
        if crl is None or crl.next_update_utc is None:
            return True
        return when >= crl.next_update_utc - REFRESH_MARGIN

    def _reload_file(self, when: dt.datetime) -> None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return
        seen = (st.st_ino, st.st_size, st.st_mtime_ns)
        if seen == self._seen:
            return
        self._seen = seen
        try:
            crl = parse_crl(self._path.read_bytes(), str(self._path))
            # Issuer and signature only: a stale file is still held (the validator then
            # refuses with the CRL's own nextUpdate) until a fetch or an update replaces it.
            check_crl(crl, self._ca, when, str(self._path), current=False)
        except (InputError, OSError) as e:
            self._problem = f"{self._path} does not load: {e}"
            log.error("ignoring %s: %s", self._path, e)
            return
        if self._crl is None or newer_or_same(crl, self._crl):
            self._crl = crl

    def _refresh(self, url: str, when: dt.datetime) -> None:
        if self._monotonic() < self._next_try:
            return
        self._next_try = self._monotonic() + RETRY_INTERVAL_SECONDS
        try:
            data = self._fetch(url)
            crl = parse_crl(data, url)
            check_crl(crl, self._ca, when, url)
            if self._crl is not None and not newer_or_same(crl, self._crl):
                raise VerificationError(
                    f"{url}: the CRL it serves (thisUpdate "
                    f"{crl.last_update_utc.isoformat()}) is older than the one held"
                )
        except InputError as e:
            self._problem = f"the last fetch failed: {e}"
            log.warning("CRL refresh failed, keeping the CRL held: %s", e)
            return
        durable.write_atomic(self._path, crl.public_bytes(Encoding.DER), mode=durable.PUBLIC)
        st = os.stat(self._path)
        self._seen = (st.st_ino, st.st_size, st.st_mtime_ns)
        self._crl = crl
        log.info(
            "CRL of %s refreshed from %s: thisUpdate %s, nextUpdate %s",
            name_of(self._ca.subject),
            url,
            crl.last_update_utc.isoformat(),
            crl.next_update_utc.isoformat() if crl.next_update_utc else "none",
        )
