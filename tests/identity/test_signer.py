"""The RSA pulse signer (PROTOCOL.md §8.2) loaded from a demo CA's files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from beacon.errors import ConfigurationError
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ca")
    ca.init_ca(directory, now=NOW, bidders=0, signer_bits=2048)
    return directory


def test_signs_pkcs1v15_sha512(demo: Path) -> None:
    signer = RsaPulseSigner.from_files(demo / "beacon-signer.key", demo / "beacon-signer.pem")
    certificate = ca.load_certificate(demo / "beacon-signer.pem")
    signature = signer.sign(b"message")
    certificate.public_key().verify(signature, b"message", padding.PKCS1v15(), hashes.SHA512())  # type: ignore[call-arg, union-attr]
    assert signer.sign(b"message") == signature  # deterministic


@pytest.mark.parametrize(
    ("key", "certificate", "message"),
    [
        pytest.param(
            "beacon-signer.key", "centre.pem", "does not belong to its certificate", id="mismatch"
        ),
        pytest.param("centre.key", "centre.pem", "needs an RSA key, got", id="ecdsa-key"),
    ],
)
def test_rejects(demo: Path, key: str, certificate: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RsaPulseSigner.from_files(demo / key, demo / certificate)
