"""Opening-key files (PROTOCOL.md §9.8, beacon/identity/opening_keys.py docstring)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from beacon.core.encoding import Writer
from beacon.core.envelope import key_id
from beacon.errors import InputError
from beacon.identity import opening_keys as ok

PASS = b"correct horse battery staple"
KEY = ec.derive_private_key(0xC0FFEE, ec.SECP256R1())
OTHER = ec.derive_private_key(0xBEEF, ec.SECP256R1())


def sec1(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def by_hand(
    key: ec.EllipticCurvePrivateKey, recorded: bytes, *, log2_n: int = 10, kdf: str = "scrypt"
) -> str:
    """A key file written from the module docstring's layout, not with the module."""
    salt, nonce = bytes(range(16)), bytes(12)
    head = (
        Writer()
        .str("tender-beacon/v1/opening-key-file")
        .str(kdf)
        .u8(log2_n)
        .u32(8)
        .u32(1)
        .bytes(salt)
        .bytes(recorded)
        .bytes(nonce)
        .finish()
    )
    wrap_key = Scrypt(
        salt=b"tender-beacon/v1/opening-key-file" + salt,
        length=32,
        n=1 << min(log2_n, 16),
        r=8,
        p=1,
    ).derive(PASS)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    body = head + Writer().bytes(ChaCha20Poly1305(wrap_key).encrypt(nonce, der, head)).finish()
    return (
        "-----BEGIN TENDER-BEACON OPENING KEY-----\n"
        + base64.b64encode(body).decode()
        + "\n-----END TENDER-BEACON OPENING KEY-----\n"
    )


def test_round_trip() -> None:
    text = ok.encrypt_private_key(KEY, PASS, log2_n=10)
    assert ok.decrypt_private_key(text, PASS).private_numbers() == KEY.private_numbers()


def test_a_file_written_from_the_documented_layout_loads() -> None:
    assert (
        ok.decrypt_private_key(by_hand(KEY, sec1(KEY)), PASS).private_numbers()
        == KEY.private_numbers()
    )


def test_output_depends_only_on_the_given_randomness() -> None:
    def fixed(n: int) -> bytes:
        return bytes(n)

    assert ok.encrypt_private_key(
        KEY, PASS, log2_n=10, random_bytes=fixed
    ) == ok.encrypt_private_key(KEY, PASS, log2_n=10, random_bytes=fixed)


def _flip_body_char(text: str) -> str:
    """Change one base64 character of the last body line: inside the ciphertext."""
    lines = text.splitlines()
    body = lines[-2]
    lines[-2] = ("A" if body[0] != "A" else "B") + body[1:]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "passphrase", "message"),
    [
        pytest.param(
            ok.encrypt_private_key(KEY, PASS, log2_n=10),
            b"wrong passphrase!",
            r"key file: wrong passphrase, or the key file is damaged",
            id="wrong-passphrase",
        ),
        pytest.param(
            _flip_body_char(ok.encrypt_private_key(KEY, PASS, log2_n=10)),
            PASS,
            r"key file: wrong passphrase, or the key file is damaged",
            id="damaged",
        ),
        pytest.param("hello", PASS, r"not a tender-beacon opening key", id="not-a-key-file"),
        pytest.param(
            KEY.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            PASS,
            r"not a tender-beacon opening key",
            id="plain-pkcs8",
        ),
        pytest.param(
            by_hand(KEY, sec1(OTHER)),
            PASS,
            r"the private key does not match the public key recorded beside it",
            id="mismatched-public-key",
        ),
        pytest.param(
            by_hand(KEY, sec1(KEY), log2_n=23),
            PASS,
            r"unsupported KDF scrypt N=2\^23",
            id="work-factor-too-high",
        ),
        pytest.param(
            by_hand(KEY, sec1(KEY), kdf="pbkdf2"), PASS, r"unsupported KDF pbkdf2", id="other-kdf"
        ),
    ],
)
def test_decrypt_rejects(text: str, passphrase: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ok.decrypt_private_key(text, passphrase)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"passphrase": b"short"}, r"passphrase: at least 12 characters are needed, got 5"),
        ({"log2_n": 9}, r"log2_n: expected 10 to 22, got 9"),
        (
            {"key": ec.generate_private_key(ec.SECP384R1())},
            r"key: expected a P-256 key, got curve secp384r1",
        ),
    ],
    ids=["short-passphrase", "weak-work-factor", "p384"],
)
def test_encrypt_rejects(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"key": KEY, "passphrase": PASS, "log2_n": 10, **kwargs}
    with pytest.raises(InputError, match=message):
        ok.encrypt_private_key(args.pop("key"), args.pop("passphrase"), **args)  # type: ignore[arg-type]


def test_generate_writes_both_files(tmp_path: Path) -> None:
    files = ok.generate(tmp_path / "agent", PASS, log2_n=10)
    assert stat.S_IMODE(files.private_path.stat().st_mode) == 0o600
    public = ok.load_public_key_file(files.public_path)
    private = ok.load_private_key_file(files.private_path, PASS)
    assert sec1(private) == public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert files.key_id == key_id(public)
    assert files.public_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(
        InputError, match=r"agent.key already exists; choose another --out or remove it first"
    ):
        ok.generate(tmp_path / "agent", PASS, log2_n=10)
    assert ok.generate(tmp_path / "agent", PASS, log2_n=10, force=True).key_id != files.key_id


def test_pkcs8_export_is_what_key_release_publishes() -> None:
    loaded = serialization.load_der_private_key(ok.private_key_pkcs8(KEY), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert loaded.private_numbers() == KEY.private_numbers()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            ec.generate_private_key(ec.SECP384R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            r"expected a P-256 opening key",
        ),
        (b"not a key", r"not a PEM public key"),
    ],
    ids=["p384", "garbage"],
)
def test_public_key_file_rejects(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.pub"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ok.load_public_key_file(path)
