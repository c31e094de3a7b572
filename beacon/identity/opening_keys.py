"""Opening keys on the holder's side: generate, store under a passphrase, load (PROTOCOL.md §9.8).

An opening key is a P-256 key pair; the agent and the centre each hold one (or a
backup or two) per tender, and every envelope wraps a share of its file key to
them (:mod:`beacon.core.envelope`). Two files per key:

* ``PREFIX.pub`` — the public key as a PEM SubjectPublicKeyInfo (``BEGIN PUBLIC
  KEY``), which ``openssl pkey -pubin`` reads; it holds the SEC1 point that the
  ``draw.opening_key`` statement announces.
* ``PREFIX.key`` — the private key (PKCS#8 DER) encrypted under a passphrase, as
  the PEM-style block ``BEGIN TENDER-BEACON OPENING KEY`` around the base64 of the
  canonical record (tag ``tender-beacon/v1/opening-key-file``)::

      tag, kdf ("scrypt"), log2_n (u8), r (u32), p (u32), salt (16 bytes),
      public_key (65-byte SEC1 point), nonce (12 bytes), ciphertext (bytes)

  with ``key = scrypt(passphrase, S = "tender-beacon/v1/opening-key-file" ‖ salt,
  N = 2^log2_n, r, p, dkLen = 32)`` and ``ciphertext = ChaCha20-Poly1305(key,
  nonce, PKCS#8 DER, aad = the record's bytes before the ciphertext field)``.

Why scrypt and not PKCS#8's ``BestAvailableEncryption``: cryptography writes that
as PBES2 with PBKDF2-HMAC-SHA256 at 2048 iterations, which a stolen key file would
not survive against a guessing attack, and a stolen opening key lets the other
party open every bid alone. scrypt at N = 2^18 (age's default) costs an attacker
a second and 256 MiB per guess. The price is a format ``openssl`` cannot read;
:func:`private_key_pkcs8` exports the plain PKCS#8 DER that ``draw.key_release``
publishes anyway once the bids are open.
"""

from __future__ import annotations

import base64
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from beacon import durable
from beacon.core import labels
from beacon.core.encoding import Reader, Writer
from beacon.core.envelope.shares import check_p256, key_id, load_public_key, public_bytes
from beacon.errors import EncodingError, InputError

DEFAULT_LOG2_N: Final = 18
MIN_LOG2_N: Final = 10
MAX_LOG2_N: Final = 22  # 4 GiB of scrypt memory: refuse files that would demand more
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MIN_PASSPHRASE: Final = 12
_BEGIN: Final = "-----BEGIN TENDER-BEACON OPENING KEY-----"
_END: Final = "-----END TENDER-BEACON OPENING KEY-----"


@dataclass(frozen=True)
class KeyFiles:
    """Where :func:`generate` wrote a key pair, and the key's id (§9.3)."""

    private_path: Path
    public_path: Path
    key_id: bytes


def _scrypt_key(passphrase: bytes, salt: bytes, log2_n: int) -> bytes:
    return Scrypt(
        salt=labels.OPENING_KEY_FILE.encode() + salt,
        length=32,
        n=1 << log2_n,
        r=SCRYPT_R,
        p=SCRYPT_P,
    ).derive(passphrase)


def _check_passphrase(passphrase: bytes) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(
            f"passphrase: at least {MIN_PASSPHRASE} characters are needed, got {len(passphrase)}",
            field="passphrase",
        )


def _record_head(log2_n: int, salt: bytes, public_key: bytes, nonce: bytes) -> bytes:
    w = (
        Writer()
        .str(labels.TAG_OPENING_KEY_FILE)
        .str("scrypt")
        .u8(log2_n)
        .u32(SCRYPT_R)
        .u32(SCRYPT_P)
    )
    return w.bytes(salt).bytes(public_key).bytes(nonce).finish()


