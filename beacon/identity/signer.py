"""The beacon's pulse signer: an RSA key behind its certificate (PROTOCOL.md §8.2).

Implements :class:`beacon.core.pulse.Signer`. RSA PKCS#1 v1.5 signatures are
deterministic, so the same key and message always give the same pulse.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from beacon.core.signature import belongs_to
from beacon.errors import ConfigurationError
from beacon.identity.ca import load_certificate, load_private_key


class RsaPulseSigner:
    """Signs pulse messages with RSA PKCS#1 v1.5 and SHA-512 (cipherSuite 0)."""

    def __init__(self, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        if not belongs_to(key, certificate):
            raise ConfigurationError("the pulse signing key does not belong to its certificate")
        self._key = key
        self._certificate_der = certificate.public_bytes(serialization.Encoding.DER)

    @property
    def certificate_der(self) -> bytes:
        return self._certificate_der

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA512())

    @classmethod
    def from_files(cls, key_path: Path, certificate_path: Path) -> RsaPulseSigner:
        """Load ``beacon-signer.key`` and ``.pem`` as ``beacon ca init`` writes them."""
        key = load_private_key(key_path)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigurationError(
                f"{key_path}: cipherSuite 0 needs an RSA key, got {type(key).__name__}"
            )
        return cls(key, load_certificate(certificate_path))
