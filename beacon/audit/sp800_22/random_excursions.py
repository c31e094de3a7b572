"""Random excursions test, SP 800-22 Rev.1a §2.14 (sts-2.1.2 ``randomExcursions.c``).

The walk helpers here are shared with the variant test (§2.15).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincc

from beacon.audit.bits import as_bits
from beacon.audit.result import TestResult, not_applicable

NAME = "random_excursions"

STATES: Final = (-4, -3, -2, -1, 1, 2, 3, 4)

# §3.14 / sts-2.1.2: π_k(x), the probability that a cycle visits state x exactly k times
# (k = 0 … 4) or at least 5 times, indexed by |x|. Copied digit for digit from sts-2.1.2.
_PI: Final = (
    (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    (0.5000000000, 0.25000000000, 0.12500000000, 0.06250000000, 0.03125000000, 0.0312500000),
    (0.7500000000, 0.06250000000, 0.04687500000, 0.03515625000, 0.02636718750, 0.0791015625),
    (0.8333333333, 0.02777777778, 0.02314814815, 0.01929012346, 0.01607510288, 0.0803755143),
    (0.8750000000, 0.01562500000, 0.01367187500, 0.01196289063, 0.01046752930, 0.0732727051),
)


def walk(bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """The partial sums ``S_k`` of ``2ε − 1`` (§2.14.4 step (2))."""
    return np.cumsum(2 * bits.astype(np.int64) - 1)


def cycle_count(s: npt.NDArray[np.int64]) -> int:
    """J: the zero crossings, plus one for an unfinished last cycle (sts-2.1.2's count)."""
    return int(np.count_nonzero(s == 0)) + (1 if s[-1] != 0 else 0)


def minimum_cycles(n: int) -> float:
    """sts-2.1.2's applicability bound ``max(0.005·√n, 500)`` (§2.14.7 states 500)."""
    return max(0.005 * math.sqrt(n), 500.0)


def random_excursions(bits: object, *, min_cycles: float | None = None) -> TestResult:
    """Whether the walk visits states ±1 … ±4 per cycle as often as a random walk would.

    Eight P-values labelled ``x=-4`` … ``x=4``. Not applicable (no P-values) when J is
    below ``min_cycles`` (default: sts-2.1.2's bound), or when J exceeds
    ``max(1000, n/100)``, where sts-2.1.2 aborts the test for lack of cycle storage.
    ``min_cycles`` may be lowered only to rerun the §2.14.4 worked example.
    """
    eps = as_bits(bits)
    n = eps.size
    s = walk(eps)
    cycles = cycle_count(s)
    bound = minimum_cycles(n) if min_cycles is None else float(min_cycles)
    params = {"min_cycles": bound}
    details: dict[str, object] = {"cycles": cycles}
    limit = max(1000, n // 100)
    zeros = int(np.count_nonzero(s == 0))
    if zeros > limit:
        # sts-2.1.2 stores at most max(1000, n/100) cycle ends and aborts the test beyond.
        return not_applicable(
            NAME, n, params, f"{zeros} returns to zero exceed sts-2.1.2's limit of {limit}", details
        )
    if cycles < bound:
        return not_applicable(
            NAME, n, params, f"J = {cycles} cycles, fewer than {bound:g}", details
        )
    # Cycle j runs from just after the (j−1)-th zero to the j-th; visits to each state
    # are counted per cycle with one bincount over (cycle, state) pairs.
    cycle_of = np.concatenate([[0], np.cumsum(s[:-1] == 0)])
    visited = (s != 0) & (np.abs(s) <= 4)
    state_index = np.where(s > 0, s + 3, s + 4)[visited]
    per_cycle = np.bincount(cycle_of[visited] * 8 + state_index, minlength=cycles * 8).reshape(
        cycles, 8
    )
    nu = np.stack([np.bincount(np.minimum(per_cycle[:, i], 5), minlength=6) for i in range(8)])
    labels, statistics, pvalues = [], [], []
    for i, x in enumerate(STATES):
        pi = np.asarray(_PI[abs(x)])
        chi2 = float(np.sum((nu[i] - cycles * pi) ** 2 / (cycles * pi)))
        labels.append(f"x={x}")
        statistics.append(chi2)
        pvalues.append(float(gammaincc(2.5, chi2 / 2.0)))
    details["nu"] = tuple(tuple(int(v) for v in row) for row in nu)
    return TestResult(
        NAME, n, params, tuple(labels), tuple(statistics), tuple(pvalues), details=details
    )
