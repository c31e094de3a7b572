"""``beacon ca import``: a platform CA built independently (tests/identity/platform_pki.py)
is installed only when everything checks, with a reason naming what is wrong otherwise
and nothing written; ``beacon ca init`` writes where ``beacon serve`` reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from beacon.cli import main
from beacon.errors import BeaconError, ConfigurationError
from beacon.identity import platform_ca
from beacon.service.runtime import Trust
from beacon.service.settings import Settings
from tests.identity.platform_pki import (
    DAY,
    PlatformPki,
    ca_certificate,
    crl,
    key_pem,
    leaf,
    pem,
    rsa_key,
    usage,
)

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PlatformPki:
    return PlatformPki(NOW, tmp_path_factory.mktemp("platform"))


def do_import(pki: PlatformPki, data: Path, **over: object) -> platform_ca.Imported:
    args: dict[str, object] = {
        **pki.import_args(),
        "centres": [pki.party("centre")[0]],
        "supervisors": [pki.party("supervisor")[0]],
        "now": NOW,
    }
    args.update(over)
    return platform_ca.import_platform_ca(data / "ca", **args)  # type: ignore[arg-type]


def test_a_good_import_installs_the_platform_ca(pki: PlatformPki, tmp_path: Path) -> None:
    done = do_import(pki, tmp_path)
    ca_dir = tmp_path / "ca"
    assert (ca_dir / "ca.pem").read_bytes() == pem(pki.ca)
    assert not (ca_dir / "ca.key").exists()  # the platform keeps its key
    assert (ca_dir / "beacon-signer.pem").read_bytes() == pem(pki.signer)
    assert (ca_dir / "beacon-signer.key").stat().st_mode & 0o077 == 0
    assert (ca_dir / "centre-1.pem").read_bytes() == pem(pki.certs["centre"])
    assert done.crl_revoked == 1
    manifest = json.loads((ca_dir / "manifest.json").read_text())
    assert manifest["ca"]["source"] == "platform"
    assert [(p["name"], p["role"]) for p in manifest["parties"]] == [
        ("beacon-signer", "beacon"),
        ("centre-1", "centre"),
        ("supervisor-1", "supervisor"),
    ]
    # What the service reads from it: the platform CA as its only anchor, the operators,
    # and its CRL, under which the revoked party is refused and the others accepted.
    trust = Trust.from_ca_dir(ca_dir)
    assert trust.anchors == (pki.ca,)
    assert len(trust.centre_operators) == 1 and len(trust.supervisors) == 1
    validator = trust.validator()
    at = int(NOW.timestamp() * 1000)
    validator.validate(der(pki.certs["bidder-1"]), (), at)
    with pytest.raises(BeaconError, match="was revoked"):
        validator.validate(der(pki.certs["bidder-revoked"]), (), at)
    stranger = x509.load_pem_x509_certificate(pki.party("bidder-foreign")[0].read_bytes())
    with pytest.raises(BeaconError, match="does not chain to a configured trust anchor"):
        validator.validate(der(stranger), (), at)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# Each bad input, made here from the independent PKI, and the words the refusal must say.
def signer_from_foreign_ca(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = leaf(pki.foreign_key, pki.foreign, pki.signer_key, "tender-beacon", NOW, beacon=True)
    return {"signer_cert": write(tmp / "s.pem", pem(cert))}


def key_mismatch(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"signer_key": write(tmp / "other.key", key_pem(rsa_key()))}


def expired_signer(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = leaf(pki.ca_key, pki.ca, pki.signer_key, "tender-beacon", NOW - 400 * DAY, beacon=True)
    return {"signer_cert": write(tmp / "s.pem", pem(cert))}


def encipherment_only_signer(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = leaf(
        pki.ca_key,
        pki.ca,
        pki.signer_key,
        "tender-beacon",
        NOW,
        beacon=True,
        key_usage=usage(sign=False, encipher=True),
    )
    return {"signer_cert": write(tmp / "s.pem", pem(cert))}


def signer_without_beacon_eku(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = leaf(pki.ca_key, pki.ca, pki.signer_key, "tender-beacon", NOW)
    return {"signer_cert": write(tmp / "s.pem", pem(cert))}


def ec_signer(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = leaf(pki.ca_key, pki.ca, key, "tender-beacon", NOW, beacon=True)
    return {
        "signer_cert": write(tmp / "s.pem", pem(cert)),
        "signer_key": write(tmp / "s.key", key_pem(key)),
    }


def ca_without_basic_constraints(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = ca_certificate(pki.ca_key, pki.ca.subject, NOW, constraints=None)
    return {"ca_cert": write(tmp / "ca.pem", pem(cert))}


def ca_with_ca_false(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = ca_certificate(
        pki.ca_key,
        pki.ca.subject,
        NOW,
        constraints=x509.BasicConstraints(ca=False, path_length=None),
    )
    return {"ca_cert": write(tmp / "ca.pem", pem(cert))}


def expired_ca(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    cert = ca_certificate(pki.ca_key, pki.ca.subject, NOW - 400 * DAY, not_after=NOW - DAY)
    return {"ca_cert": write(tmp / "ca.pem", pem(cert))}


def crl_signed_by_another_key(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"crl_file": pki.write_crl("forged.crl", revoked=[], number=2, key=rsa_key())}


def stale_crl(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {
        "crl_file": pki.write_crl(
            "stale.crl", revoked=[], number=2, this_update=NOW - 9 * DAY, next_update=NOW - DAY
        )
    }


def crl_of_another_ca(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    other = crl(pki.foreign_key, pki.foreign.subject, [], NOW - DAY, NOW + DAY, 1)
    return {"crl_file": write(tmp / "other.crl", other.public_bytes(Encoding.PEM))}


def revoked_signer(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"crl_file": pki.write_crl("r.crl", revoked=["beacon-signer"], number=3)}


def revoked_centre(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"centres": [pki.party("bidder-revoked")[0]]}


def foreign_supervisor(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"supervisors": [pki.party("bidder-foreign")[0]]}


def no_crl_at_all(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"crl_file": None}


def no_centre(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"centres": []}


def not_a_certificate(pki: PlatformPki, tmp: Path) -> dict[str, object]:
    return {"ca_cert": write(tmp / "ca.pem", b"-----BEGIN NOTHING-----\n")}


REFUSALS = [
    (signer_from_foreign_ca, "was not issued by the CA"),
    (key_mismatch, "does not belong to the signer certificate"),
    (expired_signer, "has expired"),
    (encipherment_only_signer, "keyUsage without digitalSignature"),
    (signer_without_beacon_eku, "lacks the beacon signer ExtendedKeyUsage"),
    (ec_signer, "signs pulses with RSA"),
    (ca_without_basic_constraints, "not a CA certificate: it has no basicConstraints"),
    (ca_with_ca_false, "not a CA certificate: its basicConstraints say CA=false"),
    (expired_ca, "the CA certificate .* has expired"),
    (crl_signed_by_another_key, "signed by another key"),
    (stale_crl, "the CRL is stale"),
    (crl_of_another_ca, "not by the CA"),
    (revoked_signer, "tender-beacon.* was revoked"),
    (revoked_centre, "bidder-revoked.* was revoked"),
    (foreign_supervisor, "does not chain to a configured trust anchor"),
    (no_crl_at_all, "give the CA's CRL"),
    (no_centre, "at least one centre operator"),
    (not_a_certificate, "not a PEM certificate"),
]


@pytest.mark.parametrize(("bad", "reason"), REFUSALS, ids=[f.__name__ for f, _ in REFUSALS])
def test_a_bad_import_is_refused_and_writes_nothing(
    pki: PlatformPki, tmp_path: Path, bad, reason: str
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    data = tmp_path / "data"
    with pytest.raises(BeaconError, match=reason):
        do_import(pki, data, **bad(pki, inputs))
    assert not data.exists()


def test_an_import_never_replaces_a_ca(pki: PlatformPki, tmp_path: Path) -> None:
    (tmp_path / "ca").mkdir()
    (tmp_path / "ca" / "ca.pem").write_bytes(b"a demo CA")
    with pytest.raises(BeaconError, match="already holds a CA"):
        do_import(pki, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca"]
    assert (tmp_path / "ca" / "ca.pem").read_bytes() == b"a demo CA"


def test_update_crl_takes_a_newer_crl_only(pki: PlatformPki, tmp_path: Path) -> None:
    do_import(pki, tmp_path)
    ca_dir = tmp_path / "ca"
    newer = pki.write_crl("newer.crl", revoked=["bidder-revoked", "bidder-2"], number=5)
    assert len(platform_ca.update_crl(ca_dir, newer, now=NOW)) == 2
    older = pki.write_crl("older.crl", revoked=[], number=4, this_update=NOW - 2 * DAY)
    with pytest.raises(BeaconError, match="older than the CRL"):
        platform_ca.update_crl(ca_dir, older, now=NOW)
    at = int(NOW.timestamp() * 1000)
    with pytest.raises(BeaconError, match="bidder-2.* was revoked"):
        Trust.from_ca_dir(ca_dir).validator().validate(der(pki.certs["bidder-2"]), (), at)


class TestCli:
    def test_import_then_init_and_serve_agree(
        self, pki: PlatformPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The CLI writes to the data dir's CA: BEACON_DATA_DIR or --data-dir, one default."""
        monkeypatch.setenv("BEACON_DATA_DIR", str(tmp_path / "d"))
        args = pki.import_args()
        argv = ["ca", "import", "--ca-cert", str(args["ca_cert"]), "--crl", str(args["crl_file"])]
        argv += ["--signer-cert", str(args["signer_cert"]), "--signer-key", str(args["signer_key"])]
        argv += ["--centre-cert", str(pki.party("centre")[0])]
        argv += ["--supervisor-cert", str(pki.party("supervisor")[0])]
        runner = CliRunner()
        # The CLI checks at the real time; the PKI's dates are around NOW, so fake "now".
        monkeypatch.setattr(platform_ca, "import_platform_ca", _at(platform_ca.import_platform_ca))
        result = runner.invoke(main, argv)
        assert result.exit_code == 0, result.output
        # openssl x509 -fingerprint -sha256 is SHA-256 over the DER (computed here with hashlib).
        assert (
            f"sha256:{hashlib.sha256(pki.ca.public_bytes(Encoding.DER)).hexdigest()}"
            in result.output
        )
        assert (tmp_path / "d" / "ca" / "ca.pem").read_bytes() == pem(pki.ca)
        refused = runner.invoke(main, ["ca", "init", "--signer-bits", "2048", "--force"])
        assert refused.exit_code == 1
        assert "holds the platform's imported CA" in refused.output
        assert (tmp_path / "d" / "ca" / "ca.pem").read_bytes() == pem(pki.ca)

    def test_a_refused_import_says_why(
        self, pki: PlatformPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(platform_ca, "import_platform_ca", _at(platform_ca.import_platform_ca))
        args = pki.import_args()
        argv = ["ca", "import", "--data-dir", str(tmp_path / "d")]
        argv += ["--ca-cert", str(args["ca_cert"]), "--crl", str(args["crl_file"])]
        argv += ["--signer-cert", str(args["signer_cert"])]
        argv += ["--signer-key", str(write(tmp_path / "k.key", key_pem(rsa_key())))]
        argv += ["--centre-cert", str(pki.party("centre")[0])]
        argv += ["--supervisor-cert", str(pki.party("supervisor")[0])]
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 1
        assert "does not belong to the signer certificate" in result.output
        assert not (tmp_path / "d").exists()

    def test_init_writes_the_data_dirs_ca(self, tmp_path: Path) -> None:
        data = tmp_path / "d"
        argv = ["ca", "init", "--data-dir", str(data), "--bidders", "1", "--signer-bits", "2048"]
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 0, result.output
        assert (data / "ca" / "ca.pem").exists() and (data / "ca" / "bidder-1.key").exists()
        # What `beacon serve --data-dir d` trusts is this CA.
        trust = Trust.from_ca_dir(data / "ca")
        assert trust.anchors[0] == x509.load_pem_x509_certificate(
            (data / "ca" / "ca.pem").read_bytes()
        )


def _at(function):
    def wrapped(*args, **kwargs):
        kwargs["now"] = NOW
        return function(*args, **kwargs)

    return wrapped


def test_the_service_never_makes_a_demo_ca_over_an_imported_one(
    pki: PlatformPki, tmp_path: Path
) -> None:
    """Without its signer key the deployment refuses to start; it does not replace the CA."""
    do_import(pki, tmp_path / "data")
    ca_dir = tmp_path / "data" / "ca"
    (ca_dir / "beacon-signer.key").unlink()
    settings = Settings.build(data_dir=tmp_path / "data", signer_bits=2048)
    assert settings.ca_dir == ca_dir  # what `beacon ca import/init --data-dir` write
    with pytest.raises(ConfigurationError, match="holds a CA certificate but no beacon signer key"):
        settings.load_signer(now=NOW)
    assert (ca_dir / "ca.pem").read_bytes() == pem(pki.ca)
    assert not (ca_dir / "ca.key").exists()
