"""Longest run of ones in a block, SP 800-22 Rev.1a §2.4 (sts-2.1.2 ``longestRunOfOnes.c``)."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length
from beacon.audit.result import TestResult

NAME = "longest_run"

# sts-2.1.2's three regimes: (minimum n, M, the class values V_0…V_K, class probabilities).
# §2.4.2 tabulates the same M and V; sts-2.1.2 uses N = ⌊n/M⌋ blocks rather than the
# fixed N = 16, 49, 75 of the §2.4.2 table (AUDIT.md §3).
_REGIMES: Final = (
    (
        750_000,
        10_000,
        (10, 11, 12, 13, 14, 15, 16),
        (0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727),
    ),
    (
        6_272,
        128,
        (4, 5, 6, 7, 8, 9),
        (0.1174035788, 0.242955959, 0.249363483, 0.17517706, 0.102701071, 0.112398847),
    ),
    (128, 8, (1, 2, 3, 4), (0.21484375, 0.3671875, 0.23046875, 0.1875)),
)
MIN_BITS: Final = 128


def _longest_runs(blocks: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Longest run of ones in each row, without a loop over bits."""
    width = blocks.shape[1]
    position = np.arange(width, dtype=np.int64)
    # Index of the latest zero at or before each position (−1 if none) ...
    last_zero = np.where(blocks == 0, position, -1)
    np.maximum.accumulate(last_zero, axis=1, out=last_zero)
    # ... so the run of ones ending at each position has length position − last_zero.
    longest: npt.NDArray[np.int64] = (position - last_zero).max(axis=1)
    return longest


def longest_run(bits: object) -> TestResult:
    """Whether the longest run of ones within M-bit blocks is as long as expected.

    M and the classes follow n exactly as sts-2.1.2 chooses them: M = 8 for
    n < 6272, M = 128 for n < 750000, M = 10000 otherwise.
    """
    eps = as_bits(bits)
    n = eps.size
    require_length(NAME, n, MIN_BITS, "sts-2.1.2's smallest regime, M = 8")
    block_length, classes, probabilities = next((m, v, p) for low, m, v, p in _REGIMES if n >= low)
    blocks = n // block_length
    longest = _longest_runs(eps[: blocks * block_length].reshape(blocks, block_length))
    k = len(classes) - 1
    index = np.clip(longest - classes[0], 0, k)
    nu = np.bincount(index, minlength=k + 1)
    expected = blocks * np.asarray(probabilities)
    chi2 = float(np.sum((nu - expected) ** 2 / expected))
    p = float(gammaincc(k / 2.0, chi2 / 2.0))
    params = {"block_length": block_length, "blocks": blocks}
    return TestResult(
        NAME, n, params, ("",), (chi2,), (p,), details={"nu": tuple(int(x) for x in nu)}
    )
