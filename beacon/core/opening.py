"""The bid-opening ceremony's records (PROTOCOL.md §9.9): released keys and outcomes.

After the closing pulse the agent and the centre each release, in one signed
statement, every per-tender opening private key they announced. Whoever holds a
frozen envelope's header can then recompute both shares from the released keys:
with keys checked against their announcements, a stanza that is absent, does not
decrypt, or wraps another share than its backup, and a header MAC that does not
match, are the bidder's doing; a key not released in time is its party's. The
beacon logs one opening record with, per envelope, the outcome and who is at fault.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import labels
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.envelope.failures import Fault, Reason, fail
from beacon.core.envelope.format import Header
from beacon.core.envelope.shares import HPKE_SUITE, header_share_info, key_id
from beacon.core.vocabulary import Role
from beacon.errors import EncodingError


class OpeningStatus(StrEnum):
    """The outcome of one bid envelope (a closed set; the fault is in the name)."""

    OPENED = "opened"
    BIDDER_FAULT = "bidder-fault"  # a stanza, the header MAC or the payload is bad
    AGENT_KEY_MISSING = "agent-key-missing"  # the agent released no keys in time
    CENTRE_KEY_MISSING = "centre-key-missing"
    BOTH_KEYS_MISSING = "both-keys-missing"


def header_hash(header_bytes: bytes, mac: bytes) -> bytes:
    """``SHA-256(F("tender-beacon/v1/envelope-header") ‖ F(header) ‖ F(mac))`` (§9.9).

    The opening record commits to the header it opened, so that the header in a
    tender bundle is the beacon's signed word, which a bidder can hold against its file.
    """
    return sha256_fields(labels.ENVELOPE_HEADER, header_bytes, mac)


@dataclass(frozen=True)
class OpeningEntry:
    """One envelope's outcome: the reason when it failed, the plaintext hash when it opened."""

    envelope_id: str
    bidder: bytes
    header_hash: bytes  # header_hash() of the frozen envelope's header and MAC
    status: OpeningStatus
    reason: str  # an envelope failure reason (PROTOCOL.md §9.7) or ""
    plaintext_sha256: bytes  # 32 bytes when opened, else empty
    size: int  # plaintext bytes when opened, else 0

    def encode(self) -> bytes:
        w = Writer().str(self.envelope_id).bytes(self.bidder).bytes(self.header_hash)
        w.str(self.status.value).str(self.reason)
        return w.bytes(self.plaintext_sha256).u64(self.size).finish()

    @classmethod
    def read(cls, r: Reader) -> OpeningEntry:
        envelope_id, bidder = r.str("envelope_id", max_size=64), r.bytes("bidder", size=32)
        digest = r.bytes("header_hash", size=32)
        raw = r.str("status", max_size=32)
        try:
            status = OpeningStatus(raw)
        except ValueError:
            raise EncodingError(
                f"opening status {raw!r} is not one of {[s.value for s in OpeningStatus]}"
            ) from None
        entry = cls(
            envelope_id,
            bidder,
            digest,
            status,
            r.str("reason", max_size=64),
            r.bytes("plaintext_sha256", max_size=32),
            r.u64("size"),
        )
        r.done()
        return entry

    def to_dict(self) -> dict[str, Any]:
        return {
            "envelope_id": self.envelope_id,
            "bidder": self.bidder.hex(),
            "header_hash": self.header_hash.hex(),
            "status": self.status.value,
            "reason": self.reason,
            "plaintext_sha256": self.plaintext_sha256.hex(),
            "size": self.size,
        }


def missing_status(released: Mapping[str, object]) -> OpeningStatus | None:
    """The party fault when a role released no keys; None when both did."""
    agent, centre = Role.AGENT in released, Role.CENTRE in released
    if agent and centre:
        return None
    if not agent and not centre:
        return OpeningStatus.BOTH_KEYS_MISSING
    return OpeningStatus.AGENT_KEY_MISSING if not agent else OpeningStatus.CENTRE_KEY_MISSING


def role_share(header: Header, role: str, keys: Sequence[ec.EllipticCurvePrivateKey]) -> bytes:
    """``role``'s share, from the stanza of *every* key in ``keys`` (§9.9 step 6).

    ``keys`` are the role's released keys that were announced before the envelope
    was submitted, in announcement order, each already checked against its
    announcement. Every one of them must have a stanza of ``role`` that decrypts,
    and all must give the same share: a party releases all its keys, so which key
    it holds cannot decide the outcome. Raises EnvelopeError: ``not-a-recipient``,
    ``share-unwrap-failed`` or ``backup-share-mismatch``, all the bidder's doing.
    """
    where = f"envelope {header.envelope_id!r}"
    stanzas = {s.key_id: s for s in header.stanzas_for(role)}
    shares = []
    for key in keys:
        kid = key_id(key.public_key())
        stanza = stanzas.get(kid)
        if stanza is None:
            raise fail(Reason.NOT_A_RECIPIENT, f"{where}: no {role} stanza for {kid.hex()[:16]}…")
        try:
            shares.append(
                HPKE_SUITE.decrypt(stanza.wrapped_share, key, info=header_share_info(header, role))
            )
        except InvalidTag:
            raise fail(
                Reason.SHARE_UNWRAP_FAILED,
                f"{where}: {role} stanza {kid.hex()[:16]}… does not decrypt",
            ) from None
    if not shares:
        raise ValueError(f"{where}: no {role} key to unwrap with")
    if not all(hmac.compare_digest(s, shares[0]) for s in shares[1:]):
        raise fail(
            Reason.BACKUP_SHARE_MISMATCH, f"{where}: the {role} stanzas wrap different shares"
        )
    return shares[0]


def failure_status(reason: Reason) -> OpeningStatus:
    """With every key released and checked, a failure is the bidder's (stanza, MAC, payload)."""
    if reason.fault is not Fault.BIDDER:
        raise ValueError(f"{reason} is not a failure that happens with verified keys")
    return OpeningStatus.BIDDER_FAULT
