"""Demo CA (docs/ARCHITECTURE.md §3): layout, subjects, keys, and chains that the real
``cryptography.x509.verification`` verifier accepts under a relaxed end-entity
policy (no SAN/EKU required, as with many Chinese CA leaves)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from beacon.cli import main
from beacon.errors import ConflictError, InputError
from beacon.identity import ca
from beacon.identity.profile import check_profile, has_beacon_eku

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
NAMES = ["beacon-signer", "centre", "agent", "bidder-1", "bidder-2", "supervisor"]


def verify_chain(anchor: x509.Certificate, leaf: x509.Certificate, at: dt.datetime) -> None:
    store = verification.Store([anchor])
    verifier = (
        verification.PolicyBuilder()
        .store(store)
        .time(at)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )
    verifier.verify(leaf, [])


def pem_der(path: Path) -> bytes:
    # Independent of cryptography's serializer: strip the PEM armour and base64-decode.
    body = re.search(
        rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", path.read_bytes(), re.S
    )
    assert body is not None
    return base64.b64decode(b"".join(body.group(1).split()))


@pytest.fixture(scope="module", params=list(ca.KEY_KINDS), ids=list(ca.KEY_KINDS))
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp(f"ca-{request.param}")
    ca.init_ca(directory, now=NOW, bidders=2, signer_bits=2048, party_key=request.param)
    return directory, request.param


class TestLayout:
    def test_files(self, demo: tuple[Path, str]) -> None:
        directory, _ = demo
        expected = (
            {"ca.pem", "ca.key", "manifest.json"}
            | {f"{n}.pem" for n in NAMES}
            | {f"{n}.key" for n in NAMES}
        )
        assert {p.name for p in directory.iterdir()} == expected
        for name in ["ca", *NAMES]:
            assert (directory / f"{name}.key").stat().st_mode & 0o777 == 0o600
            assert (
                (directory / f"{name}.key").read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
            )

    def test_manifest_fingerprints_are_sha256_of_der(self, demo: tuple[Path, str]) -> None:
        directory, _ = demo
        manifest = json.loads((directory / "manifest.json").read_text())
        assert [(p["name"], p["role"]) for p in manifest["parties"]] == [
            ("beacon-signer", "beacon"),
            ("centre", "centre"),
            ("agent", "agent"),
            ("bidder-1", "bidder"),
            ("bidder-2", "bidder"),
            ("supervisor", "supervisor"),
        ]
        for party in manifest["parties"]:
            assert (
                party["fingerprint"]
                == hashlib.sha256(pem_der(directory / f"{party['name']}.pem")).hexdigest()
            )
        assert (
            manifest["ca"]["fingerprint"]
            == hashlib.sha256(pem_der(directory / "ca.pem")).hexdigest()
        )

    @pytest.mark.parametrize("name", NAMES)
    def test_subject_and_key(self, demo: tuple[Path, str], name: str) -> None:
        directory, _ = demo
        certificate = ca.load_certificate(directory / f"{name}.pem")
        subject = {a.oid: a.value for a in certificate.subject}
        role = dict(ca.parties(2))[name]
        assert subject == {
            NameOID.ORGANIZATION_NAME: "tender-beacon demo",
            NameOID.ORGANIZATIONAL_UNIT_NAME: role,
            NameOID.COMMON_NAME: name,
        }
        key = ca.load_private_key(directory / f"{name}.key")
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        assert key.public_key().public_bytes(
            serialization.Encoding.DER, spki
        ) == certificate.public_key().public_bytes(serialization.Encoding.DER, spki)
        if name == "beacon-signer":
            assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
        assert certificate.not_valid_before_utc == NOW
        with pytest.raises(x509.ExtensionNotFound):
            certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)


class TestChains:
    @pytest.mark.parametrize("name", NAMES)
    def test_chain_validates_at_now(self, demo: tuple[Path, str], name: str) -> None:
        directory, _ = demo
        anchor = ca.load_certificate(directory / "ca.pem")
        verify_chain(anchor, ca.load_certificate(directory / f"{name}.pem"), NOW)

    @pytest.mark.parametrize(
        "at",
        [
            pytest.param(NOW - dt.timedelta(seconds=1), id="before-validity"),
            pytest.param(NOW + ca.DEFAULT_VALIDITY + dt.timedelta(seconds=1), id="after-validity"),
        ],
    )
    def test_chain_rejected_outside_validity(self, demo: tuple[Path, str], at: dt.datetime) -> None:
        directory, _ = demo
        anchor = ca.load_certificate(directory / "ca.pem")
        with pytest.raises(
            verification.VerificationError, match="cert is not valid at validation time"
        ):
            verify_chain(anchor, ca.load_certificate(directory / "agent.pem"), at)

    def test_chain_rejected_under_another_ca(self, demo: tuple[Path, str], tmp_path: Path) -> None:
        directory, _ = demo
        ca.init_ca(tmp_path, now=NOW, bidders=0, signer_bits=2048)
        with pytest.raises(verification.VerificationError, match="candidates exhausted"):
            verify_chain(
                ca.load_certificate(tmp_path / "ca.pem"),
                ca.load_certificate(directory / "agent.pem"),
                NOW,
            )

    def test_san_eku_option(self, tmp_path: Path) -> None:
        ca.init_ca(tmp_path, now=NOW, bidders=1, signer_bits=2048, san_eku=True)
        leaf = ca.load_certificate(tmp_path / "bidder-1.pem")
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
            "urn:tender-beacon:party:bidder-1"
        ]
        verify_chain(ca.load_certificate(tmp_path / "ca.pem"), leaf, NOW)

    @pytest.mark.parametrize("name", NAMES)
    def test_only_the_signer_has_the_beacon_profile(
        self, demo: tuple[Path, str], name: str
    ) -> None:
        # PROTOCOL.md §3.1: the beacon signer EKU, on the signer alone.
        directory, _ = demo
        certificate = ca.load_certificate(directory / f"{name}.pem")
        assert has_beacon_eku(certificate) == (name == "beacon-signer")
        check_profile(certificate, "beacon" if name == "beacon-signer" else "party")


class TestRefusals:
    def test_refuses_to_overwrite_then_force_replaces(self, tmp_path: Path) -> None:
        first = ca.init_ca(tmp_path, now=NOW, bidders=0, signer_bits=2048)
        with pytest.raises(
            ConflictError, match=r"already holds key\(s\) \['agent.key', .*use --force"
        ):
            ca.init_ca(tmp_path, now=NOW, bidders=0, signer_bits=2048)
        second = ca.init_ca(tmp_path, now=NOW, bidders=0, signer_bits=2048, force=True)
        assert {r.fingerprint for r in first}.isdisjoint(r.fingerprint for r in second)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            pytest.param({"bidders": -1}, "bidders must be >= 0, got -1", id="bidders"),
            pytest.param({"signer_bits": 512}, "at least 2048 bits, got 512", id="signer-bits"),
            pytest.param({"now": dt.datetime(2026, 1, 1)}, "timezone-aware", id="naive-now"),
        ],
    )
    def test_bad_arguments(self, tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(InputError, match=message):
            ca.init_ca(tmp_path, **{"now": NOW, "signer_bits": 2048, **kwargs})  # type: ignore[arg-type]


class TestCli:
    def test_init_and_refuse(self, tmp_path: Path) -> None:
        runner = CliRunner()
        args = [
            "ca",
            "init",
            "--dir",
            str(tmp_path / "d"),
            "--bidders",
            "1",
            "--signer-bits",
            "2048",
        ]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "unencrypted PKCS#8" in result.output
        assert "bidder-1" in result.output and (tmp_path / "d" / "bidder-1.key").exists()
        again = runner.invoke(main, args)
        assert again.exit_code == 1
        assert "refusing to overwrite" in again.output
        forced = runner.invoke(main, [*args, "--force", "--json"])
        assert forced.exit_code == 0, forced.output
        assert [p["name"] for p in json.loads(forced.output)] == [
            "beacon-signer",
            "centre",
            "agent",
            "bidder-1",
            "supervisor",
        ]
