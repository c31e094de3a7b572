"""The body of each statement kind (PROTOCOL.md §6.3), one frozen dataclass each.

Fields are declared in encoding order with their wire type (:func:`wire`);
``tests/core/test_bodies.py`` checks every declaration against the table of §6.3
in docs/PROTOCOL.md. :data:`BODY_TYPES` maps each :class:`StatementKind` to its
class; :meth:`~beacon.core.body_wire.Body.from_dict` and ``to_dict`` are the
strict JSON presentation, ``decode`` and ``encode`` the canonical bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Final

from beacon.core.body_wire import MAX_CERT_BYTES, Body, wire
from beacon.core.commitment import SeedEntry
from beacon.core.opening import OpeningEntry
from beacon.core.selection import Pick
from beacon.core.vocabulary import StatementKind as K


@dataclass(frozen=True)
class TenderRegisterBody(Body):
    """Binds a certificate to a role for one tender (§3.3): the beacon registers centre
    operators and supervisors; a registered centre registers the agent and bidders. The
    certificate travels with its fingerprint, so that anyone can check it was valid, under
    the anchors and of a party's profile, when it was registered."""

    KIND: ClassVar = K.TENDER_REGISTER
    role: str = field(metadata=wire("str"))
    fingerprint: bytes = field(metadata=wire("b32"))
    certificate: bytes = field(metadata=wire("bytes", MAX_CERT_BYTES))


@dataclass(frozen=True)
class DrawPublishBody(Body):
    """The agent publishes a definition (§5), in its canonical bytes."""

    KIND: ClassVar = K.DRAW_PUBLISH
    definition: bytes = field(metadata=wire("bytes", 1 << 20))


@dataclass(frozen=True)
class DrawCountersignBody(Body):
    """The centre countersigns the published definition's hash."""

    KIND: ClassVar = K.DRAW_COUNTERSIGN
    definition_hash: bytes = field(metadata=wire("b32"))


@dataclass(frozen=True)
class DrawOpeningKeyBody(Body):
    """A per-draw opening key for the bidder seed envelopes (§9): SEC1 uncompressed
    P-256, with the key's own signature proving its announcer holds it (§9.3)."""

    KIND: ClassVar = K.DRAW_OPENING_KEY
    public_key: bytes = field(metadata=wire("bytes", 133))
    possession: bytes = field(metadata=wire("bytes", 72))


@dataclass(frozen=True)
class DrawCommitBody(Body):
    KIND: ClassVar = K.DRAW_COMMIT
    commitment: bytes = field(metadata=wire("b32"))


@dataclass(frozen=True)
class DrawRevealBody(Body):
    KIND: ClassVar = K.DRAW_REVEAL
    seed: bytes = field(metadata=wire("b32"))


@dataclass(frozen=True)
class DrawFreezeBody(Body):
    """The beacon freezes the commitment set at the first pulse at/after the commit deadline."""

    KIND: ClassVar = K.DRAW_FREEZE
    tree_size: int = field(metadata=wire("u64"))
    root_hash: bytes = field(metadata=wire("b32"))
    pulse_chain: int = field(metadata=wire("u64"))
    pulse_index: int = field(metadata=wire("u64"))
    commitments: tuple[int, ...] = field(metadata=wire("u64_list", 1 << 16))


@dataclass(frozen=True)
class DrawSnapshotBody(Body):
    """The agent's signed list of valid bid ids, sorted, for draws among bids."""

    KIND: ClassVar = K.DRAW_SNAPSHOT
    bid_ids: tuple[str, ...] = field(metadata=wire("str_list", 1 << 16))


@dataclass(frozen=True)
class DrawKeyReleaseBody(Body):
    """Release of a party's per-draw opening key (PKCS#8 DER), after both reveals."""

    KIND: ClassVar = K.DRAW_KEY_RELEASE
    private_key: bytes = field(metadata=wire("bytes", 512))


@dataclass(frozen=True)
class DrawResultBody(Body):
    """The beacon's result: everything the draw computed (§10-§12)."""

    KIND: ClassVar = K.DRAW_RESULT
    definition_hash: bytes = field(metadata=wire("b32"))
    freeze_tree_size: int = field(metadata=wire("u64"))
    freeze_root_hash: bytes = field(metadata=wire("b32"))
    snapshot_hash: bytes = field(metadata=wire("bytes", 32))
    seeds: tuple[SeedEntry, ...] = field(metadata=wire("seeds", 1 << 16))
    combined_seed: bytes = field(metadata=wire("bytes", 64))
    vdf_t: int = field(metadata=wire("u64"))
    y: bytes = field(metadata=wire("bytes", 256))
    pi: bytes = field(metadata=wire("bytes", 256))
    output: bytes = field(metadata=wire("bytes", 64))
    picks: tuple[Pick, ...] = field(metadata=wire("picks", 64))
    # The leaf indexes of the snapshot, reveals and key releases the seeds come from, as
    # draw.freeze lists the commitments: a bundle cannot leave one out unseen.
    inputs: tuple[int, ...] = field(metadata=wire("u64_list", 1 << 16))


