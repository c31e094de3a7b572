"""The typed results the steps of PROTOCOL.md §14.1 establish for later ones, in step order.

:class:`Established` holds those a verification has established so far, each ``None``
while its step has not run or has failed (:func:`verifier.steps.need`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.envelope import Header
from verifier.scope import Logged
from verifier.steps import need
from verifier.vocabulary import Role


@dataclass(frozen=True)
class OpeningKeys:
    """§14.1 step 5: every announced opening key as ``(leaf, role, public key)``, in log order."""

    announced: tuple[tuple[int, Role, bytes], ...]


# PROTOCOL.md §14.1 steps 6–8: the keys a bid must be sealed to, and a release must hold.
def keys_before(keys: OpeningKeys | None, role: Role, leaf: int) -> list[bytes]:
    """The role's announced public keys logged before ``leaf``, in log order."""
    return [k for at, r, k in need(keys, "keys").announced if r == role and at < leaf]


@dataclass(frozen=True)
class BidHistory:
    """§14.1 step 6: every envelope a bid statement brought, as ``(envelope id, bidder,
    state)``: ``standing``, ``replaced by …`` or ``withdrawn``."""

    envelopes: tuple[tuple[str, bytes, str], ...]


@dataclass(frozen=True)
class FrozenBids:
    """§14.1 step 6: the standing bids in the log order of the statements that brought them
    (none before the closing time point), and each one's parsed header by envelope id."""

    frozen: tuple[Logged, ...]
    headers: Mapping[str, Header]


@dataclass(frozen=True)
class Releases:
    """§14.1 step 7: each releasing role's private keys by their public key."""

    released: Mapping[Role, Mapping[bytes, ec.EllipticCurvePrivateKey]]


@dataclass(frozen=True)
class Outcome:
    """§14.1 step 8: one bid's outcome in the opening record, and how far it was rechecked."""

    envelope_id: str
    bidder: bytes
    status: str
    reason: str
    checked: str


@dataclass
class Established:
    """What the steps have established so far; each field is set by exactly one step."""

    publish: Logged | None = None  # step 3: the tender.publish
    keys: OpeningKeys | None = None
    history: BidHistory | None = None
    bids: FrozenBids | None = None
    releases: Releases | None = None
    outcomes: tuple[Outcome, ...] | None = None
