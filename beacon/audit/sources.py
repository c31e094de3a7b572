"""Where audited pulses and proof bundles come from: files, folders, a running beacon.

This is the audit package's I/O edge; everything else in :mod:`beacon.audit` is
pure. Files are parsed strictly (the same parsers as the verifier), a folder means
every ``*.json`` file in it in name order, and a running beacon is read through
the public HTTP paths of PROTOCOL.md §16 only:

* ``/beacon/2.0/pulse/last`` and ``/beacon/2.0/chain/{c}/pulse/last``;
* ``/api/v1/chains/{c}/pulses?start=&end=`` (at most :data:`PAGE` pulses a request);
* ``/beacon/2.0/certificate/{certificateId}`` (PEM);
* ``/api/v1/draws`` (``{"draws": [{"id": …}, …]}``) and ``/api/v1/draws/{id}/proof``.

HTTP goes through one ``fetch(url) -> bytes`` function, so tests can put a Flask
test client behind it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.audit.outputs import check_outputs, verify_pulses
from beacon.core.bundle import ProofBundle
from beacon.core.pulse import Pulse, certificate_id
from beacon.errors import InfrastructureError, InputError

#: Pulses asked for per request: the chains endpoint serves at most 1000.
PAGE: Final = 1000
TIMEOUT_SECONDS: Final = 30.0

Fetch = Callable[[str], bytes]


class HttpStatusError(InfrastructureError):
    """The beacon answered with an HTTP error; ``status`` is its code."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        super().__init__(f"GET {url}: HTTP {status}: {detail}")
        self.url = url
        self.status = status


def http_get(url: str) -> bytes:
    """GET ``url`` (http or https only) and return the body; errors name the URL."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"{url!r}: only http:// and https:// URLs are read", field="url")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as e:
        raise HttpStatusError(url, e.code, _detail(e.read())) from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise InfrastructureError(f"GET {url}: {e}") from e


def _detail(body: bytes) -> str:
    """The ``detail`` of a problem+json body, else the start of the body."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(doc, dict) and isinstance(doc.get("detail"), str):
        return str(doc["detail"])
    return body[:200].decode("utf-8", "replace")


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as e:
        raise InputError(f"{what}: not JSON ({e})", field=what) from e


# -- files -------------------------------------------------------------------------