@dataclass(frozen=True)
class DrawObjectionBody(Body):
    KIND: ClassVar = K.DRAW_OBJECTION
    reason: str = field(metadata=wire("text", 4000))


@dataclass(frozen=True)
class DrawConfirmBody(Body):
    KIND: ClassVar = K.DRAW_CONFIRM
    result: bytes = field(metadata=wire("b32"))


@dataclass(frozen=True)
class DrawVoidBody(Body):
    KIND: ClassVar = K.DRAW_VOID
    reason: str = field(metadata=wire("text", 4000))


# The bid opening (§9.9): the agent fixes the bid and release deadlines, both parties
# announce per-tender opening keys and, after the closing pulse, release every one of them
# (PKCS#8 DER) in one statement each; the beacon logs the outcome of every frozen bid
# envelope.


@dataclass(frozen=True)
class TenderPublishBody(Body):
    KIND: ClassVar = K.TENDER_PUBLISH
    title: str = field(metadata=wire("text", 400))
    bid_deadline: int = field(metadata=wire("u64"))
    release_deadline: int = field(metadata=wire("u64"))


@dataclass(frozen=True)
class TenderOpeningKeyBody(Body):
    KIND: ClassVar = K.TENDER_OPENING_KEY
    public_key: bytes = field(metadata=wire("bytes", 133))
    possession: bytes = field(metadata=wire("bytes", 72))


@dataclass(frozen=True)
class TenderKeyReleaseBody(Body):
    KIND: ClassVar = K.TENDER_KEY_RELEASE
    private_keys: tuple[bytes, ...] = field(metadata=wire("bytes_list", 2))


@dataclass(frozen=True)
class TenderOpeningBody(Body):
    KIND: ClassVar = K.TENDER_OPENING
    tree_size: int = field(metadata=wire("u64"))
    root_hash: bytes = field(metadata=wire("b32"))
    # The leaf indexes of the key releases it opened with, as draw.result's inputs.
    releases: tuple[int, ...] = field(metadata=wire("u64_list", 2))
    openings: tuple[OpeningEntry, ...] = field(metadata=wire("openings", 100_000))


@dataclass(frozen=True)
class EnvelopeSubmitBody(Body):
    """A bidder's sealed envelope (bid or draw seed), identified by the hash of its bytes."""

    KIND: ClassVar = K.ENVELOPE_SUBMIT
    envelope_id: str = field(metadata=wire("str"))
    purpose: str = field(metadata=wire("str"))
    envelope_hash: bytes = field(metadata=wire("b32"))
    size: int = field(metadata=wire("u64"))


@dataclass(frozen=True)
class EnvelopeReplaceBody(Body):
    """Before the bid deadline a bidder may put a new bid envelope in place of its standing
    bid (§9.9 step 3a); bids only: a seed envelope is a commitment."""

    KIND: ClassVar = K.ENVELOPE_REPLACE
    replaces: str = field(metadata=wire("str"))
    envelope_id: str = field(metadata=wire("str"))
    envelope_hash: bytes = field(metadata=wire("b32"))
    size: int = field(metadata=wire("u64"))


@dataclass(frozen=True)
class EnvelopeWithdrawBody(Body):
    """Before the bid deadline a bidder may withdraw its standing bid (§9.9 step 3a)."""

    KIND: ClassVar = K.ENVELOPE_WITHDRAW
    envelope_id: str = field(metadata=wire("str"))


BODY_TYPES: Final[Mapping[K, type[Body]]] = MappingProxyType(
    {
        cls.KIND: cls
        for cls in (
            TenderRegisterBody,
            DrawPublishBody,
            DrawCountersignBody,
            DrawOpeningKeyBody,
            DrawCommitBody,
            DrawRevealBody,
            DrawFreezeBody,
            DrawSnapshotBody,
            DrawKeyReleaseBody,
            DrawResultBody,
            DrawObjectionBody,
            DrawConfirmBody,
            DrawVoidBody,
            TenderPublishBody,
            TenderOpeningKeyBody,
            TenderKeyReleaseBody,
            TenderOpeningBody,
            EnvelopeSubmitBody,
            EnvelopeReplaceBody,
            EnvelopeWithdrawBody,
        )
    }
)
