"""A statement's time of record (PROTOCOL.md §13.3).

``issued_at`` is what a signer claims; the log fixes when the statement was really
logged: after the pulse before its leaf (``before``) was made, and before the pulse
after it (``after``) was made, which is before ``after``'s timeStamp plus one period
(§8.4). A statement's ``issued_at`` must lie within the clock-skew tolerance ``S`` of
that interval: ``S = 0`` for the beacon, whose clock is the pulse clock, and the
protocol's maximum :data:`MAX_SKEW_MS` for every party.
"""

from __future__ import annotations

from typing import Final

from beacon.core.vocabulary import Role

# PROTOCOL.md §6.5: S_max. A deployment may lower its tolerance, never raise it, so a
# verifier needs no configuration to bound every party's issued_at.
MAX_SKEW_MS: Final = 300_000


def tolerance(role: str) -> int:
    """``S`` of §13.3 for a statement made by ``role``."""
    return 0 if role == Role.BEACON else MAX_SKEW_MS


def bounds(
    role: str, *, before_ms: int | None, after_ms: int, after_period_ms: int
) -> tuple[int | None, int]:
    """The allowed ``issued_at``: at least the first value (if any), below the second."""
    s = tolerance(role)
    return (None if before_ms is None else before_ms - s), after_ms + after_period_ms + s
