"""Rotating the beacon signer: the next pulse carries status 4 and the new
certificateId, the whole chain still verifies (beacon.core.chain.ChainVerifier, via
``beacon admin check``), and the beacon's statements are signed with the new key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.cli import main
from beacon.core.pulse import STATUS_CERTIFICATE_CHANGE, certificate_id
from beacon.identity import ca
from beacon.store import PulseRepository, sqlite_url
from beacon.store.statements import StatementRepository
from tests.service.deployment import PERIOD, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def d(tmp_path: Path) -> Iterator[Deployment]:
    deployment = open_deployment(tmp_path, sqlite_url(tmp_path / "data" / "beacon.sqlite3"))
    yield deployment
    deployment.runtime.close()


def issue(
    ca_dir: Path, out: Path, *, kind: str = "rsa", bits: int = 2048, beacon_signer: bool = True
) -> tuple[Path, Path]:
    """A new beacon-signer certificate from the deployment's CA (or from a stranger's);
    ``beacon_signer=False`` issues an ordinary party certificate instead."""
    ca_key = serialization.load_pem_private_key((ca_dir / "ca.key").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    key = ca.new_key(kind, rsa_bits=bits)  # type: ignore[arg-type]
    cert = ca.issue_party(
        ca_key=ca_key,  # type: ignore[arg-type]
        ca_certificate=ca_cert,
        key=key,
        name="beacon-signer-2027",
        role="beacon" if beacon_signer else "centre",
        organisation="tender-beacon demo",
        now=NOW,
        validity=dt.timedelta(days=700),
        beacon_signer=beacon_signer,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "new.key").write_bytes(ca.key_pem(key))
    (out / "new.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out / "new.pem", out / "new.key"


def rotate(d: Deployment, cert: Path, key: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "admin",
            "rotate-signer",
            "--data-dir",
            str(d.runtime.settings.data_dir),
            "--cert",
            str(cert),
            "--key",
            str(key),
        ],
    )
    return result.exit_code, result.output


@pytest.mark.slow
def test_next_pulse_has_status_4_and_the_chain_verifies(d: Deployment, tmp_path: Path) -> None:
    c = Ceremony(d)
    c.register()
    d.advance_to(d.clock.now_ms() + 2 * PERIOD)
    cert, key = issue(d.ca_dir, tmp_path / "new")
    code, output = rotate(d, cert, key)
    assert code == 0, output
    new_id = certificate_id(
        x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(serialization.Encoding.DER)
    )
    assert new_id.hex() in output
    d.advance_to(d.clock.now_ms() + 2 * PERIOD)  # the running pulser re-reads the files
    c.publish()  # the centre's first statement in a new tender makes the beacon register operators
    other = d.actor("centre", "centre", tender="JS-2026-0999")
    d.runtime.ledger.submit(other.register("agent", d.actor("agent", "agent").certificate))
    with d.runtime.database.read() as session:
        repo = PulseRepository(session)
        pulses = [s.pulse() for s in repo.range(1, 1, 100)]
        beacon_statements = [
            s
            for s in StatementRepository(session).about("JS-2026-0999", "")
            if s.row.role == "beacon"
        ]
    statuses = [p.status_code for p in pulses]
    changed = statuses.index(STATUS_CERTIFICATE_CHANGE)
    assert statuses == [1] + [0] * (changed - 1) + [4] + [0] * (len(pulses) - changed - 1)
    assert {p.certificate_id for p in pulses[changed:]} == {new_id}
    assert all(p.certificate_id != new_id for p in pulses[:changed])
    assert beacon_statements and {s.signed.certificate for s in beacon_statements} == {
        x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(serialization.Encoding.DER)
    }
    result = CliRunner().invoke(
        main,
        [
            "admin",
            "check",
            "--data-dir",
            str(d.runtime.settings.data_dir),
            "--database-url",
            d.runtime.settings.database_url,
        ],
    )
    assert result.exit_code == 0, result.output  # every pulse verifies against its own certificate
    retired = list((d.ca_dir / "retired").glob("*.pem"))
    assert len(retired) == 1 and not list((d.ca_dir / "retired").glob("*.key"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda d, t: issue(d.ca_dir, t, kind="ecdsa-p256"),
            "cipherSuite 0 needs an RSA key",
            id="not-rsa",
        ),
        pytest.param(
            lambda d, t: (d.ca_dir / "beacon-signer.pem", d.ca_dir / "beacon-signer.key"),
            "is already the beacon signer",
            id="same",
        ),
        pytest.param(
            lambda d, t: (issue(d.ca_dir, t)[0], issue(d.ca_dir, t / "other")[1]),
            "does not belong to its certificate",
            id="mismatched",
        ),
        pytest.param(
            # PROTOCOL.md §3.1: a party certificate under the same CA cannot become the signer.
            lambda d, t: issue(d.ca_dir, t, beacon_signer=False),
            "lacks the beacon signer ExtendedKeyUsage 2.25.69300442572423649160567867449861042957",
            id="party-certificate",
        ),
    ],
)
def test_refused_rotations_change_nothing(
    d: Deployment, tmp_path: Path, make, message: str
) -> None:
    before = (d.ca_dir / "beacon-signer.pem").read_bytes()
    cert, key = make(d, tmp_path / "new")
    code, output = rotate(d, cert, key)
    assert code != 0 and message in output
    assert (d.ca_dir / "beacon-signer.pem").read_bytes() == before


def test_a_stranger_ca_is_refused(d: Deployment, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger-ca"
    ca.init_ca(stranger, now=NOW, bidders=0, signer_bits=2048)
    cert, key = issue(stranger, tmp_path / "new")
    code, output = rotate(d, cert, key)
    assert code != 0 and "does not chain to a configured trust anchor" in output
    assert d.runtime.pulser.signer.certificate_der == d.runtime.pulse_signer.certificate_der


@pytest.mark.slow
def test_a_draw_across_a_rotation_verifies_with_both_certificates(
    d: Deployment, tmp_path: Path
) -> None:
    """Pulses before and after the rotation, and beacon statements signed with each key:
    the bundle carries both certificates (PROTOCOL.md §13) and the independent verifier
    accepts it."""
    from tests.service.test_draw_flow import T0, bundle
    from verifier import verify_bundle

    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)  # freeze, signed with the first key
    cert, key = issue(d.ca_dir, tmp_path / "new")
    code, output = rotate(d, cert, key)
    assert code == 0, output
    d.advance_to(d.clock.now_ms() + PERIOD)  # status 4
    c.reveal()
    c.release()
    assert (
        d.runtime.worker("w").run_once() == c.definition.draw_id
    )  # result, signed with the new key
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    doc = bundle(d).to_dict()
    assert len(doc["beacon_certificates"]) == 2
    report = verify_bundle(
        doc, [ca.load_certificate(d.ca_dir / "ca.pem").public_bytes(serialization.Encoding.DER)]
    )
    assert report.valid, [(ch.name, ch.detail) for ch in report.checks if not ch.ok]
