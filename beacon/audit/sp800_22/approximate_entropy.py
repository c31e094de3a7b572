"""Approximate entropy test, SP 800-22 Rev.1a §2.12 (sts-2.1.2 ``approximateEntropy.c``)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaincc

from beacon.audit.bits import as_bits, require_length, require_parameter
from beacon.audit.result import TestResult
from beacon.audit.sp800_22.patterns import pattern_counts

NAME = "approximate_entropy"

#: sts-2.1.2 ``tp.approximateEntropyBlockLength`` default.
DEFAULT_BLOCK_LENGTH = 10


def _phi(bits: np.ndarray, m: int) -> float:
    # §2.12.4 step (4): φ^(m) = Σ π_i ln π_i over the 2^m circular pattern frequencies.
    if m == 0:
        return 0.0
    n = bits.size
    counts = pattern_counts(bits, m)
    counts = counts[counts > 0].astype(np.float64)
    return float(np.sum(counts * np.log(counts / n))) / n


def approximate_entropy(bits: object, *, block_length: int = DEFAULT_BLOCK_LENGTH) -> TestResult:
    """Whether overlapping m- and (m+1)-bit patterns are as frequent as in a random sequence.

    ``ApEn(m) = φ^(m) − φ^(m+1)``, ``χ² = 2n(ln 2 − ApEn)``, P-value
    ``igamc(2^{m−1}, χ²/2)``. sts-2.1.2 only warns when m > ⌊log2 n⌋ − 5; so do we,
    through ``details["block_length_too_large"]``.
    """
    eps = as_bits(bits)
    n = eps.size
    m = block_length
    require_parameter(NAME, "block_length", m, 1, 24)
    require_length(NAME, n, m + 1, f"one window of m + 1 = {m + 1} bits")
    apen = _phi(eps, m) - _phi(eps, m + 1)
    chi2 = 2.0 * n * (math.log(2) - apen)
    p = float(gammaincc(2.0 ** (m - 1), chi2 / 2.0))
    too_large = m > int(math.log(n) / math.log(2) - 5)
    return TestResult(
        NAME,
        n,
        {"block_length": m},
        ("",),
        (chi2,),
        (p,),
        details={"apen": apen, "block_length_too_large": too_large},
    )
