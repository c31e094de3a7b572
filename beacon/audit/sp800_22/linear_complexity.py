"""Linear complexity test, SP 800-22 Rev.1a §2.10 (sts-2.1.2 ``linearComplexity.c``)."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult

NAME = "linear_complexity"

#: sts-2.1.2 ``tp.linearComplexitySequenceLength`` default.
DEFAULT_BLOCK_LENGTH = 500
# §2.10.4 step (5) / sts-2.1.2: the class probabilities for T, K = 6.
_PI: Final = (0.01047, 0.03125, 0.12500, 0.50000, 0.25000, 0.06250, 0.020833)
_EDGES: Final = (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)

_ONE = np.uint64(1)
_TOP = np.uint64(63)


def _shift_up(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Multiply each packed GF(2) polynomial by x (bit i moves to bit i + 1)."""
    carry = words[:, :-1] >> _TOP
    out = words << _ONE
    out[:, 1:] |= carry
    return out


def linear_complexities(blocks: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Berlekamp–Massey linear complexity of every row of ``blocks``, all rows at once.

    Polynomials are bit-packed (coefficient of x^i at bit i % 64 of word i // 64).
    Two registers shift uniformly for every row, which is what makes the per-row
    algorithm vectorise: ``window`` holds ``s_N, s_{N−1}, …, s_0`` (so the
    discrepancy is the parity of ``C & window``) and ``shifted`` holds
    ``x^{N−m}·B(x)``, the correction term, kept pre-shifted.
    """
    rows, length = blocks.shape
    words = (length + 1 + 63) // 64
    c = np.zeros((rows, words), dtype=np.uint64)
    c[:, 0] = _ONE
    shifted = np.zeros_like(c)
    shifted[:, 0] = np.uint64(2)  # B = 1 and m = −1, so x^{0−(−1)}·B = x at N = 0
    window = np.zeros_like(c)
    complexity = np.zeros(rows, dtype=np.int64)
    columns = blocks.astype(np.uint64)
    for step in range(length):
        window = _shift_up(window)
        window[:, 0] |= columns[:, step]
        discrepancy = (np.bitwise_count(c & window).sum(axis=1, dtype=np.int64) & 1).astype(bool)
        grow = discrepancy & (2 * complexity <= step)
        previous = c
        c = np.where(discrepancy[:, None], c ^ shifted, c)
        complexity = np.where(grow, step + 1 - complexity, complexity)
        shifted = _shift_up(np.where(grow[:, None], previous, shifted))
    return complexity


def linear_complexity(bits: object, *, block_length: int = DEFAULT_BLOCK_LENGTH) -> TestResult:
    """Whether the LFSRs generating M-bit blocks are as long as a random sequence's.

    ``T_i = (−1)^M (L_i − μ) + 2/9`` with ``μ = M/2 + (9 + (−1)^{M+1})/36 −
    (M/3 + 2/9)/2^M``, binned into 7 classes; P-value ``igamc(3, χ²/2)``.
    """
    eps = as_bits(bits)
    n = eps.size
    m = block_length
    require_parameter(NAME, "block_length", m, 2)
    require_length(NAME, n, m, f"one block of M = {m} bits")
    blocks = n // m
    complexity = linear_complexities(eps[: blocks * m].reshape(blocks, m))
    sign = -1.0 if (m + 1) % 2 == 0 else 1.0
    mean = m / 2.0 + (9.0 + sign) / 36.0 - 1.0 / 2.0**m * (m / 3.0 + 2.0 / 9.0)
    sign = 1.0 if m % 2 == 0 else -1.0
    t = sign * (complexity - mean) + 2.0 / 9.0
    nu = np.bincount(np.searchsorted(np.asarray(_EDGES), t, side="left"), minlength=7)
    expected = blocks * np.asarray(_PI)
    chi2 = float(np.sum((nu - expected) ** 2 / expected))
    p = float(gammaincc(3.0, chi2 / 2.0))
    details = {"blocks": blocks, "nu": tuple(int(x) for x in nu), "discarded": n - blocks * m}
    return TestResult(NAME, n, {"block_length": m}, ("",), (chi2,), (p,), details=details)
