"""Shared inputs for the envelope tests: fixed opening keys and a one-call seal."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope
from beacon.core.encoding import Writer
from beacon.core.envelope import EnvelopeInfo


def p256(name: str) -> ec.EllipticCurvePrivateKey:
    """A fixed P-256 key named ``name`` (test-only; the scalar is a hash of the name)."""
    scalar = int.from_bytes(hashlib.sha256(b"tender-beacon/test-keys/" + name.encode()).digest())
    return ec.derive_private_key(scalar % (2**255) + 1, ec.SECP256R1())


A1, A2, C1, C2, OUTSIDER = (p256(n) for n in ("A1", "A2", "C1", "C2", "outsider"))
BIDDER = hashlib.sha256(b"bidder certificate").digest()

BASE: dict[str, Any] = {
    "tender_id": "JS-2026-0142",
    "envelope_id": "bid-7",
    "purpose": "bid",
    "draw_id": "",
    "bidder_fingerprint": BIDDER,
}


def seal(plaintext: bytes = b"a sealed bid", **over: Any) -> tuple[bytes, EnvelopeInfo]:
    """Seal ``plaintext`` to A1, A2 (agent) and C1, C2 (centre) unless overridden."""
    args: dict[str, Any] = {
        **BASE,
        "agent_keys": [A1.public_key(), A2.public_key()],
        "centre_keys": [C1.public_key(), C2.public_key()],
        "random_bytes": os.urandom,
        **over,
    }
    out = io.BytesIO()
    info = envelope.seal(io.BytesIO(plaintext), out, **args)
    return out.getvalue(), info


def shares(
    data: bytes, agent: ec.EllipticCurvePrivateKey = A1, centre: ec.EllipticCurvePrivateKey = C1
) -> dict[str, bytes]:
    header = envelope.parse_header(data)
    return {
        "share_agent": envelope.unwrap_share(header, "agent", agent),
        "share_centre": envelope.unwrap_share(header, "centre", centre),
    }


def open_bytes(data: bytes, **shares: Any) -> bytes:
    out = io.BytesIO()
    envelope.open(io.BytesIO(data), out, **shares)
    return out.getvalue()


def raw_header(**over: Any) -> bytes:
    """A header record written field by field from PROTOCOL.md §9.2, valid unless overridden.

    Independent of :meth:`Header.encode`, so it can also write what that refuses.
    """
    f: dict[str, Any] = {
        "tag": "tender-beacon/v1/envelope",
        "suite": 1,
        "tender_id": "JS-2026-0142",
        "envelope_id": "bid-7",
        "purpose": "bid",
        "draw_id": "",
        "bidder": BIDDER,
        "stanzas": [("agent", bytes([1]) * 32, bytes(97)), ("centre", bytes([2]) * 32, bytes(97))],
        "stanza_extra": b"",
        "extra": b"",
        **over,
    }
    w = Writer().str(f["tag"]).u16(f["suite"])
    w.str(f["tender_id"]).str(f["envelope_id"]).str(f["purpose"]).str(f["draw_id"]).bytes(
        f["bidder"]
    )

    def stanza(w: Writer, s: tuple[str, bytes, bytes]) -> None:
        w.record(Writer().str(s[0]).bytes(s[1]).bytes(s[2]).finish() + f["stanza_extra"])

    w.list(f["stanzas"], stanza)
    return w.finish() + f["extra"]


def frame(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value
