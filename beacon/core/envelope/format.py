"""Envelope file layout and header grammar (PROTOCOL.md §9.2, §9.4, §9.6).

An envelope file is

    F(header) ‖ F(mac) ‖ payload

where ``header`` is the canonical tagged record :class:`Header` (the recipient
stanzas included), ``mac`` is age's header MAC over exactly those bytes, and
``payload`` is the age v1 payload of :mod:`beacon.core.envelope.stream`.

Parsing is strict (§2.2 and §9.2): a wrong tag or suite, a field of the wrong
size, bytes left inside the header field, a missing role, a repeated key or
more stanzas than allowed are :class:`~beacon.errors.EncodingError` naming the
field. Every accepted header re-encodes to the bytes it was parsed from.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from beacon.core import labels
from beacon.core.encoding import Reader, Writer, field
from beacon.core.envelope.stream import Source, read_exactly
from beacon.core.vocabulary import CEREMONY_ROLES, plain
from beacon.errors import EncodingError

SUITE: Final = 1
PURPOSES: Final = ("bid", "seed")
KEY_ID_SIZE: Final = 32
ENC_SIZE: Final = 65  # SEC1 uncompressed P-256 point: HPKE's enc for DHKEM(P-256)
SHARE_SIZE: Final = 16
WRAPPED_SHARE_SIZE: Final = ENC_SIZE + SHARE_SIZE + 16  # enc ‖ AES-256-GCM(share) ‖ tag
MAC_SIZE: Final = 32
FINGERPRINT_SIZE: Final = 32
MAX_STANZAS_PER_ROLE: Final = 8
MAX_HEADER_SIZE: Final = 16 * 1024  # 16 stanzas need about 2.5 KiB; refuse to buffer more

# Identifiers as in statements (§6.1: tender_id, subject) and definitions (§5.1: draw_id).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_DRAW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _bad(name: str, message: str) -> EncodingError:
    return EncodingError(f"envelope.{name}: {message}", field=name)


@dataclass(frozen=True)
class Stanza:
    """One wrapped share: ``role``'s share sealed to the opening key named by ``key_id``."""

    role: str
    key_id: bytes
    wrapped_share: bytes

    def to_dict(self) -> dict[str, str]:
        return {
            "role": self.role,
            "key_id": self.key_id.hex(),
            "wrapped_share": self.wrapped_share.hex(),
        }


@dataclass(frozen=True)
class Header:
    """The MAC-protected envelope header (PROTOCOL.md §9.2).

    ``bidder`` is the SHA-256 fingerprint of the bidder's certificate; ``draw_id``
    is empty for bids and names the draw for seed envelopes.
    """

    tender_id: str
    envelope_id: str
    purpose: str
    draw_id: str
    bidder: bytes
    stanzas: tuple[Stanza, ...]
    suite: int = SUITE

    def __post_init__(self) -> None:
        if self.suite != SUITE:
            raise _bad("suite", f"unsupported suite: expected {SUITE}, got {self.suite}")
        for name in ("tender_id", "envelope_id"):
            if not _ID.fullmatch(getattr(self, name)):
                raise _bad(name, f"{getattr(self, name)!r} is not a valid identifier")
        if self.purpose not in PURPOSES:
            raise _bad("purpose", f"expected one of {list(PURPOSES)}, got {self.purpose!r}")
        if self.purpose == "bid" and self.draw_id:
            raise _bad("draw_id", f"must be empty for a bid envelope, got {self.draw_id!r}")
        if self.purpose == "seed" and not _DRAW_ID.fullmatch(self.draw_id):
            raise _bad("draw_id", f"a seed envelope needs a valid draw id, got {self.draw_id!r}")
        if len(self.bidder) != FINGERPRINT_SIZE:
            raise _bad("bidder", f"expected {FINGERPRINT_SIZE} bytes, got {len(self.bidder)}")
        _check_stanzas(self.stanzas, self.purpose)

    def stanzas_for(self, role: str) -> tuple[Stanza, ...]:
        return tuple(s for s in self.stanzas if s.role == role)

    def encode(self) -> bytes:
        """The canonical header record: exactly the bytes the header MAC covers."""
        w = Writer().str(labels.TAG_ENVELOPE).u16(self.suite)
        w.str(self.tender_id).str(self.envelope_id).str(self.purpose).str(self.draw_id)
        w.bytes(self.bidder)
        w.list(
            self.stanzas,
            lambda w, s: w.record(
                Writer().str(s.role).bytes(s.key_id).bytes(s.wrapped_share).finish()
            ),
        )
        return w.finish()

    @classmethod
    def decode(cls, data: bytes) -> Header:
        r = Reader(data, what="envelope")
        r.tag(labels.TAG_ENVELOPE)
        suite = r.u16("suite")
        if suite != SUITE:
            raise _bad("suite", f"unsupported suite: expected {SUITE}, got {suite}")
        tender_id = r.str("tender_id", max_size=64)
        envelope_id = r.str("envelope_id", max_size=64)
        purpose = r.str("purpose", max_size=16)
        draw_id = r.str("draw_id", max_size=64)
        bidder = r.bytes("bidder", size=FINGERPRINT_SIZE)
        stanzas = r.list("stanzas", _read_stanza, max_items=2 * MAX_STANZAS_PER_ROLE)
        r.done()
        return cls(tender_id, envelope_id, purpose, draw_id, bidder, tuple(stanzas), suite)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "tender_id": self.tender_id,
            "envelope_id": self.envelope_id,
            "purpose": self.purpose,
            "draw_id": self.draw_id,
            "bidder": self.bidder.hex(),
            "stanzas": [s.to_dict() for s in self.stanzas],
        }


