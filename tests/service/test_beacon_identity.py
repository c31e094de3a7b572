"""Who may sign what (PROTOCOL.md §3.1–§3.3, §8.6), each attack performed through the service.

Every case runs the attack twice: against the real service, which refuses it and writes
nothing, and against a service whose one check is switched off (as a dishonest operator
would run it), whose bundle the independent verifier must then find INVALID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from beacon.errors import ConfigurationError, VerificationError
from beacon.identity import ca
from beacon.identity.profile import BEACON_SIGNER_EKU
from beacon.identity.validation import ChainValidator
from beacon.store import LogRepository, sqlite_url
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, run_to_result
from verifier import verify_bundle
from verifier.report import Report

EKU = BEACON_SIGNER_EKU.dotted_string
CA_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T0_UTC = dt.datetime.fromtimestamp(T0 / 1000, tz=dt.UTC)


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=not signing,
        data_encipherment=not signing,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    ca_dir: Path,
    name: str,
    *,
    key_kind: ca.KeyKind = "ecdsa-p256",
    not_before: dt.datetime = CA_START,
    not_after: dt.datetime = CA_START + dt.timedelta(days=700),
    usage: x509.KeyUsage | None = None,
    eku: bool = False,
    foreign: bool = False,
) -> None:
    """Write ``ca_dir/NAME.pem`` and ``.key``: a leaf with exactly the extensions asked for."""
    if foreign:
        ca_key: ca.PrivateKey = ca.new_key("ecdsa-p256")
        ca_cert = ca.issue_ca(
            ca_key, organisation="Elsewhere", now=CA_START, validity=dt.timedelta(days=3650)
        )
    else:
        ca_key = ca.load_private_key(ca_dir / "ca.key")
        ca_cert = ca.load_certificate(ca_dir / "ca.pem")
    key = ca.new_key(key_kind, rsa_bits=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([BEACON_SIGNER_EKU]), critical=False)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    cert = builder.sign(ca_key, hashes.SHA256())
    (ca_dir / f"{name}.key").write_bytes(ca.key_pem(key))
    (ca_dir / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def failures(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def anchors(d: Deployment) -> list[bytes]:
    return list(d.runtime.trust.anchor_ders())


@pytest.fixture
def deploy(tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    opened: list[Deployment] = []

    def make(before_open: Callable[[Path], None] | None = None) -> Deployment:
        d = open_deployment(
            tmp_path, sqlite_url(tmp_path / "data" / "beacon.sqlite3"), before_open=before_open
        )
        opened.append(d)
        return d

    yield make
    for d in opened:
        d.runtime.close()


def drawn_bundle(d: Deployment) -> dict:
    run_to_result(d)
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    return bundle(d).to_dict()


# -- item 2: the beacon signer's profile ---------------------------------------------------------


def party_certificate_as_signer(ca_dir: Path) -> None:
    """An ordinary RSA party certificate under the same CA, installed as the beacon signer."""
    issue(ca_dir, ca.SIGNER, key_kind="rsa", usage=_usage(signing=True))


def test_the_service_refuses_to_start_with_a_party_certificate_as_signer(deploy):
    with pytest.raises(
        ConfigurationError,
        match=rf"beacon-signer\.pem: the beacon signer's certificate lacks the beacon signer "
        rf"ExtendedKeyUsage {EKU} .*have the CA issue the signer with that EKU",
    ):
        deploy(party_certificate_as_signer)


def test_pulses_freeze_and_result_signed_by_a_party_certificate_are_invalid(deploy, monkeypatch):
    # A dishonest operator skips the start-up check and signs with a party certificate.
    monkeypatch.setattr("beacon.service.runtime.require_beacon_profile", lambda *a: None)
    d = deploy(party_certificate_as_signer)
    doc = drawn_bundle(d)
    for given in (anchors(d), None):
        failed = failures(verify_bundle(doc, given))
        assert "lacks the beacon signer EKU" in failed.pop("beacon-certificate")
        # the freeze, the result and the operators' registrations: beacon statements too
        assert f"lacks the beacon signer EKU {EKU}" in failed.pop("certificates")


# -- items 2, 9b, 9f: certificates a party may not use, at registration and in statements --------

BIDDER = "bidder-1"

BAD_PARTY_CERTIFICATES = [
    pytest.param(
        {"eku": True, "usage": _usage(signing=True)},
        "carries the beacon signer ExtendedKeyUsage",
        f"carries the beacon signer EKU {EKU}: it cannot act as a party",
        id="beacon-profile",
    ),
    pytest.param(
        {"usage": _usage(signing=False)},
        "has a keyUsage without digitalSignature",
        "has a keyUsage without digitalSignature: it may not sign",
        id="encryption-certificate",
    ),
    pytest.param(
        {"not_after": T0_UTC - dt.timedelta(days=1)},
        "expired before 2026-11-26T08:00:00.000Z",
        "does not chain to the anchors at 2026-11-26T08:00:00.000Z",
        id="expired",
    ),
    pytest.param(
        {"not_before": T0_UTC + dt.timedelta(days=1)},
        "is not yet valid at 2026-11-26T08:00:00.000Z",
        "does not chain to the anchors at 2026-11-26T08:00:00.000Z",
        id="not-yet-valid",
    ),
    pytest.param(
        {"foreign": True},
        "does not chain to a configured trust anchor",
        "does not chain to the anchors at 2026-11-26T08:00:00.000Z",
        id="foreign-ca",
    ),
]


@pytest.mark.parametrize(("spec", "refusal", "invalid"), BAD_PARTY_CERTIFICATES)
def test_the_centre_cannot_register_it(deploy, spec, refusal, invalid):
    d = deploy(lambda ca_dir: issue(ca_dir, BIDDER, **spec))
    c = Ceremony(d)
    with d.runtime.database.read() as session:
        before = LogRepository(session).size()
    with pytest.raises(
        VerificationError,
        match=rf"tender\.register: the bidder's certificate cannot be registered: .*{refusal}",
    ):
        c.submit(c.centre.register("bidder", c.bidders[0].certificate))
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == before


@pytest.mark.parametrize(("spec", "refusal", "invalid"), BAD_PARTY_CERTIFICATES)
def test_a_bundle_where_it_is_registered_and_acts_is_invalid(
    deploy, monkeypatch, spec, refusal, invalid
):
    # A dishonest operator lets this one certificate through every validation.
    original = ChainValidator.validate
    d: Deployment | None = None

    def lenient(self, leaf, intermediates, at_ms, **kw):
        assert d is not None
        if leaf == Ceremony(d).bidders[0].certificate:
            return None
        return original(self, leaf, intermediates, at_ms, **kw)

    monkeypatch.setattr(ChainValidator, "validate", lenient)
    d = deploy(lambda ca_dir: issue(ca_dir, BIDDER, **spec))
    failed = failures(verify_bundle(drawn_bundle(d), anchors(d)))
    # The first statement naming it is its registration (§3.3), logged before its own.
    assert list(failed) == ["certificates"]
    assert (
        failed["certificates"].startswith("leaf ")
        and "(tender.register by centre)" in (failed["certificates"])
    )
    assert invalid in failed["certificates"]


def test_a_leaf_without_key_usage_may_sign(deploy):
    """§3.2: an absent keyUsage leaves every use open (RFC 5280), as many Chinese leaves have it."""
    d = deploy(lambda ca_dir: issue(ca_dir, BIDDER))
    report = verify_bundle(drawn_bundle(d), anchors(d))
    assert (report.valid, report.verdict) == (True, "VALID"), failures(report)


def test_a_registration_whose_certificate_is_not_its_fingerprint_is_refused(deploy):
    d = deploy()
    c = Ceremony(d)
    agent, other = c.agent.certificate, c.bidders[0].certificate
    forged = c.centre.sign(
        "tender.register",
        "",
        {"role": "bidder", "fingerprint": c.agent.fingerprint, "certificate": other},
    )
    assert agent != other
    with pytest.raises(Exception, match=r"the certificate's fingerprint is [0-9a-f]{16}…, not"):
        c.submit(forged)


def test_a_party_statement_signed_with_a_beacon_profile_certificate_is_refused(deploy):
    """§3.1: a certificate of the beacon profile acts in no party role, registered or not."""
    d = deploy(lambda ca_dir: issue(ca_dir, "centre", eku=True, usage=_usage(signing=True)))
    c = Ceremony(d)
    with pytest.raises(VerificationError, match="carries the beacon signer ExtendedKeyUsage"):
        c.submit(c.centre.register("agent", c.agent.certificate))


# -- item 9c: each pulse's certificate at that pulse's time --------------------------------------


def late_signer(ca_dir: Path) -> None:
    """A beacon signer that becomes valid one second after the first pulse, at T0."""
    start = dt.datetime.fromtimestamp(T0 / 1000 + 1, tz=dt.UTC)
    issue(ca_dir, ca.SIGNER, key_kind="rsa", usage=_usage(signing=True), eku=True, not_before=start)


def test_the_pulser_refuses_to_sign_before_its_certificate_is_valid(deploy):
    with pytest.raises(
        ConfigurationError,
        match=r"pulse at 2026-11-26T08:00:00\.000Z: the beacon signer's certificate is not "
        r"valid at 2026-11-26T08:00:00\.000Z",
    ):
        deploy(late_signer)


def test_a_pulse_signed_before_its_certificate_was_valid_is_invalid(deploy, monkeypatch):
    """The signer is rotated (the files replaced) to a certificate that becomes valid one
    second after the pulse at T0 + 9 periods, which it signs anyway. That pulse is the commit
    time point's `previous`; every beacon statement and every later pulse are inside the new
    certificate's validity: all that a verifier checking a certificate at its newest pulse
    would see."""
    monkeypatch.setattr("beacon.service.pulser.require_valid_at", lambda *a, **kw: None)
    d = deploy()
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 8 * PERIOD)
    start = dt.datetime.fromtimestamp((T0 + 9 * PERIOD) / 1000 + 1, tz=dt.UTC)
    issue(
        d.ca_dir, ca.SIGNER, key_kind="rsa", usage=_usage(signing=True), eku=True, not_before=start
    )
    d.advance_to(T0 + 10 * PERIOD)  # pulse 9 (too early) and 10 by the new key; the freeze
    c.reveal()
    c.release()
    assert d.runtime.worker("w").run_once() == c.definition.draw_id
    d.advance_to(T0 + 11 * PERIOD)
    doc = bundle(d).to_dict()
    commit = next(t for t in doc["time_points"] if t["name"] == "commit")
    assert commit["previous"]["pulse"]["timeStamp"] == "2026-11-26T08:09:00.000Z"
    assert commit["previous"]["pulse"]["statusCode"] == 4  # the rotation
    failed = failures(verify_bundle(doc, anchors(d)))
    assert list(failed) == ["beacon-certificate"]
    assert (
        "does not chain to the anchors at 2026-11-26T08:09:00.000Z" in failed["beacon-certificate"]
    )