def encrypt_private_key(
    key: ec.EllipticCurvePrivateKey,
    passphrase: bytes,
    *,
    log2_n: int = DEFAULT_LOG2_N,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> str:
    """The text of a ``.key`` file holding ``key`` under ``passphrase``."""
    check_p256(key, name="key")
    _check_passphrase(passphrase)
    if not MIN_LOG2_N <= log2_n <= MAX_LOG2_N:
        raise InputError(
            f"log2_n: expected {MIN_LOG2_N} to {MAX_LOG2_N}, got {log2_n}", field="log2_n"
        )
    salt, nonce = random_bytes(16), random_bytes(12)
    head = _record_head(log2_n, salt, public_bytes(key.public_key()), nonce)
    der = private_key_pkcs8(key)
    sealed = ChaCha20Poly1305(_scrypt_key(passphrase, salt, log2_n)).encrypt(nonce, der, head)
    body = base64.b64encode(head + Writer().bytes(sealed).finish()).decode()
    return "\n".join([_BEGIN, *textwrap.wrap(body, 64), _END]) + "\n"


def decrypt_private_key(
    text: str, passphrase: bytes, *, name: str = "key file"
) -> ec.EllipticCurvePrivateKey:
    """The private key of a ``.key`` file; InputError naming ``name`` on any problem."""
    lines = text.strip().splitlines()
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise InputError(f"{name}: not a tender-beacon opening key (expected a {_BEGIN} block)")
    try:
        data = base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError as e:
        raise InputError(f"{name}: the key block is not base64 ({e})") from e
    try:
        r = Reader(data, what=name)
        r.tag(labels.TAG_OPENING_KEY_FILE)
        kdf = r.str("kdf", max_size=16)
        log2_n, r_param, p_param = r.u8("log2_n"), r.u32("r"), r.u32("p")
        salt, public_key, nonce = (
            r.bytes("salt", size=16),
            r.bytes("public_key", size=65),
            r.bytes("nonce", size=12),
        )
        sealed = r.bytes("ciphertext", max_size=1024)
        r.done()
    except EncodingError as e:
        raise InputError(str(e)) from e
    if (kdf, r_param, p_param) != (
        "scrypt",
        SCRYPT_R,
        SCRYPT_P,
    ) or not MIN_LOG2_N <= log2_n <= MAX_LOG2_N:
        raise InputError(
            f"{name}: unsupported KDF {kdf} N=2^{log2_n} r={r_param} p={p_param}; "
            f"expected scrypt with r={SCRYPT_R}, p={SCRYPT_P}, 2^{MIN_LOG2_N} ≤ N ≤ 2^{MAX_LOG2_N}"
        )
    head = _record_head(log2_n, salt, public_key, nonce)
    try:
        der = ChaCha20Poly1305(_scrypt_key(passphrase, salt, log2_n)).decrypt(nonce, sealed, head)
    except InvalidTag:
        raise InputError(f"{name}: wrong passphrase, or the key file is damaged") from None
    key = serialization.load_der_private_key(der, password=None)
    if (
        not isinstance(key, ec.EllipticCurvePrivateKey)
        or public_bytes(key.public_key()) != public_key
    ):
        raise InputError(
            f"{name}: the private key does not match the public key recorded beside it"
        )
    return key


def private_key_pkcs8(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER, the form ``draw.key_release`` publishes (PROTOCOL.md §6.3)."""
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key_file(path: Path) -> ec.EllipticCurvePublicKey:
    """A ``.pub`` file: PEM SubjectPublicKeyInfo of a P-256 key."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: not a PEM public key ({e})") from e
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InputError(f"{path}: expected a P-256 opening key, got {type(key).__name__}")
    return load_public_key(public_bytes(key), name=str(path))


def load_private_key_file(path: Path, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the key file ({e})") from e
    return decrypt_private_key(text, passphrase, name=str(path))


def generate(
    prefix: Path, passphrase: bytes, *, log2_n: int = DEFAULT_LOG2_N, force: bool = False
) -> KeyFiles:
    """Create ``PREFIX.key`` (encrypted, mode 0600) and ``PREFIX.pub``; refuse to overwrite."""
    private_path, public_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    if not force:
        for path in (private_path, public_path):
            if path.exists():
                raise InputError(f"{path} already exists; choose another --out or remove it first")
    key = ec.generate_private_key(ec.SECP256R1())
    text = encrypt_private_key(key, passphrase, log2_n=log2_n)
    durable.write_text_atomic(private_path, text, mode=durable.PRIVATE)
    durable.write_text_atomic(public_path, public_key_pem(key.public_key()), mode=durable.PUBLIC)
    return KeyFiles(private_path, public_path, key_id(key.public_key()))
