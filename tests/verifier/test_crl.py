"""``beacon-verify --crl`` (PROTOCOL.md §3.2): the service's CRL rule, applied by the verifier."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from beacon.identity import ca
from tests.service.deployment import T0
from tests.verifier.conftest import Served
from verifier.cli import INVALID, UNUSABLE, VALID, main

T0_UTC = dt.datetime.fromtimestamp(T0 / 1000, tz=dt.UTC)
HOUR = dt.timedelta(hours=1)


def crl(
    served: Served,
    revoked: list[tuple[str, dt.timedelta]],
    *,
    next_update: dt.timedelta = 30 * 24 * HOUR,
    wrong_key: bool = False,
) -> x509.CertificateRevocationList:
    """A CRL of the deployment's CA revoking each (party, revocation time - T0)."""
    ca_dir = served.deployment.ca_dir
    issuer = ca.load_certificate(ca_dir / "ca.pem")
    key = ca.new_key("ecdsa-p256") if wrong_key else ca.load_private_key(ca_dir / "ca.key")
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(T0_UTC - 48 * HOUR)
        .next_update(T0_UTC + next_update)
    )
    for name, when in revoked:
        serial = ca.load_certificate(ca_dir / f"{name}.pem").serial_number
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(T0_UTC + when)
            .build()
        )
    return builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]


def verify(served: Served, tmp_path: Path, crls: list[bytes], capsys) -> tuple[int, str]:
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(served.bundle))
    files = []
    for i, data in enumerate(crls):
        (tmp_path / f"{i}.crl").write_bytes(data)
        files += ["--crl", str(tmp_path / f"{i}.crl")]
    code = main(["draw", str(proof), "--anchors", str(served.ca_pem), *files])
    return code, capsys.readouterr().out


CASES = [
    pytest.param(
        {"revoked": [("bidder-1", -HOUR)]},
        "✗ certificates: leaf",
        "was revoked on 2026-11-26T07:00:00+00:00, at or before",
        id="party-revoked-before-it-signed",
    ),
    pytest.param(
        {"revoked": [("beacon-signer", -HOUR)]},
        "✗ beacon-certificate:",
        "CN=beacon-signer,OU=beacon,O=tender-beacon demo was revoked on 2026-11-26T07:00:00+00:00",
        id="beacon-revoked",
    ),
    pytest.param(
        {"revoked": [], "next_update": -HOUR},
        "✗ beacon-certificate:",
        "expired at 2026-11-26T07:00:00+00:00",
        id="stale-crl-fails-closed",
    ),
    pytest.param(
        {"revoked": [], "wrong_key": True},
        "✗ beacon-certificate:",
        "has an invalid signature",
        id="forged-crl-fails-closed",
    ),
]


@pytest.mark.parametrize("encoding", ["PEM", "DER"])
@pytest.mark.parametrize(("spec", "check", "reason"), CASES)
def test_a_crl_makes_the_draw_invalid(drawn, tmp_path, capsys, encoding, spec, check, reason):
    data = crl(drawn, **spec).public_bytes(getattr(serialization.Encoding, encoding))
    code, out = verify(drawn, tmp_path, [data], capsys)
    assert code == INVALID
    line = next(x for x in out.splitlines() if x.startswith(check))
    assert reason in line


def test_a_revocation_after_every_signature_leaves_the_draw_valid(drawn, tmp_path, capsys):
    """A statement signed before its certificate was revoked stays attributable (§3.2)."""
    later = crl(drawn, [("bidder-1", 24 * HOUR), ("centre", 24 * HOUR)])
    other = crl(drawn, [])
    code, out = verify(
        drawn,
        tmp_path,
        [
            later.public_bytes(serialization.Encoding.DER),
            other.public_bytes(serialization.Encoding.PEM),
        ],
        capsys,
    )
    assert (code, out.splitlines()[-1]) == (VALID, "VALID")


def test_an_unreadable_crl_is_unusable_input(drawn, tmp_path, capsys):
    (tmp_path / "bad.crl").write_bytes(b"-----BEGIN X509 CRL-----\nnot base64\n")
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(drawn.bundle))
    code = main(["draw", str(proof), "--crl", str(tmp_path / "bad.crl")])
    assert code == UNUSABLE
    assert "bad.crl: not a DER or PEM X.509 CRL" in capsys.readouterr().err