def json_files(paths: Sequence[Path]) -> list[Path]:
    """``paths`` with every folder replaced by its ``*.json`` files in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file())
            if not found:
                raise InputError(f"{path}: no *.json files in this folder", field="path")
            out += found
        else:
            out.append(path)
    return out


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; unreadable or malformed files name the path."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})", field="path") from e
    return _json(data, str(path))


def pulses_from_document(doc: Any, what: str) -> list[Pulse]:
    """A pulse ``{"pulse": {...}}`` or a chain export ``{"pulses": [...], "tree_heads": [...]}``."""
    if isinstance(doc, dict) and "pulses" in doc:
        items = doc["pulses"]
        if not isinstance(items, list):
            raise InputError(f"{what}: 'pulses' must be a list", field="pulses")
        return [_pulse(item, f"{what}: pulses[{i}]") for i, item in enumerate(items)]
    return [_pulse(doc, what)]


def _pulse(doc: Any, what: str) -> Pulse:
    try:
        return Pulse.from_json(doc)
    except InputError as e:
        raise InputError(f"{what}: {e}", field=e.field) from e


def load_pulses(paths: Sequence[Path]) -> list[Pulse]:
    """Every pulse in the files and folders ``paths``."""
    pulses: list[Pulse] = []
    for path in json_files(paths):
        pulses += pulses_from_document(read_json(path), str(path))
    return pulses


def load_bundles(paths: Sequence[Path]) -> list[ProofBundle]:
    """Every proof bundle in the files and folders ``paths``, parsed strictly."""
    bundles = []
    for path in json_files(paths):
        try:
            bundles.append(ProofBundle.from_dict(read_json(path)))
        except InputError as e:
            raise InputError(f"{path}: {e}", field=e.field) from e
    return bundles


def load_certificates(paths: Sequence[Path]) -> dict[bytes, bytes]:
    """PEM or DER certificates, keyed by ``certificateId`` (SHA-512 of the DER, §8.1)."""
    out: dict[bytes, bytes] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror})", field="certificate") from e
        der = _der(data, str(path))
        out[certificate_id(der)] = der
    return out


def _der(data: bytes, what: str) -> bytes:
    try:
        pem = b"-----BEGIN" in data
        cert = x509.load_pem_x509_certificate(data) if pem else x509.load_der_x509_certificate(data)
    except ValueError as e:
        raise InputError(f"{what}: not a PEM or DER certificate ({e})", field="certificate") from e
    return cert.public_bytes(serialization.Encoding.DER)


# -- a running beacon ----------------------------------------------------------------


class RemoteBeacon:
    """Reads pulses, certificates and proof bundles from a beacon's public paths."""

    def __init__(self, base_url: str, *, fetch: Fetch | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._fetch = fetch

    def _get(self, path: str) -> bytes:
        # http_get is looked up at call time, so one seam replaces the transport everywhere.
        return (self._fetch or http_get)(self.base_url + path)

    def _get_json(self, path: str) -> Any:
        return _json(self._get(path), self.base_url + path)

    def last_pulse(self, chain: int | None = None) -> Pulse:
        """The newest pulse of the beacon, or of ``chain``."""
        path = (
            "/beacon/2.0/pulse/last" if chain is None else f"/beacon/2.0/chain/{chain}/pulse/last"
        )
        return _pulse(self._get_json(path), self.base_url + path)

    def chain_pulses(self, chain: int, start: int, end: int) -> list[Pulse]:
        """Pulses ``start <= index < end`` of ``chain``, fetched :data:`PAGE` at a time."""
        pulses: list[Pulse] = []
        while start < end:
            stop = min(end, start + PAGE)
            path = f"/api/v1/chains/{chain}/pulses?start={start}&end={stop}"
            batch = pulses_from_document(self._get_json(path), self.base_url + path)
            if not batch:
                break  # the chain ends before ``end``
            pulses += batch
            start = batch[-1].pulse_index + 1
        return pulses

    def certificate(self, cid: bytes) -> bytes:
        """The DER certificate whose SHA-512 is ``cid``."""
        path = f"/beacon/2.0/certificate/{cid.hex()}"
        return _der(self._get(path), self.base_url + path)

    def draw_ids(self) -> list[str]:
        """The ids of every draw the beacon lists (``GET /api/v1/draws``)."""
        doc = self._get_json("/api/v1/draws")
        draws = doc.get("draws") if isinstance(doc, dict) else None
        if not isinstance(draws, list) or not all(
            isinstance(d, dict) and isinstance(d.get("id"), str) for d in draws
        ):
            raise InputError(
                f'{self.base_url}/api/v1/draws: expected {{"draws": [{{"id": ...}}, ...]}}',
                field="draws",
            )
        return [str(d["id"]) for d in draws]

    def proof(self, draw_id: str) -> ProofBundle | None:
        """The draw's proof bundle, or None while no pulse covers it yet (HTTP 409)."""
        path = f"/api/v1/draws/{urllib.parse.quote(draw_id, safe='')}/proof"
        try:
            doc = self._get_json(path)
        except HttpStatusError as e:
            if e.status == 409:
                return None
            raise
        try:
            return ProofBundle.from_dict(doc)
        except InputError as e:
            raise InputError(f"{self.base_url}{path}: {e}", field=e.field) from e


# -- what the audits read: verified pulses, and bundles ----------------------------------


def local_pulses(
    paths: Sequence[Path], certificates: Sequence[Path] = ()
) -> tuple[list[Pulse], list[str]]:
    """The pulses in ``paths``, checked as far as the given certificates allow, and notes.

    Every output is checked against its own pulse (§8.6 step 4); with
    ``certificates`` the signatures and chain rules are verified as well.
    """
    pulses = load_pulses(paths)
    check_outputs(pulses)
    if not certificates:
        return pulses, ["outputs checked; signatures not checked (no certificate given)"]
    known = load_certificates(certificates)

    def certificate(cid: bytes) -> bytes:
        if cid not in known:
            raise InputError(
                f"no certificate given has certificateId {cid.hex()[:16]}…", field="certificate"
            )
        return known[cid]

    verified = verify_pulses(pulses, certificate)
    return pulses, [f"{verified} pulses verified (signatures, outputs, chain rules)"]


def remote_pulses(
    beacon: RemoteBeacon, *, chain: int | None = None, start: int = 1, count: int | None = None
) -> tuple[list[Pulse], list[str]]:
    """Pulses ``start … start + count − 1`` (default: to the newest) of a chain, verified.

    The certificates come from the beacon itself; the verification is of the chain's
    internal consistency (§8.6), not of who operates it.
    """
    last = beacon.last_pulse(chain)
    end = last.pulse_index + 1 if count is None else start + count
    pulses = beacon.chain_pulses(last.chain_index, start, end)
    if not pulses:
        raise InputError(
            f"{beacon.base_url}: chain {last.chain_index} has no pulse from index {start} on",
            field="start",
        )
    certificates: dict[bytes, bytes] = {}

    def certificate(cid: bytes) -> bytes:
        if cid not in certificates:
            certificates[cid] = beacon.certificate(cid)
        return certificates[cid]

    verified = verify_pulses(pulses, certificate)
    return pulses, [
        f"{beacon.base_url}: {verified} pulses verified (signatures, outputs, chain rules)"
    ]


def remote_bundles(beacon: RemoteBeacon) -> tuple[list[ProofBundle], list[tuple[str, str]]]:
    """Every proof bundle the beacon serves, and (draw id, reason) for those not out yet."""
    bundles: list[ProofBundle] = []
    pending: list[tuple[str, str]] = []
    for draw_id in beacon.draw_ids():
        bundle = beacon.proof(draw_id)
        if bundle is None:
            pending.append((draw_id, "proof not yet covered by a pulse (HTTP 409)"))
        else:
            bundles.append(bundle)
    return bundles, pending
