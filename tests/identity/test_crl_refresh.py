"""The platform CA's CRL at run time (beacon/identity/crl.py): fetched from its URL when
the held one reaches nextUpdate, never rolled back, and failing closed without one.

No network here: the "CA's CRL distribution point" is a local HTTP server on this
machine (port from the helper's range) serving what each test puts there, and the
validation time is passed explicitly, so nothing waits for a real nextUpdate. What
this does not test is a real CA's server (redirects, HTTPS certificates, slowness
beyond the fetch timeout).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from beacon import durable
from beacon.errors import BeaconError
from beacon.identity import crl as crl_module
from beacon.identity.crl import REFRESH_MARGIN, CrlSource
from beacon.identity.validation import ChainValidator
from tests.identity.platform_pki import DAY, Distribution, PlatformPki, rsa_key

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
PORT = 18153


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PlatformPki:
    return PlatformPki(NOW, tmp_path_factory.mktemp("platform"))


@pytest.fixture
def point() -> Iterator[Distribution]:
    p = Distribution(PORT)
    yield p
    p.close()


class Ticks:
    """A monotonic clock the test moves, for the retry interval."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def der(pki: PlatformPki, **kwargs: object) -> bytes:
    return pki.crl(**kwargs).public_bytes(Encoding.DER)  # type: ignore[arg-type]


def check(validator: ChainValidator, pki: PlatformPki, party: str, when: dt.datetime) -> None:
    cert = pki.certs[party].public_bytes(Encoding.DER)
    validator.validate(cert, (), int(when.timestamp() * 1000))


def test_fetched_when_due_and_not_before(pki: PlatformPki, point: Distribution, tmp_path: Path):
    # The held CRL (as imported) runs to NOW + 7 days; the CA's next one revokes bidder-2.
    held = tmp_path / "ca.crl"
    held.write_bytes(der(pki, revoked=["bidder-revoked"], number=1, next_update=NOW + 7 * DAY))
    point.body = der(
        pki, revoked=["bidder-revoked", "bidder-2"], number=2, this_update=NOW + 6 * DAY
    )
    source = CrlSource(pki.ca, held, url=point.url, monotonic=Ticks())
    validator = ChainValidator([pki.ca], revocation=source)
    check(validator, pki, "bidder-2", NOW)
    check(validator, pki, "bidder-2", NOW + 7 * DAY - REFRESH_MARGIN - dt.timedelta(seconds=1))
    assert point.requests == 0  # the held CRL is current: nothing fetched
    with pytest.raises(BeaconError, match="bidder-2.* was revoked"):
        check(validator, pki, "bidder-2", NOW + 7 * DAY - REFRESH_MARGIN + dt.timedelta(seconds=1))
    assert point.requests == 1
    # Written for the other processes and the next start, and not fetched again.
    assert held.read_bytes() == point.body
    check(validator, pki, "bidder-1", NOW + 7 * DAY)
    assert point.requests == 1


def test_a_failed_fetch_keeps_the_held_crl_and_fails_closed_once_stale(
    pki: PlatformPki, point: Distribution, tmp_path: Path
) -> None:
    held = tmp_path / "ca.crl"
    original = der(pki, revoked=[], number=1, next_update=NOW + DAY)
    held.write_bytes(original)
    ticks = Ticks()
    source = CrlSource(pki.ca, held, url=point.url, monotonic=ticks)
    validator = ChainValidator([pki.ca], revocation=source)
    point.body = der(pki, revoked=[], number=2, key=rsa_key())  # a forged CRL
    due = NOW + DAY - REFRESH_MARGIN / 2
    check(validator, pki, "bidder-1", due)  # still current: accepted with the held CRL
    assert point.requests == 1
    check(validator, pki, "bidder-1", due)  # no retry within the retry interval
    assert point.requests == 1
    with pytest.raises(BeaconError, match="expired at"):
        check(validator, pki, "bidder-1", NOW + DAY + dt.timedelta(seconds=1))
    ticks.t += crl_module.RETRY_INTERVAL_SECONDS
    point.status, point.body = 404, b"not found"
    with pytest.raises(BeaconError, match="expired at"):
        check(validator, pki, "bidder-1", NOW + 2 * DAY)
    assert point.requests == 2
    assert held.read_bytes() == original  # bad fetches leave the held file as it was


def test_an_older_crl_from_the_url_is_refused(
    pki: PlatformPki, point: Distribution, tmp_path: Path
) -> None:
    held = tmp_path / "ca.crl"
    held.write_bytes(
        der(pki, revoked=["bidder-2"], number=5, this_update=NOW, next_update=NOW + DAY)
    )
    # A replayed older CRL, still within its own validity, that does not revoke bidder-2.
    point.body = der(pki, revoked=[], number=4, this_update=NOW - DAY, next_update=NOW + 3 * DAY)
    source = CrlSource(pki.ca, held, url=point.url, monotonic=Ticks())
    validator = ChainValidator([pki.ca], revocation=source)
    with pytest.raises(BeaconError, match="bidder-2.* was revoked"):
        check(validator, pki, "bidder-2", NOW + DAY - REFRESH_MARGIN / 2)
    assert point.requests == 1


def test_without_any_crl_nothing_is_accepted(pki: PlatformPki, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{PORT}/ca.crl"  # nothing listens there
    source = CrlSource(pki.ca, tmp_path / "ca.crl", url=url, monotonic=Ticks())
    with pytest.raises(BeaconError, match="no CRL for the CA .*cannot fetch it"):
        check(ChainValidator([pki.ca], revocation=source), pki, "bidder-1", NOW)


def test_a_replaced_file_is_reloaded(pki: PlatformPki, tmp_path: Path) -> None:
    """``beacon ca update-crl`` (or another process's fetch) replaces ca.crl."""
    held = tmp_path / "ca.crl"
    held.write_bytes(der(pki, revoked=[], number=1))
    validator = ChainValidator([pki.ca], revocation=CrlSource(pki.ca, held))
    check(validator, pki, "bidder-3", NOW)
    durable.write_atomic(held, der(pki, revoked=["bidder-3"], number=2), mode=durable.PUBLIC)
    with pytest.raises(BeaconError, match="bidder-3.* was revoked"):
        check(validator, pki, "bidder-3", NOW)
