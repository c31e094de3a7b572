"""Two-party envelopes (PROTOCOL.md §9): header, HPKE shares, age header MAC and STREAM.

:func:`open_envelope` raises :class:`CheckFailed` whose ``code`` is §9.7's reason,
checked in the order of §9.7's table.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from verifier import encoding as enc
from verifier.codecs import ID, ID_VALUE
from verifier.errors import CheckFailed, ParseError
from verifier.vocabulary import Role

HPKE = Suite(KEM.P256, KDF.HKDF_SHA256, AEAD.AES_256_GCM)  # §9.3: 0x0010, 0x0001, 0x0002
CHUNK = 65536
ROLES = (Role.AGENT, Role.CENTRE)  # §9.2: the roles a stanza is for


@dataclass(frozen=True)
class Header:
    """The envelope header (§9.2) and the bytes it was decoded from."""

    tender_id: str
    envelope_id: str
    purpose: str
    draw_id: str
    bidder: bytes
    stanzas: tuple[tuple[str, bytes, bytes], ...]  # (role, key_id, wrapped_share)
    raw: bytes


def envelope_hash(data: bytes) -> bytes:
    """§9.6: the label field, then the whole envelope, not length-framed."""
    return hashlib.sha256(enc.field(enc.ENVELOPE_HASH.encode()) + data).digest()


def key_id(public_key: bytes) -> bytes:
    return enc.labelled("sha256", enc.ENVELOPE_KEY_ID, public_key)


def public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The SEC1 uncompressed point of ``key``'s public half (§9.3)."""
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def load_private(der: bytes, name: str) -> ec.EllipticCurvePrivateKey:
    """A released opening key: PKCS#8 DER of a P-256 key (§6.3 ``draw.key_release``)."""
    try:
        key = serialization.load_der_private_key(der, None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise ParseError(name, f"not an unencrypted PKCS#8 key: {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ParseError(name, "not a P-256 key")
    return key


def _header(data: bytes) -> tuple[Header, bytes, bytes]:
    r = enc.Reader(data, "envelope")
    raw, mac = r.field("header"), r.field("mac")
    h = enc.Reader(raw, "header")
    if h.text("tag") != "tender-beacon/v1/envelope" or h.uint("suite", 16) != 1:
        raise ParseError("header", "not a tender-beacon/v1/envelope header of suite 1")
    tender, envelope_id, purpose, draw = (
        h.text("tender_id"),
        h.text("envelope_id"),
        h.text("purpose"),
        h.text("draw_id"),
    )
    bidder = h.field("bidder")
    stanzas = []
    for i, item in enumerate(h.items("stanzas")):
        s = enc.Reader(item, f"header.stanzas[{i}]")
        stanzas.append((s.text("role"), s.field("key_id"), s.field("wrapped_share")))
        s.end()
    h.end()
    counts = {role: sum(st[0] == role for st in stanzas) for role in ROLES}
    checks = [
        (
            len(raw) <= 16384 and len(mac) == 32,
            "header longer than 16384 bytes or MAC not 32 bytes",
        ),
        (
            bool(re.fullmatch(ID_VALUE, tender) and re.fullmatch(ID_VALUE, envelope_id)),
            "bad tender or envelope id",
        ),
        (
            (purpose, draw) == ("bid", "") or bool(purpose == "seed" and re.fullmatch(ID, draw)),
            "bad purpose or draw id",
        ),
        (len(bidder) == 32 and 2 <= len(stanzas) <= 16, "bidder not 32 bytes, or not 2–16 stanzas"),
        (
            all(st[0] in ROLES and len(st[1]) == 32 and len(st[2]) == 97 for st in stanzas),
            "a stanza's role or sizes",
        ),
        (
            all(1 <= c <= (1 if purpose == "seed" else 8) for c in counts.values()),
            "stanzas per role",
        ),
        (len({st[1] for st in stanzas}) == len(stanzas), "a key_id appears twice"),
    ]
    for ok, why in checks:
        if not ok:
            raise ParseError("header", why)
    return (
        Header(tender, envelope_id, purpose, draw, bidder, tuple(stanzas), raw),
        mac,
        data[r.pos :],
    )


def parse_header(data: bytes) -> Header:
    """The header of an envelope file, or ``header-malformed`` (§9.2)."""
    try:
        return _header(data)[0]
    except ParseError as e:
        raise CheckFailed(str(e), code="header-malformed") from e


def _info(h: Header, role: str) -> bytes:
    return enc.fields(
        enc.ENVELOPE_SHARE.encode(),
        h.tender_id.encode(),
        h.envelope_id.encode(),
        h.purpose.encode(),
        h.draw_id.encode(),
        h.bidder,
        role.encode(),
    )


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def open_envelope(
    data: bytes, keys: dict[str, ec.EllipticCurvePrivateKey | None]
) -> tuple[Header, bytes]:
    """Open with the agent's and the centre's keys (§9.1, §9.3–§9.5); the header and the plaintext."""

    def fail(code: str, why: str) -> CheckFailed:
        return CheckFailed(f"envelope could not be opened: {why}", code=code)

    try:
        h, mac, payload = _header(data)
    except ParseError as e:
        raise fail("header-malformed", str(e)) from e
    given = {role: k for role, k in keys.items() if k is not None}
    stanza = {
        role: next((s for s in h.stanzas if s[1] == key_id(public_bytes(k))), None)
        for role, k in given.items()
    }
    for role, s in stanza.items():
        if s is None:
            raise fail("not-a-recipient", f"the {role} key is not a recipient")
    for role, s in stanza.items():
        if s is not None and s[0] != role:
            raise fail(
                "wrong-role-key", f"the key given for {role} is a recipient of the {s[0]} role"
            )
    shares = []
    for role, s in stanza.items():
        try:
            shares.append(HPKE.decrypt(s[2], given[role], info=_info(h, role)) if s else b"")
        except (InvalidTag, ValueError) as e:
            raise fail("share-unwrap-failed", f"the {role} share does not unwrap") from e
    if len(shares) != 2 or any(len(s) != 16 for s in shares):
        raise fail("share-missing", "a share is missing")
    file_key = bytes(a ^ b for a, b in zip(*shares, strict=True))
    if not hmac.compare_digest(
        hmac.new(_hkdf(file_key, b"", b"header"), h.raw, "sha256").digest(), mac
    ):
        raise fail("header-mac-mismatch", "the header MAC does not match")
    plaintext = stream_open(file_key, payload)
    if h.purpose == "seed" and len(plaintext) != 32:
        raise fail("seed-size-mismatch", f"a seed of {len(plaintext)} bytes")
    return h, plaintext


def parse_prefix(header: bytes, mac: bytes) -> Header:
    """A header record and its MAC as a tender bundle carries them (§9.2, §13.4)."""
    return _header(enc.field(header) + enc.field(mac))[0]


def header_hash(header: bytes, mac: bytes) -> bytes:
    """§9.9: what the opening record commits for each envelope."""
    return enc.labelled("sha256", enc.ENVELOPE_HEADER, header, mac)


def role_share(h: Header, role: str, keys: list[ec.EllipticCurvePrivateKey]) -> bytes:
    """§9.9 step 6: the role's share from the stanza of every key, which must agree.

    Raises :class:`CheckFailed` with code ``not-a-recipient``, ``share-unwrap-failed``
    or ``backup-share-mismatch``.
    """
    shares = []
    for k in keys:
        kid = key_id(public_bytes(k))
        stanza = next((s for s in h.stanzas if s[0] == role and s[1] == kid), None)
        if stanza is None:
            raise CheckFailed(f"no {role} stanza for key {kid.hex()[:12]}…", code="not-a-recipient")
        try:
            shares.append(HPKE.decrypt(stanza[2], k, info=_info(h, role)))
        except (InvalidTag, ValueError) as e:
            raise CheckFailed(
                f"the {role} stanza for key {kid.hex()[:12]}… does not decrypt",
                code="share-unwrap-failed",
            ) from e
    if not shares:
        raise CheckFailed(f"no {role} key to unwrap with", code="share-missing")
    if any(not hmac.compare_digest(x, shares[0]) for x in shares[1:]):
        raise CheckFailed(f"the {role} stanzas wrap different shares", code="backup-share-mismatch")
    return shares[0]


def mac_matches(h: Header, mac: bytes, share_agent: bytes, share_centre: bytes) -> bool:
    """§9.4 with ``K = K_A ⊕ K_C``, compared in constant time."""
    file_key = bytes(a ^ b for a, b in zip(share_agent, share_centre, strict=True))
    expected = hmac.new(_hkdf(file_key, b"", b"header"), h.raw, "sha256").digest()
    return hmac.compare_digest(expected, mac)


def payload_size(plaintext_size: int) -> int:
    """§9.5: the payload bytes of a plaintext of ``plaintext_size`` bytes."""
    return 16 + plaintext_size + 16 * max(1, -(-plaintext_size // CHUNK))


def stream_open(file_key: bytes, payload: bytes) -> bytes:
    """The age v1 STREAM payload (§9.5) with its exact failure reasons."""
    if len(payload) < 16:
        raise CheckFailed("envelope could not be opened: nonce truncated", code="nonce-truncated")
    aead = ChaCha20Poly1305(_hkdf(file_key, payload[:16], b"payload"))
    out: list[bytes] = []
    pos, i, piece_size = 16, 0, CHUNK + 16

    def attempt(piece: bytes, last: int) -> bytes | None:
        try:
            return aead.decrypt(i.to_bytes(11, "big") + bytes([last]), piece, None)
        except InvalidTag:
            return None

    while True:
        piece = payload[pos : pos + piece_size]
        if not piece:
            raise CheckFailed(
                "envelope could not be opened: payload truncated", code="payload-truncated"
            )
        if len(piece) < piece_size:
            if len(piece) == 16 and i > 0:
                raise CheckFailed(
                    "envelope could not be opened: empty final chunk",
                    code="payload-empty-final-chunk",
                )
            plain = attempt(piece, 1)
            if plain is None:
                raise CheckFailed(
                    "envelope could not be opened: payload authentication",
                    code="payload-auth-failed",
                )
            return b"".join([*out, plain])
        plain = attempt(piece, 0)
        if plain is None:
            plain = attempt(piece, 1)
            if plain is None:
                raise CheckFailed(
                    "envelope could not be opened: payload authentication",
                    code="payload-auth-failed",
                )
            if pos + piece_size != len(payload):
                raise CheckFailed(
                    "envelope could not be opened: trailing data", code="payload-trailing-data"
                )
            return b"".join([*out, plain])
        out.append(plain)
        pos, i = pos + piece_size, i + 1
