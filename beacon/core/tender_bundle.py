"""The tender bundle (PROTOCOL.md §13.4): everything needed to recheck a bid opening offline.

It carries the tender's statements (deadlines, opening keys, bid submissions, key
releases, the opening record, and the registrations behind them) with their log
inclusion proofs, the header and MAC of every frozen bid envelope, never a payload
(bids are confidential), the pulses that timestamp the log at the closing and the
release deadline and at the end, the beacon's certificates and the trust anchors.
From the released keys and the headers anyone recomputes every share and header
MAC and so every outcome but a payload's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from beacon.core import presentation as pres
from beacon.core.bundle import LoggedStatement, TimePoint
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.errors import EncodingError

FORMAT: Final = "tender-beacon/v2/tender-bundle"
TIME_POINT_NAMES: Final = ("closing", "release")  # the bid deadline, the release deadline
MAX_ITEMS: Final = 100_000
MAX_HEADER_BYTES: Final = 16384  # PROTOCOL.md §9.2
MAC_BYTES: Final = 32


@dataclass(frozen=True)
class BidHeader:
    """A frozen bid envelope's header record and header MAC: its first two fields (§9.1)."""

    envelope_id: str
    header: bytes
    mac: bytes

    def to_dict(self) -> dict[str, str]:
        return {"envelope_id": self.envelope_id, "header": self.header.hex(), "mac": self.mac.hex()}

    @classmethod
    def from_dict(cls, value: Any, what: str) -> BidHeader:
        obj = pres.as_object(value, what)
        pres.check_members(obj, what, required={"envelope_id", "header", "mac"})
        header = pres.hex_bytes(obj["header"], f"{what}.header", size=None)
        if len(header) > MAX_HEADER_BYTES:
            raise EncodingError(f"{what}.header: {len(header)} bytes, at most {MAX_HEADER_BYTES}")
        return cls(
            envelope_id=pres.text(obj, "envelope_id", what),
            header=header,
            mac=pres.hex_bytes(obj["mac"], f"{what}.mac", size=MAC_BYTES),
        )


@dataclass(frozen=True)
class TenderBundle:
    """One tender's bid opening, offline-verifiable (the payloads stay private)."""

    tender_id: str
    trust_anchors: tuple[bytes, ...]
    beacon_certificates: tuple[bytes, ...]
    statements: tuple[LoggedStatement, ...]  # in log order
    bid_headers: tuple[BidHeader, ...]  # the frozen bids, in the log order of their submissions
    tree_head: TreeHead
    pulse: Pulse
    time_points: tuple[TimePoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "tender_id": self.tender_id,
            "trust_anchors": [pres.b64(c) for c in self.trust_anchors],
            "beacon_certificates": [pres.b64(c) for c in self.beacon_certificates],
            "statements": [s.to_dict() for s in self.statements],
            "bid_headers": [h.to_dict() for h in self.bid_headers],
            "log": {"tree_head": self.tree_head.to_dict(), "pulse": self.pulse.to_json()},
            "time_points": [t.to_dict() for t in self.time_points],
        }

    @classmethod
    def from_dict(cls, value: Any) -> TenderBundle:
        what = "tender_bundle"
        obj = pres.as_object(value, what)
        pres.check_members(
            obj,
            what,
            required={
                "format",
                "tender_id",
                "trust_anchors",
                "beacon_certificates",
                "statements",
                "bid_headers",
                "log",
                "time_points",
            },
        )
        if obj["format"] != FORMAT:
            raise EncodingError(f"{what}.format: expected {FORMAT!r}, got {obj['format']!r}")
        log = pres.as_object(obj["log"], f"{what}.log")
        pres.check_members(log, f"{what}.log", required={"tree_head", "pulse"})
        headers = tuple(
            BidHeader.from_dict(h, f"{what}.bid_headers[{i}]")
            for i, h in enumerate(_list(obj["bid_headers"], f"{what}.bid_headers"))
        )
        if len({h.envelope_id for h in headers}) != len(headers):
            raise EncodingError(f"{what}.bid_headers: an envelope appears twice")
        return cls(
            tender_id=pres.text(obj, "tender_id", what),
            trust_anchors=tuple(
                pres.b64_bytes(c, f"{what}.trust_anchors")
                for c in _list(obj["trust_anchors"], f"{what}.trust_anchors")
            ),
            beacon_certificates=tuple(
                pres.b64_bytes(c, f"{what}.beacon_certificates")
                for c in _list(obj["beacon_certificates"], f"{what}.beacon_certificates")
            ),
            statements=tuple(
                LoggedStatement.from_dict(s, f"{what}.statements[{i}]")
                for i, s in enumerate(_list(obj["statements"], f"{what}.statements"))
            ),
            bid_headers=headers,
            tree_head=TreeHead.from_dict(log["tree_head"]),
            pulse=Pulse.from_json(log["pulse"]),
            time_points=tuple(
                TimePoint.from_dict(t, f"{what}.time_points[{i}]", names=TIME_POINT_NAMES)
                for i, t in enumerate(_list(obj["time_points"], f"{what}.time_points"))
            ),
        )


def _list(value: Any, what: str) -> Sequence[Any]:
    return pres.array(value, what, max_items=MAX_ITEMS)
