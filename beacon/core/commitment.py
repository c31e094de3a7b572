"""Seed commitments (PROTOCOL.md §4).

``commitment = SHA-256(F(label) ‖ F(draw_id) ‖ F(role) ‖ F(fingerprint) ‖ F(seed))``

The seed is 32 uniformly random bytes, so the commitment hides it; binding the draw
id and the party stops a commitment from being replayed in another draw or claimed
by another party.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from beacon.core import labels
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.vocabulary import SEED_ROLES
from beacon.errors import EncodingError, InputError, VerificationError

SEED_BYTES = 32


@dataclass(frozen=True, order=True)
class Party:
    """A seed contributor: a role and the SHA-256 fingerprint of its certificate."""

    role: str
    fingerprint: bytes

    def __post_init__(self) -> None:
        if isinstance(self.role, str):  # a Role member is held as the string it equals
            object.__setattr__(self, "role", str(self.role))
        if self.role not in SEED_ROLES:
            raise InputError(
                f"party role must be one of {', '.join(SEED_ROLES)}, got {self.role!r}"
            )
        if len(self.fingerprint) != 32:
            raise InputError(
                f"certificate fingerprint must be 32 bytes, got {len(self.fingerprint)}"
            )

    @property
    def sort_key(self) -> tuple[int, bytes]:
        """Canonical order (§10): centre, then agent, then bidders by fingerprint."""
        return SEED_ROLES.index(self.role), self.fingerprint

    def __str__(self) -> str:
        return f"{self.role}:{self.fingerprint.hex()[:16]}"


def _check_seed(seed: bytes) -> None:
    if len(seed) != SEED_BYTES:
        raise InputError(f"a seed is {SEED_BYTES} bytes, got {len(seed)}")


def commit(draw_id: str, party: Party, seed: bytes) -> bytes:
    """The 32-byte commitment to ``seed`` by ``party`` for ``draw_id``."""
    _check_seed(seed)
    return sha256_fields(
        labels.COMMITMENT, draw_id.encode(), party.role.encode(), party.fingerprint, seed
    )


def verify(draw_id: str, party: Party, seed: bytes, commitment: bytes) -> None:
    """Raise :class:`VerificationError` unless ``seed`` opens ``commitment``."""
    expected = commit(draw_id, party, seed)
    if not hmac.compare_digest(expected, commitment):
        raise VerificationError(
            f"draw {draw_id}: the revealed seed of {party} does not match its commitment"
        )


class SeedStatus(StrEnum):
    """Why a party's seed is or is not in the combination (a closed set, §10.2)."""

    INCLUDED = "included"
    NOT_REVEALED = "not-revealed"  # centre/agent committed but did not reveal in time
    ENVELOPE_INVALID = "envelope-invalid"  # bidder's fault: MAC, payload or format failure
    KEY_NOT_RELEASED = "key-not-released"  # a party did not release its seed opening key


@dataclass(frozen=True)
class SeedEntry:
    """One contributor's seed as the result records it."""

    party: Party
    status: SeedStatus
    seed: bytes  # 32 bytes when included, empty otherwise

    def __post_init__(self) -> None:
        want = SEED_BYTES if self.status is SeedStatus.INCLUDED else 0
        if len(self.seed) != want:
            raise InputError(
                f"{self.party}: a {self.status.value} seed entry holds {want} seed bytes, got {len(self.seed)}"
            )

    def encode(self) -> bytes:
        w = Writer().str(self.party.role).bytes(self.party.fingerprint).str(self.status.value)
        return w.bytes(self.seed).finish()

    @classmethod
    def read(cls, r: Reader) -> SeedEntry:
        role, fingerprint = r.str("role", max_size=16), r.bytes("fingerprint", size=32)
        status = r.str("status", max_size=32)
        try:
            parsed = SeedStatus(status)
        except ValueError:
            raise EncodingError(
                f"seed status {status!r} is not one of {[s.value for s in SeedStatus]}"
            ) from None
        entry = cls(Party(role, fingerprint), parsed, r.bytes("seed", max_size=SEED_BYTES))
        r.done()
        return entry

    def to_dict(self) -> dict[str, str]:
        return {
            "role": self.party.role,
            "fingerprint": self.party.fingerprint.hex(),
            "status": self.status.value,
            "seed": self.seed.hex(),
        }