def _read_stanza(r: Reader, i: int) -> Stanza:
    inner = r.record(str(i))
    role = inner.str("role", max_size=16)
    key_id = inner.bytes("key_id", size=KEY_ID_SIZE)
    wrapped = inner.bytes("wrapped_share", size=WRAPPED_SHARE_SIZE)
    inner.done()
    return Stanza(role, key_id, wrapped)


def _check_stanzas(stanzas: Iterable[Stanza], purpose: str) -> None:
    per_role: dict[str, int] = dict.fromkeys(sorted(CEREMONY_ROLES), 0)
    seen: set[bytes] = set()
    for i, s in enumerate(stanzas):
        where = f"stanzas.{i}"
        if s.role not in CEREMONY_ROLES:
            raise _bad(
                f"{where}.role", f"expected one of {plain(sorted(CEREMONY_ROLES))}, got {s.role!r}"
            )
        if len(s.key_id) != KEY_ID_SIZE:
            raise _bad(f"{where}.key_id", f"expected {KEY_ID_SIZE} bytes, got {len(s.key_id)}")
        if len(s.wrapped_share) != WRAPPED_SHARE_SIZE:
            raise _bad(
                f"{where}.wrapped_share",
                f"expected {WRAPPED_SHARE_SIZE} bytes, got {len(s.wrapped_share)}",
            )
        # One key in two stanzas, even of two roles, would let its holder unwrap
        # both shares, i.e. open alone: every key appears at most once.
        if s.key_id in seen:
            raise _bad(f"{where}.key_id", f"opening key {s.key_id.hex()[:16]}… appears twice")
        seen.add(s.key_id)
        per_role[s.role] += 1
    # A seed envelope has exactly one stanza per role, so the releasing party has no
    # choice of key that could include or exclude the seed (§9.2).
    most = 1 if purpose == "seed" else MAX_STANZAS_PER_ROLE
    for role, count in per_role.items():
        if count == 0:
            raise _bad("stanzas", f"no stanza for the {role}: expected 1 to {most}")
        if count > most:
            raise _bad(
                "stanzas",
                f"{count} stanzas for the {role}: expected 1 to {most} for a {purpose} envelope",
            )


# -- the file prefix: F(header) ‖ F(mac) ------------------------------------------------


def marshal_prefix(header: Header, mac: bytes) -> bytes:
    """``F(header.encode()) ‖ F(mac)``: everything before the payload."""
    return field(header.encode()) + field(mac)


def _read_field(source: Source, name: str, *, max_size: int) -> bytes:
    length_bytes = read_exactly(source, 4)
    if len(length_bytes) != 4:
        raise _bad(name, f"truncated: {len(length_bytes)} of 4 length bytes")
    length = int.from_bytes(length_bytes, "big")
    if length > max_size:
        raise _bad(name, f"at most {max_size} bytes allowed, got {length}")
    value = read_exactly(source, length)
    if len(value) != length:
        raise _bad(name, f"truncated: field says {length} bytes, {len(value)} remain")
    return value


class Prefix(NamedTuple):
    """What precedes the payload: the parsed header, its exact bytes and the MAC."""

    header: Header
    header_bytes: bytes
    mac: bytes

    @property
    def size(self) -> int:
        return 4 + len(self.header_bytes) + 4 + len(self.mac)


def read_prefix(source: Source) -> Prefix:
    """Read ``F(header) ‖ F(mac)`` from ``source``, leaving it at the first payload byte."""
    header_bytes = _read_field(source, "header", max_size=MAX_HEADER_SIZE)
    header = Header.decode(header_bytes)
    mac = _read_field(source, "mac", max_size=MAC_SIZE)
    if len(mac) != MAC_SIZE:
        raise _bad("mac", f"expected exactly {MAC_SIZE} bytes, got {len(mac)}")
    return Prefix(header, header_bytes, mac)


def parse_header(data: bytes | Source) -> Header:
    """The header of an envelope given as bytes (the file or its prefix) or a stream."""
    source: Source = io.BytesIO(data) if isinstance(data, bytes) else data
    return read_prefix(source).header


# -- header MAC (age: HMAC-SHA-256 keyed by HKDF(file key, "header")) ------------------


def header_mac(file_key: bytes, header_bytes: bytes) -> bytes:
    """age's ``headerMAC``: HMAC-SHA-256 over ``header_bytes`` with HKDF(K, "", "header")."""
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,  # RFC 5869: absent salt = HashLen zero bytes, same as age's empty salt
        info=labels.AGE_HEADER_MAC_INFO.encode(),
    ).derive(file_key)
    return hmac.new(key, header_bytes, hashlib.sha256).digest()


def mac_matches(file_key: bytes, header_bytes: bytes, mac: bytes) -> bool:
    """Constant-time check of a header MAC."""
    return hmac.compare_digest(header_mac(file_key, header_bytes), mac)


# -- envelope hash: what the bidder signs (§9.6) -----------------------------------------


class EnvelopeDigest:
    """``SHA-256(F("tender-beacon/v1/envelope-hash") ‖ envelope bytes)``, fed as they stream.

    The envelope's length is not known until its end, so the bytes follow the label
    field unframed; the size is stated beside the hash (``envelope.submit``).
    """

    __slots__ = ("_hash", "size")

    def __init__(self) -> None:
        self._hash = hashlib.sha256(field(labels.ENVELOPE_HASH.encode()))
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    def digest(self) -> bytes:
        return self._hash.digest()


def envelope_hash(source: Source, *, chunk_size: int = 1 << 20) -> tuple[bytes, int]:
    """Hash a whole envelope read from ``source``; return (hash, size in bytes)."""
    digest = EnvelopeDigest()
    while chunk := source.read(chunk_size):
        digest.update(chunk)
    return digest.digest(), digest.size
