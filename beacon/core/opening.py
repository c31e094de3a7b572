"""The bid-opening ceremony's records (PROTOCOL.md §9.9): released shares and outcomes.

After the bid deadline the agent and the centre each release, in one signed
statement, their share of every frozen bid envelope (or an empty share for an
envelope whose stanza they cannot unwrap). The beacon then recombines, checks
each header MAC, decrypts, and logs one opening record with, per envelope, the
outcome and who is at fault when it does not open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from beacon.core.encoding import Reader, Writer
from beacon.core.envelope.failures import Fault, Reason
from beacon.errors import EncodingError

SHARE_BYTES = 16


class OpeningStatus(StrEnum):
    """The outcome of one bid envelope (a closed set; the fault is in the name)."""

    OPENED = "opened"
    BIDDER_FAULT = "bidder-fault"  # header MAC or payload failure after recombination
    AGENT_SHARE_MISSING = "agent-share-missing"  # the agent released no usable share
    CENTRE_SHARE_MISSING = "centre-share-missing"
    BOTH_SHARES_MISSING = "both-shares-missing"


@dataclass(frozen=True)
class ShareEntry:
    """One envelope's released share; empty when the releasing party cannot unwrap it."""

    envelope_id: str
    share: bytes

    def __post_init__(self) -> None:
        if len(self.share) not in (0, SHARE_BYTES):
            raise EncodingError(
                f"share of {self.envelope_id}: expected {SHARE_BYTES} bytes or none, got {len(self.share)}"
            )

    def encode(self) -> bytes:
        return Writer().str(self.envelope_id).bytes(self.share).finish()

    @classmethod
    def read(cls, r: Reader) -> ShareEntry:
        entry = cls(r.str("envelope_id", max_size=64), r.bytes("share", max_size=SHARE_BYTES))
        r.done()
        return entry

    def to_dict(self) -> dict[str, str]:
        return {"envelope_id": self.envelope_id, "share": self.share.hex()}


@dataclass(frozen=True)
class OpeningEntry:
    """One envelope's outcome: the reason when it failed, the plaintext hash when it opened."""

    envelope_id: str
    bidder: bytes
    status: OpeningStatus
    reason: str  # an envelope failure reason (PROTOCOL.md §9.7) or ""
    plaintext_sha256: bytes  # 32 bytes when opened, else empty
    size: int  # plaintext bytes when opened, else 0

    def encode(self) -> bytes:
        w = (
            Writer()
            .str(self.envelope_id)
            .bytes(self.bidder)
            .str(self.status.value)
            .str(self.reason)
        )
        return w.bytes(self.plaintext_sha256).u64(self.size).finish()

    @classmethod
    def read(cls, r: Reader) -> OpeningEntry:
        envelope_id, bidder = r.str("envelope_id", max_size=64), r.bytes("bidder", size=32)
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
            "status": self.status.value,
            "reason": self.reason,
            "plaintext_sha256": self.plaintext_sha256.hex(),
            "size": self.size,
        }


def missing_status(shares: Mapping[str, bytes]) -> OpeningStatus | None:
    """The party fault when a share is absent or empty; None when both are there."""
    agent, centre = bool(shares.get("agent")), bool(shares.get("centre"))
    if agent and centre:
        return None
    if not agent and not centre:
        return OpeningStatus.BOTH_SHARES_MISSING
    return OpeningStatus.AGENT_SHARE_MISSING if not agent else OpeningStatus.CENTRE_SHARE_MISSING


def failure_status(reason: Reason) -> OpeningStatus:
    """With both shares in, a failure is the bidder's (MAC, payload, format)."""
    if reason.fault is not Fault.BIDDER:
        raise ValueError(f"{reason} is not a failure that happens after recombination")
    return OpeningStatus.BIDDER_FAULT
