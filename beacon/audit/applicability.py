"""Which SP 800-22 tests a sequence of n bits supports, and which it supports well.

Two thresholds per test (docs/AUDIT.md §9):

* **computable** — the fewest bits for which the test runs at all with sts-2.1.2's
  defaults (:data:`beacon.audit.sp800_22.suite.TESTS`); below it there is no
  P-value;
* **recommended** — the input size SP 800-22 Rev.1a recommends in §2.x.7 for the
  default parameters. Between the two, the test runs but its P-value rests on an
  approximation the publication does not vouch for at that length, and a report
  must say so rather than present the number as if it were full strength.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from beacon.audit.sp800_22 import approximate_entropy, serial
from beacon.audit.sp800_22.suite import TESTS
from beacon.errors import InputError


def _log2_floor_above(m: int, slack: int) -> int:
    """The fewest n with m < ⌊log2 n⌋ − slack, i.e. ⌊log2 n⌋ ≥ m + slack + 1."""
    return 1 << (m + slack + 1)


#: SP 800-22 Rev.1a §2.x.7 input size recommendations, for sts-2.1.2's default parameters.
RECOMMENDED: Final[dict[str, tuple[int, str]]] = {
    "frequency": (100, "§2.1.7: n ≥ 100"),
    "block_frequency": (100, "§2.2.7: n ≥ 100"),
    "cumulative_sums": (100, "§2.13.7: n ≥ 100"),
    "runs": (100, "§2.3.7: n ≥ 100"),
    "longest_run": (128, "§2.4.7: n ≥ 128 (M = 8; M grows with n as the table says)"),
    "rank": (38_912, "§2.5.7: n ≥ 38·M·Q = 38,912 for 32×32 matrices"),
    "dft": (1_000, "§2.6.7: n ≥ 1000"),
    "non_overlapping_template": (
        72,
        "§2.7.7 sets no length; N = 8 blocks ≤ 100 and M > 0.01·n hold at any n",
    ),
    "overlapping_template": (1_000_000, "§2.8.7: n ≥ 10^6"),
    "universal": (387_840, "§2.9.7: n ≥ (Q + K)·L = 387,840 for L = 6"),
    "approximate_entropy": (
        _log2_floor_above(approximate_entropy.DEFAULT_BLOCK_LENGTH, 5),
        f"§2.12.7: m = {approximate_entropy.DEFAULT_BLOCK_LENGTH} < ⌊log2 n⌋ − 5",
    ),
    "random_excursions": (1_000_000, "§2.14.7: n ≥ 10^6"),
    "random_excursions_variant": (1_000_000, "§2.15.7: n ≥ 10^6"),
    "serial": (
        _log2_floor_above(serial.DEFAULT_BLOCK_LENGTH, 2),
        f"§2.11.7: m = {serial.DEFAULT_BLOCK_LENGTH} < ⌊log2 n⌋ − 2",
    ),
    "linear_complexity": (1_000_000, "§2.10.7: n ≥ 10^6"),
}


@dataclass(frozen=True)
class Applicability:
    """One test at one length: can it run, and is the length the recommended one?"""

    name: str
    bits: int
    computable_from: int
    recommended_from: int
    recommendation: str
    why_minimum: str

    @property
    def computable(self) -> bool:
        return self.bits >= self.computable_from

    @property
    def recommended(self) -> bool:
        return self.bits >= self.recommended_from

    @property
    def status(self) -> str:
        """``"recommended"``, ``"below recommendation"`` or ``"not computable"``."""
        if self.recommended and self.computable:
            return "recommended"
        return "below recommendation" if self.computable else "not computable"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "computable_from": self.computable_from,
            "recommended_from": self.recommended_from,
            "recommendation": self.recommendation,
        }


def applicability(bits: int) -> tuple[Applicability, ...]:
    """Every suite test's status at ``bits`` bits, in sts-2.1.2's order."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0:
        raise InputError(f"bits must be a non-negative integer, got {bits!r}", field="bits")
    return tuple(
        Applicability(
            name=t.name,
            bits=bits,
            computable_from=t.min_bits,
            recommended_from=max(RECOMMENDED[t.name][0], t.min_bits),
            recommendation=RECOMMENDED[t.name][1],
            why_minimum=t.why,
        )
        for t in TESTS
    )
