"""The typed results the steps of PROTOCOL.md §14 establish for later ones, in step order.

Each is a frozen value made by one step module and read by later ones; :class:`Established`
holds those a verification has established so far, each ``None`` while its step has not
run or has failed (a later step that needs it then reports that it depends on it,
:func:`verifier.steps.need`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier.scope import Logged
from verifier.vocabulary import Role


@dataclass(frozen=True)
class Chain:
    """§14.3a: the draw's whole scope chain (§7.6), in log order."""

    statements: tuple[Logged, ...]


@dataclass(frozen=True)
class TimeOfRecord:
    """§14.4, §13.3: each statement's time of record, ``after(L).timeStamp``, by leaf."""

    recorded: Mapping[int, int]


@dataclass(frozen=True)
class Commitments:
    """§14.7: the opening key and the commitment of each party, and each bidder's seed
    envelope submission (by the bidder's fingerprint), all before the commit time point."""

    keys: Mapping[Role, Logged]
    commits: Mapping[Role, Logged]
    envelopes: Mapping[bytes, Logged]


@dataclass(frozen=True)
class Freeze:
    """§14.7: the ``draw.freeze`` (``None`` before the commit deadline) and the parties
    without an opening key or a commitment in the frozen set, which block the draw (§6.4)."""

    statement: Logged | None
    missing: tuple[Role, ...]


@dataclass(frozen=True)
class Snapshot:
    """§14.8: the ``draw.snapshot`` (``None`` without one) and its hash (§10.1; empty without)."""

    statement: Logged | None
    digest: bytes


@dataclass(frozen=True)
class Reveals:
    """§14.9: each revealing party's seed, which opens its frozen commitment."""

    seeds: Mapping[Role, bytes]


@dataclass(frozen=True)
class SeedEnvelopes:
    """§14.10: the released opening keys by party, and each bidder seed by fingerprint as
    ``(status, seed)`` with its §10.2 status."""

    released: Mapping[Role, ec.EllipticCurvePrivateKey]
    bidder_seeds: Mapping[bytes, tuple[str, bytes]]


@dataclass(frozen=True)
class Result:
    """§14.11: the ``draw.result``, its seeds and combined seed checked (``None`` without one)."""

    statement: Logged | None


@dataclass(frozen=True)
class Output:
    """§14.11, §11.8: ``R``, the output the VDF proof verifies for."""

    r: bytes


@dataclass(frozen=True)
class Picks:
    """§14.11, §12: every selection's pick recomputed from ``R``: code, indexes, values."""

    picks: tuple[dict[str, Any], ...]


@dataclass
class Established:
    """What the steps have established so far; each field is set by exactly one step."""

    chain: Chain | None = None
    time_of_record: TimeOfRecord | None = None
    commitments: Commitments | None = None
    freeze: Freeze | None = None
    snapshot: Snapshot | None = None
    reveals: Reveals | None = None
    seed_envelopes: SeedEnvelopes | None = None
    result: Result | None = None
    output: Output | None = None
    picks: Picks | None = None
    final: str | None = None  # §14.12: the final state, or the phase reached
    summary: dict[str, Any] | None = None  # §14.13: the summary the statements give
