"""The two shares of the file key and their HPKE stanzas (PROTOCOL.md §9.1, §9.3).

The file key K is split as ``K = K_A ⊕ K_C``. Each share is sealed with HPKE
(RFC 9180 Base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM) to every
opening key of its role, with an ``info`` that binds the tender, the envelope,
the purpose, the draw, the bidder and the role: a stanza copied into another
envelope, or presented for the other role, does not decrypt.

HPKE's ephemeral key pair is drawn inside ``cryptography`` (its API takes no
randomness), the one place where sealing does not use the caller's
``random_bytes``; opening is fully deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from beacon.core import labels
from beacon.core.encoding import join_fields, sha256_fields
from beacon.core.envelope.failures import Reason, fail
from beacon.core.envelope.format import SHARE_SIZE, Header, Stanza
from beacon.core.vocabulary import CEREMONY_ROLES, plain
from beacon.errors import EnvelopeError, InputError

HPKE_SUITE: Final = Suite(KEM.P256, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
SEC1_SIZE: Final = 65


def public_bytes(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The SEC1 uncompressed point ``04 ‖ x ‖ y`` (65 bytes), as HPKE serialises it."""
    return public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def load_public_key(sec1: bytes, *, name: str = "public_key") -> ec.EllipticCurvePublicKey:
    """A P-256 opening key from its 65-byte SEC1 uncompressed point (checked on the curve)."""
    if len(sec1) != SEC1_SIZE or sec1[:1] != b"\x04":
        raise InputError(
            f"{name}: expected a {SEC1_SIZE}-byte uncompressed P-256 point, got {len(sec1)} bytes",
            field=name,
        )
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sec1)
    except ValueError as e:
        raise InputError(f"{name}: not a point on P-256 ({e})", field=name) from e


def check_p256(key: object, *, name: str) -> None:
    """Reject anything but a P-256 public or private key, naming the parameter."""
    if not isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        raise InputError(f"{name}: expected a P-256 key, got {type(key).__name__}", field=name)
    if not isinstance(key.curve, ec.SECP256R1):
        raise InputError(f"{name}: expected a P-256 key, got curve {key.curve.name}", field=name)


def key_id(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """``SHA-256(F("tender-beacon/v1/envelope-key-id") ‖ F(SEC1 point))``: names a stanza's key."""
    return sha256_fields(labels.ENVELOPE_KEY_ID, public_bytes(public_key))


def share_info(
    *, tender_id: str, envelope_id: str, purpose: str, draw_id: str, bidder: bytes, role: str
) -> bytes:
    """The HPKE ``info`` of a share stanza (§9.3): a labelled canonical field sequence."""
    parts = (tender_id, envelope_id, purpose, draw_id)
    return join_fields(
        [labels.ENVELOPE_SHARE.encode(), *(p.encode() for p in parts), bidder, role.encode()]
    )


def header_share_info(header: Header, role: str) -> bytes:
    return share_info(
        tender_id=header.tender_id,
        envelope_id=header.envelope_id,
        purpose=header.purpose,
        draw_id=header.draw_id,
        bidder=header.bidder,
        role=role,
    )


def xor(a: bytes, b: bytes) -> bytes:
    """``a ⊕ b`` for two shares (or a key and a share) of :data:`SHARE_SIZE` bytes."""
    if len(a) != SHARE_SIZE or len(b) != SHARE_SIZE:
        raise ValueError(f"shares are {SHARE_SIZE} bytes, got {len(a)} and {len(b)}")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(SHARE_SIZE, "big")


def wrap(
    share: bytes, public_keys: Iterable[ec.EllipticCurvePublicKey], *, role: str, info: bytes
) -> list[Stanza]:
    """One stanza per opening key of ``role``, each sealing the same ``share``."""
    return [
        Stanza(role, key_id(pk), HPKE_SUITE.encrypt(share, pk, info=info)) for pk in public_keys
    ]


def unwrap_share(header: Header, role: str, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """``role``'s 16-byte share, unwrapped from the stanza addressed to ``private_key``.

    Raises :class:`~beacon.errors.EnvelopeError`: ``not-a-recipient`` when no
    stanza of the envelope names this key, ``wrong-role-key`` when it names it for
    the other role, ``share-unwrap-failed`` when HPKE rejects the stanza (a
    corrupted or transplanted share). A key of the wrong type is an InputError.
    """
    if role not in CEREMONY_ROLES:
        raise InputError(
            f"role: expected one of {plain(sorted(CEREMONY_ROLES))}, got {role!r}", field="role"
        )
    check_p256(private_key, name="private_key")
    return _unwrap(header, role, private_key, key_id(private_key.public_key()))


def _unwrap(
    header: Header, role: str, private_key: ec.EllipticCurvePrivateKey, kid: bytes
) -> bytes:
    named = [s for s in header.stanzas if s.key_id == kid]
    where = f"envelope {header.envelope_id!r}"
    if not named:
        raise fail(Reason.NOT_A_RECIPIENT, f"{where}: no stanza for key {kid.hex()[:16]}…")
    stanza = named[0]  # format.Header guarantees a key appears at most once
    if stanza.role != role:
        raise fail(
            Reason.WRONG_ROLE_KEY,
            f"{where}: key {kid.hex()[:16]}… is a {stanza.role} key, not {role}",
        )
    try:
        share = HPKE_SUITE.decrypt(
            stanza.wrapped_share, private_key, info=header_share_info(header, role)
        )
    except InvalidTag:
        raise fail(Reason.SHARE_UNWRAP_FAILED, f"{where}: {role} stanza does not decrypt") from None
    return share


def unwrap_shares_batch(
    headers: Sequence[Header], role: str, private_key: ec.EllipticCurvePrivateKey
) -> list[bytes | EnvelopeError]:
    """:func:`unwrap_share` over many envelopes with one key: the opening ceremony's batch.

    Returns, in the order of ``headers``, each share or the error of that envelope,
    so that one bad envelope is recorded without stopping the others.
    """
    if role not in CEREMONY_ROLES:
        raise InputError(
            f"role: expected one of {plain(sorted(CEREMONY_ROLES))}, got {role!r}", field="role"
        )
    check_p256(private_key, name="private_key")
    kid = key_id(private_key.public_key())
    out: list[bytes | EnvelopeError] = []
    for header in headers:
        try:
            out.append(_unwrap(header, role, private_key, kid))
        except EnvelopeError as e:
            out.append(e)
    return out
