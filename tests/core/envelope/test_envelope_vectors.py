"""The project's envelope vectors (tests/vectors/envelope/) through beacon.core.envelope,
and the vectors' deterministic HPKE sender against RFC 9180 Appendix A.3.1."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope
from beacon.core.envelope import Header, Reason, format
from beacon.core.envelope.shares import HPKE_SUITE
from beacon.errors import EncodingError, EnvelopeError
from tests.conftest import VECTORS
from tests.vectors.hpke_sender import seal_base

EXPECT = {"valid"} | {r.value for r in Reason}


def vectors() -> list[Path]:
    return sorted((VECTORS / "envelope").glob("*.json"))


def private_key(v: dict[str, Any], name: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(
        bytes.fromhex(v["keys"][name]["private_key_pkcs8"]), password=None
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def test_vector_set_covers_the_outcomes() -> None:
    seen = {json.loads(p.read_text())["expect"] for p in vectors()}
    assert seen <= EXPECT
    assert {
        "valid",
        "header-mac-mismatch",
        "payload-auth-failed",
        "share-unwrap-failed",
        "wrong-role-key",
    } <= seen


@pytest.mark.parametrize("path", vectors(), ids=lambda p: p.stem)
def test_envelope_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    data = bytes.fromhex(v["envelope"])
    assert envelope.envelope_hash(io.BytesIO(data)) == (
        bytes.fromhex(v["envelope_hash"]),
        v["size"],
    )
    for name, key in v["keys"].items():
        public = private_key(v, name).public_key()
        assert (
            public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            ).hex()
            == key["public_key"]
        )
        assert envelope.key_id(public).hex() == key["key_id"]
    if v["expect"] == "header-malformed":
        assert v["header"] is None
        with pytest.raises(EncodingError):
            envelope.parse_header(data)
        with pytest.raises(EnvelopeError) as info:
            envelope.open(
                io.BytesIO(data), io.BytesIO(), share_agent=bytes(16), share_centre=bytes(16)
            )
        assert info.value.reason == "header-malformed"
        return
    prefix = format.read_prefix(io.BytesIO(data))
    assert prefix.header.to_dict() == v["header"]
    assert Header.decode(prefix.header_bytes).encode() == prefix.header_bytes
    try:
        got = {
            role: envelope.unwrap_share(prefix.header, role, private_key(v, name))
            for role, name in v["open_with"].items()
        }
        out = io.BytesIO()
        if prefix.header.purpose == "seed":
            out.write(
                envelope.open_seed(data, share_agent=got["agent"], share_centre=got["centre"])
            )
        else:
            envelope.open(
                io.BytesIO(data), out, share_agent=got["agent"], share_centre=got["centre"]
            )
    except EnvelopeError as e:
        assert e.reason == v["expect"]
        return
    assert v["expect"] == "valid"
    assert {role: s.hex() for role, s in got.items()} == v["shares"]
    assert (
        bytes(a ^ b for a, b in zip(got["agent"], got["centre"], strict=True)).hex()
        == v["file_key"]
    )
    assert hashlib.sha256(out.getvalue()).hexdigest() == v["plaintext_sha256"]
    if v["plaintext"] is not None:
        assert out.getvalue().hex() == v["plaintext"]


def test_hpke_sender_matches_rfc9180_a31() -> None:
    """RFC 9180 Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, Base mode,
    first encryption (sequence 0). The vectors' sender uses the same code with AES-256-GCM."""
    sk_e = ec.derive_private_key(
        int("4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb", 16), ec.SECP256R1()
    )
    pk_r = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(),
        bytes.fromhex(
            "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a82"
            "6a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0"
        ),
    )
    sealed = seal_base(
        pk_r,
        bytes.fromhex("4f6465206f6e2061204772656369616e2055726e"),
        bytes.fromhex("4265617574792069732074727574682c20747275746820626561757479"),
        sk_e=sk_e,
        aad=bytes.fromhex("436f756e742d30"),
        aead_id=0x0001,
    )
    assert sealed.enc.hex() == (
        "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac9"
        "8536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4"
    )
    assert (
        sealed.shared_secret.hex()
        == "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8"
    )
    assert sealed.key.hex() == "868c066ef58aae6dc589b6cfdd18f97e"
    assert sealed.base_nonce.hex() == "4e0bc5018beba4bf004cca59"
    assert (
        sealed.ct.hex()
        == "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434"
    )


def test_hpke_sender_output_opens_with_cryptography() -> None:
    """The AES-256-GCM variant the vectors use, opened by cryptography's HPKE."""
    recipient = ec.derive_private_key(12345, ec.SECP256R1())
    sealed = seal_base(
        recipient.public_key(),
        b"info",
        b"sixteen byte key",
        sk_e=ec.derive_private_key(678, ec.SECP256R1()),
    )
    assert (
        HPKE_SUITE.decrypt(sealed.enc + sealed.ct, recipient, info=b"info") == b"sixteen byte key"
    )
